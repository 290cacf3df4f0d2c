/**
 * The dapp's frontend as its owner sees it: a dapp spawned with an asset canister, uploads allowed
 * to the current NFT holder only (`authorize_uploads`), and the asset canister upgraded from the
 * registry through the backend and the manager with its assets, root and history intact.
 */
import { PocketIc, type Actor } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { assetIdlFactory, type AssetService } from '@lineage/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  controllersOf, err, fullHistory, moduleHashOf, ok, runStatus, spawn, storedChunks, upgradeDapp, variant, who,
  type Dapp, type Principal, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

type Asset = Actor<AssetService>;

describe('the dapp frontend, owned through the NFT', () => {
  let pic: PocketIc;
  let world: World;
  let dapp: Dapp;
  const assetAs = (as: Principal): Asset => {
    const a = pic.createActor<AssetService>(assetIdlFactory as unknown as IDL.InterfaceFactory, dapp.assetId!);
    a.setPrincipal(as);
    return a;
  };
  const refusal = (r: Awaited<ReturnType<Asset['lineage_store']>>) => variant(err(r).error);
  const store = (as: Principal, key: string, text: string) => assetAs(as).lineage_store({
    key, content_type: 'text/plain', content_encoding: 'identity', content: new TextEncoder().encode(text), sha256: [],
  });

  beforeAll(async () => {
    world = await createWorld({ withAsset: true });
    pic = world.pic;
    dapp = await spawn(world, who.alice, { withAsset: true });
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('spawns the frontend in the controller ring, running the registry version', async () => {
    expect(dapp.assetId).toBeDefined();
    expect(await controllersOf(pic, dapp.assetId!, dapp.backendId)).toEqual([dapp.backendId.toText(), dapp.managerId.toText()].sort());
    expect(await moduleHashOf(pic, dapp.assetId!, dapp.backendId)).toBe(world.asset!.v1.hex);
    const info = await dapp.backendAs(who.stranger).dapp();
    expect(info.asset[0]?.toText()).toBe(dapp.assetId!.toText());
  });

  it('lets the owner upload only after authorize_uploads, and never a stranger', async () => {
    expect(refusal(await store(who.alice, '/index.html', 'before'))).toBe('Unauthorized');
    expect(variant(err(await dapp.backendAs(who.stranger).authorize_uploads()))).toBe('NotOwner');
    ok(await dapp.backendAs(who.alice).authorize_uploads());
    ok(await store(who.alice, '/index.html', 'hello from alice'));
    expect(refusal(await store(who.stranger, '/index.html', 'defaced'))).toBe('Unauthorized');
    const [listed] = await assetAs(who.anonymous).list({ start: [], length: [] });
    expect(listed?.key).toBe('/index.html');
  });

  it('after a sale, the new owner takes the uploads over and the previous one loses them', async () => {
    const [sent] = await world.nft(who.alice).icrc7_transfer([{
      from_subaccount: [], to: { owner: who.bob as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [],
    }]);
    expect(sent?.[0] && 'Ok' in sent[0]).toBe(true);
    // Until Bob claims them, Alice's permission still stands: it is the backend that hands it over.
    expect(variant(err(await dapp.backendAs(who.alice).authorize_uploads()))).toBe('NotOwner');
    ok(await dapp.backendAs(who.bob).authorize_uploads());
    expect(refusal(await store(who.alice, '/index.html', 'alice again'))).toBe('Unauthorized');
    ok(await store(who.bob, '/index.html', 'hello from bob'));
  });

  it('upgrades the asset canister from the registry for the owner, keeping assets, root and history', async () => {
    const asset = assetAs(who.anonymous);
    const before = { history: await asset.get_recent_hashes([]), listed: await asset.list({ start: [], length: [] }) };
    const { reply } = await upgradeDapp(world, dapp, who.bob, 'Asset', world.asset!.v2);
    const ticket = ok(reply);
    expect('Completed' in ticket.state).toBe(true);
    expect(await moduleHashOf(pic, dapp.assetId!, dapp.backendId)).toBe(world.asset!.v2.hex);
    expect(await runStatus(pic, dapp.assetId!, dapp.backendId)).toBe('running');
    expect(await storedChunks(pic, dapp.assetId!, dapp.backendId)).toEqual([]);
    expect(await asset.list({ start: [], length: [] })).toEqual(before.listed);
    const after = await asset.get_recent_hashes([]);
    expect(after[0]?.root).toEqual(before.history[0]?.root);
    expect(after.length).toBeGreaterThanOrEqual(before.history.length);
    const deployed = (await fullHistory(dapp.managerAs(who.anonymous), dapp.assetId!)).filter((e) => 'Deployed' in e.event);
    expect(deployed.map((e) => ('Deployed' in e.event ? Buffer.from(e.event.Deployed.to).toString('hex') : ''))).toEqual([world.asset!.v2.hex]);
    // The previous owner cannot upgrade it back.
    expect(variant(err((await upgradeDapp(world, dapp, who.alice, 'Asset', world.asset!.v1)).reply))).toBe('NotOwner');
  });
});
