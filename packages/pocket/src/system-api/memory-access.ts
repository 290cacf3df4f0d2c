/** Copying between the canister's memory and the System API, with the IC's bounds rules. */
import { traps } from '../errors.js';
import type { ExecutionContext } from './context.js';

/**
 * `*_copy(dst, offset, size)`: copies `data[offset..offset+size]` to the canister's memory at `dst`.
 * Traps if the range is outside `data` or outside the memory (IC spec § Blob-typed arguments).
 */
export function copyToCanister(ctx: ExecutionContext, api: string, data: Uint8Array, dst: number, offset: number, size: number): void {
  dst >>>= 0;
  offset >>>= 0;
  size >>>= 0;
  if (offset + size > data.length) {
    throw traps.toolchain(`${api}: offset ${offset} + size ${size} is out of bounds of the ${data.length} bytes available`);
  }
  if (!ctx.heap.inBounds(dst, size)) {
    throw traps.toolchain(`${api} heap: src=${dst} + length=${size} exceeds the slice size=${ctx.heap.byteLength}`);
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

/** Writes a u128 as 16 little-endian bytes at `dst` (IC spec: `copy_cycles_to_canister`). */
export function writeU128(ctx: ExecutionContext, api: string, dst: number, value: bigint): void {
  const bytes = new Uint8Array(16);
  let v = value;
  for (let k = 0; k < 16; k++) {
    bytes[k] = Number(v & 0xffn);
    v >>= 8n;
  }
  copyToCanister(ctx, api, bytes, dst, 0, 16);
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
