/** Stable memory, 64-bit and the legacy 32-bit API (IC interface spec § Stable memory). */
import { traps } from '../errors.js';
import type { ExecutionContext } from './context.js';

const FOUR_GIB_PAGES = 65_536;

function check32(c: ExecutionContext): void {
  if (c.stable.pages > FOUR_GIB_PAGES) throw traps.wasm('32 bit stable memory api used on a memory larger than 4GB');
}

function write(c: ExecutionContext, offset: bigint, src: bigint, size: bigint): void {
  if (src + size > BigInt(c.heap.byteLength)) throw traps.wasm('heap out of bounds');
  if (!c.stable.inBounds(offset, size)) throw traps.wasm('stable memory out of bounds');
  c.stable.write(offset, c.heap.subarray(Number(src), Number(size)));
}

function read(c: ExecutionContext, dst: bigint, offset: bigint, size: bigint): void {
  if (dst + size > BigInt(c.heap.byteLength)) throw traps.wasm('heap out of bounds');
  if (!c.stable.inBounds(offset, size)) throw traps.wasm('stable memory out of bounds');
  c.heap.write(Number(dst), c.stable.read(offset, Number(size)));
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const u32 = (v: number) => BigInt(v >>> 0);

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
      write(c, u32(offset), u32(src), u32(size));
    },
    stable_read: (dst: number, offset: number, size: number) => {
      const c = ctx();
      check32(c);
      read(c, u32(dst), u32(offset), u32(size));
    },
    stable64_size: () => BigInt(ctx().stable.pages),
    stable64_grow: (delta: bigint) => ctx().stable.grow(u64(delta)),
    stable64_write: (offset: bigint, src: bigint, size: bigint) => write(ctx(), u64(offset), u64(src), u64(size)),
    stable64_read: (dst: bigint, offset: bigint, size: bigint) => read(ctx(), u64(dst), u64(offset), u64(size)),
  };
}
