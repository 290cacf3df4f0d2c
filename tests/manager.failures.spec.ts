/**
 * Upgrades that must not happen, and one that fails half-way: a registry whose stored bytes differ
 * from what was published (with and without declared chunk hashes), a deprecated target, and a
 * version whose `post_upgrade` traps. Each leaves the target running the module it had, started,
 * with an empty chunk store, and the failure in the manager's history.
 *
 * The tests share one registry and run in order: each later one withdraws (deprecates) versions
 * an earlier one published, because only one live version may follow a given version.
 */
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  dataModule, deprecate, err, failures, fullHistory, hex, moduleHashOf, ok, runStatus, sha256, spawn, storedChunks, tamperStableMemory,
  trappingModule, TYPES, upgradeDapp, upgradeTo, variant, who,
  type Dapp, type Operation, type Principal, type PublishedVersion, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

describe('the manager: failed and refused upgrades', () => {
  let pic: PocketIc;
  let world: World;
  /** Runs backend 3.0.0: the target of tampered backend versions. */
  let onV3: Dapp;
  /** Runs manager 1.1.0: the target of tampered manager versions (the manager's own upgrade). */
  let onM2: Dapp;
  /** Runs backend 2.0.0: the target of a deprecated version and of a version that traps. */
  let onV2: Dapp;
  const withdrawn: PublishedVersion[] = [];

  beforeAll(async () => {
    world = await createWorld();
    pic = world.pic;
    onV3 = await spawn(world, who.alice, { backend: world.backend.v3 });
    onM2 = await spawn(world, who.alice, { manager: world.manager.v2 });
    onV2 = await spawn(world, who.alice, { backend: world.backend.v2 });
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  /** The target runs `runs`, is running, and its chunk store is empty. */
  async function expectAsBefore(dapp: Dapp, canister: Principal, runs: PublishedVersion): Promise<void> {
    expect(await moduleHashOf(pic, canister, dapp.managerId)).toBe(runs.hex);
    expect(await runStatus(pic, canister, dapp.managerId)).toBe('running');
    expect(await storedChunks(pic, canister, dapp.managerId)).toEqual([]);
  }

  /** The error of a failed operation. */
  function failedWith(operation: Operation | undefined): string {
    if (!operation || !('Failed' in operation.state)) throw new Error(`expected a failed operation, got ${JSON.stringify(operation?.state)}`);
    expect(operation.state.Failed.step).toBe(0);
    return operation.state.Failed.error;
  }

  /**
   * The history records operation `id` on `canister` as one failed step with `error`, and nothing
   * installed; `afterSnapshot`: the step failed at the install, after the manager's snapshot of the
   * stopped target (issue 15), which the history shows first.
   */
  async function expectRecordedFailure(dapp: Dapp, canister: Principal, id: bigint, to: PublishedVersion, error: string, afterSnapshot = false): Promise<void> {
    const entries = await fullHistory(dapp.managerAs(who.stranger), canister);
    const ofOperation = entries.filter((e) => {
      const event = Object.values(e.event)[0] as { operation?: bigint };
      return event.operation === id;
    });
    expect(ofOperation.map((e) => variant(e.event))).toEqual(afterSnapshot ? ['SnapshotTaken', 'DeployFailed'] : ['DeployFailed']);
    const [failure] = failures(ofOperation);
    expect(hex(failure!.event.to)).toBe(to.hex);
    expect(failure!.event.requested_by.toText()).toBe(who.alice.toText());
    expect(failure!.event.error).toBe(error);
    const [operation] = await dapp.managerAs(who.stranger).operation(id);
    // The operation lists its step entries (the deployment or its failure).
    expect(Array.from(operation?.entries ?? [])).toEqual([failure!.entry.index]);
  }

  it('refuses a version whose stored chunk differs from its declared hash, before installing anything', async () => {
    const backendVersion = await world.publish(TYPES.backend, [4, 0, 0], await dataModule('tampered backend 4.0.0'), world.backend.v3, { declareChunkHashes: true });
    const managerVersion = await world.publish(TYPES.manager, [1, 2, 0], await dataModule('tampered manager 1.2.0'), world.manager.v2, { declareChunkHashes: true });
    withdrawn.push(backendVersion, managerVersion);
    const [backendStored, managerStored] = await tamperStableMemory(pic, world.registryId, backendVersion.wasm, managerVersion.wasm);

    // The backend's own upgrade runs after the reply: the operation and the history tell the outcome.
    const { reply, operation } = await upgradeDapp(world, onV3, who.alice, 'Backend', backendVersion);
    expect(ok(reply).state).toEqual({ Scheduled: null });
    const error = failedWith(operation);
    expect(error).toContain(`chunk 0 of version ${backendVersion.hex} hashes to ${hex(sha256(backendStored!))}`);
    expect(error).toContain(`declared ${hex(sha256(backendVersion.wasm))}`);
    expect(error).toContain('nothing was installed');
    await expectAsBefore(onV3, onV3.backendId, world.backend.v3);
    await expectRecordedFailure(onV3, onV3.backendId, ok(reply).operation, backendVersion, error);

    // The manager's own upgrade is prepared in the call: the typed failure comes back.
    const refused = err(await onM2.backendAs(who.alice).request_upgrade(upgradeTo('Manager', managerVersion)));
    if (!('Upgrade' in refused) || !('Failed' in refused.Upgrade)) throw new Error(`expected a failed upgrade, got ${variant(refused)}`);
    const failed = refused.Upgrade.Failed;
    if (!('ChunkHashMismatch' in failed.kind)) throw new Error(`expected ChunkHashMismatch, got ${variant(failed.kind)}`);
    expect(failed.kind.ChunkHashMismatch.chunk).toBe(0n);
    expect(hex(failed.kind.ChunkHashMismatch.expected)).toBe(hex(sha256(managerVersion.wasm)));
    expect(hex(failed.kind.ChunkHashMismatch.actual)).toBe(hex(sha256(managerStored!)));
    expect(failed.completed).toEqual([]);
    expect(hex(failed.failed.to)).toBe(managerVersion.hex);
    await expectAsBefore(onM2, onM2.managerId, world.manager.v2);
    await expectRecordedFailure(onM2, onM2.managerId, failed.operation, managerVersion, failed.message);
  });

  it('refuses a version without declared chunk hashes whose stored bytes differ, at install_chunked_code', async () => {
    for (const version of withdrawn.splice(0)) await deprecate(world, version);
    const backendVersion = await world.publish(TYPES.backend, [4, 0, 1], await dataModule('tampered backend 4.0.1'), world.backend.v3);
    const managerVersion = await world.publish(TYPES.manager, [1, 2, 1], await dataModule('tampered manager 1.2.1'), world.manager.v2);
    withdrawn.push(backendVersion, managerVersion);
    await tamperStableMemory(pic, world.registryId, backendVersion.wasm, managerVersion.wasm);

    // Nothing declared per chunk, so the chunks reach the target's store; the IC then refuses to
    // install a module whose sha256 is not the version's hash, and the target is started again.
    const { reply, operation } = await upgradeDapp(world, onV3, who.alice, 'Backend', backendVersion);
    const error = failedWith(operation);
    expect(error).toMatch(/^install_chunked_code: .*does not match given hash/);
    await expectAsBefore(onV3, onV3.backendId, world.backend.v3);
    await expectRecordedFailure(onV3, onV3.backendId, ok(reply).operation, backendVersion, error, true);

    const refused = err(await onM2.backendAs(who.alice).request_upgrade(upgradeTo('Manager', managerVersion)));
    if (!('Upgrade' in refused) || !('Failed' in refused.Upgrade)) throw new Error(`expected a failed upgrade, got ${variant(refused)}`);
    const failed = refused.Upgrade.Failed;
    expect(failed.kind).toEqual({ InstallRejected: null });
    expect(failed.message).toMatch(/^install_chunked_code: .*does not match given hash/);
    await expectAsBefore(onM2, onM2.managerId, world.manager.v2);
    await expectRecordedFailure(onM2, onM2.managerId, failed.operation, managerVersion, failed.message);

    // The lock went with the failure: asking again fails again rather than finding the manager busy.
    const again = err(await onM2.backendAs(who.alice).request_upgrade(upgradeTo('Manager', managerVersion)));
    expect('Upgrade' in again && variant(again.Upgrade)).toBe('Failed');
  });

  it('refuses a deprecated target version', async () => {
    await deprecate(world, world.backend.v3);
    const before = await fullHistory(onV2.managerAs(who.stranger));
    const refused = err(await onV2.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v3)));
    if (!('Upgrade' in refused) || !('Deprecated' in refused.Upgrade)) throw new Error(`expected Deprecated, got ${JSON.stringify(variant(refused))}`);
    expect(hex(refused.Upgrade.Deprecated)).toBe(world.backend.v3.hex);
    await expectAsBefore(onV2, onV2.backendId, world.backend.v2);
    // A refusal before any step is not an operation: the history does not change.
    expect(await fullHistory(onV2.managerAs(who.stranger))).toEqual(before);
  });

  it('leaves v2 running and records the trap when the new version traps in post_upgrade', async () => {
    // v3 was deprecated above, so another version may follow v2.
    const message = 'lineage test: this version refuses to start';
    const trapping = await world.publish(TYPES.backend, [2, 1, 0], await trappingModule(message), world.backend.v2);
    const alice = onV2.backendAs(who.alice);
    ok(await alice.add_note('written before the failed upgrade'));
    const notes = await alice.notes();

    const { reply, operation } = await upgradeDapp(world, onV2, who.alice, 'Backend', trapping);
    const error = failedWith(operation);
    expect(error).toMatch(/^install_chunked_code: /);
    expect(error).toContain(message);
    await expectAsBefore(onV2, onV2.backendId, world.backend.v2);
    await expectRecordedFailure(onV2, onV2.backendId, ok(reply).operation, trapping, error, true);
    // Still the same backend, with its state, answering its owner.
    expect(await alice.notes()).toEqual(notes);
    expect(ok(await alice.owner())[0]?.toText()).toBe(who.alice.toText());
  });
});
