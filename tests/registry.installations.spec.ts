// Installation reports (lineage_report_installation): the registry believes only what canister_info
// shows — the reported module runs on the canister and the reporter (a user or a canister) controls
// it — and then records the installation (get_wasms' `canister` filter, lineage_get_installations).
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  btypeOf, callThroughRelay, canisterModule, createTypes, deployTarget, err, field, hex, logLength, ok, outcome, publish,
  relayModule, setupRegistry, sha256, texts, txOf, typeRequest, user, who,
  Principal, type Published, type Registry, type RegistryFixture,
} from './support/registry.js';

let pic: PocketIc;
let registry: RegistryFixture;
let deployerActor: Registry;
const deployer = user('deployer');
let v1: Published;
let v2: Published;

const installationsOf = (canister: Principal) =>
  registry.as.anonymous.lineage_get_installations({ hash: [], canister: [canister], prev: [], take: [] });
const versionsOn = async (canister: Principal) =>
  (await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ canister }]], prev: [], take: [] })).map((w) => hex(w.hash));

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
  deployerActor = registry.actorFor(deployer);
  await createTypes(registry.as.admin, typeRequest('org.install.app', { controllers: [[who.publisher]] }));
  v1 = await publish(pic, registry.as.publisher, { namespace: 'org.install.app', version: [1n, 0n, 0n], data: await canisterModule('install v1') });
  v2 = await publish(pic, registry.as.publisher, { namespace: 'org.install.app', version: [2n, 0n, 0n], previous: v1.hash, data: await canisterModule('install v2') });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('lineage_report_installation by a user controller', () => {
  it('records a confirmed installation, found by the canister filter and listed with its details', async () => {
    const target = await deployTarget(pic, [deployer], v1.data);
    const before = BigInt(await pic.getTime()) * 1_000_000n;
    const index = ok(await deployerActor.lineage_report_installation({ canister: target, hash: v1.hash }));
    expect(await logLength(registry.as.anonymous)).toBe(index + 1n);

    expect(await versionsOn(target)).toEqual([hex(v1.hash)]);
    const [installation, ...rest] = await installationsOf(target);
    expect(rest).toEqual([]);
    expect(installation!.canister.toText()).toBe(target.toText());
    expect(hex(installation!.hash)).toBe(hex(v1.hash));
    expect(installation!.reporter.toText()).toBe(deployer.toText());
    expect(installation!.canister_version).toBeGreaterThan(0n);
    expect(installation!.recorded_at).toBeGreaterThanOrEqual(before);

    // The log records it.
    const { blocks } = await registry.as.anonymous.icrc3_get_blocks([{ start: index, length: 1n }]);
    expect(btypeOf(blocks[0]!.block)).toBe('118install');
    const tx = txOf(blocks[0]!.block);
    expect(field(tx, 'hash')).toEqual({ Blob: v1.hash });
    expect(field(tx, 'canister')).toEqual({ Blob: target.toUint8Array() });
    expect(field(tx, 'reporter')).toEqual({ Blob: deployer.toUint8Array() });
    expect(field(tx, 'canister_version')).toEqual({ Nat: installation!.canister_version });
  });

  it('records each version a canister runs over time', async () => {
    const target = await deployTarget(pic, [deployer], v1.data);
    ok(await deployerActor.lineage_report_installation({ canister: target, hash: v1.hash }));
    await pic.upgradeCanister({ canisterId: target, wasm: v2.data, sender: deployer });
    ok(await deployerActor.lineage_report_installation({ canister: target, hash: v2.hash }));
    expect(await versionsOn(target)).toEqual([hex(v1.hash), hex(v2.hash)]);
    const [first, second] = await installationsOf(target);
    expect([hex(first!.hash), hex(second!.hash)]).toEqual([hex(v1.hash), hex(v2.hash)]);
    expect(second!.canister_version).toBeGreaterThan(first!.canister_version);
    // Filter by hash and canister together.
    const byHash = await registry.as.anonymous.lineage_get_installations({ hash: [v2.hash], canister: [target], prev: [], take: [] });
    expect(byHash.map((i) => hex(i.hash))).toEqual([hex(v2.hash)]);
  });

  it('refuses a reporter that does not control the canister (NotAController)', async () => {
    const target = await deployTarget(pic, [deployer], v1.data);
    const before = await logLength(registry.as.anonymous);
    for (const actor of [registry.as.stranger, registry.as.publisher, registry.as.admin, registry.as.owner]) {
      expect(err(await actor.lineage_report_installation({ canister: target, hash: v1.hash }))).toEqual({ NotAController: null });
    }
    expect(await logLength(registry.as.anonymous)).toBe(before);
    expect(await installationsOf(target)).toEqual([]);
    expect(await versionsOn(target)).toEqual([]);
  });

  it('refuses a module that is not installed there (NotInstalled, with the module it found)', async () => {
    const running = await deployTarget(pic, [deployer], v1.data);
    expect(err(await deployerActor.lineage_report_installation({ canister: running, hash: v2.hash }))).toEqual({ NotInstalled: { module_hash: [sha256(v1.data)] } });
    const empty = await deployTarget(pic, [deployer]);
    expect(err(await deployerActor.lineage_report_installation({ canister: empty, hash: v1.hash }))).toEqual({ NotInstalled: { module_hash: [] } });
    expect(await versionsOn(running)).toEqual([]);
  });

  it('refuses an unknown hash (UnknownHash) and the anonymous caller (Unauthorized)', async () => {
    const module = await canisterModule('never registered');
    const target = await deployTarget(pic, [deployer], module);
    expect(err(await deployerActor.lineage_report_installation({ canister: target, hash: sha256(module) }))).toEqual({ UnknownHash: null });
    // The anonymous principal controls nothing: its ingress is refused before it runs (canister_inspect_message).
    await expect(registry.as.anonymous.lineage_report_installation({ canister: target, hash: v1.hash })).rejects.toThrow(/refuses the anonymous principal/);
  });

  it('answers InfoUnavailable when canister_info fails', async () => {
    // A canister id no canister has: canister_info rejects.
    const nowhere = Principal.fromUint8Array(Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x42, 0x01, 0x01]));
    expect(outcome(await deployerActor.lineage_report_installation({ canister: nowhere, hash: v1.hash }))).toBe('InfoUnavailable');
  });
});

describe('lineage_report_installation by a canister controller', () => {
  it('accepts a report from a canister that controls the target, and refuses one that does not', async () => {
    const relay = await deployTarget(pic, [deployer], await relayModule());
    const other = await deployTarget(pic, [deployer], await relayModule());
    const target = await deployTarget(pic, [deployer, relay], v2.data);
    expect(texts(await pic.getControllers(target))).toEqual(texts([deployer, relay]));

    const refused = await callThroughRelay(pic, other, deployer, registry.canisterId, 'lineage_report_installation', [{ canister: target, hash: v2.hash }]);
    expect(refused).toEqual({ Error: { NotAController: null } });

    const accepted = await callThroughRelay(pic, relay, deployer, registry.canisterId, 'lineage_report_installation', [{ canister: target, hash: v2.hash }]);
    expect(outcome(accepted)).toBe('Ok');
    const [installation] = await installationsOf(target);
    expect(installation!.reporter.toText()).toBe(relay.toText());
    expect(await versionsOn(target)).toEqual([hex(v2.hash)]);
  });
});

describe('lineage_get_installations', () => {
  it('filters by hash and pages with prev/take', async () => {
    const all = await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev: [], take: [] });
    expect(all.length).toBeGreaterThanOrEqual(4);
    const ofV1 = await registry.as.anonymous.lineage_get_installations({ hash: [v1.hash], canister: [], prev: [], take: [] });
    expect(ofV1.length).toBeGreaterThan(0);
    expect(ofV1.every((i) => hex(i.hash) === hex(v1.hash))).toBe(true);
    expect(ofV1.length).toBe(all.filter((i) => hex(i.hash) === hex(v1.hash)).length);

    const firstTwo = await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev: [], take: [2n] });
    expect(firstTwo).toEqual(all.slice(0, 2));
    // Installations are numbered in recording order from 0; prev is the number of the last one seen.
    const next = await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev: [1n], take: [2n] });
    expect(next).toEqual(all.slice(2, 4));
    const none = await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev: [BigInt(all.length - 1)], take: [] });
    expect(none).toEqual([]);
    expect(await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev: [], take: [0n] })).toEqual([]);
  });
});

describe('concurrent reports', () => {
  it('give every installation its own place: paging one by one visits them all', async () => {
    const targets = await Promise.all([0, 1, 2].map(async () => deployTarget(pic, [deployer], v1.data)));
    const results = await Promise.all(targets.map((canister) => deployerActor.lineage_report_installation({ canister, hash: v1.hash })));
    expect(results.map(outcome)).toEqual(['Ok', 'Ok', 'Ok']);
    const all = await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev: [], take: [] });
    const paged: typeof all = [];
    for (let prev: [] | [bigint] = []; ; prev = [BigInt(paged.length - 1)]) {
      const page = await registry.as.anonymous.lineage_get_installations({ hash: [], canister: [], prev, take: [1n] });
      if (page.length === 0) break;
      paged.push(...page);
      if (paged.length > all.length) break;
    }
    expect(paged).toEqual(all);
    for (const canister of targets) expect(await versionsOn(canister)).toEqual([hex(v1.hash)]);
  });
});

describe('bounded reports (issue 11)', () => {
  it('a repeated report adds nothing: 200 reports of one installation, one block, the same answer', async () => {
    const target = await deployTarget(pic, [deployer], v1.data);
    const first = ok(await deployerActor.lineage_report_installation({ canister: target, hash: v1.hash }));
    const length = await logLength(registry.as.anonymous);
    for (let i = 0; i < 199; i++) {
      expect(ok(await deployerActor.lineage_report_installation({ canister: target, hash: v1.hash }))).toBe(first);
    }
    expect(await logLength(registry.as.anonymous)).toBe(length);
    expect(await installationsOf(target)).toHaveLength(1);
    // A real change is recorded again: v2, then back to v1, are two more blocks.
    await pic.upgradeCanister({ canisterId: target, wasm: v2.data, sender: deployer });
    ok(await deployerActor.lineage_report_installation({ canister: target, hash: v2.hash }));
    await pic.upgradeCanister({ canisterId: target, wasm: v1.data, sender: deployer });
    ok(await deployerActor.lineage_report_installation({ canister: target, hash: v1.hash }));
    expect(await logLength(registry.as.anonymous)).toBe(length + 2n);
  });

  it('reports that cost a check draw from a bucket: a stranger is held back, a deployer is not, and time refills it', async () => {
    const target = await deployTarget(pic, [deployer], v1.data);
    const spammer = registry.actorFor(user('report spammer'));
    const answers: string[] = [];
    for (let i = 0; i < 30; i++) answers.push(outcome(await spammer.lineage_report_installation({ canister: target, hash: v1.hash })));
    const checked = answers.filter((a) => a === 'NotAController').length;
    // Reporters without a confirmed installation share 20 checks (earlier tests used some).
    expect(checked).toBeLessThanOrEqual(20);
    expect(answers.slice(checked)).toEqual(new Array(30 - checked).fill('TooManyRequests'));
    const held = err(await spammer.lineage_report_installation({ canister: target, hash: v1.hash }));
    expect(held).toMatchObject({ TooManyRequests: { retry_after_seconds: expect.any(BigInt) } });
    // A deployer with confirmed installations has its own bucket.
    const own = await deployTarget(pic, [deployer], v2.data);
    expect(outcome(await deployerActor.lineage_report_installation({ canister: own, hash: v2.hash }))).toBe('Ok');
    // Time refills the shared bucket.
    await pic.advanceTime(7_000);
    await pic.tick();
    expect(outcome(await spammer.lineage_report_installation({ canister: target, hash: v1.hash }))).toBe('NotAController');
  });
});
