/**
 * Cycles charged over time for the resources a canister holds, and the freezing threshold.
 * Oracle: IC interface spec § Cycles ("canisters are charged for … storage"; the freezing threshold
 * "the canister will be frozen … when its balance would drop below it"; § IC method canister_status:
 * `idle_cycles_burned_per_day`), and the replica: the scheduler charges every canister for its
 * memory and compute allocation once 10 s (`duration_between_allocation_charges`) have passed since
 * the last charge, for the whole elapsed time, and uninstalls a canister that cannot pay, burning
 * its balance; the ingress filter refuses a message the canister cannot pay without falling below
 * its freezing threshold (`CanisterOutOfCycles`). A `Free` cost schedule charges nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CanisterCyclesCostSchedule, SubnetStateType, type PocketIc } from '@dfinity/pic';
import { PocketIc as Pic } from '@dfinity/pic';
import { inject } from 'vitest';

import { canister, newPic, readI32, u32, type Principal } from '../support/canister.js';
import { failure } from '../support/system-api.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// A canister with 4 pages of memory and 16 pages of stable memory, so its memory is not trivial.
const SOURCE = canister(`
  (func (export "canister_init") (drop (call $stable64_grow (i64.const 16))))
  (func (export "canister_update echo") (call $reply_i32 (call $arg_i32)))
  (func (export "canister_query peek") (call $reply_i32 (call $arg_i32)))
`, ['stable64_grow'], { memory: '(memory (export "memory") 4)' });

describe('idle resource burn', () => {
  let pic: PocketIc | undefined;
  afterEach(async () => { await pic?.tearDown(); pic = undefined; });

  async function setup(p: PocketIc, cycles: bigint, freezingThreshold?: bigint) {
    const canisterId = await p.createCanister({ cycles, ...(freezingThreshold === undefined ? {} : { freezingThreshold }) });
    await p.installCode({ canisterId, wasm: await SOURCE });
    return canisterId;
  }

  it('charges the idle burn rate canister_status reports, over the time elapsed', async () => {
    pic = await newPic();
    const id = await setup(pic, 10n ** 13n);
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    expect(perDay).toBeGreaterThan(0n);
    const before = await pic.getCyclesBalance(id);
    await pic.advanceTime(DAY_MS);
    await pic.tick();
    const burnt = BigInt(before) - BigInt(await pic.getCyclesBalance(id));
    // One day and the few nanoseconds of the rounds in between.
    expect(burnt).toBeGreaterThanOrEqual(perDay);
    expect(burnt).toBeLessThanOrEqual(perDay + perDay / 1000n);
  });

  it('charges a memory allocation larger than the memory used, at 127,000 cycles per GiB per second', async () => {
    pic = await newPic();
    const id = await setup(pic, 10n ** 14n);
    await pic.updateCanisterSettings({ canisterId: id, memoryAllocation: 2n ** 30n });
    const before = BigInt(await pic.getCyclesBalance(id));
    await pic.advanceTime(DAY_MS);
    await pic.tick();
    const burnt = before - BigInt(await pic.getCyclesBalance(id));
    // The fee table's storage price on a 13-node subnet, for 1 GiB over one day.
    const perDay = 127_000n * 86_400n;
    expect(burnt).toBeGreaterThanOrEqual(perDay);
    expect(burnt).toBeLessThanOrEqual(perDay + perDay / 1000n);
  });

  it('charges nothing until 10 s have passed since the last charge', async () => {
    pic = await newPic();
    const id = await setup(pic, 10n ** 13n);
    await pic.advanceTime(DAY_MS);
    await pic.tick();
    const before = await pic.getCyclesBalance(id);
    await pic.advanceTime(9_000);
    await pic.tick();
    expect(await pic.getCyclesBalance(id)).toBe(before);
    await pic.advanceTime(2_000);
    await pic.tick();
    expect(await pic.getCyclesBalance(id)).toBeLessThan(before);
  });

  it('burns nothing under the Free cost schedule', async () => {
    pic = await Pic.create(inject('PIC_URL'), {
      application: [{ state: { type: SubnetStateType.New }, costSchedule: CanisterCyclesCostSchedule.Free }],
    });
    const id = await setup(pic, 10n ** 13n);
    const before = await pic.getCyclesBalance(id);
    await pic.advanceTime(30 * DAY_MS);
    await pic.tick(3);
    expect(await pic.getCyclesBalance(id)).toBe(before);
    expect((await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay).toBe(0n);
  });

  it('uninstalls a canister that cannot pay, burning its balance', async () => {
    pic = await newPic();
    const id = await setup(pic, 10n ** 12n, 0n);
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    const balance = BigInt(await pic.getCyclesBalance(id));
    const days = Number(balance / perDay) + 1;
    await pic.advanceTime(days * DAY_MS);
    await pic.tick();
    expect(BigInt(await pic.getCyclesBalance(id))).toBe(0n);
    // canister_status by ingress is paid for by the canister it is about, which cannot pay now.
    expect(await failure(pic.canisterStatus({ canisterId: id }))).toMatch(/is out of cycles/);
    await pic.addCycles(id, 10n ** 12n);
    expect((await pic.canisterStatus({ canisterId: id })).moduleHash).toBeNull();
    expect(await failure(pic.updateCall({ canisterId: id, method: 'echo', arg: u32(1) }))).toMatch(/no wasm module|CanisterWasmModuleNotFound/i);
  });

  it('keeps a canister that can pay installed', async () => {
    pic = await newPic();
    const id = await setup(pic, 10n ** 12n, 0n);
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    const balance = BigInt(await pic.getCyclesBalance(id));
    // Left with a day's burn and what an update reserves before it runs: the base fee and the
    // instructions of its whole 40-billion limit at 1 cycle each (the replica's prepayment).
    const reserved = 5_000_000n + 40_000_000_000n;
    const days = Number((balance - reserved) / perDay) - 1;
    await pic.advanceTime(days * DAY_MS);
    await pic.tick();
    expect((await pic.canisterStatus({ canisterId: id })).moduleHash).not.toBeNull();
    expect(readI32(await pic.updateCall({ canisterId: id, method: 'echo', arg: u32(7) }))).toBe(7);
  });
});

// Counts its global timer's and its heartbeat's runs (at 300 and 304); `arm` sets the timer 60 s on.
const TASKS = canister(`
  (func (export "canister_update arm")
    (drop (call $global_timer_set (i64.add (call $time) (i64.const 60000000000))))
    (call $reply_empty))
  (func (export "canister_global_timer") (i32.store (i32.const 300) (i32.add (i32.load (i32.const 300)) (i32.const 1))))
  (func (export "canister_heartbeat") (i32.store (i32.const 304) (i32.add (i32.load (i32.const 304)) (i32.const 1))))
  (func (export "canister_query counts") (call $reply_data (i32.const 300) (i32.const 8)))
`, ['global_timer_set', 'time']);

describe('freezing threshold', () => {
  let pic: PocketIc | undefined;
  afterEach(async () => { await pic?.tearDown(); pic = undefined; });

  /** A threshold worth twice the canister's balance: it is frozen. Returns the balance. */
  async function freeze(p: PocketIc, id: Principal): Promise<bigint> {
    const perDay = (await p.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    const balance = BigInt(await p.getCyclesBalance(id));
    await p.updateCanisterSettings({ canisterId: id, freezingThreshold: ((balance * 2n) / perDay) * 86_400n });
    return balance;
  }

  it('refuses ingress to a canister below its freezing threshold, and accepts it again after a top-up', async () => {
    pic = await newPic();
    const id = await pic.createCanister({ cycles: 10n ** 12n });
    await pic.installCode({ canisterId: id, wasm: await SOURCE });
    const perDay = (await pic.canisterStatus({ canisterId: id })).idleCyclesBurnedPerDay;
    // A threshold worth far more than the balance: the canister is frozen.
    const balance = BigInt(await pic.getCyclesBalance(id));
    const seconds = ((balance * 2n) / perDay) * 86_400n;
    await pic.updateCanisterSettings({ canisterId: id, freezingThreshold: seconds });
    const error = await failure(pic.updateCall({ canisterId: id, method: 'echo', arg: u32(1) }));
    expect(error).toMatch(/is out of cycles/);
    expect(BigInt(await pic.getCyclesBalance(id))).toBe(balance);
    await pic.addCycles(id, balance * 2n);
    expect(readI32(await pic.updateCall({ canisterId: id, method: 'echo', arg: u32(5) }))).toBe(5);
  });

  it('runs no timer or heartbeat of a frozen canister; its timer stays armed and fires after a top-up', async () => {
    // Replica: a task, like a call, first prepays its execution (the base fee and its whole
    // instruction limit) above the freezing threshold (`prepay_execution_cycles` in
    // `execute_call_or_task`); when it cannot, nothing runs, and the global timer, deactivated
    // only once the task's call context exists, stays set.
    pic = await newPic();
    const id = await pic.createCanister({ cycles: 10n ** 12n });
    await pic.installCode({ canisterId: id, wasm: await TASKS });
    await pic.updateCall({ canisterId: id, method: 'arm' });
    await pic.tick(2);
    const counts = async () => {
      const bytes = new Uint8Array(await pic!.queryCall({ canisterId: id, method: 'counts' }));
      return { timer: readI32(bytes.subarray(0, 4)), heartbeats: readI32(bytes.subarray(4, 8)) };
    };
    const before = await counts();
    expect(before.timer).toBe(0);
    expect(before.heartbeats).toBeGreaterThan(0);

    const balance = await freeze(pic, id);
    const frozen = await counts();
    await pic.advanceTime(61_000);
    await pic.tick(5);
    expect(await counts()).toEqual(frozen);

    await pic.addCycles(id, balance * 2n);
    await pic.tick(2);
    const after = await counts();
    expect(after.timer).toBe(1);
    expect(after.heartbeats).toBeGreaterThan(frozen.heartbeats);
  });
});
