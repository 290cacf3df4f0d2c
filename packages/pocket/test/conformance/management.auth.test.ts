/**
 * Who may manage a canister (IC interface spec § The IC management canister: "Most methods only
 * permit the controllers to call them"; § IC method update_settings, § canister_status). A user
 * who is not a controller is refused by the ingress filter with "Only controllers of canister …
 * can call ic00 method …"; a canister that is not a controller gets a reject.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { install, newPic, type Principal } from '../support/canister.js';
import {
  CanisterIdRecord, IDL, InstallCodeArgs, STRANGER, decode, UninstallCodeArgs, UpdateSettingsArgs, UploadChunkArgs, calleeWasm, ingress, manage,
  proxyWasm, rejectOf, replyOf, settings, texts, Principal as P,
} from '../support/messages.js';

// The fields of canister_status's reply these tests read (Candid subtyping skips the others).
const CanisterStatusResult = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
});

describe('controllers and settings', () => {
  let pic: PocketIc;
  let wasm: Uint8Array;
  let id: Principal;

  const failure = (p: Promise<unknown>) => p.then(() => 'succeeded', (e: Error) => e.message);
  const refusal = (method: string) => `Only controllers of canister ${id.toText()} can call ic00 method ${method}`;

  beforeAll(async () => {
    pic = await newPic();
    wasm = await calleeWasm();
    id = await install(pic, wasm);
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('refuses canister_status from a user who is not a controller', async () => {
    const error = await failure(pic.canisterStatus({ canisterId: id, sender: STRANGER }));
    expect(error).toContain(refusal('canister_status'));
    expect(error).toMatch(/CanisterInvalidController|IC0512/);
  });

  it('refuses install_code (every mode) from a user who is not a controller', async () => {
    const empty = await pic.createCanister();
    const e1 = await failure(pic.installCode({ canisterId: empty, wasm, sender: STRANGER }));
    expect(e1).toContain(`Only controllers of canister ${empty.toText()} can call ic00 method install_code`);
    expect(await failure(pic.reinstallCode({ canisterId: id, wasm, sender: STRANGER }))).toContain(refusal('install_code'));
    expect(await failure(pic.upgradeCanister({ canisterId: id, wasm, sender: STRANGER }))).toContain(refusal('install_code'));
    expect((await pic.canisterStatus({ canisterId: empty })).moduleHash).toBeNull();
  });

  it('refuses update_settings, stop, start, delete and uninstall from a user who is not a controller', async () => {
    expect(await failure(pic.updateCanisterSettings({ canisterId: id, freezingThreshold: 1n, sender: STRANGER }))).toContain(refusal('update_settings'));
    expect(await failure(pic.stopCanister({ canisterId: id, sender: STRANGER }))).toContain(refusal('stop_canister'));
    expect(await failure(pic.startCanister({ canisterId: id, sender: STRANGER }))).toContain(refusal('start_canister'));
    expect(await failure(ingress(pic, 'delete_canister', CanisterIdRecord, { canister_id: id }, STRANGER))).toContain(refusal('delete_canister'));
    expect(await failure(ingress(pic, 'uninstall_code', UninstallCodeArgs, { canister_id: id, sender_canister_version: [] }, STRANGER))).toContain(refusal('uninstall_code'));
    expect(await failure(ingress(pic, 'upload_chunk', UploadChunkArgs, { canister_id: id, chunk: new Uint8Array(4) }, STRANGER))).toContain(refusal('upload_chunk'));
    // Nothing changed.
    const status = await pic.canisterStatus({ canisterId: id });
    expect(Object.keys(status.status)).toEqual(['running']);
    expect(status.moduleHash).not.toBeNull();
    expect(status.settings.freezingThreshold).not.toBe(1n);
  });

  it('rejects a canister that is not a controller (CANISTER_ERROR, "Only the controllers of the canister … can control it")', async () => {
    const proxy = await install(pic, await proxyWasm());
    const r = rejectOf(await manage(pic, proxy, 'update_settings', UpdateSettingsArgs, {
      canister_id: id, settings: settings({ freezing_threshold: 5n }), sender_canister_version: [],
    }));
    expect(r.code).toBe(5);
    expect(r.message).toContain(`Only the controllers of the canister ${id.toText()} can control it.`);
    expect(r.message).toContain(`Sender's ID: ${proxy.toText()}`);
    const r2 = rejectOf(await manage(pic, proxy, 'install_code', InstallCodeArgs, {
      mode: { reinstall: null }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(), sender_canister_version: [],
    }));
    expect(r2.message).toContain(`Only the controllers of the canister ${id.toText()} can control it.`);
  });

  it('lets a canister read its own status without controlling itself, but not change its settings', async () => {
    const proxy = await install(pic, await proxyWasm()); // controlled by the test user only
    const status = decode<{ status: Record<string, null>; module_hash: [] | [Uint8Array] }>(
      CanisterStatusResult, replyOf(await manage(pic, proxy, 'canister_status', CanisterIdRecord, { canister_id: proxy })));
    expect(Object.keys(status.status)).toEqual(['running']);
    expect(status.module_hash).toHaveLength(1);
    const r = rejectOf(await manage(pic, proxy, 'update_settings', UpdateSettingsArgs, {
      canister_id: proxy, settings: settings({ freezing_threshold: 5n }), sender_canister_version: [],
    }));
    expect(r.code).toBe(5);
    expect(r.message).toContain(`Only the controllers of the canister ${proxy.toText()} can control it.`);
  });

  it('update_settings changes controllers and settings, and canister_status reports them', async () => {
    const proxy = await install(pic, await proxyWasm());
    const target = await install(pic, wasm);
    await pic.updateCanisterSettings({ canisterId: target, controllers: [P.anonymous(), proxy, STRANGER], freezingThreshold: 1234n });
    let status = await pic.canisterStatus({ canisterId: target });
    expect(texts(status.settings.controllers)).toEqual(texts([P.anonymous(), proxy, STRANGER]));
    expect(status.settings.freezingThreshold).toBe(1234n);

    // Fields left out are not changed.
    await pic.updateCanisterSettings({ canisterId: target, freezingThreshold: 4321n });
    status = await pic.canisterStatus({ canisterId: target, sender: STRANGER }); // STRANGER is a controller now
    expect(texts(status.settings.controllers)).toEqual(texts([P.anonymous(), proxy, STRANGER]));
    expect(status.settings.freezingThreshold).toBe(4321n);

    // A canister controller may change them too; then the anonymous user is no controller any more.
    replyOf(await manage(pic, proxy, 'update_settings', UpdateSettingsArgs, {
      canister_id: target, settings: settings({ controllers: [proxy] }), sender_canister_version: [],
    }));
    expect(texts(await pic.getControllers(target))).toEqual(texts([proxy]));
    const error = await failure(pic.canisterStatus({ canisterId: target }));
    expect(error).toContain(`Only controllers of canister ${target.toText()} can call ic00 method canister_status`);
  });
});
