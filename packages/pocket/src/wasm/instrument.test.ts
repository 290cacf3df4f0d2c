import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { Heap } from './heap.js';
import { HOST_MODULE, instrument } from './instrument.js';
import { parseModule } from './module.js';
import { prepareModule } from './prepare.js';

/**
 * A program exercising every kind of memory access: stores of each width (some straddling a 4 KiB
 * page boundary), SIMD stores, bulk operations, data segments, growth and `memory.size`. Run
 * uninstrumented and instrumented, it must leave the same memory and return the same value.
 */
const PROGRAM = `(module
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (memory (export "memory") 2 10)
  (global $g (mut i64) (i64.const 7))
  (data (i32.const 100) "hello")
  (data $passive "passive bytes")
  (func (export "run") (result i64)
    (local $i i32)
    (i32.store (i32.const 4094) (i32.const 0x11223344))          ;; straddles pages 0 and 1
    (i64.store offset=8 (i32.const 8184) (i64.const 0x0102030405060708))
    (f32.store (i32.const 200) (f32.const 1.5))
    (f64.store (i32.const 208) (f64.const 2.25))
    (i32.store8 (i32.const 300) (i32.const 255))
    (i32.store16 (i32.const 302) (i32.const 65535))
    (i64.store8 (i32.const 304) (i64.const 1))
    (i64.store16 (i32.const 306) (i64.const 2))
    (i64.store32 (i32.const 308) (i64.const 3))
    (v128.store (i32.const 12280) (v128.const i32x4 1 2 3 4))     ;; straddles pages 2 and 3
    (v128.store32_lane 1 (i32.const 400) (v128.const i32x4 9 8 7 6))
    (memory.fill (i32.const 20000) (i32.const 0xAB) (i32.const 10000))
    (memory.copy (i32.const 40000) (i32.const 100) (i32.const 5))
    (memory.init $passive (i32.const 50000) (i32.const 0) (i32.const 13))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 131072) (memory.size))
    (loop $l
      (i32.store (i32.add (i32.const 60000) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 300))))
    (global.set $g (i64.add (global.get $g) (i64.extend_i32_u (memory.size))))
    (i64.add (global.get $g) (i64.load (i32.const 8192))))
  (func (export "oob") (i32.store (i32.const 196608) (i32.const 1))))`;

function runPlain(bytes: Uint8Array): { result: bigint; memory: Uint8Array } {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), { ic0: { debug_print: () => {} } });
  const result = (instance.exports.run as () => bigint)();
  return { result, memory: new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer).slice() };
}

function instantiate(bytes: Uint8Array): { heap: Heap; exports: WebAssembly.Exports } {
  const prepared = prepareModule(bytes);
  const heap = new Heap(prepared.memory!.min, prepared.memory!.max);
  for (const seg of prepared.dataSegments) heap.writeUntracked(seg.offset, seg.bytes);
  const instance = new WebAssembly.Instance(prepared.compiled, {
    ic0: { debug_print: () => {} },
    [HOST_MODULE]: { memory_grow: heap.grow, before_write: heap.beforeWrite, before_copy: heap.beforeCopy, memory: heap.memory },
  } as WebAssembly.Imports);
  (instance.exports.__lineage_instructions as WebAssembly.Global).value = 1n << 62n;
  return { heap, exports: instance.exports };
}

describe('instrumentation', () => {
  it('keeps the semantics of every memory access', async () => {
    const bytes = await wat(PROGRAM);
    const plain = runPlain(bytes);
    const { heap, exports } = instantiate(bytes);
    heap.begin();
    const result = (exports.run as () => bigint)();
    expect(result).toBe(plain.result);
    expect(heap.pages).toBe(3);
    expect(heap.snapshot()).toEqual(plain.memory);
  });

  it('rolls back every write, including ones that straddle pages and the growth', async () => {
    const bytes = await wat(PROGRAM);
    const { heap, exports } = instantiate(bytes);
    const before = heap.snapshot();
    heap.begin();
    (exports.run as () => bigint)();
    expect(heap.snapshot()).not.toEqual(before);
    const replacement = heap.rollback();
    expect(replacement).toBeDefined(); // it grew, so the memory was swapped
    expect(heap.pages).toBe(2);
    expect(heap.snapshot()).toEqual(before);
  });

  it('rolls back only what came after the last commit', async () => {
    const bytes = await wat(PROGRAM);
    const { heap, exports } = instantiate(bytes);
    heap.begin();
    (exports.run as () => bigint)();
    heap.commit();
    const committed = heap.snapshot();
    heap.begin();
    expect((exports.run as () => bigint)()).toBeTypeOf('bigint');
    heap.rollback();
    expect(heap.snapshot()).toEqual(committed);
  });

  it('rolls back writes in place when the memory did not grow, copying each page back once', async () => {
    const { heap, exports } = instantiate(await wat(`(module
      (memory 2 4)
      (func (export "touch")
        (i32.store (i32.const 4094) (i32.const 0x55667788))        ;; straddles pages 0 and 1
        (i64.store (i32.const 70000) (i64.const -1))
        (memory.fill (i32.const 90000) (i32.const 7) (i32.const 9000))))`));
    heap.commit();
    const before = heap.snapshot();
    heap.begin();
    (exports.touch as () => void)();
    expect(heap.dirtyPages).toBeGreaterThanOrEqual(6);
    expect(heap.rollback()).toBeUndefined();
    expect(heap.dirtyPages).toBe(0);
    expect(heap.snapshot()).toEqual(before);
  });

  it('commits a store that spills from the last page into memory grown by the same message', async () => {
    // Page 15 is the last 4 KiB page of one Wasm page: marking it cannot mark page 16, which does
    // not exist yet. After the growth, an 8-byte store on page 15 spills into page 16 unchecked.
    const { heap, exports } = instantiate(await wat(`(module
      (memory 1 4)
      (func (export "spill")
        (i32.store8 (i32.const 65530) (i32.const 1))
        (drop (memory.grow (i32.const 1)))
        (i64.store (i32.const 65532) (i64.const 0x0807060504030201)))
      (func (export "later") (i32.store (i32.const 65600) (i32.const 9))))`));
    heap.commit();
    heap.begin();
    (exports.spill as () => void)();
    heap.commit();
    const committed = heap.snapshot();
    expect([...committed.subarray(65532, 65540)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A later message writes page 16 and is rolled back: the page comes back as committed.
    heap.begin();
    (exports.later as () => void)();
    heap.rollback();
    expect(heap.snapshot()).toEqual(committed);
  });

  it('keeps the semantics of calls while passing the counter: tables, imports, several results, tail calls', async () => {
    // Every defined function takes and returns the counter; an import in the table is reached
    // through an adapter; JavaScript calls exports (one with two results) through wrappers.
    const bytes = await wat(`(module
      (import "ic0" "debug_print" (func $print (param i32 i32)))
      (type $pairT (func (param i32) (result i32 i64)))
      (type $printT (func (param i32 i32)))
      (table 3 funcref)
      (elem (i32.const 0) $pair $print $tail)
      (memory (export "memory") 1)
      (global $calls (mut i32) (i32.const 0))
      (func $pair (export "pair") (param $x i32) (result i32 i64)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (block $out
          (br_if $out (i32.eqz (local.get $x)))
          (if (i32.eq (local.get $x) (i32.const 1)) (then (return (i32.const 10) (i64.const 20)))))
        (i32.mul (local.get $x) (i32.const 3)) (i64.extend_i32_u (local.get $x)) (br 0))
      (func $tail (param $x i32) (result i32 i64)
        (return_call $pair (i32.add (local.get $x) (i32.const 1))))
      (func $sum (param $a i32) (param $b i64) (result i64) (i64.add (i64.extend_i32_u (local.get $a)) (local.get $b)))
      (func $tailPrint (param i32 i32) (return_call $print (local.get 0) (local.get 1)))
      (func (export "run") (result i64)
        (local $acc i64)
        (call_indirect (type $printT) (i32.const 0) (i32.const 0) (i32.const 1))
        (call $tailPrint (i32.const 0) (i32.const 0))
        (local.set $acc (call $sum (call $pair (i32.const 1))))
        (local.set $acc (i64.add (local.get $acc) (call $sum (call_indirect (type $pairT) (i32.const 5) (i32.const 0)))))
        (local.set $acc (i64.add (local.get $acc) (call $sum (call_indirect (type $pairT) (i32.const 0) (i32.const 2)))))
        (local.set $acc (i64.add (local.get $acc) (call $sum (call $tail (i32.const 6)))))
        (i64.add (local.get $acc) (i64.extend_i32_u (global.get $calls)))))`, { tail_call: true });
    const plain = runPlain(bytes);
    const { exports } = instantiate(bytes);
    const counter = exports.__lineage_instructions as WebAssembly.Global;
    const before = counter.value as bigint;
    expect((exports.run as () => bigint)()).toBe(plain.result);
    // $pair(1) 10 + 20, $pair(5) 15 + 5, $tail(0) → $pair(1) 30, $tail(6) → $pair(7) 21 + 7, 4 calls.
    expect(plain.result).toBe(112n);
    expect((exports.pair as (x: number) => unknown)(4)).toEqual([12, 4n]);
    // The count came back out of every call: the export's wrapper left it in the global.
    expect(counter.value as bigint).toBeLessThan(before);
  });

  it('refuses typed function references, which it cannot pass the counter through', async () => {
    // (type $t (func)) (func $f) (elem declare func $f) (func (export "run") (call_ref $t (ref.func $f))),
    // by hand: the text tools here do not know the proposal.
    const section = (id: number, ...content: number[]) => [id, content.length, ...content];
    const bytes = Uint8Array.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, 1, 0x60, 0, 0),
      ...section(3, 2, 0, 0),
      ...section(7, 1, 3, 0x72, 0x75, 0x6e, 0x00, 1),
      ...section(9, 1, 3, 0x00, 1, 0),
      ...section(10, 2, 2, 0, 0x0b, 6, 0, 0xd2, 0, 0x14, 0, 0x0b),
    ]);
    // Node 20's engine refuses the module when it is validated; an engine that accepts it still
    // gets no module the counter's calling convention would break.
    expect(() => prepareModule(bytes)).toThrow(/not valid/);
    expect(() => instrument(parseModule(bytes))).toThrow(/call_ref and return_call_ref/);
  });

  it('traps out-of-bounds stores as heap accesses, not on the page map', async () => {
    const { exports } = instantiate(await wat(PROGRAM));
    expect(() => (exports.oob as () => void)()).toThrow(/memory access out of bounds/);
  });

  it('refuses modules that import memory or anything but ic0 functions', async () => {
    const importsMemory = await wat('(module (import "env" "memory" (memory 1)))');
    expect(() => prepareModule(importsMemory)).toThrow(/invalid import section/);
    const unknown = await wat('(module (import "ic0" "no_such_function" (func)))');
    expect(() => prepareModule(unknown)).toThrow(/not exported by the runtime/);
    const wrongSig = await wat('(module (import "ic0" "msg_reply" (func (param i32))))');
    expect(() => prepareModule(wrongSig)).toThrow(/incorrect signature/);
  });

  it('validates canister exports and custom sections', async () => {
    const badType = await wat('(module (func (export "canister_update f") (param i32)))');
    expect(() => prepareModule(badType)).toThrow(/to have type \(\) -> \(\)/);
    const duplicate = await wat('(module (func $f) (export "canister_update f" (func $f)) (export "canister_query f" (func $f)))');
    expect(() => prepareModule(duplicate)).toThrow(/Duplicate function 'f'/);
    const reserved = await wat('(module (func (export "canister_foo")))');
    expect(() => prepareModule(reserved)).toThrow(/not allowed/);
    expect(() => prepareModule(Uint8Array.from([1, 2, 3, 4]))).toThrow(/unsupported canister module format/);
  });
});
