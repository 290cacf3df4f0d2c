/**
 * Keeping the history complete although the IC keeps only the most recent changes of a canister
 * (IC interface specification § IC method `canister_info`: at least the 20 most recent changes
 * remain, `total_num_changes` counts all). The manager remembers how many changes it has
 * accounted for; whatever `canister_info` shows beyond that is new.
 */
import type { ObservedChange } from './model.js';

export interface CanisterInfoView {
  totalChanges: bigint;
  /** The most recent changes, oldest first. */
  recent: ObservedChange[];
}

export interface NewChanges {
  /** Changes not accounted for yet, oldest first. */
  changes: ObservedChange[];
  /** Changes that happened after `seen` but are no longer in `canister_info`. */
  gap: { missed: bigint; lastSeen: bigint; nowTotal: bigint } | undefined;
  /** The new number of changes accounted for. */
  seen: bigint;
}

/**
 * The changes of `info` after the first `seen` ones.
 *
 * @example
 * newChanges(3n, { totalChanges: 5n, recent: [c1, c2, c3, c4, c5] }) // → changes [c4, c5], seen 5n
 */
export function newChanges(seen: bigint, info: CanisterInfoView): NewChanges {
  const firstShown = info.totalChanges - BigInt(info.recent.length);
  if (info.totalChanges <= seen) return { changes: [], gap: undefined, seen };
  const gap = firstShown > seen ? { missed: firstShown - seen, lastSeen: seen, nowTotal: info.totalChanges } : undefined;
  const skip = seen > firstShown ? Number(seen - firstShown) : 0;
  return { changes: info.recent.slice(skip), gap, seen: info.totalChanges };
}

export interface Reconciled extends NewChanges {
  /** The change this deployment made, when found. */
  ours: ObservedChange | undefined;
  /** New changes other than ours, each marked as before or after it. */
  before: ObservedChange[];
  after: ObservedChange[];
}

/**
 * After a deployment, separates the change it made (the last code deployment of `moduleHash`
 * by `installer`) from changes other controllers made meanwhile, so each is recorded once.
 */
export function reconcileDeployment(seen: bigint, info: CanisterInfoView, moduleHash: string, installer: string): Reconciled {
  const fresh = newChanges(seen, info);
  let oursAt = -1;
  fresh.changes.forEach((c, i) => {
    if (c.details.kind === 'code_deployment' && c.details.moduleHash === moduleHash && c.origin.principal === installer) oursAt = i;
  });
  return {
    ...fresh,
    ours: oursAt >= 0 ? fresh.changes[oursAt] : undefined,
    before: oursAt >= 0 ? fresh.changes.slice(0, oursAt) : fresh.changes,
    after: oursAt >= 0 ? fresh.changes.slice(oursAt + 1) : [],
  };
}
