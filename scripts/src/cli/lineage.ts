/**
 * What several commands share about Lineage itself: the canister types and built modules, how a
 * version is named, how a dapp is found from one of its canisters, what a canister runs now.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Certificate, lookupResultToBuffer } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { buildCanister, findDfxRoot } from '@lineage/canister-build';
import { formatVersion, fromHex, recordedHash, toHex, versionsOf } from '@lineage/sdk';
import type { DappInfo, DappRole, Wasm } from '@lineage/types';
import { semver, sha256Hex } from '@lineage/types';

import type { Context } from './context.js';
import { networkError, usageError } from './errors.js';

/** The canisters Lineage builds, by their dfx.json names. */
export const CANISTERS = ['registry', 'nft', 'backend', 'manager', 'asset'] as const;
export type CanisterName = (typeof CANISTERS)[number];

/** A dapp's parts and the registry canister types they are published as. */
export const ROLES = ['backend', 'manager', 'asset'] as const;
export type Role = (typeof ROLES)[number];
export const NAMESPACES: Record<Role, string> = {
  backend: 'org.lineage.backend',
  manager: 'org.lineage.manager',
  asset: 'org.lineage.asset',
};
export const REPO_URL = 'https://github.com/lineage-dapps/lineage';

const require = createRequire(import.meta.url);

/**
 * Where the repo's build left the module of `name` as it is published and installed: gzipped
 * (`dist/<name>.wasm.gz`, 1.3 MB instead of 4.3 MB for an Azle module); undefined when it has not
 * been built (a package export whose file is missing does not resolve).
 */
export function builtWasmPath(name: CanisterName): string | undefined {
  try {
    return require.resolve(`@lineage/${name}-canister/wasm.gz`);
  } catch {
    return undefined;
  }
}

/** The built module of `name` (gzipped), built with the repo's own build first when it is missing. */
export async function builtWasm(name: CanisterName, say: (text: string) => void = () => undefined): Promise<Uint8Array> {
  let path = builtWasmPath(name);
  if (!path || !existsSync(path)) {
    say(`building ${name} (it has not been built yet)`);
    path = (await buildCanister(name, { root: findDfxRoot(dirname(fileURLToPath(import.meta.url))) })).gzipPath;
  }
  return new Uint8Array(readFileSync(path));
}

export const roleVariant = (role: Role): DappRole => (role === 'backend' ? { Backend: null } : role === 'manager' ? { Manager: null } : { Asset: null });

/** `org.lineage.backend 2.0.0` */
export const versionLabel = (w: Wasm) => `${w.canister_type_namespace} ${formatVersion(w.version_number)}`;

/** The canister ids file's names of a dapp's canisters: `backend`… or `<dapp>.backend`… */
export const dappCanisterName = (dapp: string | undefined, role: Role) => (dapp ? `${dapp}.${role}` : role);

/** Unwraps `{ Ok }`, or throws a network error describing `{ Err }` / `{ Error }`. */
export function unwrap<T>(result: { Ok: T } | { Err: unknown } | { Error: unknown }, what: string): T {
  if ('Ok' in result) return result.Ok;
  const err = 'Err' in result ? result.Err : result.Error;
  throw networkError(`${what} was refused: ${describeVariant(err)}`);
}

/** `NotOwner { caller = …; owner = … }` in one line, principals as text and blobs as hex. */
export function describeVariant(value: unknown): string {
  const show = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return toHex(v).length > 16 ? `${toHex(v).slice(0, 12)}…` : toHex(v);
    if (typeof (v as { toText?: unknown }).toText === 'function') return (v as Principal).toText();
    if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(show).join(', ');
    const entries = Object.entries(v as object);
    if (entries.length === 1) {
      const [k, inner] = entries[0]!;
      const rest = show(inner);
      return rest ? `${k} (${rest})` : k;
    }
    return entries.map(([k, x]) => `${k}: ${show(x)}`).join('; ');
  };
  return show(value);
}

/**
 * Reads `canister/<id>/<path>` from the certified state tree and verifies the certificate: the
 * bytes, or undefined when the path is absent (an empty canister has no `module_hash`).
 */
export async function readCanisterState(ctx: Context, canister: Principal, path: string[]): Promise<Uint8Array | undefined> {
  const agent = await ctx.agent();
  const encoded = [new TextEncoder().encode('canister'), canister.toUint8Array(), ...path.map((p) => new TextEncoder().encode(p))];
  const response = await agent.readState(canister, { paths: [encoded] });
  const certificate = await Certificate.create({ certificate: response.certificate, rootKey: agent.rootKey!, canisterId: canister, agent });
  const found = lookupResultToBuffer(certificate.lookup_path(encoded));
  return found === undefined ? undefined : new Uint8Array(found);
}

/** What `read_state` says a canister runs now (hex), undefined when it is empty. */
export async function moduleHashOf(ctx: Context, canister: Principal): Promise<string | undefined> {
  const hash = await readCanisterState(ctx, canister, ['module_hash']);
  return hash === undefined ? undefined : toHex(hash);
}

/**
 * Whether a canister exists on the network: the state tree has its controllers (every canister,
 * installed or empty, has a controllers entry; a deleted or unknown one does not).
 */
export async function canisterExists(ctx: Context, canister: Principal): Promise<boolean> {
  try {
    return (await readCanisterState(ctx, canister, ['controllers'])) !== undefined;
  } catch {
    return false;
  }
}

/** The version record of `hash`, or undefined. */
export async function findVersion(registry: { icrc118_get_wasms: (r: never) => Promise<Wasm[]> }, hash: string): Promise<Wasm | undefined> {
  const found = await registry.icrc118_get_wasms({ filter: [[{ hash: fromHex(hash) }]], prev: [], take: [1n] } as never);
  return found.find((w) => toHex(w.hash) === hash);
}

/** Names (`org.lineage.backend 2.0.0`) of the given module hashes that the registry knows. */
export async function versionNames(registry: { icrc118_get_wasms: (r: never) => Promise<Wasm[]> }, hashes: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const unique = [...new Set(hashes)];
  for (let i = 0; i < unique.length; i += 20) {
    const batch = unique.slice(i, i + 20);
    const found = await registry.icrc118_get_wasms({ filter: [batch.map((h) => ({ hash: fromHex(h) }))], prev: [], take: [BigInt(batch.length)] } as never);
    for (const w of found) names.set(toHex(w.hash), versionLabel(w));
  }
  return names;
}

/**
 * The registry version `spec` names in `namespace`: a module hash (64 hex digits) or a version
 * number (`2.0.0`; the non-deprecated one if several were registered).
 */
export async function resolveVersion(registry: { icrc118_get_wasms: (r: never) => Promise<Wasm[]> }, namespace: string, spec: string, field = '--to'): Promise<Wasm> {
  if (sha256Hex.safeParse(spec.toLowerCase()).success) {
    const found = await findVersion(registry, spec.toLowerCase());
    if (!found) throw usageError(`${field}: the registry has no module ${spec}`, `\`lineage registry show ${namespace}\` lists its versions`);
    if (found.canister_type_namespace !== namespace) throw usageError(`${field}: module ${spec.slice(0, 12)}… is ${versionLabel(found)}, not a version of ${namespace}`);
    return found;
  }
  const parsed = semver.safeParse(spec.replace(/^v/, ''));
  if (!parsed.success) throw usageError(`${field}: "${spec}" is neither a version (1.2.0) nor a module hash (64 hex digits)`);
  const wanted = parsed.data.join('.');
  const all = (await versionsOf(registry as never, namespace)).filter((w) => formatVersion(w.version_number) === wanted);
  const found = all.find((w) => !w.deprecated) ?? all[0];
  if (!found) {
    const known = (await versionsOf(registry as never, namespace)).map((w) => formatVersion(w.version_number));
    throw usageError(
      `${field}: the registry has no version ${wanted} of ${namespace}`,
      known.length ? `its versions: ${[...new Set(known)].join(', ')}` : `${namespace} has no versions yet: publish one with \`lineage publish\``,
    );
  }
  return found;
}

export const isVerified = (w: Wasm) => recordedHash(w.calculated_hash) !== undefined;

/** A dapp found from one of its canisters. */
export interface DappRef {
  /** The dapp's name in the ids file (`undefined` for the project's own dapp). */
  name: string | undefined;
  info: DappInfo;
}

/**
 * The dapp `canister` belongs to and the role it plays there. `canister` is a name from the ids file
 * (`backend`, `asset`, `<dapp>.manager`…) or an id; `--backend` names the dapp's backend when the
 * canister alone does not tell.
 */
export async function findDapp(ctx: Context, canister: string, backendSpec?: string): Promise<{ dapp: DappRef; role: Role; target: Principal }> {
  const network = ctx.network.name;
  let backend: Principal | undefined;
  let dappName: string | undefined;
  let role: Role | undefined;
  const target = ctx.canister(canister);
  const name = ctx.ids.nameOf(target, network) ?? canister;
  const match = /^(?:(.+)\.)?(backend|manager|asset)$/.exec(name);
  if (backendSpec) backend = ctx.canister(backendSpec, 'backend');
  else if (match) {
    dappName = match[1];
    role = match[2] as Role;
    backend = ctx.ids.get(dappCanisterName(dappName, 'backend'), network);
  }
  backend ??= target;
  const actor = await ctx.backend(backend);
  let info: DappInfo;
  try {
    info = await actor.dapp();
  } catch (error) {
    throw usageError(
      `cannot tell which dapp ${canister} belongs to: ${backend.toText()} is not a Lineage backend (${(error as Error).message.split('\n')[0]})`,
      'name a dapp canister from the ids file (backend, manager, asset, <dapp>.backend…) or pass --backend <id>',
    );
  }
  if (!role) {
    if (info.backend.toText() === target.toText()) role = 'backend';
    else if (info.manager.toText() === target.toText()) role = 'manager';
    else if (info.asset[0]?.toText() === target.toText()) role = 'asset';
    else throw usageError(`${canister} is not one of the canisters of the dapp whose backend is ${backend.toText()}`);
  }
  return { dapp: { name: dappName, info }, role, target };
}

