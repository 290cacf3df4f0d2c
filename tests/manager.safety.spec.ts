/**
 * Safe upgrades (issue 15): before every install the manager takes a snapshot of the stopped
 * target; after it, it checks the module hash and the version's health query; when the check
 * fails it loads the snapshot back (old module, old state) and records the rollback. Versions come
 * from the registry with their upgrade options (`wasm_memory_persistence`, `skip_pre_upgrade`),
 * which the manager passes to the IC.
 *
 * The ledger is a Motoko canister with enhanced orthogonal persistence (tests/fixtures/ledger): the
 * IC refuses to upgrade it unless `wasm_memory_persistence` is set, so every upgrade that succeeds
 * here proves the option reached the IC. Its bad versions are compiled from the same source. The
 * tests run in order on one ledger and one dapp.
 */
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { verifyIcrc3Log, type Icrc3Log } from '@lineage/sdk';

import {
  builtWasm, canisterInfo, deprecate, err, managerArg, release, eventOf, fullHistory, hex, installManager, installRelay, moduleHashOf, ok, runStatus, spawn, upgradeDapp,
  variant, who, type Dapp, type HistoryEntry, type Manager, type PublishedVersion, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';
import {
  freezingModule, KEEP, LEDGER_TYPE, stampedLedger, ledgerIdl, ledgerWasm, snapshotIds, takeSnapshot, unhealthyModule, type LedgerService, type LedgerVersion,
} from './support/ledger.js';

describe('safe upgrades: snapshot, health check, rollback, restore, upgrade options', () => {
  let pic: PocketIc;
  let world: World;
  let manager: Manager;
  let managerAs: (as: Principal) => Manager;
  let managerId: Principal;
  let ledgerId: Principal;
  let ledger: LedgerService;
  let relay: Principal;
  const published = new Map<string, PublishedVersion>();
  /** The controller who runs the stand-alone manager (as a dapp's backend would). */
  const operator = who.deployer;

  beforeAll(async () => {
    world = await createWorld();
    pic = world.pic;
    const [created] = await world.registry().icrc118_create_canister_type([{
      canister_type_namespace: LEDGER_TYPE, canister_type_name: 'ledger', controllers: [[who.dao as never]], description: 'test ledger',
      repo: 'https://github.com/lineage-dapps/lineage', metadata: [], forked_from: [],
    }]);
    ok(created as never);
    published.set('v1', await world.publish(LEDGER_TYPE, [1, 0, 0], ledgerWasm('v1'), undefined, { metadata: [KEEP] }));
    const installed = await installManager(pic, { controller: operator, registry: world.registryId, managed: [], watchIntervalSeconds: 3600n });
    managerId = installed.managerId;
    manager = installed.managerAs(operator);
    managerAs = installed.managerAs;
    ledgerId = await pic.createCanister({ sender: operator });
    await pic.installCode({ canisterId: ledgerId, wasm: ledgerWasm('v1'), sender: operator });
    await pic.updateCanisterSettings({ canisterId: ledgerId, controllers: [operator, managerId], sender: operator });
    ledger = pic.createActor(ledgerIdl, ledgerId) as unknown as LedgerService;
    await ledger.add('alice', 10n);
    await ledger.add('bob', 25n);
    relay = await installRelay(pic, operator);
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  /** Publishes the ledger `name` as `version`, after the one published as `after`. */
  async function publishLedger(name: LedgerVersion, version: [number, number, number], after: string, metadata = [KEEP] as NonNullable<Parameters<World['publish']>[4]>['metadata']): Promise<PublishedVersion> {
    const v = await world.publish(LEDGER_TYPE, version, ledgerWasm(name), published.get(after), { metadata: metadata! });
    published.set(name, v);
    return v;
  }

  const upgradeLedger = (to: PublishedVersion) => manager.upgrade({ canister: ledgerId as never, target_hash: to.hash, requested_by: operator as never, arg: [] });

  /** The entries of operation `id` as `Variant` names, in order. */
  async function entriesOf(id: bigint, canister = ledgerId): Promise<{ names: string[]; entries: HistoryEntry[] }> {
    const entries = (await fullHistory(manager, canister)).filter((e) => (Object.values(e.event)[0] as { operation?: bigint }).operation === id);
    return { names: entries.map((e) => variant(e.event)), entries };
  }

  const RECORDS: [string, bigint][] = [['alice', 10n], ['bob', 25n]];

  it('rolls back a version whose health check fails; what was written before the upgrade is readable after it', async () => {
    const bad = await publishLedger('unhealthy', [1, 1, 0], 'v1');
    const failed = err(await upgradeLedger(bad));
    if (!('Failed' in failed)) throw new Error(`expected Failed, got ${JSON.stringify(variant(failed))}`);
    expect(failed.Failed.message).toContain('lineage_health: Err the records index was not built');
    expect(failed.Failed.kind).toEqual({ Unhealthy: { rolled_back: true } });
    expect(failed.Failed.message).toContain('lineage_health: Err the records index was not built');
    expect(await moduleHashOf(pic, ledgerId, operator)).toBe(published.get('v1')!.hex);
    expect(await runStatus(pic, ledgerId, operator)).toBe('running');
    expect(await ledger.all()).toEqual(RECORDS);
    expect(await ledger.version()).toBe('v1');

    const { names, entries } = await entriesOf(failed.Failed.operation);
    expect(names).toEqual(['SnapshotTaken', 'HealthChecked', 'RolledBack', 'DeployFailed']);
    const [, rolled] = eventOf(entries[2]!);
    expect(rolled).toMatchObject({ loaded: true, detail: 'lineage_health: Ok', reason: 'lineage_health: Err the records index was not built' });
    const [, taken] = eventOf(entries[0]!);
    expect(hex(rolled.snapshot as Uint8Array)).toBe(hex(taken.snapshot as Uint8Array));
    // The IC's own record shows the install and the snapshot loaded back.
    const info = await canisterInfo(pic, relay, ledgerId, 2n);
    expect(info.recent_changes.map((c) => Object.keys(c.details)[0])).toEqual(['code_deployment', 'load_snapshot']);
    await deprecate(world, bad);
  });

  it('rolls back a version whose post_upgrade succeeds but corrupts a record, which its health check catches', async () => {
    const bad = await publishLedger('corrupting', [1, 1, 1], 'v1');
    const failed = err(await upgradeLedger(bad));
    if (!('Failed' in failed)) throw new Error('expected Failed');
    expect(failed.Failed.kind).toEqual({ Unhealthy: { rolled_back: true } });
    expect(failed.Failed.message).toContain('record 0 (alice) does not match its checksum');
    expect(await ledger.all()).toEqual(RECORDS);
    expect(await ledger.lineage_health()).toEqual({ Ok: null });
    await deprecate(world, bad);
  });

  it('keeps a version that passes, and replaces its own snapshot at the next upgrade, never another controller\'s', async () => {
    const v2 = await publishLedger('v2', [2, 0, 0], 'v1');
    const first = ok(await upgradeLedger(v2));
    expect(await ledger.version()).toBe('v2');
    expect(await ledger.all()).toEqual(RECORDS); // the Wasm memory was kept (`keep` reached the IC)
    const [kept] = await manager.snapshots(ledgerId as never);
    const { names } = await entriesOf(first.operation);
    expect(names).toEqual(['SnapshotTaken', 'Deployed', 'HealthChecked']);

    const theirs = await takeSnapshot(pic, ledgerId, operator);
    const stuck = await publishLedger('stuck', [3, 0, 0], 'v2');
    const second = ok(await upgradeLedger(stuck));
    const snapshots = await manager.snapshots(ledgerId as never);
    expect(snapshots).toHaveLength(1);
    expect(hex(snapshots[0]!.id)).not.toBe(hex(kept!.id));
    expect(hex(snapshots[0]!.module[0]!)).toBe(v2.hex);
    expect((await snapshotIds(pic, ledgerId, operator)).sort()).toEqual([hex(snapshots[0]!.id), theirs].sort());
    const { entries } = await entriesOf(second.operation);
    const [, taken] = eventOf(entries[0]!);
    expect(hex((taken.replaced as Uint8Array[])[0]!)).toBe(hex(kept!.id));
  });

  it('passes skip_pre_upgrade and wasm_memory_persistence from the registry to the IC, and refuses a step the canister cannot take', async () => {
    // Without wasm_memory_persistence the IC would refuse this canister's upgrade: the manager says so first.
    const plain = await publishLedger('v4', [4, 0, 0], 'stuck', []);
    const refused = err(await upgradeLedger(plain));
    expect(variant(refused)).toBe('NoUpgradePath');
    expect((refused as { NoUpgradePath: { reason: string } }).NoUpgradePath.reason).toContain('enhanced orthogonal persistence');
    await deprecate(world, plain);

    // `stuck`'s pre_upgrade traps: the IC refuses to replace it unless skip_pre_upgrade is set.
    const refusedByIc = await publishLedger('v5', [4, 0, 1], 'stuck');
    const trapped = err(await upgradeLedger(refusedByIc));
    if (!('Failed' in trapped)) throw new Error('expected Failed');
    expect(trapped.Failed.kind).toEqual({ InstallRejected: null });
    expect(trapped.Failed.failed.options).toEqual([{ wasm_memory_persistence: ['keep'], skip_pre_upgrade: false }]);
    expect(trapped.Failed.message).toContain('stuck: this version cannot run its pre_upgrade');
    await deprecate(world, refusedByIc);
    const v3 = await publishLedger('v3', [4, 0, 2], 'stuck', [KEEP, ['lineage:skip_pre_upgrade', { Bool: true }]]);
    const done = ok(await upgradeLedger(v3));
    // The plan shows the options each step passes to the IC, and so does the operation afterwards.
    expect(done.steps.map((s) => s.options)).toEqual([[{ wasm_memory_persistence: ['keep'], skip_pre_upgrade: true }]]);
    const [op] = await manager.operation(done.operation);
    expect(op!.steps[0]!.options).toEqual([{ wasm_memory_persistence: ['keep'], skip_pre_upgrade: true }]);
    expect(await ledger.version()).toBe('v3');
    // Motoko's runtime hands its stable variables over in pre_upgrade: skipping it starts them afresh.
    expect(await ledger.all()).toEqual([]);
    expect(await ledger.add('carol', 5n)).toBe(1n);
  });

  it('records a rollback whose load_canister_snapshot fails, leaves the target stopped and keeps the snapshot', async () => {
    // The ledger controls itself too (as some dapps do). The broken build published after v3 sets its
    // own freezing threshold above its balance when asked for its health, and answers Err. On the IC
    // `load_canister_snapshot` is paid by the canister and refused when paying would leave it below
    // its freezing threshold (replica: `can_withdraw_cycles`; "Canister snapshotting failed with: …
    // is out of cycles"), so the rollback cannot load the snapshot. `replace`: a plain Wasm module
    // cannot keep Motoko's memory.
    await pic.updateCanisterSettings({ canisterId: ledgerId, controllers: [operator, managerId, ledgerId], sender: operator });
    const broken = await world.publish(LEDGER_TYPE, [5, 0, 0], await freezingModule('the ledger lost its index'), published.get('v3'), {
      metadata: [['lineage:wasm_memory_persistence', { Text: 'replace' }]],
    });
    const [before] = await manager.snapshots(ledgerId as never);
    const onIcBefore = await snapshotIds(pic, ledgerId, operator);
    const failed = err(await upgradeLedger(broken));
    if (!('Failed' in failed)) throw new Error(`expected Failed, got ${JSON.stringify(variant(failed))}`);
    expect(failed.Failed.kind).toEqual({ Unhealthy: { rolled_back: false } });
    expect(failed.Failed.message).toContain('is out of cycles');
    expect(failed.Failed.message).toContain('the canister is left stopped and the snapshot kept');

    // Frozen, the ledger pays for no ingress message, not even one about it to the management
    // canister (the IC's ingress filter); a controller's small update_settings still goes through
    // (its fee is charged once the settings apply), so the operator unfreezes it.
    await expect(runStatus(pic, ledgerId, operator)).rejects.toThrow(/is out of cycles/);
    await pic.updateCanisterSettings({ canisterId: ledgerId, controllers: [operator, managerId], freezingThreshold: 2_592_000n, sender: operator });

    // Left stopped on the broken build (a stopped canister loses nothing), and nothing deleted.
    expect(await runStatus(pic, ledgerId, operator)).toBe('stopped');
    expect(await moduleHashOf(pic, ledgerId, operator)).toBe(broken.hex);
    const { names, entries } = await entriesOf(failed.Failed.operation);
    expect(names).toEqual(['SnapshotTaken', 'HealthChecked', 'RolledBack', 'DeployFailed']);
    const [, taken] = eventOf(entries[0]!);
    const [, rolled] = eventOf(entries[2]!);
    expect(rolled).toMatchObject({ loaded: false, reason: 'lineage_health: Err the ledger lost its index' });
    expect(rolled.detail).toContain('is out of cycles');
    const kept = await manager.snapshots(ledgerId as never);
    expect(kept.map((s) => hex(s.id))).toEqual([hex(taken.snapshot as Uint8Array)]);
    expect(hex(kept[0]!.module[0]!)).toBe(published.get('v3')!.hex);
    // On the IC: the new snapshot in place of the manager's previous one, the other controller's untouched.
    const onIc = await snapshotIds(pic, ledgerId, operator);
    expect(onIc.sort()).toEqual([...onIcBefore.filter((id) => id !== hex(before!.id)), hex(taken.snapshot as Uint8Array)].sort());

    // The record is part of the certified hash chain.
    const rootKey = await pic.getPubKey((await pic.getCanisterSubnetId(managerId))!);
    const verdict = await verifyIcrc3Log(manager as unknown as Icrc3Log, { canisterId: managerId.toText(), rootKey, pageSize: 8, disableTimeVerification: true });
    expect(verdict.failures).toEqual([]);

    // Now that the ledger can pay again, the kept snapshot brings v3 and its records back.
    const restored = ok(await manager.restore({ canister: ledgerId as never, requested_by: operator as never }));
    expect(restored.state).toEqual({ Completed: null });
    expect(await runStatus(pic, ledgerId, operator)).toBe('running');
    expect(await ledger.version()).toBe('v3');
    expect(await ledger.all()).toEqual([['carol', 5n]]);
    await deprecate(world, broken);
  });

  it('keeps as many snapshots per canister as configured, only its own, and refuses a number the IC cannot hold', async () => {
    const ours = (await manager.snapshots(ledgerId as never)).map((s) => hex(s.id));
    const theirs = (await snapshotIds(pic, ledgerId, operator)).filter((id) => !ours.includes(id));
    expect(theirs).toHaveLength(1); // the other controller's, taken in an earlier test
    const upgradeManager = (snapshotsKept: number) => pic.upgradeCanister({
      canisterId: managerId, wasm: builtWasm('manager'), sender: operator,
      arg: managerArg({ registry: world.registryId, managed: [], watchIntervalSeconds: 3600n, snapshotsKept }),
    });
    await expect(upgradeManager(11)).rejects.toThrow(/snapshots_kept must be 1 to 10/);
    await expect(upgradeManager(0)).rejects.toThrow(/snapshots_kept must be 1 to 10/);
    await upgradeManager(2);

    let after = 'v3';
    for (const [i, label] of ['k1', 'k2', 'k3'].entries()) {
      const v = await world.publish(LEDGER_TYPE, [6, i, 0], stampedLedger('v3', label), published.get(after), { metadata: [KEEP] });
      published.set(label, v);
      after = label;
      ok(await upgradeLedger(v));
    }
    const kept = await manager.snapshots(ledgerId as never);
    expect(kept).toHaveLength(2);
    // The two newest: taken before the 2nd and the 3rd upgrade, of the versions then running.
    expect(kept.map((s) => hex(s.module[0]!)).sort()).toEqual([published.get('k1')!.hex, published.get('k2')!.hex].sort());
    expect((await snapshotIds(pic, ledgerId, operator)).sort()).toEqual([...kept.map((s) => hex(s.id)), ...theirs].sort());
  });

  it('upgrades without a snapshot only a version that declares it may, for controllers only', async () => {
    const request = (to: PublishedVersion) => ({ canister: ledgerId as never, target_hash: to.hash, requested_by: operator as never, arg: [] as [] });
    const snapshotsBefore = (await manager.snapshots(ledgerId as never)).map((s) => hex(s.id));
    const onIcBefore = (await snapshotIds(pic, ledgerId, operator)).sort();
    const entriesBefore = (await fullHistory(manager, ledgerId)).length;

    // Not declared: refused with a typed error before anything is touched.
    const plain = await world.publish(LEDGER_TYPE, [7, 0, 0], stampedLedger('v3', 'n1'), published.get('k3'), { metadata: [KEEP] });
    const refused = err(await manager.upgrade_without_snapshot(request(plain)));
    expect(refused).toEqual({ SnapshotRequired: { hash: plain.hash, version: [7n, 0n, 0n] } });
    expect(await moduleHashOf(pic, ledgerId, operator)).toBe(published.get('k3')!.hex);
    expect((await fullHistory(manager, ledgerId)).length).toBe(entriesBefore);
    // Nobody but the manager's controllers may ask (the IC refuses the ingress message).
    await expect(managerAs(who.stranger).upgrade_without_snapshot(request(plain))).rejects.toThrow(/controllers only/);
    await deprecate(world, plain);

    // Declared (`lineage:snapshot = optional`): installed and checked, no snapshot taken or replaced.
    const optional = await world.publish(LEDGER_TYPE, [7, 0, 1], stampedLedger('v3', 'n2'), published.get('k3'), {
      metadata: [KEEP, ['lineage:snapshot', { Text: 'optional' }]],
    });
    const done = ok(await manager.upgrade_without_snapshot(request(optional)));
    expect(await moduleHashOf(pic, ledgerId, operator)).toBe(optional.hex);
    expect((await entriesOf(done.operation)).names).toEqual(['Deployed', 'HealthChecked']);
    expect((await manager.snapshots(ledgerId as never)).map((s) => hex(s.id))).toEqual(snapshotsBefore);
    expect((await snapshotIds(pic, ledgerId, operator)).sort()).toEqual(onIcBefore);
  });

  // ---- a dapp: the backend's and the manager's own upgrades, and the holder's restore ----------

  describe('in a dapp', () => {
    let dapp: Dapp;

    beforeAll(async () => {
      // Backend 3.0.0 and manager 1.1.0: no live version follows them yet, so each suite may publish one.
      dapp = await spawn(world, who.alice, { backend: world.backend.v3, manager: world.manager.v2 });
      ok(await dapp.backendAs(who.alice).add_note('written before the upgrades'));
    });

    it('protects the backend\'s own upgrade: an unhealthy backend is rolled back with its notes', async () => {
      const bad = await world.publish('org.lineage.backend', [3, 5, 0], await unhealthyModule('the notes index is missing'), world.backend.v3);
      const { reply, operation } = await upgradeDapp(world, dapp, who.alice, 'Backend', bad);
      expect(ok(reply).state).toEqual({ Scheduled: null });
      // The backend's ticket is the manager's plan: a version without options says so.
      expect(ok(reply).steps.map((s) => s.options)).toEqual([[{ wasm_memory_persistence: [], skip_pre_upgrade: false }]]);
      if (!operation || !('Failed' in operation.state)) throw new Error(`expected a failed operation, got ${JSON.stringify(operation?.state)}`);
      expect(operation.state.Failed.kind).toEqual({ Unhealthy: { rolled_back: true } });
      expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v3.hex);
      expect((await dapp.backendAs(who.stranger).notes()).map((n) => n.text)).toEqual(['written before the upgrades']);
      expect(await dapp.backendAs(who.stranger).lineage_health()).toEqual({ Ok: null });
      await deprecate(world, bad);
    });

    it('protects the manager\'s own upgrade the same way: the backend loads the manager\'s snapshot back', async () => {
      const bad = await world.publish('org.lineage.manager', [1, 1, 5], await unhealthyModule('no history'), world.manager.v2);
      const { reply } = await upgradeDapp(world, dapp, who.alice, 'Manager', bad);
      const failed = err(reply);
      expect(JSON.stringify(failed, (_, v) => (typeof v === 'bigint' ? v.toString() : v))).toContain('"Unhealthy":{"rolled_back":true}');
      expect(await moduleHashOf(pic, dapp.managerId, dapp.backendId)).toBe(world.manager.v2.hex);
      const history = await fullHistory(dapp.managerAs(who.stranger), dapp.managerId);
      expect(history.map((e) => variant(e.event))).toContain('RolledBack');
      expect(await dapp.managerAs(who.stranger).lineage_health()).toEqual({ Ok: null });
      await deprecate(world, bad);
    });

    it('restores the last pre-upgrade snapshot for the holder, and for nobody else', async () => {
      const v4 = await world.publish('org.lineage.backend', [4, 0, 0], release('backend', '4.0.0'), world.backend.v3);
      const { operation } = await upgradeDapp(world, dapp, who.alice, 'Backend', v4);
      expect(operation && 'Completed' in operation.state).toBe(true);
      ok(await dapp.backendAs(who.alice).add_note('written on 4.0.0'));
      // Alice sells the dapp to Bob.
      const [sent] = await world.nft(who.alice).icrc7_transfer([{
        from_subaccount: [], to: { owner: who.bob as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [],
      }]);
      expect(sent?.[0] && 'Ok' in sent[0]).toBe(true);
      expect(variant(err(await dapp.backendAs(who.alice).request_restore({ canister: { Backend: null } })))).toBe('NotOwner');
      expect(variant(err(await dapp.backendAs(who.stranger).request_restore({ canister: { Backend: null } })))).toBe('NotOwner');
      // Upgrading without a snapshot: the holder only, and only for a version that declares it may.
      const v5 = await world.publish('org.lineage.backend', [5, 0, 0], release('backend', '5.0.0'), v4);
      const noSnapshot = { canister: { Backend: null }, to: v5.hash, arg: [] as [] };
      expect(variant(err(await dapp.backendAs(who.alice).request_upgrade_without_snapshot(noSnapshot)))).toBe('NotOwner');
      expect(variant(err(await dapp.backendAs(who.stranger).request_upgrade_without_snapshot(noSnapshot)))).toBe('NotOwner');
      expect(err(await dapp.backendAs(who.bob).request_upgrade_without_snapshot(noSnapshot))).toEqual({ Upgrade: { SnapshotRequired: { hash: v5.hash, version: [5n, 0n, 0n] } } });
      expect(variant(err(await dapp.backendAs(who.bob).request_upgrade_without_snapshot({ ...noSnapshot, canister: { Manager: null } })))).toBe('InvalidArgument');
      expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(v4.hex);
      await deprecate(world, v5);

      const ticket = ok(await dapp.backendAs(who.bob).request_restore({ canister: { Backend: null } }));
      expect(ticket.state).toEqual({ Scheduled: null });
      for (let i = 0; i < 200; i++) {
        const [op] = await dapp.managerAs(who.stranger).operation(ticket.operation);
        if (op && ('Completed' in op.state || 'Failed' in op.state)) break;
        await pic.tick();
      }
      const [op] = await dapp.managerAs(who.stranger).operation(ticket.operation);
      expect(op && variant(op.state)).toBe('Completed');
      expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v3.hex);
      expect((await dapp.backendAs(who.stranger).notes()).map((n) => n.text)).toEqual(['written before the upgrades']);
      const restored = (await fullHistory(dapp.managerAs(who.stranger), dapp.backendId)).filter((e) => variant(e.event) === 'Restored');
      expect(restored.map((e) => eventOf(e)[1])).toEqual([expect.objectContaining({ loaded: true, requested_by: who.bob as never, detail: 'lineage_health: Ok' })]);
    });
  });

  it('keeps every history verifiable: a hash chain with a certified tip', async () => {
    const rootKey = async (canister: Principal) => pic.getPubKey((await pic.getCanisterSubnetId(canister))!);
    const verdict = await verifyIcrc3Log(manager as unknown as Icrc3Log, { canisterId: managerId.toText(), rootKey: await rootKey(managerId), pageSize: 8, disableTimeVerification: true });
    expect(verdict.failures).toEqual([]);
    expect(verdict.ok).toBe(true);
  });
});
