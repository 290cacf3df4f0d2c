/**
 * Instruction metering and limits (dfinity/ic: `rs/embedders/src/wasm_utils/instrumentation.rs`
 * for the counting, `rs/config/src/subnet_config.rs` for the limits): `performance_counter`
 * returns exact counts, and an execution over its limit traps with the replica's
 * `CanisterInstructionLimitExceeded` error and leaves nothing behind — an update (40 billion), a
 * query (5 billion), an upgrade's hooks (300 billion together).
 *
 * The loops spend their instructions in `memory.fill` of 1 MiB, which the replica charges one
 * instruction per byte: a limit of billions is reached in a few thousand iterations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI32, readI64, type Principal } from '../support/canister.js';

const MiB = 1 << 20;
const FILL = `(memory.fill (i32.const ${MiB}) (i32.const 1) (i32.const ${MiB}))`;

/** Stores a marker, then fills memory for ever; `marker` reads it back. */
const SPIN = `
  (func $spin (loop $l ${FILL} (br $l)))
  (func (export "canister_update spin") (i32.store (i32.const 512) (i32.const 7)) (call $spin))
  (func (export "canister_query qspin") (call $spin))
  (func (export "canister_query marker") (call $reply_i32 (i32.load (i32.const 512))))
  ;; Replies performance_counter(0) read first thing: the entry block's cost (1 + i32.const 1 +
  ;; two calls at 5 each = 12) plus the call's own overhead of 200.
  (func (export "canister_update pc0") (call $reply_i64 (call $performance_counter (i32.const 0))))
  ;; Calls in a row and a call before a return (the counter goes into each call and comes back
  ;; out of it): the entry block (1 + two calls and drops, 12 + i32.const 1 + two calls, 11 = 24),
  ;; $leaf (1 + i32.const 1 = 2) and $ret (1 + call, drop, call, return = 13, and two $leaf, 4),
  ;; then performance_counter's 200: 243.
  (func $leaf (result i32) (i32.const 1))
  (func $ret (result i32) (drop (call $leaf)) (return (call $leaf)))
  (func (export "canister_update calls") (drop (call $leaf)) (drop (call $ret))
    (call $reply_i64 (call $performance_counter (i32.const 0))))
  ;; Through the table: $leaf, then performance_counter itself (an import in a table). The entry
  ;; block: 1 + i32.const + call_indirect (10) + drop + two i32.const + call_indirect (10) + call (5)
  ;; = 30; $leaf 2; performance_counter's 200: 232.
  (type $leafT (func (result i32)))
  (type $pcT (func (param i32) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $leaf $performance_counter)
  (func (export "canister_update indirect")
    (drop (call_indirect (type $leafT) (i32.const 0)))
    (call $reply_i64 (call_indirect (type $pcT) (i32.const 0) (i32.const 1))))
  ;; Two results, a return and a branch to the function's label. $pair(1): its entry block (1 +
  ;; local.get + if (2) = 4) and the then-block (two consts and return = 3), 7; $pair(0): the entry
  ;; block and the block after the if (two consts and br (2) = 4), 8. The export's entry block:
  ;; 1 + twice (i32.const + call (5) + two drops = 8) + i32.const + two calls = 28; with
  ;; performance_counter's 200: 243.
  (func $pair (param $x i32) (result i32 i64)
    (if (local.get $x) (then (return (i32.const 1) (i64.const 2))))
    (i32.const 3) (i64.const 4) (br 0))
  (func (export "canister_update multi")
    (call $pair (i32.const 1)) (drop) (drop)
    (call $pair (i32.const 0)) (drop) (drop)
    (call $reply_i64 (call $performance_counter (i32.const 0))))
  ;; n fills of 1 MiB (n from the argument), then replies performance_counter(1).
  (func (export "canister_update fills") (local $n i32)
    (local.set $n (call $arg_i32))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      ${FILL}
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (call $reply_i64 (call $performance_counter (i32.const 1))))
`;

const MEMORY = { memory: '(memory (export "memory") 40)' };
const spinWasm = () => canister(SPIN, ['performance_counter'], MEMORY);
/** The same canister, with a `canister_post_upgrade` that never ends. */
const spinningUpgradeWasm = () => canister(`${SPIN}\n  (func (export "canister_post_upgrade") (call $spin))`, ['performance_counter'], MEMORY);

const limitError = (id: Principal, limit: string) =>
  `Error from Canister ${id.toText()}: Canister exceeded the limit of ${limit} instructions for single message execution.`;

describe('instruction metering and limits', () => {
  let pic: PocketIc;
  let id: Principal;

  beforeAll(async () => {
    pic = await newPic();
    id = await install(pic, await spinWasm());
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('returns exact instruction counts from performance_counter', async () => {
    expect(readI64(await pic.updateCall({ canisterId: id, method: 'pc0' }))).toBe(212n);
    expect(readI64(await pic.updateCall({ canisterId: id, method: 'calls' }))).toBe(243n);
    expect(readI64(await pic.updateCall({ canisterId: id, method: 'indirect' }))).toBe(232n);
    expect(readI64(await pic.updateCall({ canisterId: id, method: 'multi' }))).toBe(243n);
    const one = readI64(await pic.updateCall({ canisterId: id, method: 'fills', arg: new Uint8Array([1, 0, 0, 0]) }));
    const three = readI64(await pic.updateCall({ canisterId: id, method: 'fills', arg: new Uint8Array([3, 0, 0, 0]) }));
    // Each more fill costs its bytes, its static 100 and the loop's other instructions.
    const perFill = (three - one) / 2n;
    expect(perFill).toBeGreaterThan(BigInt(MiB) + 100n);
    expect(perFill).toBeLessThan(BigInt(MiB) + 150n);
    expect(three).toBe(one + 2n * perFill);
  });

  it('traps an update that loops for ever at 40 billion instructions, and rolls it back', async () => {
    const error = await pic.updateCall({ canisterId: id, method: 'spin' }).then(() => 'replied', (e: Error) => e.message);
    expect(error).toContain(limitError(id, '40000000000'));
    expect(error).toContain('Error code: CanisterInstructionLimitExceeded');
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'marker' }))).toBe(0);
  });

  it('traps a query over 5 billion instructions', async () => {
    const error = await pic.queryCall({ canisterId: id, method: 'qspin' }).then(() => 'replied', (e: Error) => e.message);
    expect(error).toContain(limitError(id, '5000000000'));
  });

  it('fails an upgrade whose hook runs over 300 billion instructions, keeping the old code', async () => {
    // The upgrade runs 2 billion instructions a round (deterministic time slicing) until it reaches
    // its limit: 150 rounds, longer than pic's await_ingress_message waits (100 rounds, as
    // PocketIC). Its error, after the 150th round, is checked in-process (`src/execution/slicing.test`).
    const error = await pic.upgradeCanister({ canisterId: id, wasm: await spinningUpgradeWasm() }).then(() => 'upgraded', (e: Error) => e.message);
    expect(error).toMatch(/Failed to answer to ingress .* after 100 rounds/);
    await pic.tick(60);
    expect(readI64(await pic.updateCall({ canisterId: id, method: 'pc0' }))).toBe(212n);
    expect(readI64(await pic.updateCall({ canisterId: id, method: 'calls' }))).toBe(243n);
  });
});
