/**
 * install_code and uninstall_code (IC interface spec § IC method install_code, § Canister
 * upgrades, § IC method uninstall_code, § Canister module format): the three modes and what
 * each keeps, atomicity when init / pre_upgrade / post_upgrade trap, refusal of a non-empty
 * canister and of invalid modules, gzipped modules and their hash, and uninstall rejecting the
 * canister's open calls.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI32, u32, type Principal } from '../support/canister.js';
import { wat } from '../support/wat.js';
import {
  CanisterIdRecord, ChunkHash, IDL, UninstallCodeArgs, UploadChunkArgs, callSpec, decode, fireIdl, hex, ingress, outcome, proxyWasm, rejectOf, replyOf,
  sha256, waiterWasm,
} from '../support/messages.js';

const stored = (reply: Uint8Array) => decode<{ hash: Uint8Array }[]>(IDL.Vec(ChunkHash), reply);

interface Fire { fire(): Promise<() => Promise<void>> }

/**
 * A canister keeping a value in the heap (1024) and in stable memory (offset 0). `pre_upgrade`
 * saves the heap value at stable offset 4 and marks offset 8; `post_upgrade` restores it to heap
 * 1028 and stores its u32 argument at heap 1036. `init` stores its u32 argument at heap 1032. Hooks can be made to trap.
 */
function stateful(o: { version: number; initTraps?: boolean; preTraps?: boolean; postTraps?: boolean }): Promise<Uint8Array> {
  const trapIf = (flag: boolean | undefined, what: string) => (flag ? `(call $trap (i32.const 200) (i32.const ${what.length}))` : '');
  const msg = (what: string) => `(data (i32.const 200) "${what}")`;
  return canister(`
    ${o.initTraps ? msg('init boom') : o.preTraps ? msg('pre boom') : o.postTraps ? msg('post boom') : ''}
    (func $ensure_stable
      (if (i64.eqz (call $stable64_size)) (then (drop (call $stable64_grow (i64.const 1))))))
    (func (export "canister_init")
      (if (i32.ge_u (call $msg_arg_data_size) (i32.const 4)) (then (i32.store (i32.const 1032) (call $arg_i32))))
      ${trapIf(o.initTraps, 'init boom')})
    (func (export "canister_pre_upgrade")
      ${trapIf(o.preTraps, 'pre boom')}
      (call $ensure_stable)
      (i32.store (i32.const 16) (i32.load (i32.const 1024)))
      (i32.store (i32.const 20) (i32.const 1))
      (call $stable64_write (i64.const 4) (i64.const 16) (i64.const 8)))
    (func (export "canister_post_upgrade")
      (if (i32.ge_u (call $msg_arg_data_size) (i32.const 4)) (then (i32.store (i32.const 1036) (call $arg_i32))))
      (if (i64.ne (call $stable64_size) (i64.const 0))
        (then
          (call $stable64_read (i64.const 16) (i64.const 4) (i64.const 4))
          (i32.store (i32.const 1028) (i32.load (i32.const 16)))))
      ${trapIf(o.postTraps, 'post boom')})
    (func (export "canister_update set")
      (i32.store (i32.const 1024) (call $arg_i32))
      (call $ensure_stable)
      (call $stable64_write (i64.const 0) (i64.const 0) (i64.const 4))
      (call $reply_empty))
    (func (export "canister_query heap") (call $reply_i32 (i32.load (i32.const 1024))))
    (func (export "canister_query restored") (call $reply_i32 (i32.load (i32.const 1028))))
    (func (export "canister_query init_arg") (call $reply_i32 (i32.load (i32.const 1032))))
    (func (export "canister_query upgrade_arg") (call $reply_i32 (i32.load (i32.const 1036))))
    (func (export "canister_query stable")
      (if (i64.eqz (call $stable64_size))
        (then (call $reply_i32 (i32.const -1)))
        (else
          (call $stable64_read (i64.const 16) (i64.const 0) (i64.const 4))
          (call $reply_i32 (i32.load (i32.const 16))))))
    (func (export "canister_query version") (call $reply_i32 (i32.const ${o.version})))
  `, ['stable64_size', 'stable64_grow', 'stable64_write', 'stable64_read']);
}

describe('install_code', () => {
  let pic: PocketIc;
  let v1: Uint8Array;
  let v2: Uint8Array;

  const q = async (id: Principal, method: string) => readI32(await pic.queryCall({ canisterId: id, method }));
  const set = (id: Principal, n: number) => pic.updateCall({ canisterId: id, method: 'set', arg: u32(n) });
  const moduleHash = async (id: Principal) => {
    const h = (await pic.canisterStatus({ canisterId: id })).moduleHash;
    return h === null ? null : hex(new Uint8Array(h));
  };
  const failure = (p: Promise<unknown>) => p.then(() => 'succeeded', (e: Error) => e.message);

  beforeAll(async () => {
    pic = await newPic();
    v1 = await stateful({ version: 1 });
    v2 = await stateful({ version: 2 });
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('installs a module, runs canister_init with the argument, and reports sha256 of the module', async () => {
    const id = await install(pic, v1, { arg: u32(77) });
    expect(await q(id, 'init_arg')).toBe(77);
    expect(await q(id, 'version')).toBe(1);
    expect(await moduleHash(id)).toBe(hex(sha256(v1)));
  });

  it('refuses mode install on a canister that is not empty', async () => {
    const id = await install(pic, v1);
    const error = await failure(pic.installCode({ canisterId: id, wasm: v2 }));
    expect(error).toContain(`Canister ${id.toText()} cannot be installed because the canister is not empty`);
    expect(error).toMatch(/CanisterNonEmpty|IC0514/);
    expect(await q(id, 'version')).toBe(1);
  });

  it('reinstall also installs on an empty canister', async () => {
    const id = await pic.createCanister();
    await pic.reinstallCode({ canisterId: id, wasm: v1, arg: u32(8) });
    expect(await q(id, 'version')).toBe(1);
    expect(await q(id, 'init_arg')).toBe(8);
  });

  it('reinstall wipes the heap and stable memory and runs canister_init', async () => {
    const id = await install(pic, v1);
    await set(id, 5);
    expect(await q(id, 'heap')).toBe(5);
    expect(await q(id, 'stable')).toBe(5);
    await pic.reinstallCode({ canisterId: id, wasm: v2, arg: u32(3) });
    expect(await q(id, 'version')).toBe(2);
    expect(await q(id, 'heap')).toBe(0);
    expect(await q(id, 'stable')).toBe(-1);
    expect(await q(id, 'init_arg')).toBe(3);
    expect(await moduleHash(id)).toBe(hex(sha256(v2)));
  });

  it('upgrade runs pre_upgrade then post_upgrade, keeps stable memory and resets the heap (and skips canister_init)', async () => {
    const id = await install(pic, v1, { arg: u32(11) });
    await set(id, 9);
    await pic.upgradeCanister({ canisterId: id, wasm: v2, arg: u32(12) });
    expect(await q(id, 'version')).toBe(2);
    expect(await q(id, 'heap')).toBe(0);
    expect(await q(id, 'stable')).toBe(9);
    expect(await q(id, 'restored')).toBe(9);
    expect(await q(id, 'init_arg')).toBe(0);
    expect(await q(id, 'upgrade_arg')).toBe(12); // post_upgrade gets the install argument
    expect(await moduleHash(id)).toBe(hex(sha256(v2)));
  });

  it('refuses an upgrade whose pre_upgrade traps, unless skip_pre_upgrade is set', async () => {
    const id = await install(pic, await stateful({ version: 1, preTraps: true }));
    await set(id, 3);
    const error = await failure(pic.upgradeCanister({ canisterId: id, wasm: v2 }));
    expect(error).toContain("Canister called `ic0.trap` with message: 'pre boom'");
    expect(await q(id, 'version')).toBe(1);
    expect(await q(id, 'heap')).toBe(3);

    await pic.upgradeCanister({ canisterId: id, wasm: v2, upgradeModeOptions: { skip_pre_upgrade: [true], wasm_memory_persistence: [] } });
    expect(await q(id, 'version')).toBe(2);
    expect(await q(id, 'stable')).toBe(3);
    expect(await q(id, 'restored')).toBe(0); // pre_upgrade never saved the heap value
  });

  it('leaves the old module and all its state when post_upgrade traps', async () => {
    const id = await install(pic, v1);
    await set(id, 4);
    const error = await failure(pic.upgradeCanister({ canisterId: id, wasm: await stateful({ version: 2, postTraps: true }) }));
    expect(error).toContain("Canister called `ic0.trap` with message: 'post boom'");
    expect(await q(id, 'version')).toBe(1);
    expect(await q(id, 'heap')).toBe(4);
    expect(await q(id, 'stable')).toBe(4);
    expect(await moduleHash(id)).toBe(hex(sha256(v1)));
    // pre_upgrade's writes to stable memory were rolled back with the rest.
    await pic.upgradeCanister({ canisterId: id, wasm: v2, upgradeModeOptions: { skip_pre_upgrade: [true], wasm_memory_persistence: [] } });
    expect(await q(id, 'restored')).toBe(0);
  });

  it('leaves the canister empty when canister_init traps', async () => {
    const id = await pic.createCanister();
    const error = await failure(pic.installCode({ canisterId: id, wasm: await stateful({ version: 1, initTraps: true }) }));
    expect(error).toContain("Canister called `ic0.trap` with message: 'init boom'");
    expect(await moduleHash(id)).toBeNull();
    expect(await failure(pic.updateCall({ canisterId: id, method: 'set', arg: u32(1) }))).toMatch(/no wasm module/i);
    // Still empty, so mode install works.
    await pic.installCode({ canisterId: id, wasm: v1 });
    expect(await q(id, 'version')).toBe(1);
  });

  it('installs a gzipped module; its module hash is the sha256 of the gzip bytes', async () => {
    const gz = new Uint8Array(gzipSync(v2));
    expect([...gz.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
    const id = await install(pic, gz);
    expect(await q(id, 'version')).toBe(2);
    expect(await moduleHash(id)).toBe(hex(sha256(gz)));
    expect(await moduleHash(id)).not.toBe(hex(sha256(v2)));
  });

  it('refuses an invalid module and leaves the canister empty', async () => {
    const id = await pic.createCanister();
    const garbage = await failure(pic.installCode({ canisterId: id, wasm: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }));
    expect(garbage).toContain("Canister's Wasm module is not valid");
    const truncated = await failure(pic.installCode({ canisterId: id, wasm: v1.subarray(0, v1.length - 7) }));
    expect(truncated).toContain("Canister's Wasm module is not valid");
    // A shared memory (limits flags 0x03: a maximum, shared) needs the threads proposal, which the IC does not enable.
    const sharedMemory = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x05, 0x04, 0x01, 0x03, 0x01, 0x01]);
    const shared = await failure(pic.installCode({ canisterId: id, wasm: sharedMemory }));
    expect(shared).toContain('threads must be enabled for shared memories');
    // Exception handling: Node's engine runs the legacy `try`, the replica's wasmtime has the proposal off.
    const eh = await wat(`(module (memory (export "memory") 1) (func (export "canister_update f") (try (do (nop)) (catch_all))))`, { exceptions: true });
    const exceptions = await failure(pic.installCode({ canisterId: id, wasm: eh }));
    expect(exceptions).toMatch(/Wasmtime failed to validate wasm module legacy exceptions support is not enabled \(at offset 0x[0-9a-f]+\)/);
    // A function too complex to compile in time: 20,000 branches of complexity 50 each.
    const complex = await failure(pic.installCode({ canisterId: id, wasm: await canister(`(func (block ${'(br 0)'.repeat(20_000)}))`) }));
    expect(complex).toMatch(/Wasm module contains a function at index \d+ with complexity \d+ which exceeds the maximum complexity allowed 1000000\./);
    expect(await moduleHash(id)).toBeNull();
  });

  it('reinstall keeps the canister’s open call contexts: a response reaches the new module’s callback', async () => {
    const proxy = await install(pic, await proxyWasm());
    const waiterModule = await waiterWasm();
    const waiter = await install(pic, waiterModule);
    await pic.updateCall({ canisterId: proxy, method: 'prepare', arg: callSpec(waiter, 'wait') });
    const done = await (pic.createDeferredActor(fireIdl, proxy) as unknown as Fire).fire();
    await pic.tick(8);
    const before = await q(waiter, 'polls');
    expect(before).toBeGreaterThan(3);

    await pic.reinstallCode({ canisterId: waiter, wasm: waiterModule });
    const after = await q(waiter, 'polls');
    expect(after).toBeLessThan(before); // a fresh heap…
    await pic.tick(2);
    expect(await q(waiter, 'polls')).toBeGreaterThan(after); // …whose callbacks go on polling
    await pic.updateCall({ canisterId: waiter, method: 'release' });
    await done();
    expect(new TextDecoder().decode(replyOf(outcome(await pic.queryCall({ canisterId: proxy, method: 'last' }))))).toBe('done');
  });

  it('uninstall_code rejects the canister’s open calls (CANISTER_REJECT) and empties it, chunk store included', async () => {
    const proxy = await install(pic, await proxyWasm());
    const waiter = await install(pic, await waiterWasm());
    await ingress(pic, 'upload_chunk', UploadChunkArgs, { canister_id: waiter, chunk: new Uint8Array([1, 2, 3]) });
    expect(stored(await ingress(pic, 'stored_chunks', CanisterIdRecord, { canister_id: waiter }))).toHaveLength(1);
    await pic.updateCall({ canisterId: proxy, method: 'prepare', arg: callSpec(waiter, 'wait') });
    const done = await (pic.createDeferredActor(fireIdl, proxy) as unknown as Fire).fire();
    await pic.tick(3);

    await ingress(pic, 'uninstall_code', UninstallCodeArgs, { canister_id: waiter, sender_canister_version: [] });
    await done();
    const r = rejectOf(outcome(await pic.queryCall({ canisterId: proxy, method: 'last' })));
    expect(r.code).toBe(4);
    expect(r.message).toContain('Canister has been uninstalled');

    expect(await moduleHash(waiter)).toBeNull();
    expect(await failure(pic.updateCall({ canisterId: waiter, method: 'ping' }))).toMatch(/no wasm module/i);
    expect(stored(await ingress(pic, 'stored_chunks', CanisterIdRecord, { canister_id: waiter }))).toEqual([]);
    // Responses still on their way (raw_rand) are dropped; a new module starts from scratch.
    await pic.installCode({ canisterId: waiter, wasm: v1 });
    await pic.tick(3);
    expect(await q(waiter, 'heap')).toBe(0);
  });
});
