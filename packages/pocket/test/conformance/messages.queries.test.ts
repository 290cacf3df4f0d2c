/**
 * Queries and composite queries (IC interface spec § Query call, § Composite query helper,
 * § Overview of imports): a query's changes never persist, a query may not call, a composite
 * query calls query methods of canisters on its subnet and may combine their answers, and a
 * composite query runs only as a query call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI32, text, u32, untext, type Principal } from '../support/canister.js';
import { calleeWasm, callSpec, outcome, proxyWasm, rejectOf, replyOf, viaProxy } from '../support/messages.js';

// A counter a query bumps; `get` (update) reads it.
const BUMP = `
  (func (export "canister_query q_bump")
    (i32.store (i32.const 1024) (i32.add (i32.load (i32.const 1024)) (i32.const 1)))
    (call $reply_i32 (i32.load (i32.const 1024))))
  (func (export "canister_update get") (call $reply_i32 (i32.load (i32.const 1024))))
`;

// `sum2` (composite query): its argument is two principals, each prefixed by its length (u32);
// it calls `q_value` on both and replies the sum once both answers are in. The running sum lives
// in the heap, which a composite query keeps across its own callbacks.
const SUM2 = `
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (data (i32.const 100) "q_value")
  (func $on_reply (param $env i32)
    (i32.store (i32.const 500) (i32.add (i32.load (i32.const 500)) (call $arg_i32)))
    (i32.store (i32.const 504) (i32.add (i32.load (i32.const 504)) (i32.const 1)))
    (if (i32.eq (i32.load (i32.const 504)) (i32.const 2))
      (then (call $reply_i32 (i32.load (i32.const 500))))))
  (func $on_reject (param $env i32) (call $msg_reject (i32.const 100) (i32.const 7)))
  (func (export "canister_composite_query sum2")
    (local $l1 i32) (local $l2 i32)
    (drop (call $arg_to (i32.const 1024)))
    (local.set $l1 (i32.load (i32.const 1024)))
    (local.set $l2 (i32.load (i32.add (i32.const 1028) (local.get $l1))))
    (call $call_new (i32.const 1028) (local.get $l1) (i32.const 100) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (drop (call $call_perform))
    (call $call_new (i32.add (i32.const 1032) (local.get $l1)) (local.get $l2) (i32.const 100) (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (drop (call $call_perform)))
  (func (export "canister_query sum_state") (call $reply_i32 (i32.load (i32.const 500))))
`;

function twoPrincipals(a: Principal, b: Principal): Uint8Array {
  const x = a.toUint8Array();
  const y = b.toUint8Array();
  return new Uint8Array([...u32(x.length), ...x, ...u32(y.length), ...y]);
}

describe('queries', () => {
  let pic: PocketIc;
  let proxy: Principal;
  let callee: Principal;

  beforeAll(async () => {
    pic = await newPic();
    proxy = await install(pic, await proxyWasm());
    callee = await install(pic, await calleeWasm(), { arg: u32(20) });
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('never persists what a query changes, in a query call or run as an update', async () => {
    const id = await install(pic, await canister(BUMP));
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'q_bump' }))).toBe(1);
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'q_bump' }))).toBe(1);
    // A query method called by an update call runs in replicated mode: its changes are discarded too.
    expect(readI32(await pic.updateCall({ canisterId: id, method: 'q_bump' }))).toBe(1);
    expect(readI32(await pic.updateCall({ canisterId: id, method: 'get' }))).toBe(0);
  });

  it('traps when a query calls call_new, in non-replicated and in replicated mode', async () => {
    const arg = callSpec(callee, 'q_echo', text('x'));
    await expect(pic.queryCall({ canisterId: proxy, method: 'q_call', arg }))
      .rejects.toThrow('"ic0_call_new" cannot be executed in non replicated query mode');
    await expect(pic.updateCall({ canisterId: proxy, method: 'q_call', arg }))
      .rejects.toThrow('"ic0_call_new" cannot be executed in replicated query mode');
  });

  it('refuses a query call to a method that is not a query', async () => {
    const error = await pic.queryCall({ canisterId: callee, method: 'echo', arg: text('x') }).then(() => undefined, (e: Error) => e.message);
    expect(error).toContain("Canister has no query method 'echo'");
    expect(error).toMatch(/CanisterMethodNotFound|IC0536/);
  });

  it('lets a composite query call a query method of another canister and get its reply', async () => {
    const o = outcome(await pic.queryCall({ canisterId: proxy, method: 'cq_call', arg: callSpec(callee, 'q_echo', text('from a query')) }));
    expect(untext(replyOf(o))).toBe('from a query');
  });

  it('lets a composite query combine the answers of query methods on two canisters', async () => {
    const other = await install(pic, await calleeWasm(), { arg: u32(22) });
    const summer = await install(pic, await canister(SUM2, ['call_new', 'call_perform', 'msg_reject']));
    const sum = await pic.queryCall({ canisterId: summer, method: 'sum2', arg: twoPrincipals(callee, other) });
    expect(readI32(sum)).toBe(42);
    // Nothing of it persists.
    expect(readI32(await pic.queryCall({ canisterId: summer, method: 'sum_state' }))).toBe(0);
  });

  it('rejects (CANISTER_ERROR) a composite query’s call to an update method', async () => {
    const r = rejectOf(outcome(await pic.queryCall({ canisterId: proxy, method: 'cq_call', arg: callSpec(callee, 'echo', text('x')) })));
    expect(r.code).toBe(5);
    expect(r.message).toContain("has no query method 'echo'");
  });

  it('rejects (CANISTER_ERROR) a composite query’s call to a stopped canister', async () => {
    const stopped = await install(pic, await calleeWasm());
    await pic.stopCanister({ canisterId: stopped });
    const r = rejectOf(outcome(await pic.queryCall({ canisterId: proxy, method: 'cq_call', arg: callSpec(stopped, 'q_echo', text('x')) })));
    expect(r.code).toBe(5);
    expect(r.message).toContain(`Canister ${stopped.toText()} is stopped`);
  });

  it('refuses to run a composite query in replicated mode (ingress or inter-canister call)', async () => {
    const arg = callSpec(callee, 'q_echo', text('x'));
    const error = await pic.updateCall({ canisterId: proxy, method: 'cq_call', arg }).then(() => undefined, (e: Error) => e.message);
    expect(error).toContain('Composite query cannot be called in replicated mode');
    expect(error).toMatch(/CompositeQueryCalledInReplicatedMode|IC0527/);

    const other = await install(pic, await proxyWasm());
    const r = rejectOf(await viaProxy(pic, proxy, other, 'cq_call', arg));
    expect(r.code).toBe(5);
    expect(r.message).toContain('Composite query cannot be called in replicated mode');
  });
});
