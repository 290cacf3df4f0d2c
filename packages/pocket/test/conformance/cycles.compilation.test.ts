/**
 * Installing code pays for compiling the module (dfinity/ic `Hypervisor::create_execution_state`:
 * `cost_to_compile_wasm_instruction`, 6,000 per Wasm instruction of the instrumented module, and a
 * base of 20 M per module), as instructions of the install message: one cycle each on a 13-node
 * subnet, with the message's 5 M base fee. A module the subnet installed since its last checkpoint
 * costs a hundredth (`CompilationCostHandling::CountReducedAmount`, `expected_compiled_wasms`, which
 * a checkpoint round clears: every 500 rounds on an application subnet). A module that does not
 * compile is charged 6,000 per byte; a trap in `canister_init` still pays the compilation (replica
 * tests `failed_install_hooks_consume_instructions`, `compilation_cost_charged_after_checkpoint_between_installs`).
 * A module installed from chunks also pays for assembling them: one instruction per byte of a full
 * 1 MiB chunk, for each chunk (`WasmSource::instructions_to_assemble`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install as installCanister, newPic } from '../support/canister.js';
import { compilationFee } from '../support/compilation.js';
import { ingressFee } from '../support/ingress-fee.js';
import {
  IDL, InstallChunkedCodeArgs, InstallCodeArgs, Principal, UploadChunkArgs, ingress, manage, proxyWasm, replyOf, sha256,
} from '../support/messages.js';

const EXECUTION_FEE = 5_000_000n;
const MODULE = canister(`(func (export "canister_update ping") (call $reply_i32 (i32.const 1)))`);

describe('compiling a module', () => {
  let pic: PocketIc | undefined;
  afterEach(async () => { await pic?.tearDown(); pic = undefined; });

  async function setup() {
    pic = await newPic();
    const id = await pic.createCanister({ cycles: 10n ** 13n });
    const balance = async () => BigInt(await pic!.getCyclesBalance(id));
    /** Installs `wasm` in `mode` with an ingress message; returns what the canister paid for it. */
    const install = async (wasm: Uint8Array, mode: 'install' | 'reinstall') => {
      const arg = { mode: { [mode]: null }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(), sender_canister_version: [] };
      const before = await balance();
      let error: string | undefined;
      try {
        await ingress(pic!, 'install_code', InstallCodeArgs, arg);
      } catch (e) {
        error = String(e);
      }
      const paid = before - (await balance());
      return { paid: paid - ingressFee('install_code', new Uint8Array(IDL.encode([InstallCodeArgs], [arg]))), error };
    };
    return { pic, id, install };
  }

  it('charges an install the compilation of its module, and the next install of the same module a hundredth of it until a checkpoint', async () => {
    const { pic, install } = await setup();
    const wasm = await MODULE;
    expect((await install(wasm, 'install')).paid).toBe(EXECUTION_FEE + compilationFee(wasm));
    expect((await install(wasm, 'reinstall')).paid).toBe(EXECUTION_FEE + compilationFee(wasm, true));
    expect(compilationFee(wasm, true)).toBeLessThan(compilationFee(wasm));

    // 500 rounds later the subnet has taken a checkpoint and compiles the module afresh.
    for (let round = 0; round < 500; round++) await pic.tick();
    expect((await install(wasm, 'reinstall')).paid).toBe(EXECUTION_FEE + compilationFee(wasm));
  });

  it('charges a module that does not compile 6,000 instructions per byte, and a canister_init that traps the whole compilation', async () => {
    const { install } = await setup();
    const invalid = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0xff, 0xff]);
    const refused = await install(invalid, 'install');
    expect(refused.error).toMatch(/CanisterInvalidWasm|IC0505|not valid/);
    expect(refused.paid).toBe(EXECUTION_FEE + 20_000_000n + 6_000n * BigInt(invalid.length));

    // The replica's own test expects 2 instructions for this init: the block's 1 and unreachable's 1.
    const trapping = await canister(`(func (export "canister_init") unreachable)`);
    const trapped = await install(trapping, 'install');
    expect(trapped.error).toMatch(/unreachable/);
    expect(trapped.paid).toBe(EXECUTION_FEE + compilationFee(trapping) + 2n);
  });

  it('charges install_chunked_code for assembling its chunks, a full chunk\'s bytes each, and for compiling the module', async () => {
    // install_chunked_code names its canister `target_canister`: pic cannot route it as ingress, so a
    // proxy canister that controls the target makes the call (the target pays the install either way).
    pic = await newPic();
    const proxy = await installCanister(pic, await proxyWasm(), { cycles: 10n ** 13n });
    const target = await pic.createCanister({ controllers: [Principal.anonymous(), proxy], cycles: 10n ** 13n });
    const wasm = await MODULE;
    const half = Math.ceil(wasm.length / 2);
    const parts = [wasm.subarray(0, half), wasm.subarray(half)];
    for (const chunk of parts) await ingress(pic, 'upload_chunk', UploadChunkArgs, { canister_id: target, chunk });
    const before = BigInt(await pic.getCyclesBalance(target));
    replyOf(await manage(pic, proxy, 'install_chunked_code', InstallChunkedCodeArgs, {
      mode: { install: null }, target_canister: target, store_canister: [], chunk_hashes_list: parts.map((p) => ({ hash: sha256(p) })),
      wasm_module_hash: sha256(wasm), arg: new Uint8Array(), sender_canister_version: [],
    }));
    expect(before - BigInt(await pic.getCyclesBalance(target))).toBe(EXECUTION_FEE + 2n * 1_048_576n + compilationFee(wasm));
  });

  it('does not count the compilation in what canister_init sees of its own instructions', async () => {
    const { pic, id } = await setup();
    // canister_init stores performance_counter(0) in its memory; a query returns it.
    const wasm = await canister(`
      (func (export "canister_init") (i64.store (i32.const 300) (call $performance_counter (i32.const 0))))
      (func (export "canister_query counted") (call $reply_i64 (i64.load (i32.const 300))))`, ['performance_counter']);
    await pic.installCode({ canisterId: id, wasm });
    const reply = await pic.queryCall({ canisterId: id, method: 'counted', arg: new Uint8Array() });
    const counted = new DataView(reply.buffer, reply.byteOffset, 8).getBigUint64(0, true);
    expect(counted).toBeGreaterThan(0n);
    // The compilation (above 20 M) is charged to the same message, before canister_init runs.
    expect(counted).toBeLessThan(1_000n);
  });
});
