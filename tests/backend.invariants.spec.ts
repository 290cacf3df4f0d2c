/**
 * The ownership invariants of issue 11, checked after every step of random sequences of what
 * holders, previous holders and strangers do (fast-check, seeded): the controllers of every dapp
 * canister are exactly {backend, manager}; the backend answers to the token it was spawned with;
 * the frontend's permission lists hold the current holder at most; only the current holder can act.
 */
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  assetOf, controllersOf, err, ok, permissionsOf, spawn, upgradeTo, user, variant, who, type Dapp, type Principal, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

const PEOPLE = [who.alice, who.bob, user('carol')];

type Step =
  | { kind: 'sell'; to: number }
  | { kind: 'authorize' }
  | { kind: 'add-controller'; role: 'Backend' | 'Manager' | 'Asset' }
  | { kind: 'upgrade-with-arg' }
  | { kind: 'previous-grants' }
  | { kind: 'stranger-reconciles' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('sell' as const), to: fc.integer({ min: 0, max: PEOPLE.length - 1 }) }),
  fc.constant({ kind: 'authorize' as const }),
  fc.record({ kind: fc.constant('add-controller' as const), role: fc.constantFrom('Backend' as const, 'Manager' as const, 'Asset' as const) }),
  fc.constant({ kind: 'upgrade-with-arg' as const }),
  fc.constant({ kind: 'previous-grants' as const }),
  fc.constant({ kind: 'stranger-reconciles' as const }),
);

describe('ownership invariants over random sequences of actions and sales', () => {
  let pic: PocketIc;
  let world: World;

  beforeAll(async () => {
    world = await createWorld({ withAsset: true });
    pic = world.pic;
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  const assetAs = (dapp: Dapp, as: Principal) => assetOf(pic, dapp, as);

  async function checkInvariants(dapp: Dapp, holder: Principal): Promise<void> {
    const ring = [dapp.backendId.toText(), dapp.managerId.toText()].sort();
    for (const id of [dapp.backendId, dapp.managerId, dapp.assetId!]) expect(await controllersOf(pic, id, dapp.backendId)).toEqual(ring);
    expect((await dapp.backendAs(who.stranger).dapp()).token_id).toBe(dapp.tokenId);
    for (const [permission, listed] of Object.entries(await permissionsOf(pic, dapp))) {
      expect(listed.filter((p) => p !== holder.toText() || permission !== 'Commit'), permission).toEqual([]);
    }
    for (const other of PEOPLE.filter((p) => p.toText() !== holder.toText())) {
      expect(variant(err(await dapp.backendAs(other).add_note('not mine')))).toBe('NotOwner');
    }
  }

  it('hold after every step', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 7 }), async (steps) => {
      const dapp = await spawn(world, PEOPLE[0]!, { withAsset: true });
      let holder = PEOPLE[0]!;
      let previous: Principal | undefined;
      for (const s of steps) {
        const asHolder = dapp.backendAs(holder);
        switch (s.kind) {
          case 'sell': {
            const to = PEOPLE[s.to]!;
            if (to.toText() === holder.toText()) break;
            const [r] = await world.nft(holder).icrc7_transfer([{
              from_subaccount: [], to: { owner: to as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [],
            }]);
            expect(r?.[0] && 'Ok' in r[0]).toBe(true);
            [previous, holder] = [holder, to];
            break;
          }
          case 'authorize':
            ok(await asHolder.authorize_uploads());
            break;
          case 'add-controller': {
            const settings = { controllers: [[dapp.backendId, dapp.managerId, holder]], compute_allocation: [], memory_allocation: [], freezing_threshold: [], reserved_cycles_limit: [], log_visibility: [], wasm_memory_limit: [] };
            expect(variant(err(await asHolder.update_settings({ canister: { [s.role]: null } as never, settings: settings as never })))).toBe('BreaksControllerRing');
            break;
          }
          case 'upgrade-with-arg':
            expect(variant(err(await asHolder.request_upgrade({ ...upgradeTo('Asset', world.asset!.v2), arg: [new Uint8Array(IDL.encode([IDL.Opt(IDL.Text)], [['x']]))] })))).toBe('InvalidArgument');
            break;
          case 'previous-grants':
            if (previous) {
              await expect(assetAs(dapp, previous).grant_permission({ to_principal: previous as never, permission: { Commit: null } })).rejects.toThrow();
              expect(variant(err(await dapp.backendAs(previous).authorize_uploads()))).toBe('NotOwner');
            }
            break;
          case 'stranger-reconciles':
            ok(await dapp.backendAs(who.stranger).reconcile());
            break;
        }
        for (let i = 0; i < 8; i++) await pic.tick();
        await checkInvariants(dapp, holder);
      }
    }), { numRuns: 3, seed: 11 });
  });
});
