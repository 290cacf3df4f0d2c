import { describe, expect, it } from 'vitest';
import { wat } from '../../test/support/wat.js';
import { Heap } from './_heapmut.js';
import { HOST_MODULE } from './instrument.js';
import { prepareModule } from './prepare.js';

const SRC = `(module
  (memory 1 8)
  (func (export "s8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "s16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "s32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "s64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "s128") (param i32 i32) (v128.store (local.get 0) (i32x4.splat (local.get 1))))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

function rng(seed: number) {
  return () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
}

describe('heap fuzz', () => {
  it('matches a reference model', async () => {
    const prepared = prepareModule(await wat(SRC));
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      const heap = new Heap(prepared.memory!.min, prepared.memory!.max);
      let inst: WebAssembly.Instance;
      const make = () => {
        inst = new WebAssembly.Instance(prepared.compiled, {
          [HOST_MODULE]: { mark_page: heap.markPage, memory_grow: heap.grow, before_write: heap.beforeWrite, before_copy: heap.beforeCopy, memory: heap.memory },
        } as WebAssembly.Imports);
      };
      make();
      let committed = new Uint8Array(65536);
      let cur = committed.slice();
      const E = () => inst.exports as Record<string, (...a: any[]) => any>;
      // addresses biased near 4 KiB and 64 KiB boundaries
      const addr = () => {
        const size = cur.length;
        const k = r() % 4;
        if (k === 0) return r() % size;
        const boundary = (k === 1 ? 4096 : 65536) * (1 + (r() % Math.max(1, size / (k === 1 ? 4096 : 65536))));
        return Math.max(0, boundary - 1 - (r() % 17));
      };
      const log: string[] = [];
      for (let step = 0; step < 200; step++) {
        const op = r() % 12;
        const a = addr();
        const v = r() & 0xff;
        try {
          if (op === 0) { log.push(`s8 ${a}`); E().s8(a, v); cur[a] = v; }
          else if (op === 1) { log.push(`s32 ${a}`); E().s32(a, v * 0x01010101); if (a + 4 <= cur.length) cur.fill(v, a, a + 4); }
          else if (op === 2) { log.push(`s64 ${a}`); E().s64(a, BigInt(v) * 0x0101010101010101n); if (a + 8 <= cur.length) cur.fill(v, a, a + 8); }
          else if (op === 3) { log.push(`s128 ${a}`); E().s128(a, v * 0x01010101); if (a + 16 <= cur.length) cur.fill(v, a, a + 16); }
          else if (op === 4) { const n = r() % 9000; log.push(`fill ${a} ${n}`); E().fill(a, v, n); if (a + n <= cur.length) cur.fill(v, a, a + n); }
          else if (op === 5) { const n = r() % 9000; const s = addr(); log.push(`copy ${a} ${s} ${n}`); E().copy(a, s, n); if (a + n <= cur.length && s + n <= cur.length) cur.copyWithin(a, s, s + n); }
          else if (op === 6) { const d = r() % 2; log.push(`grow ${d}`); const old = E().grow(d); if (old >= 0) { const b = new Uint8Array(cur.length + d * 65536); b.set(cur); cur = b; } }
          else if (op === 7) { const n = r() % 100; log.push(`write ${a} ${n}`); const data = new Uint8Array(n).fill(v); if (heap.inBounds(a, n)) { heap.write(a, data); cur.set(data, a); } }
          else if (op === 8) { log.push('commit'); heap.commit(); committed = cur.slice(); }
          else if (op === 9) { log.push('rollback'); if (heap.rollback()) make(); cur = committed.slice(); }
          else if (op === 10) { if (r() % 4 === 0) { const n = r() % (3 * 65536); log.push(`load ${n}`); const bytes = new Uint8Array(n).fill(v); heap.load(bytes); const size = Math.max(cur.length, Math.ceil(n / 65536) * 65536); cur = new Uint8Array(size); cur.set(bytes); committed = cur.slice(); } else { log.push('begin'); heap.begin(); } }
          else { log.push('s16'); E().s16(a, v * 0x0101); if (a + 2 <= cur.length) cur.fill(v, a, a + 2); }
        } catch (e) {
          if (!/out of bounds/.test(String(e))) throw e;
        }
        const snap = heap.snapshot();
        if (snap.length !== cur.length || !Buffer.from(snap).equals(Buffer.from(cur))) {
          throw new Error(`seed ${seed} step ${step}: mismatch after ${log.slice(-12).join('; ')}`);
        }
      }
    }
  });
});
