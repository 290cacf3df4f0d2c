/**
 * The NFT holder upgrades the dapp's canisters from the DAO's versions, through the backend and
 * the manager: one step or several, the backend's own upgrade without deadlock, refusals when no
 * upgrade path leads to the version, one operation per canister at a time, and dapp instances
 * that do not affect each other. Every canister is the real built Wasm; versions are distinct
 * builds of it (see `release` in ./support/dapp.ts).
 */
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  deployments, err, fullHistory, hex, moduleHashOf, ok, runStatus, settle, sha256, show, spawn, storedChunks, upgradeDapp,
  upgradeTo, variant, who,
  type Dapp, type PublishedVersion, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

describe('the backend: upgrades requested by the NFT holder', () => {
  let pic: PocketIc;
  let world: World;

  beforeAll(async () => {
    world = await createWorld();
    pic = world.pic;
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  const stepsOf = (steps: { from: Uint8Array | number[]; to: Uint8Array | number[]; version: [bigint, bigint, bigint] }[]) =>
    steps.map((s) => ({ from: hex(s.from), to: hex(s.to), version: s.version.join('.') }));
  const step = (from: PublishedVersion, to: PublishedVersion) => ({ from: from.hex, to: to.hex, version: to.version.join('.') });

  /** The backend runs `version`, is running, and has no chunks left in its store. */
  async function expectBackendAt(dapp: Dapp, version: PublishedVersion): Promise<void> {
    expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(version.hex);
    expect(await runStatus(pic, dapp.backendId, dapp.managerId)).toBe('running');
    expect(await storedChunks(pic, dapp.backendId, dapp.managerId)).toEqual([]);
  }

  it('upgrades itself v1 → v2 through the manager without deadlock, and its notes survive', async () => {
    const dapp = await spawn(world, who.alice);
    const alice = dapp.backendAs(who.alice);
    ok(await alice.add_note('first note'));
    ok(await alice.add_note('second note'));
    const notes = await alice.notes();
    const info = await alice.dapp();

    // The backend cannot be stopped while it waits for the manager: the manager answers first…
    const ticket = ok(await alice.request_upgrade(upgradeTo('Backend', world.backend.v2)));
    expect(ticket.state).toEqual({ Scheduled: null });
    expect(stepsOf(ticket.steps)).toEqual([step(world.backend.v1, world.backend.v2)]);
    const [scheduled] = await dapp.managerAs(who.stranger).operation(ticket.operation);
    expect(scheduled?.state).toEqual({ Scheduled: null });
    expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v1.hex);

    // …and upgrades it afterwards.
    await settle(world, dapp, ticket.operation);
    const [operation] = await dapp.managerAs(who.stranger).operation(ticket.operation);
    expect(operation?.state).toEqual({ Completed: null });
    expect(operation?.requested_by.toText()).toBe(who.alice.toText());
    expect(operation?.canister.toText()).toBe(dapp.backendId.toText());
    await expectBackendAt(dapp, world.backend.v2);

    // The new code answers, with the old state.
    expect(await alice.notes()).toEqual(notes);
    expect(show(await alice.dapp())).toBe(show(info));
    expect(ok(await alice.owner())[0]?.toText()).toBe(who.alice.toText());
    expect(ok(await alice.add_note('written by v2')).id).toBe(2n);

    const deployed = deployments(await fullHistory(dapp.managerAs(who.stranger), dapp.backendId));
    expect(deployed).toHaveLength(1);
    const [{ entry, event }] = deployed as [typeof deployed[number]];
    expect(Array.from(operation!.entries)).toEqual([entry.index]);
    expect({
      operation: event.operation, step: event.step, steps: event.steps, from: event.from.map(hex), to: hex(event.to),
      version: event.version.join('.'), requested_by: event.requested_by.toText(),
    }).toEqual({
      operation: ticket.operation, step: 0, steps: 1, from: [world.backend.v1.hex], to: world.backend.v2.hex, version: '2.0.0',
      requested_by: who.alice.toText(),
    });
    expect(event.canister_version).toHaveLength(1);

    // The manager reported the installation; the registry confirmed it with canister_info.
    const installations = await world.registry(who.stranger).lineage_get_installations({
      hash: [world.backend.v2.hash], canister: [dapp.backendId as never], prev: [], take: [],
    });
    expect(installations.map((i) => [i.reporter.toText(), i.canister_version])).toEqual([[dapp.managerId.toText(), event.canister_version[0]]]);
  });

  it('runs every step of a request several versions ahead, in order, as one operation', async () => {
    const dapp = await spawn(world, who.alice);
    const alice = dapp.backendAs(who.alice);
    ok(await alice.add_note('before two upgrades'));
    const notes = await alice.notes();

    const { reply, operation } = await upgradeDapp(world, dapp, who.alice, 'Backend', world.backend.v3);
    const ticket = ok(reply);
    expect(stepsOf(ticket.steps)).toEqual([step(world.backend.v1, world.backend.v2), step(world.backend.v2, world.backend.v3)]);
    expect(operation?.state).toEqual({ Completed: null });
    await expectBackendAt(dapp, world.backend.v3);
    expect(await alice.notes()).toEqual(notes);

    const deployed = deployments(await fullHistory(dapp.managerAs(who.stranger), dapp.backendId));
    expect(deployed.map(({ event }) => [event.operation, event.step, event.steps, event.from.map(hex), hex(event.to)])).toEqual([
      [ticket.operation, 0, 2, [world.backend.v1.hex], world.backend.v2.hex],
      [ticket.operation, 1, 2, [world.backend.v2.hex], world.backend.v3.hex],
    ]);
    expect(Array.from(operation!.entries)).toEqual(deployed.map(({ entry }) => entry.index));
  });

  it('refuses versions no upgrade path leads to, and changes nothing', async () => {
    const dapp = await spawn(world, who.alice, { backend: world.backend.v2 });
    const alice = dapp.backendAs(who.alice);
    const history = await fullHistory(dapp.managerAs(who.stranger));

    const back = err(await alice.request_upgrade(upgradeTo('Backend', world.backend.v1)));
    if (!('Upgrade' in back) || !('NoUpgradePath' in back.Upgrade)) throw new Error(`expected NoUpgradePath, got ${show(back)}`);
    expect(back.Upgrade.NoUpgradePath.from.map(hex)).toEqual([world.backend.v2.hex]);
    expect(hex(back.Upgrade.NoUpgradePath.to)).toBe(world.backend.v1.hex);
    expect(back.Upgrade.NoUpgradePath.reason).toMatch(/previous_hash/);

    const same = err(await alice.request_upgrade(upgradeTo('Backend', world.backend.v2)));
    expect('Upgrade' in same && variant(same.Upgrade)).toBe('AlreadyAtVersion');

    const unknown = err(await alice.request_upgrade(upgradeTo('Backend', sha256(new TextEncoder().encode('no such version')))));
    expect('Upgrade' in unknown && variant(unknown.Upgrade)).toBe('VersionNotFound');

    // A version of another canister type: the backend does not run what it upgrades from.
    const manager = err(await alice.request_upgrade(upgradeTo('Backend', world.manager.v2)));
    expect('Upgrade' in manager && variant(manager.Upgrade)).toBe('NoUpgradePath');

    const malformed = err(await alice.request_upgrade(upgradeTo('Backend', new Uint8Array(31))));
    expect('Upgrade' in malformed && variant(malformed.Upgrade)).toBe('InvalidArgument');

    await expectBackendAt(dapp, world.backend.v2);
    expect(await fullHistory(dapp.managerAs(who.stranger))).toEqual(history);
  });

  it('lets one of two concurrent requests for a canister win and tells the other it is busy', async () => {
    const dapp = await spawn(world, who.alice);
    const alice = dapp.backendAs(who.alice);

    // pic submits both ingress messages before awaiting either, so both are in flight at once.
    const replies = await Promise.all([
      alice.request_upgrade(upgradeTo('Backend', world.backend.v2)),
      alice.request_upgrade(upgradeTo('Backend', world.backend.v2)),
    ]);
    const winners = replies.filter((r) => 'Ok' in r).map((r) => ok(r));
    const losers = replies.filter((r) => 'Err' in r).map((r) => err(r));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const busy = losers[0]!;
    if (!('Upgrade' in busy) || !('Busy' in busy.Upgrade)) throw new Error(`expected Busy, got ${show(busy)}`);
    expect(busy.Upgrade.Busy.canister.toText()).toBe(dapp.backendId.toText());
    expect(busy.Upgrade.Busy.operation).toBe(winners[0]!.operation);
    await settle(world, dapp, winners[0]!.operation);
    await expectBackendAt(dapp, world.backend.v2);

    // The same for the manager, whose upgrade the backend runs within the request. Here only
    // concurrency explains a Busy: one after the other, the second would find the manager at
    // 1.1.0 already (AlreadyAtVersion).
    const managerReplies = await Promise.all([
      alice.request_upgrade(upgradeTo('Manager', world.manager.v2)),
      alice.request_upgrade(upgradeTo('Manager', world.manager.v2)),
    ]);
    const managerWinner = managerReplies.filter((r) => 'Ok' in r).map((r) => ok(r));
    const managerLoser = managerReplies.filter((r) => 'Err' in r).map((r) => err(r));
    expect(managerWinner.map((t) => t.state)).toEqual([{ Completed: null }]);
    expect(managerLoser.map((e) => ('Upgrade' in e ? variant(e.Upgrade) : variant(e)))).toEqual(['Busy']);
    expect(await moduleHashOf(pic, dapp.managerId, dapp.backendId)).toBe(world.manager.v2.hex);

    // One deployment each: the loser did nothing.
    const deployed = deployments(await fullHistory(dapp.managerAs(who.stranger)));
    expect(deployed.map(({ entry }) => entry.canister.toText())).toEqual([dapp.backendId.toText(), dapp.managerId.toText()]);
  });

  it('tells a request that comes while the backend\'s own upgrade is scheduled that the backend is busy', async () => {
    const dapp = await spawn(world, who.alice);
    const alice = dapp.backendAs(who.alice);
    const first = ok(await alice.request_upgrade(upgradeTo('Backend', world.backend.v2)));
    const [scheduled] = await dapp.managerAs(who.stranger).operation(first.operation);
    expect(scheduled?.state).toEqual({ Scheduled: null });

    const second = err(await alice.request_upgrade(upgradeTo('Backend', world.backend.v3)));
    if (!('Upgrade' in second) || !('Busy' in second.Upgrade)) throw new Error(`expected Busy, got ${show(second)}`);
    expect(second.Upgrade.Busy.operation).toBe(first.operation);
    expect(second.Upgrade.Busy.canister.toText()).toBe(dapp.backendId.toText());

    await settle(world, dapp, first.operation);
    await expectBackendAt(dapp, world.backend.v2);
    // Once the operation ended, the backend is free again.
    const { operation } = await upgradeDapp(world, dapp, who.alice, 'Backend', world.backend.v3);
    expect(operation?.state).toEqual({ Completed: null });
    await expectBackendAt(dapp, world.backend.v3);
  });

  it('upgrades a second dapp instance independently of the first', async () => {
    const first = await spawn(world, who.alice);
    const second = await spawn(world, who.bob);
    expect(new Set([first.backendId, first.managerId, second.backendId, second.managerId].map((p) => p.toText())).size).toBe(4);
    expect(second.tokenId).not.toBe(first.tokenId);
    ok(await first.backendAs(who.alice).add_note('in the first dapp'));
    const firstNotes = await first.backendAs(who.alice).notes();
    const firstHistory = await fullHistory(first.managerAs(who.stranger));

    // Each owner acts on their own dapp only.
    const foreign = err(await second.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v2)));
    expect(variant(foreign)).toBe('NotOwner');
    const { operation } = await upgradeDapp(world, second, who.bob, 'Backend', world.backend.v2);
    expect(operation?.state).toEqual({ Completed: null });
    expect(ok(await second.backendAs(who.bob).request_upgrade(upgradeTo('Manager', world.manager.v2))).state).toEqual({ Completed: null });

    expect(await moduleHashOf(pic, second.backendId, second.managerId)).toBe(world.backend.v2.hex);
    expect(await moduleHashOf(pic, second.managerId, second.backendId)).toBe(world.manager.v2.hex);
    expect(await moduleHashOf(pic, first.backendId, first.managerId)).toBe(world.backend.v1.hex);
    expect(await moduleHashOf(pic, first.managerId, first.backendId)).toBe(world.manager.v1.hex);
    expect(await first.backendAs(who.alice).notes()).toEqual(firstNotes);
    expect(await second.backendAs(who.bob).notes()).toEqual([]);
    expect(await fullHistory(first.managerAs(who.stranger))).toEqual(firstHistory);
    expect(deployments(await fullHistory(second.managerAs(who.stranger))).map(({ event }) => event.requested_by.toText()))
      .toEqual([who.bob.toText(), who.bob.toText()]);
  });
});
