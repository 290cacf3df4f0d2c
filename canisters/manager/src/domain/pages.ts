/** Paging through an append-only history by log index, with or without a canister filter. */

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 500;
/**
 * Instructions a history page may spend before it stops early (16% of the IC's 5 billion per
 * query): each entry costs ~18 million to read and encode in Azle, so 500 would exceed the limit
 * (the cost table measured 1.77 billion for 100). The caller pages on from the last entry; the
 * sdk reads by `total`, not by a full page. Encoding the reply after the last entry adds about
 * 0.2 billion, so a page stays near 20% of the limit.
 */
export const PAGE_INSTRUCTION_BUDGET = 800_000_000n;

/**
 * The positions (0 … count−1) of one page. `indexAt(n)` is the log index of position n and grows
 * with n; a page holds the entries after `prev` (ascending) or before it (descending), at most `take`.
 *
 * @example
 * pagePositions(10n, (n) => n * 2n, 7n, 3, false) // → [4n, 5n, 6n] (indexes 8, 10, 12)
 */
export function pagePositions(count: bigint, indexAt: (n: bigint) => bigint, prev: bigint | undefined, take: number, descending: boolean): bigint[] {
  const size = BigInt(Math.max(0, Math.min(take, MAX_PAGE)));
  if (count === 0n || size === 0n) return [];
  // First position whose index is > prev (ascending) or >= prev (descending).
  const firstAbove = (bound: bigint, strict: boolean): bigint => {
    let lo = 0n;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      const at = indexAt(mid);
      if (strict ? at > bound : at >= bound) hi = mid;
      else lo = mid + 1n;
    }
    return lo;
  };
  const out: bigint[] = [];
  if (!descending) {
    const start = prev === undefined ? 0n : firstAbove(prev, true);
    for (let n = start; n < count && BigInt(out.length) < size; n++) out.push(n);
  } else {
    const end = prev === undefined ? count : firstAbove(prev, false);
    for (let n = end - 1n; n >= 0n && BigInt(out.length) < size; n--) out.push(n);
  }
  return out;
}
