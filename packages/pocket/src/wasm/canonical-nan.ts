/**
 * NaN canonicalization, as the replica's engine does it: wasmtime runs canisters with
 * `cranelift_nan_canonicalization`, so every floating-point operation whose result is a NaN gives
 * the canonical quiet NaN (f32 0x7fc00000, f64 0x7ff8000000000000) instead of whatever the CPU
 * makes of it (x86 gives 0xfff8000000000000 for 0/0 and passes an operand's payload on). The Wasm
 * spec leaves these bits open; the IC fixes them so that every replica computes the same state.
 *
 * Arithmetic, rounding, square root, min/max, promotion and demotion are canonicalized, scalar
 * and SIMD; `abs`, `neg`, `copysign`, `pmin`/`pmax`, loads, stores, constants and reinterpretations
 * move bits unchanged and are left alone (cranelift's pass treats them the same way). The inserted
 * code is not metered: the replica counts the instructions of the module, not of its compiled code.
 */
import type { ByteWriter } from './bytes.js';

type Lanes = 'f32' | 'f64';

/** Scalar opcodes whose result is canonicalized, and the result's type. */
export const SCALAR_CANONICALIZED: ReadonlyMap<number, Lanes> = new Map([
  // f32.ceil … f32.max
  ...[0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97].map((op) => [op, 'f32'] as const),
  // f64.ceil … f64.max
  ...[0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5].map((op) => [op, 'f64'] as const),
  [0xb6, 'f32'], // f32.demote_f64
  [0xbb, 'f64'], // f64.promote_f32
]);

/** SIMD (0xfd-prefixed) opcodes whose lanes are canonicalized, and the lanes' type. */
export const SIMD_CANONICALIZED: ReadonlyMap<number, Lanes> = new Map([
  // f32x4.demote_f64x2_zero, ceil, floor, trunc, nearest, sqrt, add, sub, mul, div, min, max
  ...[94, 103, 104, 105, 106, 227, 228, 229, 230, 231, 232, 233].map((op) => [op, 'f32'] as const),
  // f64x2.promote_low_f32x4, ceil, floor, trunc, nearest, sqrt, add, sub, mul, div, min, max
  ...[95, 116, 117, 122, 148, 239, 240, 241, 242, 243, 244, 245].map((op) => [op, 'f64'] as const),
]);

const CANONICAL_F32 = [0x00, 0x00, 0xc0, 0x7f];
const CANONICAL_F64 = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x7f];

/**
 * Emits, after a scalar operation whose result is on the stack, the code that replaces a NaN
 * result by the canonical one, using `temp` (a local of the result's type).
 * @example emitScalarCanonicalNan(body, 'f64', temp.f64) // after an f64.div
 */
export function emitScalarCanonicalNan(body: ByteWriter, type: Lanes, temp: number): void {
  body.byte(0x21).u32(temp); // local.set
  if (type === 'f32') body.byte(0x43).bytes(CANONICAL_F32);
  else body.byte(0x44).bytes(CANONICAL_F64);
  body.byte(0x20).u32(temp).byte(0x20).u32(temp).byte(0x20).u32(temp);
  body.byte(type === 'f32' ? 0x5c : 0x62); // f32.ne / f64.ne: a NaN is not equal to itself
  body.byte(0x1b); // select: the canonical NaN where the result is a NaN
}

/**
 * Emits, after a SIMD operation whose result is on the stack, the code that replaces each NaN
 * lane by the canonical NaN, using `temp` (a v128 local).
 * @example emitVectorCanonicalNan(body, 'f32', temp.v128) // after an f32x4.add
 */
export function emitVectorCanonicalNan(body: ByteWriter, lanes: Lanes, temp: number): void {
  const canonical = lanes === 'f32' ? CANONICAL_F32 : CANONICAL_F64;
  body.byte(0x21).u32(temp).byte(0x20).u32(temp);
  body.byte(0xfd).u32(12); // v128.const, the canonical NaN in every lane
  for (let lane = 0; lane < 16 / canonical.length; lane++) body.bytes(canonical);
  body.byte(0x20).u32(temp).byte(0x20).u32(temp);
  body.byte(0xfd).u32(lanes === 'f32' ? 65 : 71); // f32x4.eq / f64x2.eq: all ones where not a NaN
  body.byte(0xfd).u32(82); // v128.bitselect: the result where not a NaN, else the canonical NaN
}
