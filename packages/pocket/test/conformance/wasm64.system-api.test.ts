/**
 * The edges of wasm64 (64-bit memory and table), with a hand-written canister.
 * Oracle: IC interface spec § Canister module format (a 64-bit memory makes the System API's `I`
 * `i64`), § System API ("if the memory range … is not inside the canister's memory, the call
 * traps"), WebAssembly's memory64 semantics (i64 addresses, `memory.size`/`memory.grow` in i64 pages,
 * -1 for a failed grow, i64 table indices), and the replica's trap wording (`HeapOutOfBounds`,
 * `TableOutOfBounds`).
 *
 * The emulator runs wasm64 lowered to 32 bits (see src/wasm/memory64.ts): the heap is limited to
 * 65,520 Wasm pages (4 GiB − 1 MiB) and an address at or past 4 GiB is past the end of the memory,
 * so it traps as any such address does on the IC. Growing towards the limit itself is not tested
 * here: it would allocate gigabytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { install, newPic, readI64, type Principal } from '../support/canister.js';
import { expectFailure, i64 } from '../support/system-api.js';
import { wat } from '../support/wat.js';

const SOURCE = `(module
  (import "ic0" "msg_reply_data_append" (func $append (param i64 i64)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i64)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i64 i64 i64)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i64)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i64 i64 i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (memory i64 2)
  (table i64 2 funcref)
  (elem (i64.const 0) $one $two)
  (type $n (func (result i64)))
  (func $one (result i64) (i64.const 1))
  (func $two (result i64) (i64.const 2))
  (global $counter (mut i64) (i64.const 0))

  (func $arg (result i64)
    (call $arg_copy (i64.const 0) (i64.const 0) (i64.const 8))
    (i64.load (i64.const 0)))
  (func $reply_i64 (param $v i64)
    (i64.store (i64.const 16) (local.get $v))
    (call $append (i64.const 16) (i64.const 8))
    (call $reply))

  ;; The argument echoed back, through 64-bit pointers and sizes.
  (func (export "canister_update echo")
    (call $arg_copy (i64.const 1024) (i64.const 0) (call $arg_size))
    (call $append (i64.const 1024) (call $arg_size))
    (call $reply))
  (func (export "canister_query caller_size") (call $reply_i64 (call $caller_size)))
  (func (export "canister_update load") (call $reply_i64 (i64.load (call $arg))))
  (func (export "canister_update load_offset") (call $reply_i64 (i64.load offset=4294967296 (i64.const 0))))
  (func (export "canister_update store_then_count")
    (global.set $counter (i64.add (global.get $counter) (i64.const 1)))
    (i64.store (call $arg) (i64.const 7))
    (call $reply_i64 (global.get $counter)))
  (func (export "canister_query counter") (call $reply_i64 (global.get $counter)))
  (func (export "canister_update reply_from")
    (call $append (call $arg) (i64.const 8))
    (call $reply))
  (func (export "canister_update copy_arg_to")
    (call $arg_copy (call $arg) (i64.const 0) (i64.const 8))
    (call $reply_i64 (i64.const 0)))
  (func (export "canister_query size") (call $reply_i64 (memory.size)))
  (func (export "canister_update grow") (call $reply_i64 (memory.grow (call $arg))))
  (func (export "canister_update fill") (memory.fill (i64.const 0) (i32.const 1) (call $arg)) (call $reply_i64 (i64.const 0)))
  (func (export "canister_update copy") (memory.copy (i64.const 0) (call $arg) (i64.const 8)) (call $reply_i64 (i64.const 0)))
  (func (export "canister_update call_indirect") (call $reply_i64 (call_indirect (type $n) (call $arg))))
  (func (export "canister_query table_size") (call $reply_i64 (table.size)))
  (func (export "canister_update table_grow") (call $reply_i64 (table.grow (ref.null func) (call $arg))))
  (func (export "canister_update stable_roundtrip")
    (drop (call $stable_grow (i64.const 1)))
    (i64.store (i64.const 2048) (call $arg))
    (call $stable_write (i64.const 100) (i64.const 2048) (i64.const 8))
    (call $stable_read (i64.const 4096) (i64.const 100) (i64.const 8))
    (call $reply_i64 (i64.load (i64.const 4096))))
)`;

const FOUR_GIB = 2n ** 32n;
const PAGE = 65536n;

describe('a wasm64 canister (64-bit memory and table)', () => {
  let pic: PocketIc;
  let id: Principal;
  const call = async (method: string, arg: bigint) => readI64(await pic.updateCall({ canisterId: id, method, arg: i64(arg) }));
  const query = async (method: string) => readI64(await pic.queryCall({ canisterId: id, method, arg: new Uint8Array() }));

  beforeAll(async () => {
    pic = await newPic();
    id = await install(pic, await wat(SOURCE));
  });
  afterAll(async () => { await pic?.tearDown(); });

  it('takes 64-bit pointers and sizes in the System API', async () => {
    const arg = new TextEncoder().encode('wasm64 says hi');
    expect(await pic.updateCall({ canisterId: id, method: 'echo', arg })).toEqual(arg);
    expect(await query('caller_size')).toBe(1n); // the anonymous principal is one byte
    expect(await call('stable_roundtrip', 0x0123456789abcdefn)).toBe(0x0123456789abcdefn);
  });

  it('loads and stores within its memory and traps past its end, at 4 GiB and beyond', async () => {
    expect(await call('load', 2n * PAGE - 8n)).toBe(0n);
    await expectFailure(call('load', 2n * PAGE - 7n), 'heap out of bounds');
    await expectFailure(call('load', FOUR_GIB), 'heap out of bounds');
    await expectFailure(call('load', FOUR_GIB + 8n), 'heap out of bounds');
    await expectFailure(call('load', 2n ** 63n), 'heap out of bounds');
    await expectFailure(call('load', -8n), 'heap out of bounds');
    await expectFailure(pic.updateCall({ canisterId: id, method: 'load_offset', arg: new Uint8Array() }), 'heap out of bounds');
  });

  it('rolls back a message whose store traps past 4 GiB', async () => {
    expect(await call('store_then_count', 64n)).toBe(1n);
    await expectFailure(call('store_then_count', FOUR_GIB + 64n), 'heap out of bounds');
    expect(await query('counter')).toBe(1n);
  });

  it('traps when a System API pointer is outside the memory, 4 GiB and beyond included', async () => {
    // The emulator names any pointer at or past 4 GiB as 4294967295 in the message (see memory64.ts).
    await expectFailure(call('reply_from', FOUR_GIB), 'msg.reply: src=', 'exceeds the slice size=131072', 'CanisterContractViolation');
    await expectFailure(call('copy_arg_to', FOUR_GIB + 16n), 'ic0.msg_arg_data_copy heap: src=', 'exceeds the slice size=131072');
    await expectFailure(call('copy_arg_to', 2n * PAGE - 4n), 'ic0.msg_arg_data_copy heap: src=131068 + length=8 exceeds the slice size=131072');
    expect(await call('copy_arg_to', 2n * PAGE - 8n)).toBe(0n);
  });

  it('counts memory in i64 pages, grows it, and fails a grow past its limit with -1', async () => {
    expect(await query('size')).toBe(2n);
    expect(await call('grow', 1n)).toBe(2n);
    expect(await query('size')).toBe(3n);
    expect(await call('grow', FOUR_GIB)).toBe(-1n);
    expect(await call('grow', 2n ** 62n)).toBe(-1n);
    // 65,520 pages is the lowered heap's limit.
    expect(await call('grow', 65_520n - 3n + 1n)).toBe(-1n);
    expect(await query('size')).toBe(3n);
  });

  it('traps on bulk memory operations with lengths or sources past the memory', async () => {
    expect(await call('fill', 16n)).toBe(0n);
    await expectFailure(call('fill', FOUR_GIB), 'heap out of bounds');
    await expectFailure(call('copy', FOUR_GIB), 'heap out of bounds');
    expect(await call('copy', 3n * PAGE - 8n)).toBe(0n);
  });

  it('indexes its table with i64', async () => {
    expect(await query('table_size')).toBe(2n);
    expect(await call('call_indirect', 1n)).toBe(2n);
    await expectFailure(call('call_indirect', 2n), 'table out of bounds');
    await expectFailure(call('call_indirect', FOUR_GIB + 1n), 'table out of bounds');
    expect(await call('table_grow', 3n)).toBe(2n);
    expect(await call('table_grow', FOUR_GIB)).toBe(-1n);
  });
});
