/** Copying between the canister's memory and the System API, with the IC's bounds rules. */
import { traps } from '../errors.js';
import type { ExecutionContext } from './context.js';

/**
 * `*_copy(dst, offset, size)`: copies `data[offset..offset+size]` to the canister's memory at `dst`.
 * Traps if the range is outside the memory or outside `data` (IC spec § Blob-typed arguments),
 * checked in that order and worded as the replica words them; `label` names `data` in the
 * message (`payload`, `id`, `msg`…).
 */
export function copyToCanister(ctx: ExecutionContext, api: string, label: string, data: Uint8Array, dst: number, offset: number, size: number): void {
  dst >>>= 0;
  offset >>>= 0;
  size >>>= 0;
  if (!ctx.heap.inBounds(dst, size)) {
    throw traps.toolchain(`${api} heap: src=${dst} + length=${size} exceeds the slice size=${ctx.heap.byteLength}`);
  }
  if (offset + size > data.length) {
    throw traps.toolchain(`${api} ${label}: src=${offset} + length=${size} exceeds the slice size=${data.length}`);
  }
  ctx.heap.write(dst, data.subarray(offset, offset + size));
}

/** Reads `size` bytes at `src` of the canister's memory, trapping when out of bounds. */
export function readFromCanister(ctx: ExecutionContext, api: string, src: number, size: number): Uint8Array {
  src >>>= 0;
  size >>>= 0;
  if (!ctx.heap.inBounds(src, size)) {
    throw traps.toolchain(`${api}: src=${src} + length=${size} exceeds the slice size=${ctx.heap.byteLength}`);
  }
  return ctx.heap.read(src, size);
}

/**
 * Writes a u128 as 16 little-endian bytes at `dst` (IC spec: `copy_cycles_to_canister`). `api` is
 * the replica's underscore name (`ic0_canister_cycle_balance128`), which its bounds error uses.
 */
export function writeU128(ctx: ExecutionContext, api: string, dst: number, value: bigint): void {
  dst >>>= 0;
  if (!ctx.heap.inBounds(dst, 16)) {
    // Sic: the replica's message has no space before "Found".
    throw traps.toolchain(`${api} failed because dst + size is out of bounds.Found dst = ${dst} and size = 16 while must be <= ${ctx.heap.byteLength}`);
  }
  const bytes = new Uint8Array(16);
  let v = value;
  for (let k = 0; k < 16; k++) {
    bytes[k] = Number(v & 0xffn);
    v >>= 8n;
  }
  ctx.heap.write(dst, bytes);
}

export function u128(high: bigint, low: bigint): bigint {
  return (BigInt.asUintN(64, high) << 64n) | BigInt.asUintN(64, low);
}

export const utf8 = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });
const lossyDecoder = new TextDecoder('utf-8');

export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function decodeLossy(bytes: Uint8Array): string {
  return lossyDecoder.decode(bytes);
}
