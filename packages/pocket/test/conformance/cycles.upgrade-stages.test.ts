/**
 * An upgrade runs the old module's `canister_pre_upgrade` before it prepares the new module
 * (dfinity/ic `execution/upgrade.rs`: stage 1 runs pre_upgrade; stage 2 charges the assembly of the
 * chunks, assembles them, compiles the module and checks the upgrade options). So an upgrade
 * refused at stage 2, for a module that does not compile or chunks that do not hash as given, still
 * pays for pre_upgrade and the assembly, and pre_upgrade's changes are undone. An install or a
 * reinstall has no pre_upgrade: refused for its chunks, it pays for their assembly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install as installCanister, newPic, readI32 } from '../support/canister.js';
import { compilationFee } from '../support/compilation.js';
import { ingressFee } from '../support/ingress-fee.js';
import {
  IDL, InstallChunkedCodeArgs, InstallCodeArgs, Principal, UploadChunkArgs, ingress, manage, proxyWasm, rejectOf, sha256,
} from '../support/messages.js';

const EXECUTION_FEE = 5_000_000n;
const CHUNK_ASSEMBLY = 1_048_576n;
const INVALID = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff]);
const FAILED_COMPILATION = 20_000_000n + 6_000n * BigInt(INVALID.length);
// pre_upgrade counts its runs in the heap, which an upgrade that goes through replaces.
const MODULE = canister(`
  (func (export "canister_pre_upgrade") (i32.store (i32.const 300) (i32.add (i32.load (i32.const 300)) (i32.const 1))))
  (func (export "canister_query runs") (call $reply_i32 (i32.load (i32.const 300))))`);
const RUN_PRE_UPGRADE = { upgrade: [] };
const SKIP_PRE_UPGRADE = { upgrade: [{ skip_pre_upgrade: [true], wasm_memory_persistence: [] }] };

describe('the stages of an upgrade', () => {
  let pic: PocketIc | undefined;
  afterEach(async () => { await pic?.tearDown(); pic = undefined; });

  it('runs pre_upgrade before compiling the new module: a module that does not compile pays for pre_upgrade too, whose changes are undone', async () => {
    pic = await newPic();
    const id = await pic.createCanister({ cycles: 10n ** 13n });
    const wasm = await MODULE;
    await pic.installCode({ canisterId: id, wasm });
    /** Installs `module` in `mode` with an ingress message; returns what the canister paid for it. */
    const installAs = async (module: Uint8Array, mode: unknown) => {
      const arg = { mode, canister_id: id, wasm_module: module, arg: new Uint8Array(), sender_canister_version: [] };
      const before = BigInt(await pic!.getCyclesBalance(id));
      let error = '';
      try {
        await ingress(pic!, 'install_code', InstallCodeArgs, arg);
      } catch (e) {
        error = String(e);
      }
      const paid = before - BigInt(await pic!.getCyclesBalance(id));
      return { paid: paid - ingressFee('install_code', new Uint8Array(IDL.encode([InstallCodeArgs], [arg]))), error };
    };

    // What pre_upgrade costs: the same upgrade with and without it (the module compiled already).
    const skipped = await installAs(wasm, SKIP_PRE_UPGRADE);
    expect(skipped).toEqual({ paid: EXECUTION_FEE + compilationFee(wasm, true), error: '' });
    const ran = await installAs(wasm, RUN_PRE_UPGRADE);
    expect(ran.error).toBe('');
    const preUpgrade = ran.paid - skipped.paid;
    expect(preUpgrade).toBeGreaterThan(0n);

    const refusedSkipping = await installAs(INVALID, SKIP_PRE_UPGRADE);
    expect(refusedSkipping.error).toMatch(/not valid/);
    expect(refusedSkipping.paid).toBe(EXECUTION_FEE + FAILED_COMPILATION);
    const refused = await installAs(INVALID, RUN_PRE_UPGRADE);
    expect(refused.error).toMatch(/not valid/);
    expect(refused.paid).toBe(EXECUTION_FEE + preUpgrade + FAILED_COMPILATION);
    // pre_upgrade ran and its write was undone with the rest of the upgrade.
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'runs', arg: new Uint8Array() }))).toBe(0);
  });

  it('refuses chunks that do not hash as given where it assembles them: an upgrade after pre_upgrade, an install at once, both paying for the assembly', async () => {
    // install_chunked_code names its canister `target_canister`: pic cannot route it as ingress, so a
    // proxy canister that controls the targets makes the call (a target pays its install either way).
    pic = await newPic();
    const proxy = await installCanister(pic, await proxyWasm(), { cycles: 10n ** 13n });
    const wasm = await MODULE;
    const upgraded = await pic.createCanister({ controllers: [Principal.anonymous(), proxy], cycles: 10n ** 13n });
    await pic.installCode({ canisterId: upgraded, wasm });
    const empty = await pic.createCanister({ controllers: [Principal.anonymous(), proxy], cycles: 10n ** 13n });
    const half = Math.ceil(wasm.length / 2);
    const parts = [wasm.subarray(0, half), wasm.subarray(half)];
    for (const target of [upgraded, empty]) {
      for (const chunk of parts) await ingress(pic, 'upload_chunk', UploadChunkArgs, { canister_id: target, chunk });
    }
    const wrongHash = sha256(new Uint8Array([1]));
    const installChunked = async (target: Principal, mode: unknown) => {
      const before = BigInt(await pic!.getCyclesBalance(target));
      const outcome = await manage(pic!, proxy, 'install_chunked_code', InstallChunkedCodeArgs, {
        mode, target_canister: target, store_canister: [], chunk_hashes_list: parts.map((p) => ({ hash: sha256(p) })),
        wasm_module_hash: wrongHash, arg: new Uint8Array(), sender_canister_version: [],
      });
      return { paid: before - BigInt(await pic!.getCyclesBalance(target)), message: rejectOf(outcome).message };
    };

    const skipping = await installChunked(upgraded, SKIP_PRE_UPGRADE);
    expect(skipping.message).toMatch(/does not match given hash/);
    expect(skipping.paid).toBe(EXECUTION_FEE + 2n * CHUNK_ASSEMBLY);
    const running = await installChunked(upgraded, RUN_PRE_UPGRADE);
    expect(running.message).toMatch(/does not match given hash/);
    expect(running.paid).toBeGreaterThan(skipping.paid);
    expect(readI32(await pic.queryCall({ canisterId: upgraded, method: 'runs', arg: new Uint8Array() }))).toBe(0);

    const installing = await installChunked(empty, { install: null });
    expect(installing.message).toMatch(/does not match given hash/);
    expect(installing.paid).toBe(EXECUTION_FEE + 2n * CHUNK_ASSEMBLY);
  });
});
