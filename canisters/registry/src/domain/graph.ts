/**
 * Versions of a canister type form a graph through `previous_hash`: each version says which
 * module it upgrades from. This module decides which registrations keep that graph sound and
 * finds upgrade paths in it.
 *
 * Rules (the registry's contract):
 * - `previous_hash` must name a registered version of the same canister type, with a lower
 *   version number, and may not lead back to the version being registered (no cycles);
 * - among non-deprecated versions of a type, version numbers are unique and so are
 *   predecessors (the draft's `NonDeprecatedWasmFound`): from any module there is at most one live
 *   next step, so upgrade paths are unambiguous;
 * - a deprecated version is never a target; a path through a deprecated or unverified
 *   intermediate version is refused, naming that version (deprecation means "do not install",
 *   and the manager installs every step). Publishers route around a withdrawn step by registering
 *   a version whose `previous_hash` skips it.
 */
import { compareVersions } from './versions.js';
import type { CanisterTypeRecord, RegistryView, Version, WasmRecord } from './model.js';

export interface Registration {
  namespace: string;
  version: Version;
  hash: string;
  previousHash: string | undefined;
}

export type RegistrationError =
  | { kind: 'UnknownCanisterType' }
  | { kind: 'AlreadyRegistered'; hash: string }
  | { kind: 'UnknownPreviousHash'; hash: string }
  | { kind: 'PreviousHashOfAnotherType'; hash: string }
  | { kind: 'UpgradeCycle'; hash: string }
  | { kind: 'VersionNotAfterPrevious'; previous: Version }
  | { kind: 'VersionNotBeforeNext'; next: Version }
  | { kind: 'NonDeprecatedWasmFound'; hash: string };

/**
 * Whether `r` may be registered. `existing` is the record with the same hash, if any: an
 * unverified registration of the same type may be replaced (its chunks are discarded).
 */
export function checkRegistration(view: RegistryView, r: Registration): RegistrationError | undefined {
  const type = view.types.get(r.namespace);
  if (!type) return { kind: 'UnknownCanisterType' };
  const existing = view.wasms.get(r.hash);
  if (existing && (existing.calculatedHash !== undefined || existing.namespace !== r.namespace)) {
    return { kind: 'AlreadyRegistered', hash: r.hash };
  }
  if (r.previousHash !== undefined) {
    const previous = view.wasms.get(r.previousHash);
    if (!previous) return { kind: 'UnknownPreviousHash', hash: r.previousHash };
    if (previous.namespace !== r.namespace) return { kind: 'PreviousHashOfAnotherType', hash: r.previousHash };
    if (leadsTo(view, r.previousHash, r.hash)) return { kind: 'UpgradeCycle', hash: r.previousHash };
    if (compareVersions(r.version, previous.version) <= 0) return { kind: 'VersionNotAfterPrevious', previous: previous.version };
  }
  if (existing) {
    // Replacing an unverified version must keep it below the versions that already upgrade from it.
    for (const next of view.wasms.values()) {
      if (next.previousHash === r.hash && compareVersions(next.version, r.version) <= 0) return { kind: 'VersionNotBeforeNext', next: next.version };
    }
  }
  for (const other of view.wasms.values()) {
    if (other.namespace !== r.namespace || other.deprecated || other.hash === r.hash) continue;
    if (compareVersions(other.version, r.version) === 0 || other.previousHash === r.previousHash) {
      return { kind: 'NonDeprecatedWasmFound', hash: other.hash };
    }
  }
  return undefined;
}

/** Whether following `previous_hash` links from `from` reaches `to` (or `from` is `to`). */
function leadsTo(view: RegistryView, from: string, to: string): boolean {
  const seen = new Set<string>();
  for (let at: string | undefined = from; at !== undefined && !seen.has(at); at = view.wasms.get(at)?.previousHash) {
    if (at === to) return true;
    seen.add(at);
  }
  return false;
}

export type UpgradePathError =
  | { kind: 'UnknownCanisterType' }
  | { kind: 'UnknownTarget' }
  | { kind: 'TargetDeprecated' }
  | { kind: 'TargetNotVerified' }
  | { kind: 'NoPath' }
  | { kind: 'DeprecatedStep'; hash: string }
  | { kind: 'UnverifiedStep'; hash: string };

/**
 * The versions to install, in order, to go from the module `current` to the version `target`
 * of `namespace`: the chain of `previous_hash` links from the target back to `current`. Empty
 * when `current` is the target.
 *
 * @example
 * upgradePath(view, 'org.lineage.backend', v1Hash, v3Hash) // → { ok: [v2, v3] }
 */
export function upgradePath(view: RegistryView, namespace: string, current: string, target: string): { ok: WasmRecord[] } | { error: UpgradePathError } {
  if (!view.types.has(namespace)) return { error: { kind: 'UnknownCanisterType' } };
  const goal = view.wasms.get(target);
  if (!goal || goal.namespace !== namespace) return { error: { kind: 'UnknownTarget' } };
  if (goal.deprecated) return { error: { kind: 'TargetDeprecated' } };
  if (goal.calculatedHash === undefined) return { error: { kind: 'TargetNotVerified' } };
  if (current === target) return { ok: [] };
  // Walk back from the target to `current` first: a deprecated or unverified step is only worth
  // naming when there is a path through it at all.
  const steps: WasmRecord[] = [];
  const seen = new Set<string>();
  let reached = false;
  for (let step: WasmRecord | undefined = goal; step; step = step.previousHash === undefined ? undefined : view.wasms.get(step.previousHash)) {
    if (seen.has(step.hash)) break;
    seen.add(step.hash);
    steps.unshift(step);
    if (step.previousHash === current) {
      reached = true;
      break;
    }
  }
  if (reached) {
    for (const step of steps) {
      if (step === goal) continue;
      if (step.deprecated) return { error: { kind: 'DeprecatedStep', hash: step.hash } };
      if (step.calculatedHash === undefined) return { error: { kind: 'UnverifiedStep', hash: step.hash } };
    }
    return { ok: steps };
  }
  return { error: { kind: 'NoPath' } };
}

/** Hashes of every version that upgrades, directly or through others, from `hash`. */
export function descendants(view: RegistryView, hash: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const w of view.wasms.values()) {
    if (w.previousHash === undefined) continue;
    const list = children.get(w.previousHash) ?? [];
    list.push(w.hash);
    children.set(w.previousHash, list);
  }
  const found = new Set<string>();
  const queue = [...(children.get(hash) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (found.has(next)) continue;
    found.add(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** The versions of a type, oldest registration first. */
export function versionsOf(view: RegistryView, type: CanisterTypeRecord): WasmRecord[] {
  return [...view.wasms.values()].filter((w) => w.namespace === type.namespace).sort((a, b) => a.seq - b.seq);
}
