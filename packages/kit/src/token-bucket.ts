/**
 * A token bucket over IC time: how often callers nobody vouches for may make a canister start
 * work that costs it (an inter-canister call, a log entry). A burst is granted at once, then one
 * token per refill period, so in any span t at most `burst + t / refillNanos` are granted,
 * however many requests arrive.
 */

export interface Bucket {
  tokens: number;
  /** When the bucket was last full or last refilled (nanoseconds). */
  at: bigint;
}

export interface BucketRule {
  burst: number;
  refillNanos: bigint;
}

export const fullBucket = (rule: BucketRule, now: bigint): Bucket => ({ tokens: rule.burst, at: now });

/**
 * Takes one token at `now`, if there is one.
 *
 * @example
 * const rule = { burst: 10, refillNanos: 10_000_000_000n };
 * const { granted, bucket } = takeToken(rule, stored ?? fullBucket(rule, now), now);
 */
export function takeToken(rule: BucketRule, bucket: Bucket, now: bigint): { granted: boolean; bucket: Bucket } {
  const refills = now > bucket.at ? Number((now - bucket.at) / rule.refillNanos) : 0;
  const tokens = Math.min(rule.burst, bucket.tokens + refills);
  const at = tokens === rule.burst ? now : bucket.at + BigInt(refills) * rule.refillNanos;
  if (tokens === 0) return { granted: false, bucket: { tokens, at } };
  return { granted: true, bucket: { tokens: tokens - 1, at } };
}
