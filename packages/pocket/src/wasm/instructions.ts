/**
 * Walks Wasm instructions, skipping immediates, so a function body can be rewritten without
 * decoding it into a tree. Covers MVP, sign extension, saturating truncation, bulk memory,
 * reference types, multi-value, tail calls, exceptions and SIMD; threads and GC are not allowed
 * in canisters and are rejected.
 */
import { ByteReader, WasmFormatError } from './bytes.js';

export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, try: 0x06, tryTable: 0x1f,
  call: 0x10, returnCall: 0x12, refFunc: 0xd2,
  memoryGrow: 0x40, prefixFC: 0xfc, prefixSIMD: 0xfd,
} as const;

/** Store opcodes and the value type they consume. */
export const STORES: ReadonlyMap<number, 'i32' | 'i64' | 'f32' | 'f64'> = new Map([
  [0x36, 'i32'], [0x37, 'i64'], [0x38, 'f32'], [0x39, 'f64'], [0x3a, 'i32'], [0x3b, 'i32'],
  [0x3c, 'i64'], [0x3d, 'i64'], [0x3e, 'i64'],
]);

export const FC = { memoryInit: 8, dataDrop: 9, memoryCopy: 10, memoryFill: 11 } as const;
export const MEMORY_SIZE = 0x3f;
export const SIMD_STORE = 11;
export const SIMD_STORE_LANES = new Set([88, 89, 90, 91]);

export interface MemArg {
  align: number;
  memoryIndex: number;
  offset: number;
}

export function readMemArg(r: ByteReader): MemArg {
  let align = r.u32();
  let memoryIndex = 0;
  if (align & 0x40) {
    align &= ~0x40;
    memoryIndex = r.u32();
  }
  // A 64-bit memory's offsets are u64 (memory64); a 32-bit one's are validated by the engine.
  return { align, memoryIndex, offset: r.u64() };
}

export function readBlockType(r: ByteReader): void {
  const b = r.bytes[r.pos];
  if (b === 0x40 || b === 0x7f || b === 0x7e || b === 0x7d || b === 0x7c || b === 0x7b || b === 0x70 || b === 0x6f) {
    r.pos++;
    return;
  }
  r.sleb(5); // s33 type index
}

/** Skips the immediates of a non-prefixed opcode that `rewrite` does not treat specially. */
export function skipImmediates(r: ByteReader, op: number): void {
  if (op >= 0x28 && op <= 0x3e) { readMemArg(r); return; }
  if (op >= 0x45 && op <= 0xc4) return;
  switch (op) {
    case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x1a: case 0x1b: case 0x19: case 0x0a:
    case 0xd1: case 0xd3: case 0xd5:
      return;
    case 0x02: case 0x03: case 0x04: case 0x06:
      readBlockType(r); return;
    case 0x07: case 0x08: case 0x09: case 0x18:
    case 0x0c: case 0x0d: case 0xd4: case 0xd6:
    case 0x14: case 0x15:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
    case 0x10: case 0x12: case 0xd2:
      r.u32(); return;
    case 0x0e: {
      for (let n = r.u32(); n > 0; n--) r.u32();
      r.u32();
      return;
    }
    case 0x11: case 0x13: r.u32(); r.u32(); return;
    case 0x1c: { for (let n = r.u32(); n > 0; n--) r.byte(); return; }
    case 0x1f: {
      readBlockType(r);
      for (let n = r.u32(); n > 0; n--) {
        const kind = r.byte();
        if (kind === 0 || kind === 1) r.u32();
        r.u32();
      }
      return;
    }
    case 0x3f: case 0x40: r.u32(); return;
    case 0x41: r.skipLeb(5); return;
    case 0x42: r.skipLeb(10); return;
    case 0x43: r.take(4); return;
    case 0x44: r.take(8); return;
    case 0xd0: r.sleb(5); return;
    case 0xfe: throw new WasmFormatError('atomic (threads) instructions are not allowed in canister modules');
    case 0xfb: throw new WasmFormatError('GC instructions are not supported');
    default: throw new WasmFormatError(`unknown opcode 0x${op.toString(16)}`);
  }
}

export function skipFCImmediates(r: ByteReader, sub: number): void {
  if (sub <= 7) return;
  switch (sub) {
    case 8: r.u32(); r.u32(); return; // memory.init dataidx memidx
    case 9: r.u32(); return;
    case 10: r.u32(); r.u32(); return;
    case 11: r.u32(); return;
    case 12: r.u32(); r.u32(); return; // table.init elemidx tableidx
    case 13: r.u32(); return;
    case 14: r.u32(); r.u32(); return;
    case 15: case 16: case 17: r.u32(); return;
    default: throw new WasmFormatError(`unknown 0xfc instruction ${sub}`);
  }
}

/** SIMD sub-opcodes whose immediate starts with a memarg. */
export function simdHasMemArg(sub: number): boolean {
  return sub <= 11 || sub === 92 || sub === 93 || (sub >= 84 && sub <= 91);
}

export function skipSIMDImmediates(r: ByteReader, sub: number): void {
  if (sub <= 11 || sub === 92 || sub === 93) { readMemArg(r); return; }
  if (sub === 12 || sub === 13) { r.take(16); return; }
  if (sub >= 21 && sub <= 34) { r.byte(); return; }
  if (sub >= 84 && sub <= 91) { readMemArg(r); r.byte(); return; }
  // Every other SIMD (and relaxed SIMD) instruction has no immediates.
}

/**
 * Reads one instruction and skips its immediates: its opcode and, for a 0xfc- or 0xfd-prefixed
 * one, its sub-opcode (else -1).
 * @example const { op, sub } = readOperator(body) // op 0xfc, sub 11: memory.fill
 */
export function readOperator(r: ByteReader): { op: number; sub: number } {
  const op = r.byte();
  if (op === OP.prefixFC) {
    const sub = r.u32();
    skipFCImmediates(r, sub);
    return { op, sub };
  }
  if (op === OP.prefixSIMD) {
    const sub = r.u32();
    skipSIMDImmediates(r, sub);
    return { op, sub };
  }
  if (op === OP.block || op === OP.loop || op === OP.if || op === OP.try) readBlockType(r);
  else skipImmediates(r, op);
  return { op, sub: -1 };
}
