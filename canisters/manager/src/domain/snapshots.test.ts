import { describe, expect, it } from 'vitest';

import { IC_SNAPSHOTS_PER_CANISTER, snapshotToReplace, type OwnSnapshot } from './snapshots.js';

const own = (id: string, takenAt: bigint): OwnSnapshot => ({ id, takenAt, module: undefined, operation: 1n });

describe('snapshotToReplace', () => {
  it('takes a new one while fewer than `keep` of the manager\'s are on the IC, then replaces its oldest', () => {
    const ours = [own('b', 2n), own('a', 1n)];
    expect(snapshotToReplace(ours, ['a', 'b', 'x'], 3)).toBeUndefined();
    expect(snapshotToReplace(ours, ['a', 'b', 'x'], 2)).toBe('a');
    // One another controller deleted no longer counts.
    expect(snapshotToReplace(ours, ['b', 'x'], 2)).toBeUndefined();
  });

  it('never names a snapshot it did not take, and replaces its own oldest when the IC\'s 10 are used', () => {
    const foreign = Array.from({ length: IC_SNAPSHOTS_PER_CANISTER - 2 }, (_, i) => `x${i}`);
    const ours = [own('a', 1n), own('b', 2n)];
    expect(snapshotToReplace(ours, [...foreign, 'a', 'b'], 5)).toBe('a');
    expect(snapshotToReplace([], [...foreign, 'y', 'z'], 5)).toBeUndefined();
  });
});
