/**
 * A sale hands over everything (issue 11). Each test is one of the attacks found against a
 * deployment, written as the attack: the seller, the spawner or a previous holder tries to keep a
 * hold on a dapp after its NFT changed hands, and fails. The dapps are spawned with the sdk from
 * real registry versions, and every canister is the real built Wasm.
 */
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { assetTypes, backendInit, managerInit } from '@lineage/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  assetOf as asset, builtWasm, controllersOf, err, moduleHashOf, ok, permissionsOf, spawn, upgradeTo, user, variant, who,
  type Dapp, type Principal, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

describe('a sale hands over everything', () => {
  let pic: PocketIc;
  let world: World;
  const carol = user('carol');

  const assetOf = (dapp: Dapp, as: Principal) => asset(pic, dapp, as);
  const store = (dapp: Dapp, as: Principal, key: string) => assetOf(dapp, as).lineage_store({
    key, content_type: 'text/html', content_encoding: 'identity', content: new TextEncoder().encode(`<p>${key}</p>`), sha256: [],
  });
  const permissions = (dapp: Dapp) => permissionsOf(pic, dapp);
  const ring = (dapp: Dapp) => [dapp.backendId.toText(), dapp.managerId.toText()].sort();
  const sell = async (dapp: Dapp, from: Principal, to: Principal) => {
    const [r] = await world.nft(from).icrc7_transfer([{
      from_subaccount: [], to: { owner: to as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [],
    }]);
    expect(r?.[0] && 'Ok' in r[0]).toBe(true);
    // The collection tells the backend one-way; let that message and the hand-over it starts run.
    for (let i = 0; i < 12; i++) await pic.tick();
  };
  const backendArg = (dapp: Dapp, tokenId: bigint) => new Uint8Array(IDL.encode(backendInit({ IDL } as never) as unknown as IDL.Type[], [[{
    nft: world.nftId, token_id: tokenId, manager: dapp.managerId, registry: world.registryId, asset: dapp.assetId ? [dapp.assetId] : [],
  }]]));

  beforeAll(async () => {
    world = await createWorld({ withAsset: true });
    pic = world.pic;
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('attack 1: the seller cannot repoint the backend at a token she keeps, through any path', async () => {
    const sold = await spawn(world, who.alice, { withAsset: true });
    const kept = await spawn(world, who.alice);
    const alice = sold.backendAs(who.alice);

    // Through request_upgrade: the holder's install argument is refused before anything runs.
    const refused = err(await alice.request_upgrade({ ...upgradeTo('Backend', world.backend.v2), arg: [backendArg(sold, kept.tokenId)] }));
    expect(refused).toMatchObject({ InvalidArgument: expect.stringMatching(/take no upgrade argument/) });
    expect(await moduleHashOf(pic, sold.backendId, sold.managerId)).toBe(world.backend.v1.hex);

    // Through the IC directly, as the manager would install: the backend's post_upgrade refuses
    // another token, so the IC rolls the upgrade back.
    await expect(pic.upgradeCanister({
      canisterId: sold.backendId, wasm: builtWasm('backend'), arg: backendArg(sold, kept.tokenId), sender: sold.managerId,
    })).rejects.toThrow(/token_id is fixed at spawn/);
    expect((await sold.backendAs(who.stranger).dapp()).token_id).toBe(sold.tokenId);
    // Repeating the configuration is no change and is accepted.
    await pic.upgradeCanister({ canisterId: sold.backendId, wasm: builtWasm('backend'), arg: backendArg(sold, sold.tokenId), sender: sold.managerId });

    // The manager's registry is fixed the same way (a registry she controls would serve her code).
    const managerArg = new Uint8Array(IDL.encode(managerInit({ IDL } as never) as unknown as IDL.Type[], [[{
      registry: who.alice, managed: [], watch_interval_seconds: [], snapshots_kept: [],
    }]]));
    await expect(pic.upgradeCanister({ canisterId: sold.managerId, wasm: builtWasm('manager'), arg: managerArg, sender: sold.backendId }))
      .rejects.toThrow(/registry is fixed at spawn/);

    await sell(sold, who.alice, who.bob);
    expect(err(await alice.add_note('still mine'))).toMatchObject({ NotOwner: { owner: [expect.anything()] } });
    expect((err(await alice.add_note('x')) as { NotOwner: { owner: Principal[] } }).NotOwner.owner[0]!.toText()).toBe(who.bob.toText());
    expect(ok(await sold.backendAs(who.bob).add_note('mine now')).author.toText()).toBe(who.bob.toText());
  });

  it('attack 2: the holder cannot add a controller, and one added before the sale is removed by it', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    const alice = dapp.backendAs(who.alice);
    const withAlice = [dapp.backendId, dapp.managerId, who.alice];
    for (const canister of [{ Backend: null }, { Manager: null }, { Asset: null }] as const) {
      const refused = err(await alice.update_settings({ canister, settings: { controllers: [withAlice as never], compute_allocation: [], memory_allocation: [], freezing_threshold: [], reserved_cycles_limit: [], log_visibility: [], wasm_memory_limit: [] } }));
      expect(variant(refused)).toBe('BreaksControllerRing');
    }
    for (const id of [dapp.backendId, dapp.managerId, dapp.assetId!]) expect(await controllersOf(pic, id, dapp.backendId)).toEqual(ring(dapp));

    // A dapp whose seller did get in (as an older backend allowed): the sale takes her out again.
    for (const id of [dapp.backendId, dapp.assetId!]) {
      await pic.updateCanisterSettings({ canisterId: id, controllers: withAlice, sender: dapp.backendId });
    }
    await sell(dapp, who.alice, who.bob);
    for (const id of [dapp.backendId, dapp.managerId, dapp.assetId!]) expect(await controllersOf(pic, id, dapp.backendId)).toEqual(ring(dapp));
    // She can no longer remove the ring through the management canister...
    await expect(pic.updateCanisterSettings({ canisterId: dapp.assetId!, controllers: [who.alice], sender: who.alice })).rejects.toThrow(/controller/i);
    // ... and the buyer's requests, which the IC would have rejected, work.
    ok(await dapp.backendAs(who.bob).authorize_uploads());
    ok(await store(dapp, who.bob, '/index.html'));
  });

  it('attack 3: the spawner keeps no Commit on the dapps it spawns', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    expect(await permissions(dapp)).toEqual({ Commit: [], Prepare: [], ManagePermissions: [] });
    expect(variant(err(await store(dapp, who.deployer, '/spawner.html')).error)).toBe('Unauthorized');

    // A spawner that installs the asset canister the old way (`(null)`: the installer gets Commit)
    // loses it when the token is minted: the collection tells the backend, which hands over.
    const old = await spawn(world, who.alice, { withAsset: true, assetArg: Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x01, 0x6e, 0x7f, 0x01, 0x00, 0x00]) });
    for (let i = 0; i < 12; i++) await pic.tick();
    expect(await permissions(old)).toEqual({ Commit: [], Prepare: [], ManagePermissions: [] });
    expect(variant(err(await store(old, who.deployer, '/spawner.html')).error)).toBe('Unauthorized');
    const ownership = await old.backendAs(who.stranger).ownership();
    expect(ownership.handed_over_to.map((p) => p.toText())).toEqual([who.alice.toText()]);
  });

  it('attack 4: a previous holder\'s ManagePermissions does not survive the sale', async () => {
    const dapp = await spawn(world, who.alice, { withAsset: true });
    const alice = dapp.backendAs(who.alice);
    // The upgrade-argument path is closed...
    const A = assetTypes(IDL as never).AssetCanisterArgs as unknown as IDL.Type;
    const grantArg = new Uint8Array(IDL.encode([IDL.Opt(A)], [[{ Upgrade: { set_permissions: [{ commit: [], prepare: [], manage_permissions: [who.alice] }], history_length: [] } }]]));
    expect(err(await alice.request_upgrade({ ...upgradeTo('Asset', world.asset!.v2), arg: [grantArg] }))).toMatchObject({ InvalidArgument: expect.any(String) });
    // ... and a holder who got ManagePermissions anyway (here granted as a controller would) loses it at the sale.
    await assetOf(dapp, dapp.backendId).grant_permission({ to_principal: who.alice as never, permission: { ManagePermissions: null } });
    ok(await alice.authorize_uploads());
    expect(await permissions(dapp)).toEqual({ Commit: [who.alice.toText()], Prepare: [], ManagePermissions: [] });
    await assetOf(dapp, dapp.backendId).grant_permission({ to_principal: who.alice as never, permission: { ManagePermissions: null } });

    await sell(dapp, who.alice, who.bob);
    ok(await dapp.backendAs(who.bob).authorize_uploads());
    expect(await permissions(dapp)).toEqual({ Commit: [who.bob.toText()], Prepare: [], ManagePermissions: [] });
    const asAlice = assetOf(dapp, who.alice);
    await expect(asAlice.grant_permission({ to_principal: who.alice as never, permission: { Commit: null } })).rejects.toThrow(/Unauthorized|ManagePermissions/);
    await expect(asAlice.revoke_permission({ of_principal: who.bob as never, permission: { Commit: null } })).rejects.toThrow(/Unauthorized|ManagePermissions|revoke/);
    expect(variant(err(await store(dapp, who.alice, '/defaced.html')).error)).toBe('Unauthorized');
    ok(await store(dapp, who.bob, '/index.html'));
    expect(await permissions(dapp)).toEqual({ Commit: [who.bob.toText()], Prepare: [], ManagePermissions: [] });
  });

  it('a buyer the collection has not yet announced is let in at once, and strangers cannot make the backend call out without bound', async () => {
    const dapp = await spawn(world, who.alice);
    // Carol buys; before the notice runs, she already acts (her request looks the holder up).
    const [r] = await world.nft(who.alice).icrc7_transfer([{
      from_subaccount: [], to: { owner: carol as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [],
    }]);
    expect(r?.[0] && 'Ok' in r[0]).toBe(true);
    expect(ok(await dapp.backendAs(carol).add_note('bought it')).author.toText()).toBe(carol.toText());
    // A stranger's flood: after a small burst, refused from what the backend knows, with no call.
    const refusals: string[] = [];
    for (let i = 0; i < 25; i++) {
      const refused = err(await dapp.backendAs(user(`flood ${i}`)).add_note('x')) as { NotOwner: { owner: Principal[] } };
      refusals.push(refused.NotOwner.owner.map((p) => p.toText()).join());
    }
    expect(new Set(refusals)).toEqual(new Set([carol.toText()]));
    // The holder is never held back by the flood.
    ok(await dapp.backendAs(carol).add_note('still mine'));
  });
});
