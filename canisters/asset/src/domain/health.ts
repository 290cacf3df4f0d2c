/**
 * The asset canister's `lineage_health` (issue 15): its state is loaded and the certified history
 * agrees with the assets it serves — the last history entry records the current asset tree's root
 * and asset count. The manager asks it after installing a new asset canister and loads the
 * pre-upgrade snapshot back when it fails.
 */

export interface AssetStateSummary {
  /** The last history entry, if any (there is always one after `init`). */
  last: { root: Uint8Array; assetCount: bigint } | undefined;
  /** The root of the asset tree as it is now, and the number of assets. */
  treeRoot: Uint8Array;
  assetCount: bigint;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * Every broken invariant, in words; empty when the state is sound.
 *
 * @example
 * assetProblems({ last: undefined, treeRoot, assetCount: 0n }) // → ['the root history is empty']
 */
export function assetProblems(s: AssetStateSummary): string[] {
  if (!s.last) return ['the root history is empty'];
  const problems: string[] = [];
  if (hex(s.last.root) !== hex(s.treeRoot)) problems.push(`the last certified root ${hex(s.last.root).slice(0, 16)}… is not the asset tree's root ${hex(s.treeRoot).slice(0, 16)}…`);
  if (s.last.assetCount !== s.assetCount) problems.push(`the last history entry counts ${s.last.assetCount} assets, the canister holds ${s.assetCount}`);
  return problems;
}
