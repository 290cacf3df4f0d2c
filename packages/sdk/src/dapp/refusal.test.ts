import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { describeBackendError, describeVariant } from './refusal.js';

const bob = Principal.fromText('2vxsx-fae');

describe('a backend refusal in words', () => {
  it('names the holder when the caller is not it', () => {
    expect(describeBackendError({ NotOwner: { caller: Principal.anonymous(), owner: [bob] } }, 'alice'))
      .toBe('refused: alice does not hold this dapp\'s NFT (its holder is 2vxsx-fae)');
  });
  it('says what the manager refused', () => {
    expect(describeBackendError({ Upgrade: { Busy: { canister: bob, operation: 3n, since: 0n } } }, 'x')).toBe('refused: the canister is busy with operation 3; wait for it to finish');
    expect(describeBackendError({ Upgrade: { NoUpgradePath: { from: [], to: new Uint8Array([1]), reason: 'no previous_hash link' } } }, 'x')).toBe('refused: no upgrade path: no previous_hash link');
    expect(describeBackendError({ Upgrade: { Deprecated: new Uint8Array(32) } }, 'x')).toMatch(/^refused: the version 000000000000… is deprecated$/);
  });
  it('falls back to the variant', () => {
    expect(describeBackendError({ InvalidArgument: 'too long' }, 'x')).toBe('refused by the backend: InvalidArgument too long');
    expect(describeVariant({ Unauthorized: null })).toBe('Unauthorized');
    expect(describeVariant({ A: { b: 1n, c: [bob] } })).toBe('A { b = 1; c = 2vxsx-fae }');
  });
});
