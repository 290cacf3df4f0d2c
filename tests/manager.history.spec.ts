/**
 * The manager's deployment history: it starts with the changes the deployer made, records every
 * step with the holder who asked, pages forwards and backwards (per canister too), explains each
 * operation, is a hash-chained ICRC-3 log whose tip is certified (verified here with the sdk, which
 * also catches a changed block), and survives the manager's own upgrade.
 */
import { PocketIc } from '@dfinity/pic';
import { hashValue, verifyIcrc3Log, type Icrc3Log } from '@lineage/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  deployments, eventOf, fullHistory, hex, historyRequest, moduleHashOf, ok, release, settingsUpdate, spawn, tamperStableMemory,
  TYPES, upgradeDapp, upgradeTo, variant, who,
  type Dapp, type HistoryEntry, type Manager, type Principal, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

describe('the manager: its deployment history', () => {
  let pic: PocketIc;
  let world: World;
  /** Upgraded v1 → v2 → v3 with a settings change between: the history the tests read. */
  let dapp: Dapp;
  let operations: bigint[];

  beforeAll(async () => {
    world = await createWorld();
    pic = world.pic;
    dapp = await spawn(world, who.alice);
    const first = await upgradeDapp(world, dapp, who.alice, 'Backend', world.backend.v2);
    ok(await dapp.backendAs(who.alice).update_settings({
      canister: { Backend: null }, settings: settingsUpdate({ controllers: [dapp.managerId, dapp.backendId] }),
    }));
    const second = await upgradeDapp(world, dapp, who.alice, 'Backend', world.backend.v3);
    operations = [ok(first.reply).operation, ok(second.reply).operation];
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  /** The IC root key of the subnet `canister` lives on (what `agent.rootKey` is on a local replica). */
  async function rootKeyOf(canister: Principal): Promise<Uint8Array> {
    const subnet = await pic.getCanisterSubnetId(canister);
    if (!subnet) throw new Error(`${canister.toText()} has no subnet`);
    return pic.getPubKey(subnet);
  }

  /** The sdk's verdict on a manager's log (the instance's clock is not the wall clock: no freshness check). */
  async function verify(log: Icrc3Log, manager: Principal) {
    return verifyIcrc3Log(log, { canisterId: manager.toText(), rootKey: await rootKeyOf(manager), pageSize: 4, disableTimeVerification: true });
  }

  const summary = (e: HistoryEntry) => {
    const [name, event] = eventOf(e);
    const detail = name === 'Observed' ? variant(event.change as object) : name === 'Deployed' ? `${(event.version as bigint[]).join('.')}` : '';
    return `${e.canister.toText() === dapp.backendId.toText() ? 'backend' : 'manager'} ${name} ${detail}`.trim();
  };

  it('holds the deployer\'s changes, every step with who asked, and changes made by others', async () => {
    const entries = await fullHistory(dapp.managerAs(who.stranger));
    expect(entries.map((e) => e.index)).toEqual(entries.map((_, i) => BigInt(i)));
    const backend = entries.filter((e) => e.canister.toText() === dapp.backendId.toText()).map(summary);
    // Created and installed by the deployer, wired into the ring, upgraded twice, and its
    // controllers changed by the owner in between (seen when the manager next read canister_info).
    // Each upgrade also records the snapshot taken before it and the health check after it (issue 15).
    expect(backend).toEqual([
      'backend Observed Creation', 'backend Observed CodeDeployment', 'backend SnapshotTaken', 'backend Observed ControllersChange',
      'backend Deployed 2.0.0', 'backend HealthChecked',
      'backend SnapshotTaken', 'backend Observed ControllersChange', 'backend Deployed 3.0.0', 'backend HealthChecked',
    ]);
    const observed = entries.filter((e) => 'Observed' in e.event).map((e) => ('Observed' in e.event ? e.event.Observed : undefined)!);
    const origins = observed.map((o) => ('User' in o.origin ? o.origin.User.toText() : o.origin.Canister.toText()));
    expect(new Set(origins)).toEqual(new Set([who.deployer.toText(), dapp.backendId.toText()]));
    const deployed = deployments(entries);
    expect(deployed.map(({ event }) => [event.operation, event.requested_by.toText()])).toEqual(operations.map((o) => [o, who.alice.toText()]));
  });

  it('verifies as a hash chain with a certified tip (sdk verifyIcrc3Log)', async () => {
    const manager = dapp.managerAs(who.stranger);
    const entries = await fullHistory(manager);
    const verdict = await verify(manager, dapp.managerId);
    expect(verdict.failures).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.blocks).toBe(entries.length);
    expect(verdict.tipIndex).toBe(entries.at(-1)!.index);
  });

  it('is detected when a block is changed, on the way or in the canister\'s memory', async () => {
    const manager = dapp.managerAs(who.stranger);
    const length = (await manager.icrc3_get_blocks([{ start: 0n, length: 0n }])).log_length;
    /** The log as a dishonest node would answer it: block `changed` with another timestamp. */
    const lying = (changed: bigint): Icrc3Log => ({
      icrc3_get_blocks: async (ranges) => {
        const result = await manager.icrc3_get_blocks(ranges);
        const blocks = result.blocks.map(({ id, block }) => (id !== changed || !('Map' in block) ? { id, block } : {
          id, block: { Map: block.Map.map(([k, v]) => [k, k === 'ts' && 'Nat' in v ? { Nat: v.Nat + 1n } : v] as [string, typeof v]) },
        }));
        return { ...result, blocks } as never;
      },
      icrc3_get_tip_certificate: () => manager.icrc3_get_tip_certificate() as never,
    });
    const inside = await verify(lying(2n), dapp.managerId);
    expect(inside.ok).toBe(false);
    expect(inside.failures.map((f) => [f.check, f.blockId])).toEqual([['phash', 2n]]);
    const last = await verify(lying(length - 1n), dapp.managerId);
    expect(last.ok).toBe(false);
    expect(last.failures.map((f) => f.check)).toEqual(['tip-hash']);

    // A block changed where the manager keeps it: block 3's stored link to block 2. Block 3 no
    // longer names block 2, and no longer hashes to what block 4 names. A dapp of its own, since
    // its log stays broken.
    const victim = await spawn(world, who.alice);
    await upgradeDapp(world, victim, who.alice, 'Backend', world.backend.v2);
    const victimLog = victim.managerAs(who.stranger);
    expect((await verify(victimLog, victim.managerId)).ok).toBe(true);
    const [block2] = (await victimLog.icrc3_get_blocks([{ start: 2n, length: 1n }])).blocks;
    await tamperStableMemory(pic, victim.managerId, hashValue(block2!.block as never));
    const broken = await verify(victimLog, victim.managerId);
    expect(broken.ok).toBe(false);
    expect(broken.failures.map((f) => [f.check, f.blockId])).toEqual([['phash', 2n], ['phash', 3n]]);
  });

  it('pages forwards and backwards, for all canisters or one', async () => {
    const manager = dapp.managerAs(who.stranger);
    const all = await fullHistory(manager);
    const ofBackend = all.filter((e) => e.canister.toText() === dapp.backendId.toText());
    const ofManager = all.filter((e) => e.canister.toText() === dapp.managerId.toText());
    expect(ofBackend.length).toBeGreaterThan(2);
    expect(ofManager.length).toBeGreaterThan(1);
    const indexes = (entries: HistoryEntry[]) => entries.map((e) => e.index);

    /** Every page of `take` entries, following `prev` from the last entry of each page. */
    async function walk(m: Manager, canister: Principal | undefined, take: bigint, descending: boolean): Promise<{ pages: bigint[][]; totals: bigint[] }> {
      const pages: bigint[][] = [];
      const totals: bigint[] = [];
      let prev: bigint | undefined;
      for (;;) {
        const page = await m.deployment_history(historyRequest({ canister, prev, take, descending }));
        totals.push(page.total);
        if (page.entries.length === 0) return { pages, totals };
        expect(page.entries.length).toBeLessThanOrEqual(Number(take));
        pages.push(indexes(page.entries));
        prev = page.entries.at(-1)!.index;
      }
    }

    for (const [canister, expected] of [[undefined, all], [dapp.backendId, ofBackend], [dapp.managerId, ofManager]] as const) {
      const forwards = await walk(manager, canister, 2n, false);
      expect(forwards.pages.flat()).toEqual(indexes(expected));
      expect(new Set(forwards.totals)).toEqual(new Set([BigInt(expected.length)]));
      const backwards = await walk(manager, canister, 3n, true);
      expect(backwards.pages.flat()).toEqual(indexes(expected).reverse());
      expect(backwards.pages[0]).toEqual(indexes(expected).slice(-3).reverse());
    }

    // Default page, empty pages, and a page starting inside another canister's entries.
    expect(indexes((await manager.deployment_history(historyRequest())).entries)).toEqual(indexes(all));
    expect((await manager.deployment_history(historyRequest({ take: 0n }))).entries).toEqual([]);
    expect((await manager.deployment_history(historyRequest({ prev: all.at(-1)!.index }))).entries).toEqual([]);
    expect((await manager.deployment_history(historyRequest({ prev: 0n, descending: true }))).entries).toEqual([]);
    const managerEntry = ofManager.at(-1)!.index;
    const after = await manager.deployment_history(historyRequest({ canister: dapp.backendId, prev: managerEntry, take: 100n }));
    expect(indexes(after.entries)).toEqual(indexes(ofBackend.filter((e) => e.index > managerEntry)));

    // The owner reads the same pages through the backend.
    const throughBackend = ok(await dapp.backendAs(who.alice).deployment_history(historyRequest({ canister: dapp.backendId, take: 2n, descending: true })));
    expect(indexes(throughBackend.entries)).toEqual(indexes(ofBackend).slice(-2).reverse());
    expect(throughBackend.total).toBe(BigInt(ofBackend.length));
  });

  it('explains each operation: canister, who asked, steps, state and the entries it wrote', async () => {
    const manager = dapp.managerAs(who.stranger);
    const all = await fullHistory(manager);
    const versions = [world.backend.v2, world.backend.v3];
    for (const [i, id] of operations.entries()) {
      const [operation] = await manager.operation(id);
      if (!operation) throw new Error(`operation ${id} is unknown`);
      expect(operation.id).toBe(id);
      expect(operation.canister.toText()).toBe(dapp.backendId.toText());
      expect(operation.requested_by.toText()).toBe(who.alice.toText());
      expect(operation.state).toEqual({ Completed: null });
      expect(operation.steps.map((s) => hex(s.to))).toEqual([versions[i]!.hex]);
      const entries = Array.from(operation.entries).map((index) => all.find((e) => e.index === index)!);
      expect(entries.map((e) => [variant(e.event), 'Deployed' in e.event ? e.event.Deployed.operation : undefined])).toEqual([['Deployed', id]]);
      expect(entries[0]!.time).toBeGreaterThanOrEqual(operation.requested_at);
    }
    expect(await manager.operation(1_000n)).toEqual([]);
  });

  it('survives the manager\'s own upgrade: the same entries, plus the new deployment, under a certified tip', async () => {
    const manager = dapp.managerAs(who.stranger);
    const before = await fullHistory(manager);
    expect((await verify(manager, dapp.managerId)).ok).toBe(true);

    const ticket = ok(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Manager', world.manager.v2)));
    expect(ticket.state).toEqual({ Completed: null });
    expect(await moduleHashOf(pic, dapp.managerId, dapp.backendId)).toBe(world.manager.v2.hex);

    const after = await fullHistory(manager);
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    // Changes made since the last read (none expected but possible) come first, then the deployment.
    expect(added.slice(0, -1).every((e) => 'Observed' in e.event)).toBe(true);
    const [deployed] = deployments(added);
    expect(deployments(added)).toHaveLength(1);
    expect(added.at(-1)).toBe(deployed!.entry);
    expect([deployed!.entry.canister.toText(), deployed!.event.from.map(hex), hex(deployed!.event.to), deployed!.event.requested_by.toText(), deployed!.event.operation])
      .toEqual([dapp.managerId.toText(), [world.manager.v1.hex], world.manager.v2.hex, who.alice.toText(), ticket.operation]);
    expect(deployed!.event.canister_version).toHaveLength(1);

    const verdict = await verify(manager, dapp.managerId);
    expect(verdict.failures).toEqual([]);
    expect(verdict.blocks).toBe(after.length);
    expect(verdict.tipIndex).toBe(deployed!.entry.index);
  });

  it('upgrades the manager several versions ahead, one install per step, as one operation', async () => {
    const m3 = await world.publish(TYPES.manager, [1, 2, 0], release('manager', '1.2.0'), world.manager.v2);
    const fresh = await spawn(world, who.alice);
    const ticket = ok(await fresh.backendAs(who.alice).request_upgrade(upgradeTo('Manager', m3)));
    expect(ticket.state).toEqual({ Completed: null });
    expect(ticket.steps.map((s) => [hex(s.from), hex(s.to)])).toEqual([[world.manager.v1.hex, world.manager.v2.hex], [world.manager.v2.hex, m3.hex]]);
    expect(await moduleHashOf(pic, fresh.managerId, fresh.backendId)).toBe(m3.hex);
    const entries = await fullHistory(fresh.managerAs(who.stranger));
    expect(deployments(entries).map(({ event }) => [event.operation, event.step, event.steps, hex(event.to)]))
      .toEqual([[ticket.operation, 0, 2, world.manager.v2.hex], [ticket.operation, 1, 2, m3.hex]]);
    const [operation] = await fresh.managerAs(who.stranger).operation(ticket.operation);
    expect(operation?.state).toEqual({ Completed: null });
    expect(Array.from(operation!.entries)).toEqual(deployments(entries).map(({ entry }) => entry.index));
    expect((await verify(fresh.managerAs(who.stranger), fresh.managerId)).ok).toBe(true);
  });

  it('ends a page early instead of exceeding the query instruction limit, and pages on from there', async () => {
    // Each entry costs ~18 million instructions to read and encode: 500 (the largest page) would
    // pass the IC's 5 billion per query. The holder's trust-policy changes are entries of their own.
    for (let i = 0; i < 70; i++) {
      ok(await dapp.backendAs(who.alice).set_trust_policy(i % 2 === 0 ? [{ threshold: 1, verifiers: [who.bob] }] as never : [] as never));
    }
    const all = await fullHistory(dapp.managerAs(who.stranger));
    expect(all.length).toBeGreaterThan(70);
    const first = await dapp.managerAs(who.stranger).deployment_history(historyRequest({ take: 500n }));
    expect(first.total).toBe(BigInt(all.length));
    expect(first.entries.length).toBeGreaterThan(0);
    expect(first.entries.length).toBeLessThan(all.length);
    const rest = await dapp.managerAs(who.stranger).deployment_history(historyRequest({ take: 500n, prev: first.entries.at(-1)!.index }));
    expect([...first.entries, ...rest.entries].map((e) => e.index).slice(0, all.length)).toEqual(all.map((e) => e.index).slice(0, first.entries.length + rest.entries.length));
  });
});
