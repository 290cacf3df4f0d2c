/** Stable memory, 64-bit and the legacy 32-bit API (IC interface spec § Stable memory). */
import { traps } from '../errors.js';
import type { ExecutionContext } from './context.js';

const FOUR_GIB_PAGES = 65_536;

function check32(c: ExecutionContext): void {
  if (c.stable.pages > FOUR_GIB_PAGES) throw traps.wasm('32 bit stable memory api used on a memory larger than 4GB');
}

/**
 * Addresses and sizes arrive as unsigned 32-bit numbers or as i64 (a signed BigInt, read as
 * unsigned). They are handled as numbers: a value of 2^53 or more (or a u64 past 2^63, negative
 * here) is far past any memory, and the bounds checks below see it so without rounding mattering.
 */
const num64 = (v: bigint): number => (v < 0n ? Infinity : Number(v));

function write(c: ExecutionContext, offset: number, src: number, size: number): void {
  if (src + size > c.heap.byteLength) throw traps.wasm('heap out of bounds');
  if (!c.stable.inBoundsAt(offset, size)) throw traps.wasm('stable memory out of bounds');
  c.stable.writeAt(offset, c.heap.physical, c.heap.physicalOffset(src), size);
}

function read(c: ExecutionContext, dst: number, offset: number, size: number): void {
  if (dst + size > c.heap.byteLength) throw traps.wasm('heap out of bounds');
  if (!c.stable.inBoundsAt(offset, size)) throw traps.wasm('stable memory out of bounds');
  c.heap.beforeWrite(dst, size);
  c.stable.readInto(offset, c.heap.physical, c.heap.physicalOffset(dst), size);
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);

export function stableImports(ctx: () => ExecutionContext) {
  return {
    stable_size: () => {
      const c = ctx();
      check32(c);
      return c.stable.pages;
    },
    stable_grow: (delta: number) => {
      const c = ctx();
      check32(c);
      return Number(c.stable.grow(BigInt(delta >>> 0), FOUR_GIB_PAGES));
    },
    stable_write: (offset: number, src: number, size: number) => {
      const c = ctx();
      check32(c);
      write(c, offset >>> 0, src >>> 0, size >>> 0);
    },
    stable_read: (dst: number, offset: number, size: number) => {
      const c = ctx();
      check32(c);
      read(c, dst >>> 0, offset >>> 0, size >>> 0);
    },
    stable64_size: () => BigInt(ctx().stable.pages),
    stable64_grow: (delta: bigint) => ctx().stable.grow(u64(delta)),
    stable64_write: (offset: bigint, src: bigint, size: bigint) => write(ctx(), num64(offset), num64(src), num64(size)),
    stable64_read: (dst: bigint, offset: bigint, size: bigint) => read(ctx(), num64(dst), num64(offset), num64(size)),
  };
}
