import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fullBucket, takeToken, type Bucket, type BucketRule } from './token-bucket.js';

const rule: BucketRule = { burst: 10, refillNanos: 10_000_000_000n };

describe('takeToken', () => {
  it('grants a burst, then refuses until time refills it', () => {
    let bucket = fullBucket(rule, 0n);
    for (let i = 0; i < rule.burst; i++) {
      const r = takeToken(rule, bucket, 5n);
      expect(r.granted).toBe(true);
      bucket = r.bucket;
    }
    expect(takeToken(rule, bucket, 5n).granted).toBe(false);
    expect(takeToken(rule, bucket, 5n + rule.refillNanos - 1n).granted).toBe(false);
    const refilled = takeToken(rule, bucket, 5n + rule.refillNanos);
    expect(refilled.granted).toBe(true);
    expect(takeToken(rule, refilled.bucket, 5n + rule.refillNanos).granted).toBe(false);
  });

  it('never grants more than the burst plus one per refill period, whatever the request times (property)', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 100n * rule.refillNanos }), { maxLength: 500 }), (times) => {
      times.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      let bucket: Bucket = fullBucket(rule, 0n);
      let granted = 0;
      for (const t of times) {
        const r = takeToken(rule, bucket, t);
        bucket = r.bucket;
        if (r.granted) granted++;
      }
      const last = times.at(-1) ?? 0n;
      expect(granted).toBeLessThanOrEqual(rule.burst + Number(last / rule.refillNanos));
    }));
  });
});
