/**
 * System API, time and timers group: `time`, `global_timer_set`, `canister_global_timer`, `performance_counter`.
 * Oracle: IC interface spec § Time ("within an invocation of one entry point, the time is constant",
 * monotonic), § Global timer (returns the previous value, 0 deactivates, one-shot: deactivated when its call
 * context is created, deactivated by install/upgrade), § Performance counter (instructions since the start of
 * the message), and PocketIC's clock (`setTime` then a round executes at that time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI64, type Principal } from '../support/canister.js';
import { concat, i64, i64s } from '../support/system-api.js';

const MS = 1_000_000n;
const SECOND = 1_000_000_000n;

// Heap layout: 2000 timer fire count, 2008 time of the last firing, 2016 what global_timer_set returned
// inside the handler.
const TIMERS = `
  (func $a64 (param $at i32) (result i64)
    (call $msg_arg_data_copy (i32.const 0) (local.get $at) (i32.const 8))
    (i64.load (i32.const 0)))
  (func $spin (local $i i32)
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 10000)))))

  ;; time at the start and at the end of a message with some work between
  (func $times
    (i64.store (i32.const 1024) (call $time))
    (call $spin)
    (i64.store (i32.const 1032) (call $time))
    (call $reply_data (i32.const 1024) (i32.const 16)))
  (func (export "canister_update times") (call $times))
  (func (export "canister_query times_q") (call $times))

  (func (export "canister_update timer_set") (call $reply_i64 (call $global_timer_set (call $a64 (i32.const 0)))))
  ;; sets the timer to a, then to b, in one message: replies both previous values
  (func (export "canister_update timer_set_twice")
    (i64.store (i32.const 1024) (call $global_timer_set (call $a64 (i32.const 0))))
    (i64.store (i32.const 1032) (call $global_timer_set (call $a64 (i32.const 8))))
    (call $reply_data (i32.const 1024) (i32.const 16)))
  ;; sets the timer to now + the argument (nanoseconds), replies the deadline
  (func (export "canister_update arm")
    (local $at i64)
    (local.set $at (i64.add (call $time) (call $a64 (i32.const 0))))
    (drop (call $global_timer_set (local.get $at)))
    (call $reply_i64 (local.get $at)))
  ;; sets the timer, then traps: the timer must stay as it was
  (func (export "canister_update arm_then_trap")
    (drop (call $global_timer_set (i64.const 1)))
    (call $trap (i32.const 0) (i32.const 0)))

  (func (export "canister_global_timer")
    (i64.store (i32.const 2000) (i64.add (i64.load (i32.const 2000)) (i64.const 1)))
    (i64.store (i32.const 2008) (call $time))
    (i64.store (i32.const 2016) (call $global_timer_set (i64.const 0))))
  (func (export "canister_query fired") (call $reply_data (i32.const 2000) (i32.const 24)))

  ;; performance_counter(0) before and after some work, then performance_counter(1)
  (func $counters
    (i64.store (i32.const 1024) (call $performance_counter (i32.const 0)))
    (call $spin)
    (i64.store (i32.const 1032) (call $performance_counter (i32.const 0)))
    (i64.store (i32.const 1040) (call $performance_counter (i32.const 1)))
    (call $reply_data (i32.const 1024) (i32.const 24)))
  (func (export "canister_update counters") (call $counters))
  (func (export "canister_query counters_q") (call $counters))
`;
const IMPORTS = ['time', 'global_timer_set', 'performance_counter'];

describe('System API: time and timers', () => {
  let pic: PocketIc;
  let wasm: Uint8Array;
  let id: Principal;
  const update = async (method: string, arg: Uint8Array = new Uint8Array(), canisterId = id) => pic.updateCall({ canisterId, method, arg });
  const query = async (method: string, canisterId = id) => pic.queryCall({ canisterId, method, arg: new Uint8Array() });
  const fired = async (canisterId = id) => {
    const [count, at, previous] = i64s(await query('fired', canisterId));
    return { count: count!, at: at!, previous: previous! };
  };

  beforeAll(async () => {
    pic = await newPic();
    wasm = await canister(TIMERS, IMPORTS);
    id = await install(pic, wasm);
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  describe('time', () => {
    it('is constant within a message, in updates and queries', async () => {
      const [start, end] = i64s(await update('times'));
      expect(end).toBe(start);
      const [qStart, qEnd] = i64s(await query('times_q'));
      expect(qEnd).toBe(qStart);
    });

    it('is the time PocketIC was set to, once a round has run', async () => {
      const target = Math.max(await pic.getTime(), Date.now()) + 86_400_000; // a day ahead, whole milliseconds
      await pic.setTime(target);
      await pic.tick();
      const [t] = i64s(await update('times'));
      expect(t).toBeGreaterThanOrEqual(BigInt(target) * MS);
      expect(t).toBeLessThan(BigInt(target) * MS + MS);
      expect(BigInt(await pic.getTime())).toBe(t! / MS);
      const [q] = i64s(await query('times_q'));
      expect(q).toBeGreaterThanOrEqual(BigInt(target) * MS);
      expect(q).toBeLessThan(BigInt(target) * MS + MS);
    });

    it('never goes backwards between messages', async () => {
      const [a] = i64s(await update('times'));
      await pic.advanceTime(1000);
      await pic.tick();
      const [b] = i64s(await update('times'));
      const [c] = i64s(await update('times'));
      expect(b! - a!).toBeGreaterThanOrEqual(SECOND);
      expect(c).toBeGreaterThanOrEqual(b!);
    });
  });

  describe('global timer', () => {
    it('global_timer_set returns the previous value, 0 when none was set', async () => {
      const t = await install(pic, wasm);
      const near = 3_000_000_000n * SECOND; // year 2065
      const far = 4_000_000_000n * SECOND; // year 2096
      expect(readI64(await update('timer_set', i64(near), t))).toBe(0n);
      expect(readI64(await update('timer_set', i64(far), t))).toBe(near);
      expect(readI64(await update('timer_set', i64(0), t))).toBe(far);
      expect(readI64(await update('timer_set', i64(0), t))).toBe(0n);
    });

    it('global_timer_set returns the value set earlier in the same message', async () => {
      const t = await install(pic, wasm);
      const far = 4_000_000_000n * SECOND;
      expect(i64s(await update('timer_set_twice', concat(i64(far), i64(far + 1n)), t))).toEqual([0n, far]);
      expect(readI64(await update('timer_set', i64(0), t))).toBe(far + 1n);
    });

    it('fires canister_global_timer once, after its time has passed', async () => {
      const t = await install(pic, wasm);
      const deadline = readI64(await update('arm', i64(60n * SECOND), t));
      await pic.tick(2);
      expect((await fired(t)).count).toBe(0n);

      await pic.advanceTime(61_000);
      await pic.tick(2);
      const first = await fired(t);
      expect(first.count).toBe(1n);
      expect(first.at).toBeGreaterThanOrEqual(deadline);
      // The timer was deactivated when it fired: the handler saw no timer set.
      expect(first.previous).toBe(0n);

      await pic.advanceTime(61_000);
      await pic.tick(3);
      expect((await fired(t)).count).toBe(1n);
    });

    it('fires at the next round when set to a time already past', async () => {
      const t = await install(pic, wasm);
      await update('timer_set', i64(1), t);
      await pic.tick(2);
      expect((await fired(t)).count).toBe(1n);
    });

    it('does not fire once set back to 0', async () => {
      const t = await install(pic, wasm);
      await update('arm', i64(SECOND), t);
      expect(readI64(await update('timer_set', i64(0), t))).toBeGreaterThan(0n);
      await pic.advanceTime(2000);
      await pic.tick(3);
      expect((await fired(t)).count).toBe(0n);
    });

    it('is not set by a message that traps', async () => {
      const t = await install(pic, wasm);
      await expect(update('arm_then_trap', new Uint8Array(), t)).rejects.toThrow("Canister called `ic0.trap` with message: ''");
      await pic.tick(3);
      expect((await fired(t)).count).toBe(0n);
      expect(readI64(await update('timer_set', i64(0), t))).toBe(0n);
    });

    it('is deactivated by an upgrade', async () => {
      const t = await install(pic, wasm);
      await update('arm', i64(SECOND), t);
      await pic.upgradeCanister({ canisterId: t, wasm });
      await pic.advanceTime(2000);
      await pic.tick(3);
      expect((await fired(t)).count).toBe(0n);
      expect(readI64(await update('timer_set', i64(0), t))).toBe(0n);
    });
  });

  describe('performance_counter', () => {
    it('counts instructions since the start of the message, increasing within it', async () => {
      for (const counters of [await update('counters'), await query('counters_q')]) {
        const [before, after, callContext] = i64s(counters);
        expect(before).toBeGreaterThanOrEqual(0n);
        expect(after).toBeGreaterThan(before!);
        // The call context counter includes this message's instructions.
        expect(callContext).toBeGreaterThanOrEqual(after!);
      }
    });
  });
});
