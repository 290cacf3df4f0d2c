import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { Heap } from './heap.js';
import { HOST_MODULE } from './instrument.js';
import { prepareModule } from './prepare.js';

/**
 * The same program twice: with a 32-bit memory, run on a bare engine, and with a 64-bit memory,
 * lowered and instrumented by the emulator. The lowering must keep its semantics: the same result
 * and the same memory (IC interface spec § Canister module format: wasm64 canisters).
 */
const program = (a: 'i32' | 'i64') => {
  // memory.size is i64 in wasm64 and i32 otherwise; it is stored as an i32 either way.
  const size = a === 'i64' ? '(i32.wrap_i64 (memory.size))' : '(memory.size)';
  return `(module
  (import "ic0" "debug_print" (func $print (param ${a} ${a})))
  (memory (export "memory") ${a} 2 10)
  (global $g (mut i64) (i64.const 7))
  (data (${a}.const 100) "hello")
  (data $passive "passive bytes")
  (func (export "run") (result i64)
    (local $i ${a})
    (i32.store (${a}.const 4094) (i32.const 0x11223344))
    (i64.store offset=8 (${a}.const 8184) (i64.const 0x0102030405060708))
    (f32.store (${a}.const 200) (f32.const 1.5))
    (f64.store (${a}.const 208) (f64.const 2.25))
    (i32.store8 (${a}.const 300) (i32.const 255))
    (i64.store32 (${a}.const 308) (i64.const 3))
    (v128.store (${a}.const 12280) (v128.const i32x4 1 2 3 4))
    (v128.store32_lane 1 (${a}.const 400) (v128.const i32x4 9 8 7 6))
    (memory.fill (${a}.const 20000) (i32.const 0xAB) (${a}.const 10000))
    (memory.copy (${a}.const 40000) (${a}.const 100) (${a}.const 5))
    (memory.init $passive (${a}.const 50000) (i32.const 0) (i32.const 13))
    (drop (memory.grow (${a}.const 1)))
    (i32.store (${a}.const 131072) ${size})
    (loop $l
      (i32.store (${a}.add (${a}.const 60000) (${a}.shl (local.get $i) (${a}.const 2))) (i32.const 5))
      (local.set $i (${a}.add (local.get $i) (${a}.const 1)))
      (br_if $l (${a}.lt_u (local.get $i) (${a}.const 300))))
    (global.set $g (i64.add (global.get $g) (i64.load8_u (${a}.const 300))))
    (i64.add (global.get $g) (i64.load (${a}.const 8192)))))`;
};

function runPlain(bytes: Uint8Array): { result: bigint; memory: Uint8Array } {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { ic0: { debug_print: () => {} } });
  const result = (instance.exports.run as () => bigint)();
  return { result, memory: new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer).slice() };
}

function instantiate(bytes: Uint8Array, ic0: Record<string, unknown> = { debug_print: () => {} }) {
  const prepared = prepareModule(bytes);
  const heap = new Heap(prepared.memory!.min, prepared.memory!.max);
  for (const seg of prepared.dataSegments) heap.writeUntracked(seg.offset, seg.bytes);
  const instance = new WebAssembly.Instance(prepared.compiled, {
    ic0,
    [HOST_MODULE]: { memory_grow: heap.grow, before_write: heap.beforeWrite, before_copy: heap.beforeCopy, memory: heap.memory },
  } as WebAssembly.Imports);
  (instance.exports.__lineage_instructions as WebAssembly.Global).value = 1n << 62n;
  return { prepared, heap, exports: instance.exports };
}

describe('wasm64 lowering', () => {
  it('keeps the semantics of every memory access of a 64-bit memory', async () => {
    const plain = runPlain(await wat(program('i32')));
    const { prepared, heap, exports } = instantiate(await wat(program('i64')));
    expect(prepared.memory64).toBe(true);
    heap.begin();
    expect((exports.run as () => bigint)()).toBe(plain.result);
    expect(heap.pages).toBe(3);
    expect(heap.snapshot()).toEqual(plain.memory);
  });

  it('keeps the semantics of every table instruction of a 64-bit table', async () => {
    // Calls every slot through call_indirect after init, copy, fill, set, get and grow; returns a
    // digest of what each slot answers (0 for a null slot) and the sizes seen.
    const tables = (t: 'i32' | 'i64') => {
      const sizeAsI32 = t === 'i64' ? '(i32.wrap_i64 (table.size $t))' : '(table.size $t)';
      return `(module
      (memory 1)
      (table $t ${t} 4 16 funcref)
      (type $n (func (result i64)))
      (func $a (result i64) (i64.const 3))
      (func $b (result i64) (i64.const 5))
      (func $c (result i64) (i64.const 7))
      (elem $seg func $a $b $c)
      (elem (table $t) (${t}.const 0) func $a)
      (func $slot (param $i ${t}) (result i64)
        (if (result i64) (ref.is_null (table.get $t (local.get $i)))
          (then (i64.const 0))
          (else (call_indirect $t (type $n) (local.get $i)))))
      (func (export "run") (result i64)
        (local $i ${t}) (local $acc i64)
        (drop (table.grow $t (ref.func $c) (${t}.const 4)))
        (table.init $t $seg (${t}.const 1) (i32.const 0) (i32.const 3))
        (table.copy $t $t (${t}.const 4) (${t}.const 1) (${t}.const 2))
        (table.fill $t (${t}.const 6) (ref.null func) (${t}.const 1))
        (table.set $t (${t}.const 7) (table.get $t (${t}.const 2)))
        (local.set $acc (i64.extend_i32_u ${sizeAsI32}))
        (loop $l
          (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 11)) (call $slot (local.get $i))))
          (local.set $i (${t}.add (local.get $i) (${t}.const 1)))
          (br_if $l (${t}.lt_u (local.get $i) (table.size $t))))
        (local.get $acc)))`;
    };
    const plain = new WebAssembly.Instance(new WebAssembly.Module(await wat(tables('i32')) as Uint8Array<ArrayBuffer>));
    const expected = (plain.exports.run as () => bigint)();
    const { exports } = instantiate(await wat(tables('i64').replace('(memory 1)', '(memory i64 1)')));
    expect((exports.run as () => bigint)()).toBe(expected);
    expect(expected).not.toBe(0n);
  });

  it('gives the System API 32-bit pointers and sizes, saturating those of 4 GiB or more', async () => {
    const seen: number[][] = [];
    const { exports } = instantiate(await wat(`(module
      (import "ic0" "debug_print" (func $print (param i64 i64)))
      (import "ic0" "msg_arg_data_size" (func $size (result i64)))
      (memory i64 1)
      (func (export "print") (param i64 i64) (call $print (local.get 0) (local.get 1)))
      (func (export "size") (result i64) (call $size)))`), {
      debug_print: (src: number, size: number) => { seen.push([src >>> 0, size >>> 0]); },
      msg_arg_data_size: () => 0xfffffff0,
    });
    const print = exports.print as (a: bigint, b: bigint) => void;
    print(16n, 5n);
    print(2n ** 32n - 1n, 2n ** 32n);
    print(2n ** 40n, -1n);
    expect(seen).toEqual([[16, 5], [0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]]);
    // An `I` result comes back zero-extended.
    expect((exports.size as () => bigint)()).toBe(0xfffffff0n);
  });

  it('checks ic0 signatures against the memory width', async () => {
    const narrow = await wat('(module (import "ic0" "debug_print" (func (param i32 i32))) (memory i64 1))');
    expect(() => prepareModule(narrow)).toThrow(/incorrect signature/);
    const wide = await wat('(module (import "ic0" "debug_print" (func (param i64 i64))) (memory 1))');
    expect(() => prepareModule(wide)).toThrow(/incorrect signature/);
    // Fixed-width parameters stay as they are: stable64_write's offset and size are i64 either way.
    const fixed = await wat('(module (import "ic0" "stable64_write" (func (param i64 i64 i64))) (memory i64 1))');
    expect(prepareModule(fixed).memory64).toBe(true);
  });

  it('refuses a wasm64 module whose memory starts larger than the emulator can hold', async () => {
    const huge = await wat('(module (memory i64 70000))');
    expect(() => prepareModule(huge)).toThrow(/exceeds the 65520 pages this emulator can hold/);
  });
});
