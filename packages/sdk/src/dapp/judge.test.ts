import { describe, expect, it } from 'vitest';

import { judgeDapp, type DappFacts } from './judge.js';

const B = 'backend-cai', M = 'manager-cai', A = 'asset-cai', ALICE = 'alice', BOB = 'bob';

/** A clean dapp held by Alice. */
function clean(): DappFacts {
  return {
    backend: B,
    config: { nft: 'nft-cai', tokenId: 1n, manager: M, registry: 'registry-cai', asset: A },
    holder: ALICE, tokenBackend: B,
    ownership: { holder: ALICE, handedOver: true, handedOverTo: ALICE },
    canisters: (['backend', 'manager', 'asset'] as const).map((role, i) => ({
      role, id: [B, M, A][i]!, controllers: [B, M].sort(), moduleHash: `${i}`.repeat(64), version: { label: `org.lineage.${role} 1.0.0`, deprecated: false },
    })),
    permissions: { Commit: [ALICE], Prepare: [], ManagePermissions: [] },
    pending: [],
  };
}

const failed = (f: DappFacts) => judgeDapp(f).filter((c) => !c.ok).map((c) => c.check);

describe('judgeDapp', () => {
  it('passes a clean dapp, one line per check', () => {
    const checks = judgeDapp(clean());
    expect(checks.map((c) => c.check)).toEqual([
      'token', 'holder', 'controllers:backend', 'controllers:manager', 'controllers:asset', 'module:backend', 'module:manager', 'module:asset',
      'permissions', 'pending',
    ]);
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('names an extra controller, and a missing one', () => {
    const f = clean();
    f.canisters[2]!.controllers = [B, M, ALICE];
    f.canisters[0]!.controllers = [M];
    expect(failed(f)).toEqual(['controllers:backend', 'controllers:asset']);
    expect(judgeDapp(f).find((c) => c.check === 'controllers:asset')!.detail).toMatch(/also controlled by alice/);
  });

  it('fails a token that names another backend, and a hand-over not done for the holder', () => {
    expect(failed({ ...clean(), tokenBackend: 'other-cai' })).toEqual(['token']);
    expect(failed({ ...clean(), holder: BOB })).toEqual(['holder', 'permissions']);
    expect(failed({ ...clean(), ownership: { holder: ALICE, handedOver: false, handedOverTo: undefined } })).toEqual(['holder']);
  });

  it('fails anyone but the holder in the permission lists, and a holder with ManagePermissions', () => {
    expect(failed({ ...clean(), permissions: { Commit: [ALICE, 'spawner'], Prepare: [], ManagePermissions: [] } })).toEqual(['permissions']);
    expect(failed({ ...clean(), permissions: { Commit: [], Prepare: [], ManagePermissions: [ALICE] } })).toEqual(['permissions']);
    expect(failed({ ...clean(), permissions: { Commit: [], Prepare: [], ManagePermissions: [] } })).toEqual([]);
  });

  it('fails modules the registry does not know or deprecated, and pending operations', () => {
    const f = clean();
    f.canisters[1]!.version = undefined;
    f.canisters[2]!.version = { label: 'org.lineage.asset 1.0.0', deprecated: true };
    f.pending = [{ operation: 3n, canister: B, state: 'scheduled' }];
    expect(failed(f)).toEqual(['module:manager', 'module:asset', 'pending']);
  });

  it('never passes what could not be learnt', () => {
    const f = clean();
    f.canisters[0]!.controllers = { error: 'timeout' };
    f.permissions = { error: 'rejected' };
    f.pending = { error: 'stopped' };
    f.holder = { error: 'nft down' };
    expect(failed(f)).toEqual(['holder', 'controllers:backend', 'permissions', 'pending']);
    expect(failed({ ...clean(), config: { error: 'not a backend' } }).slice(0, 1)).toEqual(['token']);
  });
});
