/**
 * The owner gate: the backend acts only for whoever holds the dapp's token at the time of each
 * request, with no other admin path; the manager acts only for its controllers; and settings
 * changes keep the controller ring (backend and manager control each other).
 */
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  controllersOf, deployments, err, fullHistory, historyRequest, moduleHashOf, ok, settingsUpdate, show, spawn, upgradeTo, variant, who,
  type Backend, type Dapp, type Principal, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

describe('the backend: only the NFT holder may act', () => {
  let pic: PocketIc;
  let world: World;
  let dapp: Dapp;

  beforeAll(async () => {
    world = await createWorld();
    pic = world.pic;
    dapp = await spawn(world, who.alice);
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  /** Every owner-only call, as `backend`'s caller; each answers its result. */
  function ownerOnlyCalls(backend: Backend) {
    return {
      request_upgrade: () => backend.request_upgrade(upgradeTo('Manager', world.manager.v2)),
      update_settings: () => backend.update_settings({
        canister: { Backend: null },
        settings: settingsUpdate({ controllers: [dapp.backendId, dapp.managerId, who.stranger] }),
      }),
      deployment_history: () => backend.deployment_history(historyRequest()),
      add_note: () => backend.add_note('not mine to write'),
    };
  }

  /** Every owner-only call by `caller` is refused with NotOwner naming `owner`, and nothing changes. */
  async function expectRefusedEverything(target: Dapp, caller: Principal, owner: Principal): Promise<void> {
    const before = {
      notes: await target.backendAs(who.stranger).notes(),
      manager: await moduleHashOf(pic, target.managerId, target.backendId),
      controllers: await controllersOf(pic, target.backendId, target.managerId),
      history: await fullHistory(target.managerAs(who.stranger)),
    };
    for (const [name, call] of Object.entries(ownerOnlyCalls(target.backendAs(caller)))) {
      const refused = err(await call() as { Ok: unknown } | { Err: { NotOwner?: { caller: Principal; owner: [] | [Principal] } } });
      expect({ name, variant: variant(refused), caller: refused.NotOwner?.caller.toText(), owner: refused.NotOwner?.owner.map((p) => p.toText()) })
        .toEqual({ name, variant: 'NotOwner', caller: caller.toText(), owner: [owner.toText()] });
    }
    expect({
      notes: await target.backendAs(who.stranger).notes(),
      manager: await moduleHashOf(pic, target.managerId, target.backendId),
      controllers: await controllersOf(pic, target.backendId, target.managerId),
      history: await fullHistory(target.managerAs(who.stranger)),
    }).toEqual(before);
  }

  it('names the token holder as the owner', async () => {
    expect(ok(await dapp.backendAs(who.stranger).owner()).map((p) => p.toText())).toEqual([who.alice.toText()]);
    const info = await dapp.backendAs(who.stranger).dapp();
    expect([info.nft.toText(), info.token_id, info.manager.toText(), info.registry.toText()])
      .toEqual([world.nftId.toText(), dapp.tokenId, dapp.managerId.toText(), world.registryId.toText()]);
  });

  it('refuses a stranger every owner-only call', async () => {
    await expectRefusedEverything(dapp, who.stranger, who.alice);
  });

  it('refuses the anonymous principal every owner-only call before executing it (canister_inspect_message)', async () => {
    const before = await controllersOf(pic, dapp.backendId, dapp.managerId);
    for (const [name, call] of Object.entries(ownerOnlyCalls(dapp.backendAs(who.anonymous)))) {
      await expect(call(), name).rejects.toThrow(new RegExp(`${name} refuses the anonymous principal`));
    }
    expect(await controllersOf(pic, dapp.backendId, dapp.managerId)).toEqual(before);
    expect((await dapp.backendAs(who.stranger).notes()).map((n) => n.author.toText())).not.toContain(who.anonymous.toText());
  });

  it('lets the owner write notes and read the history', async () => {
    const alice = dapp.backendAs(who.alice);
    const note = ok(await alice.add_note('mine'));
    expect([note.text, note.author.toText()]).toEqual(['mine', who.alice.toText()]);
    expect((await alice.notes()).map((n) => n.text)).toContain('mine');
    expect(variant(err(await alice.add_note('   ')))).toBe('InvalidArgument');
    const page = ok(await alice.deployment_history(historyRequest()));
    // The owner reads the manager's history through the backend: the same page anyone reads directly.
    expect(show(page)).toBe(show(await dapp.managerAs(who.stranger).deployment_history(historyRequest())));
  });

  it('hands the dapp over with the token: the previous owner is refused, the new owner succeeds', async () => {
    const sold = await spawn(world, who.alice);
    const [transferred] = await world.nft(who.alice).icrc7_transfer([{
      from_subaccount: [], to: { owner: who.bob as never, subaccount: [] }, token_id: sold.tokenId, memo: [], created_at_time: [],
    }]);
    expect(transferred?.[0] && 'Ok' in transferred[0]).toBe(true);
    expect(ok(await sold.backendAs(who.stranger).owner()).map((p) => p.toText())).toEqual([who.bob.toText()]);

    await expectRefusedEverything(sold, who.alice, who.bob);

    const bob = sold.backendAs(who.bob);
    const ticket = ok(await bob.request_upgrade(upgradeTo('Manager', world.manager.v2)));
    expect(ticket.state).toEqual({ Completed: null });
    expect(await moduleHashOf(pic, sold.managerId, sold.backendId)).toBe(world.manager.v2.hex);
    expect(ok(await bob.add_note('new owner')).author.toText()).toBe(who.bob.toText());
    const history = ok(await bob.deployment_history(historyRequest()));
    expect(deployments(history.entries).map(({ event }) => event.requested_by.toText())).toEqual([who.bob.toText()]);
  });

  it('changes settings for the owner but keeps the controllers exactly the ring', async () => {
    const alice = dapp.backendAs(who.alice);
    const settings = (controllers: Principal[] | undefined, freezingThreshold?: bigint) => settingsUpdate({ controllers, freezingThreshold });
    const ring = [dapp.backendId, dapp.managerId].map((p) => p.toText()).sort();

    const controllerLists = [[dapp.backendId, dapp.managerId, who.alice], [dapp.backendId], [dapp.managerId, who.alice], [who.alice]];
    for (const controllers of controllerLists) {
      for (const canister of [{ Backend: null }, { Manager: null }] as const) {
        const refused = err(await alice.update_settings({ canister, settings: settings(controllers) }));
        expect(variant(refused)).toBe('BreaksControllerRing');
      }
    }
    expect(await controllersOf(pic, dapp.backendId, dapp.managerId)).toEqual(ring);
    expect(await controllersOf(pic, dapp.managerId, dapp.backendId)).toEqual(ring);

    ok(await alice.update_settings({ canister: { Backend: null }, settings: settings([dapp.managerId, dapp.backendId]) }));
    expect(await controllersOf(pic, dapp.backendId, dapp.managerId)).toEqual(ring);

    // Other settings pass through, on any canister of the dapp.
    ok(await alice.update_settings({ canister: { Manager: null }, settings: settings(undefined, 4_000_000n) }));
    const status = await pic.canisterStatus({ canisterId: dapp.managerId, sender: dapp.backendId });
    expect(status.settings.freezingThreshold).toBe(4_000_000n);

    expect(variant(err(await alice.update_settings({ canister: { Asset: null }, settings: settings(undefined, 1n) })))).toBe('InvalidArgument');
  });

  it('the manager acts only for its controllers, not for the owner calling it directly', async () => {
    const manager = dapp.managerAs(who.alice);
    const request = { canister: dapp.backendId as never, target_hash: world.backend.v2.hash, requested_by: who.alice as never, arg: [] as [] };
    // Ingress from anyone but a controller is refused before it runs (canister_inspect_message).
    const refused = /is for the manager's controllers only/;
    await expect(manager.upgrade(request)).rejects.toThrow(refused);
    await expect(manager.prepare_self_upgrade({ ...request, canister: dapp.managerId as never })).rejects.toThrow(refused);
    await expect(manager.manage([{ canister: who.alice as never, label: 'mine' }])).rejects.toThrow(refused);
    await expect(manager.watch_now()).rejects.toThrow(refused);
    expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v1.hex);
  });
});
