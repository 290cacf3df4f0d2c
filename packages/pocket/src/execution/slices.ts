/**
 * Deterministic time slicing (IC: a long message runs one slice of instructions per round and
 * continues in the next rounds): how many rounds after its first one an execution of
 * `instructions` still holds its canister. The emulator runs the execution at once and completes it
 * that many rounds later.
 *
 * @example roundsAfterFirst(4_300_000_000n, 2_000_000_000n) // 2: it completes in its third round
 */
export function roundsAfterFirst(instructions: bigint, slice: bigint): number {
  const slices = (instructions + slice - 1n) / slice;
  return slices > 1n ? Number(slices - 1n) : 0;
}
