/**
 * One operation per canister at a time. A lock is taken before the first await of a request and
 * released when the operation ends; a lock older than `LOCK_TTL_NANOS` belongs to an operation
 * that can no longer finish (its continuation trapped, or a controller never completed a
 * self-upgrade) and no longer blocks.
 */

export interface Lock {
  canister: string;
  operation: bigint;
  since: bigint;
}

/** One hour: far longer than any upgrade takes, short enough that a lost lock heals the same day. */
export const LOCK_TTL_NANOS = 3_600_000_000_000n;

/** The lock that keeps `canister` busy at `now`, if any. */
export function liveLock(lock: Lock | undefined, now: bigint): Lock | undefined {
  if (!lock) return undefined;
  return now - lock.since < LOCK_TTL_NANOS ? lock : undefined;
}
