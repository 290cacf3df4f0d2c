/**
 * System API, stable memory group: `stable64_*` and the legacy 32-bit `stable_*` functions.
 * Oracle: IC interface spec § Stable memory ("returns the previous size", "-1" when growing fails, traps when
 * `offset+size` exceeds the stable memory or `src/dst+size` the Wasm memory, 32-bit calls trap on a stable
 * memory over 4 GiB), § Canister upgrades (stable memory survives an upgrade, not a reinstall), and the
 * replica's trap wording (`TrapCode::StableMemoryOutOfBounds`, `HeapOutOfBounds`, `StableMemoryTooBigFor32Bit`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI32, readI64, text, u32, untext, type Principal } from '../support/canister.js';
import { REJECT_CODE, concat, expectFailure, i64 } from '../support/system-api.js';

const PAGE = 65536;
/** 500 GiB in 64 KiB pages: the stable memory limit. */
const MAX_STABLE_PAGES = (500 * 1024 ** 3) / PAGE;
/** 4 GiB in pages: the most the 32-bit API can address. */
const PAGES_4GIB = 65536;

// Arguments are little-endian: i64 for the 64-bit API, i32 for the 32-bit one. Reads copy to 1024.
const STABLE = `
  (func $a64 (param $at i32) (result i64)
    (call $msg_arg_data_copy (i32.const 0) (local.get $at) (i32.const 8))
    (i64.load (i32.const 0)))
  (func $a32 (param $at i32) (result i32)
    (call $msg_arg_data_copy (i32.const 0) (local.get $at) (i32.const 4))
    (i32.load (i32.const 0)))

  (func (export "canister_query size64") (call $reply_i64 (call $stable64_size)))
  (func (export "canister_update grow64") (call $reply_i64 (call $stable64_grow (call $a64 (i32.const 0)))))
  (func (export "canister_query grow64_q") (call $reply_i64 (call $stable64_grow (call $a64 (i32.const 0)))))
  ;; offset:i64, then the bytes to write
  (func $write64
    (local $n i32)
    (local.set $n (i32.sub (call $arg_to (i32.const 1024)) (i32.const 8)))
    (call $stable64_write (i64.load (i32.const 1024)) (i64.const 1032) (i64.extend_i32_u (local.get $n)))
    (call $reply_empty))
  (func (export "canister_update write64") (call $write64))
  (func (export "canister_query write64_q") (call $write64))
  ;; offset:i64, size:i64
  (func $read64
    (local $offset i64) (local $size i64)
    (local.set $offset (call $a64 (i32.const 0)))
    (local.set $size (call $a64 (i32.const 8)))
    (call $stable64_read (i64.const 1024) (local.get $offset) (local.get $size))
    (call $reply_data (i32.const 1024) (i32.wrap_i64 (local.get $size))))
  (func (export "canister_update read64") (call $read64))
  (func (export "canister_query read64_q") (call $read64))
  ;; dst:i64, offset:i64, size:i64 (no reply data)
  (func (export "canister_update read64_to")
    (local $dst i64) (local $offset i64) (local $size i64)
    (local.set $dst (call $a64 (i32.const 0)))
    (local.set $offset (call $a64 (i32.const 8)))
    (local.set $size (call $a64 (i32.const 16)))
    (call $stable64_read (local.get $dst) (local.get $offset) (local.get $size))
    (call $reply_empty))
  ;; offset:i64, src:i64, size:i64
  (func (export "canister_update write64_from")
    (local $offset i64) (local $src i64) (local $size i64)
    (local.set $offset (call $a64 (i32.const 0)))
    (local.set $src (call $a64 (i32.const 8)))
    (local.set $size (call $a64 (i32.const 16)))
    (call $stable64_write (local.get $offset) (local.get $src) (local.get $size))
    (call $reply_empty))

  (func (export "canister_query size32") (call $reply_i32 (call $stable_size)))
  (func (export "canister_update grow32") (call $reply_i32 (call $stable_grow (call $a32 (i32.const 0)))))
  ;; offset:i32, then the bytes to write
  (func (export "canister_update write32")
    (local $n i32)
    (local.set $n (i32.sub (call $arg_to (i32.const 1024)) (i32.const 4)))
    (call $stable_write (i32.load (i32.const 1024)) (i32.const 1028) (local.get $n))
    (call $reply_empty))
  ;; offset:i32, size:i32
  (func (export "canister_update read32")
    (local $offset i32) (local $size i32)
    (local.set $offset (call $a32 (i32.const 0)))
    (local.set $size (call $a32 (i32.const 4)))
    (call $stable_read (i32.const 1024) (local.get $offset) (local.get $size))
    (call $reply_data (i32.const 1024) (local.get $size)))

  ;; Grows the stable memory past 4 GiB with the 64-bit API, then calls a 32-bit function (arg selects which).
  (func (export "canister_update past_4gib_then_32bit")
    (local $op i32)
    (local.set $op (call $a32 (i32.const 0)))
    (drop (call $stable64_grow (i64.sub (i64.const ${PAGES_4GIB + 1}) (call $stable64_size))))
    (if (i32.eq (local.get $op) (i32.const 0)) (then (drop (call $stable_size))))
    (if (i32.eq (local.get $op) (i32.const 1)) (then (drop (call $stable_grow (i32.const 0)))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then (call $stable_read (i32.const 1024) (i32.const 0) (i32.const 1))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then (call $stable_write (i32.const 0) (i32.const 1024) (i32.const 1))))
    (call $reply_i64 (call $stable64_size)))
`;
const IMPORTS = [
  'stable64_size', 'stable64_grow', 'stable64_read', 'stable64_write',
  'stable_size', 'stable_grow', 'stable_read', 'stable_write',
];

describe('System API: stable memory', () => {
  let pic: PocketIc;
  let wasm: Uint8Array;
  let id: Principal;
  const update = (method: string, arg: Uint8Array = new Uint8Array()) => pic.updateCall({ canisterId: id, method, arg });
  const query = (method: string, arg: Uint8Array = new Uint8Array()) => pic.queryCall({ canisterId: id, method, arg });
  const size64 = async () => readI64(await query('size64'));
  const grow64 = async (pages: bigint) => readI64(await update('grow64', i64(pages)));
  const read64 = async (offset: bigint, size: number) => update('read64', concat(i64(offset), i64(size)));

  beforeAll(async () => {
    pic = await newPic();
    wasm = await canister(STABLE, IMPORTS);
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  describe('64-bit API', () => {
    beforeAll(async () => {
      id = await install(pic, wasm);
    });

    it('starts empty', async () => {
      expect(await size64()).toBe(0n);
      expect(await grow64(0n)).toBe(0n);
      expect(await size64()).toBe(0n);
    });

    it('grows, returning the previous size in pages', async () => {
      expect(await grow64(1n)).toBe(0n);
      expect(await grow64(2n)).toBe(1n);
      expect(await size64()).toBe(3n);
    });

    it('returns -1 and does not grow beyond the stable memory limit', async () => {
      const before = await size64();
      expect(await grow64(BigInt(MAX_STABLE_PAGES) + 1n)).toBe(-1n);
      expect(await grow64(-1n)).toBe(-1n); // u64::MAX pages
      expect(await size64()).toBe(before);
    });

    it('reads back what was written, zeros where nothing was, across messages', async () => {
      await update('write64', concat(i64(PAGE - 2), text('span')));
      expect(untext(await read64(BigInt(PAGE - 2), 4))).toBe('span');
      expect(untext(await query('read64_q', concat(i64(PAGE - 2), i64(4))))).toBe('span');
      expect(await read64(BigInt(2 * PAGE), 16)).toEqual(new Uint8Array(16));
    });

    it('reads and writes up to the last byte, and zero bytes at the very end', async () => {
      const end = BigInt((await size64()) * BigInt(PAGE));
      await update('write64', concat(i64(end - 1n), text('z')));
      expect(untext(await read64(end - 1n, 1))).toBe('z');
      expect(await read64(end, 0)).toEqual(new Uint8Array());
    });

    it('traps when reading or writing past the end of the stable memory', async () => {
      const end = BigInt((await size64()) * BigInt(PAGE));
      await expectFailure(read64(end - 1n, 2), 'Canister trapped: stable memory out of bounds', REJECT_CODE.CanisterError);
      await expectFailure(update('write64', concat(i64(end - 1n), text('ab'))), 'Canister trapped: stable memory out of bounds');
      await expectFailure(read64(end + 1n, 1), 'Canister trapped: stable memory out of bounds');
      // (A zero-length access past the end is not asserted: the spec says it traps, while the replica's
      // instrumentation returns early for size 0 without checking bounds.)
    });

    it('traps rather than wrapping around when offset + size overflows 64 bits', async () => {
      await expectFailure(read64(-1n, 1), 'Canister trapped: stable memory out of bounds');
      await expectFailure(update('write64_from', concat(i64(-1n), i64(0), i64(2))), 'Canister trapped: stable memory out of bounds');
    });

    it('traps when the Wasm memory side of a copy is out of bounds', async () => {
      await expectFailure(update('read64_to', concat(i64(PAGE - 4), i64(0), i64(8))), 'Canister trapped: heap out of bounds');
      await expectFailure(update('write64_from', concat(i64(0), i64(PAGE - 4), i64(8))), 'Canister trapped: heap out of bounds');
    });

    it('keeps nothing a query grew or wrote', async () => {
      const before = await size64();
      expect(readI64(await query('grow64_q', i64(5)))).toBe(before);
      expect(await size64()).toBe(before);
      await query('write64_q', concat(i64(0), text('gone')));
      expect(await read64(0n, 4)).toEqual(new Uint8Array(4));
    });
  });

  describe('32-bit API', () => {
    beforeAll(async () => {
      id = await install(pic, wasm);
    });

    it('grows, returning the previous size, and sees the same memory as the 64-bit API', async () => {
      expect(readI32(await query('size32'))).toBe(0);
      expect(readI32(await update('grow32', u32(2)))).toBe(0);
      expect(readI32(await query('size32'))).toBe(2);
      expect(await size64()).toBe(2n);
      await update('write32', concat(u32(PAGE + 10), text('legacy')));
      expect(untext(await read64(BigInt(PAGE + 10), 6))).toBe('legacy');
      await update('write64', concat(i64(20), text('modern')));
      expect(untext(await update('read32', concat(u32(20), u32(6))))).toBe('modern');
    });

    it('returns -1 when the new size would exceed 4 GiB', async () => {
      const before = readI32(await query('size32'));
      expect(readI32(await update('grow32', u32(PAGES_4GIB + 1)))).toBe(-1);
      expect(readI32(await update('grow32', u32(PAGES_4GIB - before + 1)))).toBe(-1);
      expect(readI32(await query('size32'))).toBe(before);
    });

    it('treats offsets and sizes as unsigned and traps out of bounds', async () => {
      await expectFailure(update('read32', concat(u32(0xffffffff), u32(1))), 'Canister trapped: stable memory out of bounds');
      await expectFailure(update('read32', concat(u32(2 * PAGE - 1), u32(2))), 'Canister trapped: stable memory out of bounds');
      await expectFailure(update('write32', concat(u32(2 * PAGE - 1), text('ab'))), 'Canister trapped: stable memory out of bounds');
    });

    it('traps in every 32-bit function once the stable memory is larger than 4 GiB', async () => {
      for (const op of [0, 1, 2, 3]) {
        await expectFailure(update('past_4gib_then_32bit', u32(op)), 'Canister trapped: 32 bit stable memory api used on a memory larger than 4GB');
      }
      // Each of those messages trapped, so the growth was rolled back.
      expect(await size64()).toBe(2n);
    });
  });

  describe('persistence', () => {
    it('survives an upgrade and is emptied by a reinstall', async () => {
      id = await install(pic, wasm);
      await grow64(1n);
      await update('write64', concat(i64(100), text('kept')));
      await pic.upgradeCanister({ canisterId: id, wasm });
      expect(await size64()).toBe(1n);
      expect(untext(await read64(100n, 4))).toBe('kept');
      await pic.reinstallCode({ canisterId: id, wasm });
      expect(await size64()).toBe(0n);
    });
  });
});
