/**
 * Deciding what an upgrade request means before anything is touched: the target version must be
 * present, verified and not deprecated, and the canister must run a module from which a chain of
 * `previous_hash` links leads to it. Every refusal here happens before the first side effect.
 */
import type { RegistryVersion, Step } from './model.js';

export type Refusal =
  | { kind: 'VersionNotFound'; hash: string }
  | { kind: 'NotVerified'; hash: string }
  | { kind: 'Deprecated'; hash: string }
  | { kind: 'AlreadyAtVersion'; hash: string }
  | { kind: 'NoUpgradePath'; from: string | undefined; to: string; reason: string };

/**
 * The first look at a request: refuses what can never be installed, answers a one-step upgrade
 * directly (the common case needs no path query), and otherwise asks for the registry's path.
 *
 * @example
 * checkTarget(v1Hash, v2) // → { steps: [{ from: v1Hash, to: v2.hash, version: v2.version }] }
 * checkTarget(v1Hash, v3) // → { needsPath: true } when v3.previousHash is v2
 */
export function checkTarget(current: string | undefined, targetHash: string, target: RegistryVersion | undefined): { steps: Step[] } | { needsPath: true } | Refusal {
  if (!target) return { kind: 'VersionNotFound', hash: targetHash };
  if (target.deprecated) return { kind: 'Deprecated', hash: target.hash };
  if (!target.verified) return { kind: 'NotVerified', hash: target.hash };
  if (current === undefined) {
    return { kind: 'NoUpgradePath', from: undefined, to: target.hash, reason: 'the canister has no module installed; a new dapp is installed by spawning it' };
  }
  if (current === target.hash) return { kind: 'AlreadyAtVersion', hash: target.hash };
  if (target.previousHash === current) return { steps: [{ from: current, to: target.hash, version: target.version }] };
  return { needsPath: true };
}

/** The registry's refusals of `icrc118_get_upgrade_path`, as the manager explains them. */
export type PathError =
  | { kind: 'UnknownCanisterType' } | { kind: 'UnknownTarget' } | { kind: 'TargetDeprecated' } | { kind: 'TargetNotVerified' }
  | { kind: 'NoPath' } | { kind: 'DeprecatedStep'; hash: string } | { kind: 'UnverifiedStep'; hash: string };

export function explainPathError(error: PathError): string {
  switch (error.kind) {
    case 'NoPath': return 'no chain of previous_hash links leads from the running module to the target version';
    case 'DeprecatedStep': return `the path passes through version ${error.hash}, which is deprecated`;
    case 'UnverifiedStep': return `the path passes through version ${error.hash}, which is not verified`;
    case 'UnknownCanisterType': return 'the registry does not know the canister type of the target version';
    case 'UnknownTarget': return 'the registry does not know the target version';
    case 'TargetDeprecated': return 'the target version is deprecated';
    case 'TargetNotVerified': return 'the target version is not verified';
  }
}

/**
 * Turns the registry's path (the versions to install, in order) into steps, checking again what
 * the manager relies on: each step is verified, not deprecated, and follows from the previous one.
 * `versions` are the registry records of the path's hashes.
 */
export function stepsFromPath(current: string, targetHash: string, path: string[], versions: Map<string, RegistryVersion>): { steps: Step[] } | Refusal {
  if (path.length === 0) {
    return current === targetHash
      ? { kind: 'AlreadyAtVersion', hash: targetHash }
      : { kind: 'NoUpgradePath', from: current, to: targetHash, reason: 'the registry answered an empty path, but the canister does not run the target' };
  }
  if (path[path.length - 1] !== targetHash) {
    return { kind: 'NoUpgradePath', from: current, to: targetHash, reason: 'the registry answered a path that does not end at the target' };
  }
  const steps: Step[] = [];
  let from = current;
  for (const hash of path) {
    const v = versions.get(hash);
    if (!v) return { kind: 'VersionNotFound', hash };
    if (v.deprecated) return { kind: 'NoUpgradePath', from: current, to: targetHash, reason: `the path passes through version ${hash}, which is deprecated` };
    if (!v.verified) return { kind: 'NoUpgradePath', from: current, to: targetHash, reason: `the path passes through version ${hash}, which is not verified` };
    if (v.previousHash !== from) {
      return { kind: 'NoUpgradePath', from: current, to: targetHash, reason: `version ${hash} does not upgrade from ${from}` };
    }
    steps.push({ from, to: hash, version: v.version });
    from = hash;
  }
  return { steps };
}
