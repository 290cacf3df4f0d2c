/**
 * Floating-point NaNs as the IC computes them: the replica's wasmtime runs with
 * `cranelift_nan_canonicalization`, so an arithmetic result that is a NaN is the canonical quiet
 * NaN (f32 0x7fc00000, f64 0x7ff8000000000000), whatever the CPU makes of it (x86: 0xfff8… for
 * 0/0, an operand's payload otherwise). Bit moves (`neg`, `abs`, `copysign`, loads, stores,
 * reinterpretations) keep their bits. The operands come from memory, so no engine folds them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';
import type { Principal } from '@icp-sdk/core/principal';

import { canister, install, newPic } from '../support/canister.js';

// Memory at 400 holds zeros; 408 a signalling f64 NaN with a payload, 416 a signalling f32 NaN.
const SETUP = `
  (func (export "canister_init")
    (i64.store (i32.const 408) (i64.const 0x7ff4000000000001))
    (i32.store (i32.const 416) (i32.const 0x7fa00001)))`;
const METHODS: Record<string, string> = {
  f64_zero_by_zero: '(call $reply_i64 (i64.reinterpret_f64 (f64.div (f64.load (i32.const 400)) (f64.load (i32.const 400)))))',
  f64_payload_plus_one: '(call $reply_i64 (i64.reinterpret_f64 (f64.add (f64.load (i32.const 408)) (f64.const 1))))',
  f64_min: '(call $reply_i64 (i64.reinterpret_f64 (f64.min (f64.load (i32.const 408)) (f64.const 1))))',
  f64_sqrt_minus_one: '(call $reply_i64 (i64.reinterpret_f64 (f64.sqrt (f64.sub (f64.load (i32.const 400)) (f64.const 1)))))',
  f64_promote: '(call $reply_i64 (i64.reinterpret_f64 (f64.promote_f32 (f32.load (i32.const 416)))))',
  f64_neg: '(call $reply_i64 (i64.reinterpret_f64 (f64.neg (f64.load (i32.const 408)))))',
  f32_zero_by_zero: '(call $reply_i32 (i32.reinterpret_f32 (f32.div (f32.load (i32.const 400)) (f32.load (i32.const 400)))))',
  f32_demote: '(call $reply_i32 (i32.reinterpret_f32 (f32.demote_f64 (f64.load (i32.const 408)))))',
  f32_ceil: '(call $reply_i32 (i32.reinterpret_f32 (f32.ceil (f32.load (i32.const 416)))))',
  f32_abs: '(call $reply_i32 (i32.reinterpret_f32 (f32.abs (f32.load (i32.const 416)))))',
  f64x2_zero_by_zero_lane_1: '(call $reply_i64 (i64x2.extract_lane 1 (f64x2.div (v128.load (i32.const 400)) (v128.load (i32.const 400)))))',
  f32x4_payload_plus_one_lane_0: '(call $reply_i32 (i32x4.extract_lane 0 (f32x4.add (v128.load (i32.const 416)) (v128.load (i32.const 400)))))',
  // f32.add and f32.copysign both cost 2 (the replica's cost table); only the add is canonicalized.
  count_add: '(drop (f32.add (f32.load (i32.const 416)) (f32.load (i32.const 400)))) (call $reply_i64 (call $performance_counter (i32.const 0)))',
  count_copysign: '(drop (f32.copysign (f32.load (i32.const 416)) (f32.load (i32.const 400)))) (call $reply_i64 (call $performance_counter (i32.const 0)))',
};

describe('NaN results', () => {
  let pic: PocketIc;
  let id: Principal;
  beforeAll(async () => {
    pic = await newPic();
    const body = SETUP + Object.entries(METHODS).map(([name, code]) => `\n  (func (export "canister_update ${name}") ${code})`).join('');
    id = await install(pic, await canister(body, ['performance_counter']));
  });
  afterAll(async () => { await pic?.tearDown(); });

  const bits = async (method: string) => {
    const reply = await pic.updateCall({ canisterId: id, method, arg: new Uint8Array() });
    return Buffer.from(reply).reverse().toString('hex'); // little-endian bytes, read as a number
  };

  it('are the canonical NaN for arithmetic, rounding, min/max, square root and conversions', async () => {
    expect(await bits('f64_zero_by_zero')).toBe('7ff8000000000000');
    expect(await bits('f64_payload_plus_one')).toBe('7ff8000000000000');
    expect(await bits('f64_min')).toBe('7ff8000000000000');
    expect(await bits('f64_sqrt_minus_one')).toBe('7ff8000000000000');
    expect(await bits('f64_promote')).toBe('7ff8000000000000');
    expect(await bits('f32_zero_by_zero')).toBe('7fc00000');
    expect(await bits('f32_demote')).toBe('7fc00000');
    expect(await bits('f32_ceil')).toBe('7fc00000');
  });

  it('are canonical in every SIMD lane', async () => {
    expect(await bits('f64x2_zero_by_zero_lane_1')).toBe('7ff8000000000000');
    expect(await bits('f32x4_payload_plus_one_lane_0')).toBe('7fc00000');
  });

  it('cost no instructions to canonicalize (the replica counts the module, not its compiled code)', async () => {
    expect(await bits('count_add')).toBe(await bits('count_copysign'));
  });

  it('keep their bits through neg and abs, which move bits', async () => {
    expect(await bits('f64_neg')).toBe('fff4000000000001');
    expect(await bits('f32_abs')).toBe('7fa00001');
  });
});
