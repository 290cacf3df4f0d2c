/**
 * The manager's own canister snapshots (IC interface spec § take_canister_snapshot): it takes one
 * of a target before every install, keeps at most `keep` per target (oldest replaced first), and
 * never touches a snapshot it did not take. The IC allows 10 per canister in all.
 */

/** A snapshot the manager took, as it remembers it. `id` is the IC's snapshot id in hex. */
export interface OwnSnapshot {
  id: string;
  takenAt: bigint;
  /** The module hash the target ran when the snapshot was taken. */
  module: string | undefined;
  /** The operation that took it. */
  operation: bigint;
}

export const DEFAULT_SNAPSHOTS_KEPT = 1;
/** The IC keeps at most this many snapshots per canister (`LIMITS` of the replica). */
export const IC_SNAPSHOTS_PER_CANISTER = 10;

/**
 * Which of the manager's snapshots the next one replaces (`replace_snapshot`), so that at most
 * `keep` remain; `undefined` when there is room. Only snapshots the IC still lists count (another
 * controller may have deleted one), and only the manager's own. When the canister already has the
 * IC's 10 (others' included), the manager's oldest is replaced even below `keep`: taking one more
 * would be refused.
 *
 * @example
 * snapshotToReplace([{ id: 'aa', … }], ['aa', 'bb'], 1) // → 'aa' ('bb' is not the manager's)
 */
export function snapshotToReplace(ours: OwnSnapshot[], onIc: string[], keep: number): string | undefined {
  const live = ours.filter((s) => onIc.includes(s.id));
  if (live.length < keep && onIc.length < IC_SNAPSHOTS_PER_CANISTER) return undefined;
  return [...live].sort((a, b) => (a.takenAt < b.takenAt ? -1 : a.takenAt > b.takenAt ? 1 : 0))[0]?.id;
}

/** The manager's snapshots after taking `taken` in place of `replaced` (forgetting any the IC no longer has). */
export function afterTaking(ours: OwnSnapshot[], onIc: string[], taken: OwnSnapshot, replaced: string | undefined): OwnSnapshot[] {
  return [...ours.filter((s) => s.id !== replaced && onIc.includes(s.id)), taken];
}

/** The snapshot to load for a rollback or a restore: the newest the manager took that the IC still has. */
export function latestSnapshot(ours: OwnSnapshot[], onIc: string[]): OwnSnapshot | undefined {
  const live = ours.filter((s) => onIc.includes(s.id));
  return live.sort((a, b) => (a.takenAt > b.takenAt ? -1 : a.takenAt < b.takenAt ? 1 : 0))[0];
}
