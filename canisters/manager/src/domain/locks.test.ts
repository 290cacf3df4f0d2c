import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { LOCK_TTL_NANOS, liveLock, type Lock } from './locks.js';

const SINCE = 1_700_000_000_000_000_000n;
const lock: Lock = { canister: 'rrkah-fqaaa-aaaaa-aaaaq-cai', operation: 4n, since: SINCE };

describe('liveLock', () => {
  it('answers nothing when no lock is held', () => {
    expect(liveLock(undefined, SINCE)).toBeUndefined();
  });

  it('keeps the canister busy from the moment the lock is taken until just before LOCK_TTL_NANOS', () => {
    expect(liveLock(lock, SINCE)).toBe(lock);
    expect(liveLock(lock, SINCE + 1n)).toBe(lock);
    expect(liveLock(lock, SINCE + LOCK_TTL_NANOS - 1n)).toBe(lock);
  });

  it('lets the lock go once LOCK_TTL_NANOS have passed', () => {
    expect(liveLock(lock, SINCE + LOCK_TTL_NANOS)).toBeUndefined();
    expect(liveLock(lock, SINCE + LOCK_TTL_NANOS + 1n)).toBeUndefined();
    expect(liveLock(lock, SINCE + 100n * LOCK_TTL_NANOS)).toBeUndefined();
  });

  it('uses a TTL of one hour, far longer than an upgrade', () => {
    expect(LOCK_TTL_NANOS).toBe(60n * 60n * 1_000_000_000n);
  });

  it('is live exactly while less than the TTL has elapsed', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 3n * LOCK_TTL_NANOS }), (since, elapsed) => {
        const l = { ...lock, since };
        expect(liveLock(l, since + elapsed)).toBe(elapsed < LOCK_TTL_NANOS ? l : undefined);
      }),
      { numRuns: 200 },
    );
  });
});
