/**
 * The history stays complete where the IC's does not: `canister_info` keeps only the 20 most
 * recent changes of a canister, the manager keeps every one, including changes another
 * controller made behind its back (read by `watch_now` or by its timer).
 *
 * 25 versions of a 4 MB Azle module would take minutes to publish, so this suite runs a manager
 * of its own (the real built Wasm) upgrading a small WAT canister, with no dapp around them.
 */
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  canisterInfo, dataModule, deployments, eventOf, fullHistory, hex, installManager, installRegistry, installRelay, moduleHashOf, ok, sha256,
  variant, who,
  type HistoryEntry, type Manager, type Principal, type PublishedVersion,
} from './support/dapp.js';

const TARGET_TYPE = 'org.lineage.test.target';
const UPGRADES = 25;
const WATCH_SECONDS = 600n;

describe('the manager: a history longer than the IC keeps', () => {
  let pic: PocketIc;
  let manager: Manager;
  let managerId: Principal;
  let target: Principal;
  let relay: Principal;
  const versions: PublishedVersion[] = [];

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const registry = await installRegistry(pic, [TARGET_TYPE]);
    for (let i = 0; i <= UPGRADES; i++) {
      versions.push(await registry.publish(TARGET_TYPE, [1, i, 0], await dataModule(`target 1.${i}.0`, 256), versions.at(-1)));
    }
    // The target is the outsider's canister, which it shares with the manager.
    managerId = await pic.createCanister({ sender: who.deployer });
    target = await pic.createCanister({ sender: who.outsider });
    await pic.installCode({ canisterId: target, wasm: versions[0]!.wasm, sender: who.outsider });
    await pic.updateCanisterSettings({ canisterId: target, controllers: [managerId, who.outsider], sender: who.outsider });
    const installed = await installManager(pic, {
      canister: managerId, controller: who.deployer, registry: registry.registryId, managed: [{ canister: target, label: 'target' }],
      watchIntervalSeconds: WATCH_SECONDS,
    });
    manager = installed.managerAs(who.deployer);
    relay = await installRelay(pic, who.stranger);
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  /** The IC's canister version of the change an entry records. */
  function canisterVersionOf(entry: HistoryEntry): bigint | undefined {
    const [name, event] = eventOf(entry);
    if (name === 'Observed') return event.canister_version as bigint;
    if (name === 'Deployed') return (event.canister_version as [] | [bigint])[0];
    return undefined;
  }

  it('records 25 upgrades and a change behind its back, where canister_info shows only the last 20', async () => {
    for (const version of versions.slice(1)) {
      const ticket = ok(await manager.upgrade({ canister: target, target_hash: version.hash, requested_by: who.deployer, arg: [] } as never));
      expect(ticket.state).toEqual({ Completed: null });
    }
    expect(await moduleHashOf(pic, target, who.outsider)).toBe(versions[UPGRADES]!.hex);

    // Another controller changes the target; the manager reads canister_info when asked.
    await pic.updateCanisterSettings({ canisterId: target, controllers: [managerId, who.outsider, who.stranger], sender: who.outsider });
    expect(await manager.watch_now()).toBe(1n);

    const info = await canisterInfo(pic, relay, target, 20n);
    // Creation, install, controllers set by the outsider; 25 upgrades; the outsider's change.
    expect(info.total_num_changes).toBe(BigInt(3 + UPGRADES + 1));
    expect(info.recent_changes).toHaveLength(20);

    const all = await fullHistory(manager, target);
    // Each upgrade also wrote its snapshot and its health check (issue 15); the rest are the IC's changes.
    const safety = all.filter((e) => 'SnapshotTaken' in e.event || 'HealthChecked' in e.event);
    expect(safety).toHaveLength(2 * UPGRADES);
    const history = all.filter((e) => !safety.includes(e));
    expect(history.filter((e) => 'Gap' in e.event)).toEqual([]);
    expect(history).toHaveLength(Number(info.total_num_changes));
    const deployed = deployments(history);
    expect(deployed.map(({ event }) => hex(event.to))).toEqual(versions.slice(1).map((v) => v.hex));
    expect(new Set(deployed.map(({ event }) => event.requested_by.toText()))).toEqual(new Set([who.deployer.toText()]));
    const observed = history.filter((e) => 'Observed' in e.event).map((e) => {
      const o = 'Observed' in e.event ? e.event.Observed : undefined;
      return [variant(o!.change), 'User' in o!.origin ? o!.origin.User.toText() : o!.origin.Canister.toText()];
    });
    expect(observed).toEqual([
      ['Creation', who.outsider.toText()], ['CodeDeployment', who.outsider.toText()], ['ControllersChange', who.outsider.toText()],
      ['ControllersChange', who.outsider.toText()],
    ]);
    const last = history.at(-1)!;
    expect('Observed' in last.event && 'ControllersChange' in last.event.Observed.change
      ? last.event.Observed.change.ControllersChange.controllers.map((p) => p.toText()).sort() : undefined)
      .toEqual([managerId, who.outsider, who.stranger].map((p) => p.toText()).sort());

    // Every change the IC still shows is in the history, with the same canister version; the nine
    // before them are only in the history.
    const recorded = history.map(canisterVersionOf);
    const shown = info.recent_changes.map((c) => c.canister_version);
    expect(shown.every((v) => recorded.includes(v))).toBe(true);
    const oldestShown = shown.reduce((a, b) => (a < b ? a : b));
    const onlyInHistory = history.filter((e) => canisterVersionOf(e)! < oldestShown);
    expect(onlyInHistory).toHaveLength(9);
    expect(deployments(onlyInHistory).map(({ event }) => hex(event.to))).toEqual(versions.slice(1, 7).map((v) => v.hex));
  });

  it('records a change behind its back on its timer, without being asked', async () => {
    const before = await fullHistory(manager, target);
    const foreign = await dataModule('installed behind the manager\'s back', 256);
    await pic.upgradeCanister({ canisterId: target, wasm: foreign, sender: who.outsider });
    await pic.tick(2);
    // Not read yet: the watch interval has not passed.
    expect(await fullHistory(manager, target)).toEqual(before);

    await pic.advanceTime(Number(WATCH_SECONDS) * 1000 + 1000);
    await pic.tick(3);
    const after = await fullHistory(manager, target);
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added).toHaveLength(1);
    const [name, event] = eventOf(added[0]!);
    expect(name).toBe('Observed');
    expect(event.change).toEqual({ CodeDeployment: { mode: 'upgrade', module_hash: expect.anything() } });
    expect(hex((event.change as { CodeDeployment: { module_hash: Uint8Array } }).CodeDeployment.module_hash)).toBe(hex(sha256(foreign)));
    expect((event.origin as { User?: Principal }).User?.toText()).toBe(who.outsider.toText());
  });
});
