/**
 * The buyer's check (issue 11): `checkDapp` from the sdk, run as an anonymous visitor through
 * `@dfinity/agent` against the emulator in live mode, passes a clean dapp and names the broken
 * invariant on a dapp put into each attack's state (set up here as a controller could, since the
 * canisters themselves no longer let anyone reach these states).
 */
import { HttpAgent } from '@dfinity/agent';
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { checkDapp, type DappVerdict } from '@lineage/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { assetOf, builtWasm, ok, settle, spawn, upgradeTo, who, type Dapp, type World } from './support/dapp.js';
import { createWorld } from './support/world.js';

describe('the buyer\'s check', () => {
  let pic: PocketIc;
  let world: World;
  let agent: HttpAgent;

  const check = (dapp: Dapp): Promise<DappVerdict> => checkDapp({ agent, backend: dapp.backendId as never });
  const failed = (v: DappVerdict) => v.checks.filter((c) => !c.ok).map((c) => c.check);
  const detail = (v: DappVerdict, name: string) => v.checks.find((c) => c.check === name)!.detail;
  const assetAs = (dapp: Dapp, as: typeof who.alice) => assetOf(pic, dapp, as);
  const settleMessages = async () => {
    for (let i = 0; i < 12; i++) await pic.tick();
  };

  beforeAll(async () => {
    world = await createWorld({ withAsset: true });
    pic = world.pic;
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  /** Runs `checkDapp` with the instance live (an agent needs a gateway), then stops it again. */
  async function liveCheck(dapp: Dapp): Promise<DappVerdict> {
    const port = await pic.makeLive();
    try {
      agent = await HttpAgent.create({ host: `http://127.0.0.1:${port}`, shouldFetchRootKey: true });
      return await check(dapp);
    } finally {
      await pic.stopLive();
    }
  }

  it('passes a clean dapp, with one line per check', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    await settleMessages();
    const verdict = await liveCheck(dapp);
    expect(failed(verdict)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(detail(verdict, 'holder')).toContain(who.alice.toText());
    expect(detail(verdict, 'module:backend')).toContain('org.lineage.backend 1.0.0');
  });

  it('names an extra controller, a stranger in the permission lists and a module the registry never published', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    await settleMessages();
    await pic.updateCanisterSettings({ canisterId: dapp.assetId!, controllers: [dapp.backendId, dapp.managerId, who.alice], sender: dapp.backendId });
    await assetAs(dapp, dapp.backendId).grant_permission({ to_principal: who.stranger as never, permission: { Prepare: null } });
    await pic.upgradeCanister({ canisterId: dapp.managerId, wasm: builtWasm('manager'), sender: dapp.backendId, arg: new Uint8Array(IDL.encode([IDL.Opt(IDL.Null)], [[]])) });
    const verdict = await liveCheck(dapp);
    expect(failed(verdict)).toEqual(['controllers:asset', 'module:manager', 'permissions']);
    expect(detail(verdict, 'controllers:asset')).toContain(`also controlled by ${who.alice.toText()}`);
    expect(detail(verdict, 'permissions')).toContain(`${who.stranger.toText()} (Prepare)`);
    expect(detail(verdict, 'module:manager')).toMatch(/no version in the registry/);
    expect(verdict.ok).toBe(false);
  });

  it('fails a dapp whose hand-over to the buyer did not complete, until anyone reconciles it', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    await settleMessages();
    // The frontend is stopped when Bob buys: the hand-over cannot empty its permission lists.
    await pic.stopCanister({ canisterId: dapp.assetId!, sender: dapp.backendId });
    const [r] = await world.nft(who.alice).icrc7_transfer([{
      from_subaccount: [], to: { owner: who.bob as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [],
    }]);
    expect(r?.[0] && 'Ok' in r[0]).toBe(true);
    await settleMessages();
    await pic.startCanister({ canisterId: dapp.assetId!, sender: dapp.backendId });
    const stuck = await liveCheck(dapp);
    expect(failed(stuck)).toEqual(['holder']);
    expect(detail(stuck, 'holder')).toContain(`last completed hand-over was to ${who.alice.toText()}`);

    ok(await dapp.backendAs(who.stranger).reconcile());
    expect(failed(await liveCheck(dapp))).toEqual([]);
  });

  it('the manager lists the operations that hold a canister (what the pending check reads)', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    const ticket = ok(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v2)));
    expect(ticket.state).toEqual({ Scheduled: null });
    const pending = await dapp.managerAs(who.stranger).pending_operations();
    expect(pending.map((op) => [op.id, op.canister.toText()])).toEqual([[ticket.operation, dapp.backendId.toText()]]);
    await settle(world, dapp, ticket.operation);
    expect(await dapp.managerAs(who.stranger).pending_operations()).toEqual([]);
  });
});
