/**
 * Canister history through canister_info (IC interface spec § IC method canister_info, § Canister
 * history): called by a canister, it lists the most recent changes oldest first (creation, code
 * deployments with mode and module hash, controller changes), each with the canister version
 * after it and its origin (a user or a canister); at least the 20 most recent changes are kept
 * while `total_num_changes` counts every change ever made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { install, newPic, type Principal } from '../support/canister.js';
import {
  CanisterInfoArgs, CanisterInfoResult, InstallCodeArgs, STRANGER, UninstallCodeArgs, UpdateSettingsArgs, calleeWasm, decode, hex, ingress, IDL, MANAGEMENT,
  manage, proxyWasm, rejectOf, replyOf, sha256, settings, texts, unusedCanisterId, Principal as P, type CanisterInfoValue, type ChangeValue,
} from '../support/messages.js';

const kind = (c: ChangeValue) => Object.keys(c.details)[0];
const originOf = (c: ChangeValue) =>
  'from_user' in c.origin ? `user ${c.origin.from_user.user_id.toText()}` : `canister ${c.origin.from_canister.canister_id.toText()}`;

describe('canister history (canister_info)', () => {
  let pic: PocketIc;
  let proxy: Principal;
  let wasm: Uint8Array;

  const info = async (id: Principal, n?: bigint): Promise<CanisterInfoValue> =>
    decode<CanisterInfoValue>(CanisterInfoResult, replyOf(await manage(pic, proxy, 'canister_info', CanisterInfoArgs, { canister_id: id, num_requested_changes: n === undefined ? [] : [n] })));

  beforeAll(async () => {
    pic = await newPic();
    proxy = await install(pic, await proxyWasm());
    wasm = await calleeWasm();
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('records creation, deployments and controller changes with their origins, oldest first', async () => {
    const user = P.anonymous();
    const id = await pic.createCanister({ controllers: [user, proxy] });
    await pic.installCode({ canisterId: id, wasm }); // by the user
    replyOf(await manage(pic, proxy, 'update_settings', UpdateSettingsArgs, { // by a canister
      canister_id: id, settings: settings({ controllers: [user, proxy, STRANGER] }), sender_canister_version: [],
    }));
    const proxyWasmBytes = await proxyWasm();
    replyOf(await manage(pic, proxy, 'install_code', InstallCodeArgs, {
      mode: { upgrade: [] }, canister_id: id, wasm_module: proxyWasmBytes, arg: new Uint8Array(), sender_canister_version: [],
    }));
    await ingress(pic, 'uninstall_code', UninstallCodeArgs, { canister_id: id, sender_canister_version: [] });
    await pic.installCode({ canisterId: id, wasm });
    await pic.reinstallCode({ canisterId: id, wasm: proxyWasmBytes });

    const all = await info(id, 100n);
    expect(all.total_num_changes).toBe(7n);
    const changes = all.recent_changes;
    expect(changes.map(kind)).toEqual(['creation', 'code_deployment', 'controllers_change', 'code_deployment', 'code_uninstall', 'code_deployment', 'code_deployment']);
    expect(changes.map(originOf)).toEqual([
      `user ${user.toText()}`, `user ${user.toText()}`, `canister ${proxy.toText()}`, `canister ${proxy.toText()}`,
      `user ${user.toText()}`, `user ${user.toText()}`, `user ${user.toText()}`,
    ]);

    const [creation, installed, controllers, upgraded, , installedAgain, reinstalled] = changes as ChangeValue[];
    expect('creation' in creation!.details && texts(creation!.details.creation.controllers)).toEqual(texts([user, proxy]));
    expect(creation!.canister_version).toBe(0n);
    const deployment = (c: ChangeValue | undefined) => {
      if (!c || !('code_deployment' in c.details)) throw new Error('not a code deployment');
      return { mode: Object.keys(c.details.code_deployment.mode)[0], hash: hex(new Uint8Array(c.details.code_deployment.module_hash)) };
    };
    expect(deployment(installed)).toEqual({ mode: 'install', hash: hex(sha256(wasm)) });
    expect(deployment(upgraded)).toEqual({ mode: 'upgrade', hash: hex(sha256(proxyWasmBytes)) });
    expect(deployment(installedAgain)).toEqual({ mode: 'install', hash: hex(sha256(wasm)) });
    expect(deployment(reinstalled)).toEqual({ mode: 'reinstall', hash: hex(sha256(proxyWasmBytes)) });
    expect('controllers_change' in controllers!.details && texts(controllers!.details.controllers_change.controllers)).toEqual(texts([user, proxy, STRANGER]));
    // No sender_canister_version was passed, so the canister origin has none.
    expect('from_canister' in controllers!.origin && controllers!.origin.from_canister.canister_version).toEqual([]);

    // Versions grow with every change; times never go back.
    for (let i = 1; i < changes.length; i++) {
      expect(changes[i]!.canister_version).toBeGreaterThan(changes[i - 1]!.canister_version);
      expect(changes[i]!.timestamp_nanos).toBeGreaterThanOrEqual(changes[i - 1]!.timestamp_nanos);
    }

    expect(hex(new Uint8Array(all.module_hash[0]!))).toBe(hex(sha256(proxyWasmBytes)));
    expect(texts(all.controllers)).toEqual(texts([user, proxy, STRANGER]));
  });

  it('returns no changes when none are requested, and the most recent n when n are', async () => {
    const id = await pic.createCanister({ controllers: [P.anonymous(), proxy] });
    await pic.installCode({ canisterId: id, wasm });
    const none = await info(id);
    expect(none.total_num_changes).toBe(2n);
    expect(none.recent_changes).toEqual([]);
    expect(hex(new Uint8Array(none.module_hash[0]!))).toBe(hex(sha256(wasm)));
    const last = await info(id, 1n);
    expect(last.recent_changes.map(kind)).toEqual(['code_deployment']);
  });

  it('keeps the 20 most recent of 25 changes while total_num_changes counts all of them', async () => {
    const id = await pic.createCanister({ controllers: [P.anonymous(), proxy] });
    // 1 creation + 24 controller changes; the last one's controllers mark it.
    for (let i = 0; i < 24; i++) {
      const extra = i === 23 ? [STRANGER] : [];
      await pic.updateCanisterSettings({ canisterId: id, controllers: [P.anonymous(), proxy, ...extra] });
    }
    const all = await info(id, 100n);
    expect(all.total_num_changes).toBe(25n);
    expect(all.recent_changes).toHaveLength(20);
    expect(all.recent_changes.every((c) => kind(c) === 'controllers_change')).toBe(true);
    const newest = all.recent_changes[19]!;
    expect('controllers_change' in newest.details && texts(newest.details.controllers_change.controllers)).toEqual(texts([P.anonymous(), proxy, STRANGER]));
    // The creation record is gone; what remains are the changes with the 20 highest versions.
    const versions = all.recent_changes.map((c) => c.canister_version);
    expect([...versions].sort((a, b) => (a < b ? -1 : 1))).toEqual(versions);
  });

  it('records nothing for deployments that fail', async () => {
    const id = await pic.createCanister({ controllers: [P.anonymous(), proxy] });
    const before = await info(id, 10n);
    await expect(pic.installCode({ canisterId: id, wasm: new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 9]) })).rejects.toThrow();
    await pic.installCode({ canisterId: id, wasm });
    await expect(pic.installCode({ canisterId: id, wasm })).rejects.toThrow(); // not empty
    const after = await info(id, 10n);
    expect(after.total_num_changes).toBe(before.total_num_changes + 1n);
    expect(after.recent_changes.map(kind)).toEqual(['creation', 'code_deployment']);
  });

  it('rejects canister_info about a canister that does not exist (DESTINATION_INVALID)', async () => {
    const missing = unusedCanisterId(proxy, 4096);
    const r = rejectOf(await manage(pic, proxy, 'canister_info', CanisterInfoArgs, { canister_id: missing, num_requested_changes: [] }));
    expect(r.code).toBe(3);
    expect(r.message).toContain(`Canister ${missing.toText()} not found`);
  });

  it('is not callable by users in an update (ingress) call', async () => {
    const id = await pic.createCanister();
    const error = await ingress(pic, 'canister_info', CanisterInfoArgs, { canister_id: id, num_requested_changes: [] }).then(() => 'replied', (e: Error) => e.message);
    expect(error).toContain('canister_info');
    expect(error).toMatch(/can not be called via ingress messages|Only canisters can call ic00 method canister_info/);
  });

  it('is callable by anyone as a query, answering what a canister gets (current spec: canister_info is annotated query)', async () => {
    const id = await pic.createCanister();
    await pic.installCode({ canisterId: id, wasm });
    const arg = new Uint8Array(IDL.encode([CanisterInfoArgs], [{ canister_id: id, num_requested_changes: [5n] }]));
    const asQuery = decode<CanisterInfoValue>(CanisterInfoResult, await pic.queryCall({ canisterId: MANAGEMENT, method: 'canister_info', arg, sender: P.anonymous() }));
    const fromCanister = await info(id, 5n);
    expect(asQuery.total_num_changes).toBe(2n);
    expect(asQuery.recent_changes.map(kind)).toEqual(['creation', 'code_deployment']);
    expect(asQuery).toEqual(fromCanister);
    const missing = unusedCanisterId(id, 1000);
    const refused = await pic.queryCall({
      canisterId: MANAGEMENT, method: 'canister_info', sender: P.anonymous(),
      arg: new Uint8Array(IDL.encode([CanisterInfoArgs], [{ canister_id: missing, num_requested_changes: [] }])),
    }).then(() => 'replied', (e: Error) => e.message);
    expect(refused).toContain(`Canister ${missing.toText()} not found`);
  });
});
