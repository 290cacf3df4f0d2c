import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { Heap } from './heap.js';
import { HOST_MODULE } from './instrument.js';
import { prepareModule } from './prepare.js';

/** Stores of every width, bulk operations and growth, each exported so a test can drive them. */
const PROGRAM = `(module
  (memory 1 8)
  (func (export "s8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "s16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func (export "s32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "s64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "s128") (param i32 i32) (v128.store (local.get 0) (i32x4.splat (local.get 1))))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`;

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) & 0x7fffffff;
  };
}

type Exports = Record<string, (...args: never[]) => unknown>;

describe('heap: commit and rollback against a reference model', () => {
  it('always holds exactly the bytes of a plain array driven by the same operations', async () => {
    const prepared = prepareModule(await wat(PROGRAM));
    for (let seed = 1; seed <= 150; seed++) {
      const next = random(seed);
      const heap = new Heap(prepared.memory!.min, prepared.memory!.max);
      let exports!: Exports;
      const instantiate = () => {
        exports = new WebAssembly.Instance(prepared.compiled, {
          [HOST_MODULE]: { memory_grow: heap.grow, before_write: heap.beforeWrite, before_copy: heap.beforeCopy, memory: heap.memory },
        } as WebAssembly.Imports).exports as unknown as Exports;
        (exports.__lineage_instructions as unknown as WebAssembly.Global).value = 1n << 62n;
      };
      const call = (name: string, ...args: unknown[]) => (exports[name] as (...a: unknown[]) => unknown)(...args);
      instantiate();
      // The model: what the canister's memory must hold now, and as of the last commit.
      let committed = new Uint8Array(65536);
      let model = committed.slice();
      // Addresses are biased to the last bytes before 4 KiB and 64 KiB boundaries, where stores spill.
      const address = () => {
        const kind = next() % 4;
        if (kind === 0) return next() % model.length;
        const unit = kind === 1 ? 4096 : 65536;
        return Math.max(0, unit * (1 + (next() % Math.max(1, model.length / unit))) - 1 - (next() % 17));
      };
      const fits = (at: number, n: number) => at + n <= model.length;
      const trail: string[] = [];
      for (let step = 0; step < 200; step++) {
        const op = next() % 12;
        const at = address();
        const v = next() & 0xff;
        try {
          if (op === 0) { trail.push(`s8 ${at}`); call('s8', at, v); model[at] = v; }
          else if (op === 1) { trail.push(`s32 ${at}`); call('s32', at, v * 0x01010101); if (fits(at, 4)) model.fill(v, at, at + 4); }
          else if (op === 2) { trail.push(`s64 ${at}`); call('s64', at, BigInt(v) * 0x0101010101010101n); if (fits(at, 8)) model.fill(v, at, at + 8); }
          else if (op === 3) { trail.push(`s128 ${at}`); call('s128', at, v * 0x01010101); if (fits(at, 16)) model.fill(v, at, at + 16); }
          else if (op === 4) { const n = next() % 9000; trail.push(`fill ${at} ${n}`); call('fill', at, v, n); if (fits(at, n)) model.fill(v, at, at + n); }
          else if (op === 5) {
            const n = next() % 9000;
            const from = address();
            trail.push(`copy ${at} ${from} ${n}`);
            call('copy', at, from, n);
            if (fits(at, n) && fits(from, n)) model.copyWithin(at, from, from + n);
          } else if (op === 6) {
            const pages = next() % 2;
            trail.push(`grow ${pages}`);
            if ((call('grow', pages) as number) >= 0) {
              const bigger = new Uint8Array(model.length + pages * 65536);
              bigger.set(model);
              model = bigger;
            }
          } else if (op === 7) {
            const data = new Uint8Array(next() % 100).fill(v);
            trail.push(`write ${at} ${data.length}`);
            if (heap.inBounds(at, data.length)) { heap.write(at, data); model.set(data, at); }
          } else if (op === 8) { trail.push('commit'); heap.commit(); committed = model.slice(); }
          else if (op === 9) { trail.push('rollback'); if (heap.rollback()) instantiate(); model = committed.slice(); }
          else if (op === 10 && next() % 4 === 0) {
            const bytes = new Uint8Array(next() % (3 * 65536)).fill(v);
            trail.push(`load ${bytes.length}`);
            heap.load(bytes);
            model = new Uint8Array(Math.max(model.length, Math.ceil(bytes.length / 65536) * 65536));
            model.set(bytes);
            committed = model.slice();
          } else if (op === 10) { trail.push('begin'); heap.begin(); }
          else if (op === 11 && next() % 3 === 0) {
            // A long execution's writes, held apart: the memory reads as committed, then gets them back.
            trail.push('set aside');
            const changes = heap.pendingChanges();
            if (heap.rollback()) instantiate();
            if (!Buffer.from(heap.snapshot()).equals(Buffer.from(committed))) expect.fail(`seed ${seed}, step ${step}: set aside, the heap is not as committed`);
            trail.push('reapply');
            heap.reapply(changes);
          }
          else { trail.push(`s16 ${at}`); call('s16', at, v * 0x0101); if (fits(at, 2)) model.fill(v, at, at + 2); }
        } catch (error) {
          if (!/out of bounds/.test(String(error))) throw error;
        }
        const actual = heap.snapshot();
        if (actual.length !== model.length || !Buffer.from(actual).equals(Buffer.from(model))) {
          expect.fail(`seed ${seed}, step ${step}: the heap differs from the model after ${trail.slice(-12).join('; ')}`);
        }
      }
    }
  });

  it('traps on a bulk write whose address the reserved region would wrap past 4 GiB, writing nothing', async () => {
    const prepared = prepareModule(await wat(PROGRAM));
    const heap = new Heap(prepared.memory!.min, prepared.memory!.max);
    const exports = new WebAssembly.Instance(prepared.compiled, {
      [HOST_MODULE]: { memory_grow: heap.grow, before_write: heap.beforeWrite, before_copy: heap.beforeCopy, memory: heap.memory },
    } as WebAssembly.Imports).exports as unknown as Exports;
    (exports.__lineage_instructions as unknown as WebAssembly.Global).value = 1n << 62n;
    const before = heap.snapshot();
    const map = () => new Uint8Array(heap.memory.buffer, 0, 4096).slice();
    const mapBefore = map();
    // Shifted by the 1 MiB region, these addresses would land in the page map, which is in bounds.
    for (const [name, args] of [['fill', [0xffffff00, 7, 16]], ['fill', [0xfff00000, 7, 0]], ['copy', [0xfff00010, 0, 16]], ['copy', [0, 0xfffffff0, 16]]] as const) {
      expect(() => (exports[name] as (...a: number[]) => void)(...args), `${name} ${args.join(' ')}`).toThrow(/out of bounds/);
    }
    expect(Buffer.from(heap.snapshot()).equals(Buffer.from(before))).toBe(true);
    expect(Buffer.from(map()).equals(Buffer.from(mapBefore))).toBe(true);
    expect(heap.dirtyPages).toBe(0);
  });
});
