import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI64, type Principal } from '../support/canister.js';

// A counter kept in three places a trap must roll back: the heap, stable memory and certified data.
const COUNTER = `
  (global $calls (mut i64) (i64.const 0))
  (func $bump
    (i64.store (i32.const 1024) (i64.add (i64.load (i32.const 1024)) (i64.const 1)))
    (global.set $calls (i64.add (global.get $calls) (i64.const 1)))
    (if (i64.eqz (call $stable64_size)) (then (drop (call $stable64_grow (i64.const 1)))))
    (i64.store (i32.const 16) (i64.load (i32.const 1024)))
    (call $stable64_write (i64.const 0) (i64.const 16) (i64.const 8))
    (call $certified_data_set (i32.const 1024) (i32.const 8)))
  (func (export "canister_update bump") (call $bump) (call $reply_i64 (i64.load (i32.const 1024))))
  (func (export "canister_update bump_then_trap")
    (call $bump)
    (drop (memory.grow (i32.const 2)))
    (call $trap (i32.const 2048) (i32.const 4)))
  (func (export "canister_query heap") (call $reply_i64 (i64.load (i32.const 1024))))
  (func (export "canister_query global") (call $reply_i64 (global.get $calls)))
  (func (export "canister_query pages") (call $reply_i64 (i64.extend_i32_u (memory.size))))
  (func (export "canister_query stable")
    (call $stable64_read (i64.const 32) (i64.const 0) (i64.const 8))
    (call $reply_i64 (i64.load (i32.const 32))))
  (func (export "canister_query bump_in_query") (call $bump) (call $reply_i64 (i64.load (i32.const 1024))))
  (data (i32.const 2048) "boom")
`;
const IMPORTS = ['stable64_size', 'stable64_grow', 'stable64_write', 'stable64_read', 'certified_data_set'];

describe('atomic execution', () => {
  let pic: PocketIc;
  let id: Principal;
  const call = async (method: string) => readI64(await pic.updateCall({ canisterId: id, method, arg: new Uint8Array() }));
  const query = async (method: string) => readI64(await pic.queryCall({ canisterId: id, method, arg: new Uint8Array() }));

  beforeAll(async () => {
    pic = await newPic();
    id = await install(pic, await canister(COUNTER, IMPORTS));
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('keeps the effects of a message that returns', async () => {
    expect(await call('bump')).toBe(1n);
    expect(await call('bump')).toBe(2n);
    expect(await query('stable')).toBe(2n);
    expect(await query('global')).toBe(2n);
  });

  it('rolls back heap, globals, stable memory and memory growth when a message traps', async () => {
    const pages = await query('pages');
    await expect(call('bump_then_trap')).rejects.toThrow(/Canister called `ic0.trap` with message: '?boom/);
    expect(await query('heap')).toBe(2n);
    expect(await query('global')).toBe(2n);
    expect(await query('stable')).toBe(2n);
    expect(await query('pages')).toBe(pages);
    expect(await call('bump')).toBe(3n);
  });

  it('never keeps what a query changed', async () => {
    expect(await query('bump_in_query').catch((e: Error) => e.message)).toMatch(/certified_data_set|3/);
    expect(await query('heap')).toBe(3n);
    expect(await query('stable')).toBe(3n);
  });
});
