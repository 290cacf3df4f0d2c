/** Who may do what (the registry's contract; anonymous callers may only read). */
import type { CanisterTypeRecord, RegistryConfig } from './model.js';

export const ANONYMOUS = '2vxsx-fae';

/** Registry admins: its controllers and the admins named at install. */
export function isAdmin(config: RegistryConfig, caller: string, callerIsController: boolean): boolean {
  return caller !== ANONYMOUS && (callerIsController || config.admins.includes(caller));
}

export function mayCreateType(config: RegistryConfig, caller: string, callerIsController: boolean): boolean {
  if (caller === ANONYMOUS) return false;
  return config.openTypeCreation || isAdmin(config, caller, callerIsController);
}

/** Canister-type controllers manage their type: publish, deprecate, manage controllers. */
export function controlsType(type: CanisterTypeRecord, caller: string): boolean {
  return caller !== ANONYMOUS && type.controllers.includes(caller);
}

/** Namespaces: dot-separated lowercase segments (`org.lineage.backend`), as ICRC-86 names domains. */
export function namespaceProblem(namespace: string): string | undefined {
  if (namespace.length === 0 || namespace.length > 256) return 'a namespace has 1 to 256 characters';
  if (!/^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/.test(namespace)) {
    return 'a namespace is dot-separated segments of lowercase letters, digits, "-" and "_", like "org.lineage.backend"';
  }
  return undefined;
}
