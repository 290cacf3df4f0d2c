/**
 * Management operations the replica charges as executed instructions, on top of the ingress fee
 * of the message that asks for them. Oracle: dfinity/ic `rs/config/src/subnet_config.rs`
 * (`DEFAULT_UPLOAD_CHUNK_INSTRUCTIONS`, 200 million; `DEFAULT_CANISTERS_SNAPSHOT_BASELINE_INSTRUCTIONS`,
 * 2 billion) and `CanisterManager::upload_chunk` / `take_canister_snapshot`, which charge
 * `CyclesAccountManager::execution_cost` of them: 5 million cycles and one per instruction on a
 * 13-node subnet (`CyclesAccountManagerConfig::application_subnet`). An `upload_chunk` is charged
 * before the chunk is looked at, so a refused chunk costs as much; a snapshot's charge adds one
 * instruction per byte of the new snapshot; loading one also pays for compiling its module
 * (`CanisterManager::load_canister_snapshot`, `Hypervisor::create_execution_state`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, newPic } from '../support/canister.js';
import {
  CanisterIdRecord, ChunkHash, IDL, InstallCodeArgs, LoadSnapshotArgs, Snapshot, TakeSnapshotArgs, UploadChunkArgs, decode, ingress, type Principal,
} from '../support/messages.js';
import { compilationFee } from '../support/compilation.js';
import { ingressFee } from '../support/ingress-fee.js';
import { failure } from '../support/system-api.js';

const SOURCE = canister(`(func (export "canister_update ping") (call $reply_i32 (i32.const 1)))`);
const UPLOAD_CHUNK_FEE = 5_000_000n + 200_000_000n;
const SNAPSHOT_BASELINE_FEE = 5_000_000n + 2_000_000_000n;
const uploadPayload = (id: Principal, chunk: Uint8Array) => new Uint8Array(IDL.encode([UploadChunkArgs], [{ canister_id: id, chunk }]));

describe('management operations charged as instructions', () => {
  let pic: PocketIc | undefined;
  afterEach(async () => { await pic?.tearDown(); pic = undefined; });

  async function setup() {
    pic = await newPic();
    const id = await pic.createCanister({ cycles: 10n ** 13n });
    await pic.installCode({ canisterId: id, wasm: await SOURCE });
    const balance = async () => BigInt(await pic!.getCyclesBalance(id));
    const upload = (chunk: Uint8Array) => ingress(pic!, 'upload_chunk', UploadChunkArgs, { canister_id: id, chunk });
    return { pic, id, balance, upload };
  }

  it('charges an upload_chunk the execution of 200 million instructions, also for a chunk it then refuses', async () => {
    const { id, balance, upload } = await setup();
    const small = new Uint8Array(1000).fill(7);
    let before = await balance();
    decode(ChunkHash, await upload(small));
    expect(before - (await balance())).toBe(ingressFee('upload_chunk', uploadPayload(id, small)) + UPLOAD_CHUNK_FEE);

    // The same chunk again costs the same.
    before = await balance();
    await upload(small);
    expect(before - (await balance())).toBe(ingressFee('upload_chunk', uploadPayload(id, small)) + UPLOAD_CHUNK_FEE);

    const tooBig = new Uint8Array(1024 * 1024 + 1);
    before = await balance();
    expect(await failure(upload(tooBig))).toMatch(/exceeds the maximum chunk size/);
    expect(before - (await balance())).toBe(ingressFee('upload_chunk', uploadPayload(id, tooBig)) + UPLOAD_CHUNK_FEE);
  });

  it('refuses an upload_chunk its canister cannot pay above its freezing threshold, storing nothing and charging only the message', async () => {
    const { pic, id, balance, upload } = await setup();
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    // A freezing threshold that leaves about 50 million cycles above it: enough for the messages, not the upload.
    const spare = 50_000_000n;
    await pic.updateCanisterSettings({ canisterId: id, freezingThreshold: (((await balance()) - spare) * 86_400n) / perDay });
    const chunk = new Uint8Array(1000).fill(7);
    const before = await balance();
    const error = await failure(upload(chunk));
    expect(error).toMatch(new RegExp(`Error from Wasm chunk store: Error charging for 'upload_chunk': Canister ${id.toText()} is out of cycles: please top up the canister with at least \\d+ additional cycles`));
    expect(before - (await balance())).toBe(ingressFee('upload_chunk', uploadPayload(id, chunk)));
    const stored = decode<{ hash: Uint8Array }[]>(IDL.Vec(ChunkHash), await ingress(pic, 'stored_chunks', CanisterIdRecord, { canister_id: id }));
    expect(stored).toEqual([]);
  });

  it('refuses an install its canister cannot reserve 300 billion instructions for above its freezing threshold, charging only the message', async () => {
    pic = await newPic();
    const wasm = await SOURCE;
    const perDay = async (id: Principal) => (await pic!.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    const threshold = async (id: Principal) => ((await perDay(id)) * (await pic!.canisterStatus({ canisterId: id })).settings.freezingThreshold) / 86_400n;
    const arg = (id: Principal) => ({ mode: { install: null }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(), sender_canister_version: [] });
    // The reservation: the 5 million base fee and 300 billion instructions at one cycle each.
    const reserved = 5_000_000n + 300_000_000_000n;
    const poor = await pic.createCanister({ cycles: 200_000_000_000n });
    const before = BigInt(await pic.getCyclesBalance(poor));
    const error = await failure(ingress(pic, 'install_code', InstallCodeArgs, arg(poor)));
    const payload = new Uint8Array(IDL.encode([InstallCodeArgs], [arg(poor)]));
    const paid = before - BigInt(await pic.getCyclesBalance(poor));
    expect(paid).toBe(ingressFee('install_code', payload));
    const missing = (await threshold(poor)) + reserved - (before - paid);
    expect(error).toContain(`Canister installation failed with \`Canister ${poor.toText()} is out of cycles: please top up the canister with at least ${missing} additional cycles\`.`);
    expect(error).toMatch(/CanisterOutOfCycles|IC0207/);
    expect((await pic.canisterStatus({ canisterId: poor })).moduleHash).toBeNull();
    // Topped up with what it lacked (and the next message's fee, and some for the rounds between), the same install goes through.
    await pic.addCycles(poor, missing + ingressFee('install_code', payload) + 100_000_000n);
    await ingress(pic, 'install_code', InstallCodeArgs, arg(poor));
    expect((await pic.canisterStatus({ canisterId: poor })).moduleHash).not.toBeNull();
  });

  it('charges the base fee to an install refused before it runs: a non-empty canister in mode install, an empty one in mode upgrade', async () => {
    const { pic, id, balance } = await setup();
    const wasm = await SOURCE;
    const install = { mode: { install: null }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(), sender_canister_version: [] };
    let before = await balance();
    expect(await failure(ingress(pic, 'install_code', InstallCodeArgs, install))).toContain('cannot be installed because the canister is not empty');
    expect(before - (await balance())).toBe(ingressFee('install_code', new Uint8Array(IDL.encode([InstallCodeArgs], [install]))) + 5_000_000n);

    const empty = await pic.createCanister({ cycles: 10n ** 13n });
    const upgrade = { ...install, mode: { upgrade: [] }, canister_id: empty };
    before = BigInt(await pic.getCyclesBalance(empty));
    expect(await failure(ingress(pic, 'install_code', InstallCodeArgs, upgrade))).toContain('the canister contains no Wasm module');
    expect(before - BigInt(await pic.getCyclesBalance(empty))).toBe(ingressFee('install_code', new Uint8Array(IDL.encode([InstallCodeArgs], [upgrade]))) + 5_000_000n);
  });

  it('charges take_canister_snapshot the execution of 2 billion instructions and one per byte of the snapshot', async () => {
    const { pic, id, balance } = await setup();
    const arg = { canister_id: id, replace_snapshot: [], uninstall_code: [], sender_canister_version: [] };
    const before = await balance();
    const taken = decode<{ total_size: bigint }>(Snapshot, await ingress(pic, 'take_canister_snapshot', TakeSnapshotArgs, arg));
    const payload = new Uint8Array(IDL.encode([TakeSnapshotArgs], [arg]));
    expect(taken.total_size).toBeGreaterThan(65_536n);
    expect(before - (await balance())).toBe(ingressFee('take_canister_snapshot', payload) + SNAPSHOT_BASELINE_FEE + taken.total_size);
  });

  it('charges load_canister_snapshot twice: the execution of 2 billion instructions, then of compiling its module and one per byte of the snapshot', async () => {
    const { pic, id, balance } = await setup();
    const taken = decode<{ id: Uint8Array; total_size: bigint }>(Snapshot, await ingress(pic, 'take_canister_snapshot', TakeSnapshotArgs, {
      canister_id: id, replace_snapshot: [], uninstall_code: [], sender_canister_version: [],
    }));
    const arg = { canister_id: id, snapshot_id: taken.id, sender_canister_version: [] };
    const before = await balance();
    await ingress(pic, 'load_canister_snapshot', LoadSnapshotArgs, arg);
    const payload = new Uint8Array(IDL.encode([LoadSnapshotArgs], [arg]));
    // The subnet installed the module just now: its compilation costs a hundredth.
    const compilation = compilationFee(await SOURCE, true);
    expect(compilation).toBeLessThan(compilationFee(await SOURCE, false));
    expect(before - (await balance())).toBe(ingressFee('load_canister_snapshot', payload) + SNAPSHOT_BASELINE_FEE + 5_000_000n + compilation + taken.total_size);
  });
});
