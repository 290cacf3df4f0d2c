/**
 * Inter-canister calls (IC interface spec § Inter-canister method calls, § Abstract behavior:
 * call contexts, callback invocation, starvation): replies and rejects reach the right callback
 * with the right code, cleanup runs after a trapping callback, and a call context nobody answers
 * is rejected by the system.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, text, untext, type Principal } from '../support/canister.js';
import { calleeWasm, proxyWasm, rejectOf, replyOf, unusedCanisterId, viaProxy } from '../support/messages.js';

// Makes two calls to the callee's `record` in one execution; the reply callbacks append their
// env (1 or 2) to a log and the second one to run replies with the log.
const TWO_CALLS = `
  (table 3 funcref)
  (elem (i32.const 0) $on_reply $on_reject $trap_or_reply)
  (data (i32.const 100) "record")
  (data (i32.const 110) "a")
  (data (i32.const 111) "b")
  (func $on_reply (param $env i32)
    (i32.store8 (i32.add (i32.const 600) (i32.load (i32.const 596))) (local.get $env))
    (i32.store (i32.const 596) (i32.add (i32.load (i32.const 596)) (i32.const 1)))
    (if (i32.eq (i32.load (i32.const 596)) (i32.const 2))
      (then (call $reply_data (i32.const 600) (i32.const 2)))))
  (func $on_reject (param $env i32) (call $trap (i32.const 100) (i32.const 6)))
  ;; Env 11: a reply callback that traps; env 12: one that replies at once.
  (func $trap_or_reply (param $env i32)
    (if (i32.eq (local.get $env) (i32.const 11)) (then (call $trap (i32.const 100) (i32.const 6))))
    (call $reply_data (i32.const 111) (i32.const 1)))
  (func (export "canister_update trap_one_of_two")
    (local $n i32)
    (local.set $n (call $arg_to (i32.const 1024)))
    (call $call_new (i32.const 1024) (local.get $n) (i32.const 100) (i32.const 6) (i32.const 2) (i32.const 11) (i32.const 1) (i32.const 11))
    (call $call_data_append (i32.const 110) (i32.const 1))
    (drop (call $call_perform))
    (call $call_new (i32.const 1024) (local.get $n) (i32.const 100) (i32.const 6) (i32.const 2) (i32.const 12) (i32.const 1) (i32.const 12))
    (call $call_data_append (i32.const 111) (i32.const 1))
    (drop (call $call_perform)))
  (func (export "canister_update two")
    (local $n i32)
    (local.set $n (call $arg_to (i32.const 1024)))
    (call $call_new (i32.const 1024) (local.get $n) (i32.const 100) (i32.const 6) (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 1))
    (call $call_data_append (i32.const 110) (i32.const 1))
    (drop (call $call_perform))
    (call $call_new (i32.const 1024) (local.get $n) (i32.const 100) (i32.const 6) (i32.const 0) (i32.const 2) (i32.const 1) (i32.const 2))
    (call $call_data_append (i32.const 111) (i32.const 1))
    (drop (call $call_perform)))
`;

// `go` marks the heap, calls the callee's `echo` with a reply callback that marks the heap and
// then traps, and a cleanup callback that marks the heap. `markers` shows the three marks.
const CLEANUP = `
  (table 3 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_cleanup)
  (data (i32.const 100) "echo")
  (data (i32.const 110) "reply boom")
  (func $on_reply (param $env i32)
    (i32.store (i32.const 1004) (i32.const 1))
    (call $trap (i32.const 110) (i32.const 10)))
  (func $on_reject (param $env i32)
    (i32.store (i32.const 1004) (i32.const 2))
    (call $trap (i32.const 110) (i32.const 10)))
  (data (i32.const 130) "cleanup boom")
  (func $on_cleanup (param $env i32)
    (i32.store (i32.const 1008) (i32.add (i32.load (i32.const 1008)) (i32.const 1)))
    (if (local.get $env) (then (call $trap (i32.const 130) (i32.const 12)))))
  (func $go (param $cleanup_traps i32)
    (local $n i32)
    (i32.store (i32.const 1000) (i32.const 1))
    (local.set $n (call $arg_to (i32.const 2048)))
    (call $call_new (i32.const 2048) (local.get $n) (i32.const 100) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_on_cleanup (i32.const 2) (local.get $cleanup_traps))
    (drop (call $call_perform)))
  (func (export "canister_update go") (call $go (i32.const 0)))
  ;; The same, with a cleanup callback that traps too.
  (func (export "canister_update go_both") (call $go (i32.const 1)))
  (func (export "canister_query markers") (call $reply_data (i32.const 1000) (i32.const 12)))
`;

// System API misuse and the starvation rule. `silent_callback` calls the callee (whose id is its
// argument) and its reply callback returns without replying.
const MISUSE = `
  (table 1 funcref)
  (elem (i32.const 0) $nothing)
  (data (i32.const 100) "echo")
  (func $nothing (param $env i32))
  (func (export "canister_update perform_without_new") (drop (call $call_perform)) (call $reply_empty))
  (func (export "canister_update silent"))
  (func (export "canister_update silent_callback")
    (call $call_new (i32.const 1024) (call $arg_to (i32.const 1024)) (i32.const 100) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (call $call_perform)))
`;

describe('inter-canister calls', () => {
  let pic: PocketIc;
  let proxy: Principal;
  let callee: Principal;

  beforeAll(async () => {
    pic = await newPic();
    proxy = await install(pic, await proxyWasm());
    callee = await install(pic, await calleeWasm());
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('delivers the reply data to the reply callback', async () => {
    const o = await viaProxy(pic, proxy, callee, 'echo', text('hello'));
    expect(untext(replyOf(o))).toBe('hello');
  });

  it('delivers an explicit reject to the reject callback with CANISTER_REJECT (4) and the message', async () => {
    const r = rejectOf(await viaProxy(pic, proxy, callee, 'reject', text('nope, not today')));
    expect(r.code).toBe(4);
    expect(r.message).toBe('nope, not today');
  });

  it('rejects with CANISTER_ERROR (5) and the trap message when the callee traps', async () => {
    const r = rejectOf(await viaProxy(pic, proxy, callee, 'trap'));
    expect(r.code).toBe(5);
    expect(r.message).toContain("Canister called `ic0.trap` with message: 'callee boom'");
    expect(r.message).toContain(callee.toText());
  });

  it('rejects with CANISTER_ERROR (5) when the callee has no such method', async () => {
    const r = rejectOf(await viaProxy(pic, proxy, callee, 'no_such_method'));
    expect(r.code).toBe(5);
    expect(r.message).toContain("Canister has no update method 'no_such_method'");
  });

  it('rejects with DESTINATION_INVALID (3) when the callee canister does not exist', async () => {
    const missing = unusedCanisterId(callee, 4096);
    const r = rejectOf(await viaProxy(pic, proxy, missing, 'echo'));
    expect(r.code).toBe(3);
    expect(r.message).toContain(`Canister ${missing.toText()} not found`);
  });

  it('rejects with CANISTER_ERROR (5) when the callee canister is empty', async () => {
    const empty = await pic.createCanister();
    const r = rejectOf(await viaProxy(pic, proxy, empty, 'echo'));
    expect(r.code).toBe(5);
    expect(r.message).toContain('the canister contains no Wasm module');
  });

  it('rejects with CANISTER_ERROR (5) when the callee method returns without replying', async () => {
    const r = rejectOf(await viaProxy(pic, proxy, callee, 'noreply'));
    expect(r.code).toBe(5);
  });

  it('executes two calls to one callee in call_perform order and runs both reply callbacks', async () => {
    const caller = await install(pic, await canister(TWO_CALLS, ['call_new', 'call_data_append', 'call_perform']));
    const recorder = await install(pic, await calleeWasm());
    const log = await pic.updateCall({ canisterId: caller, method: 'two', arg: recorder.toUint8Array() });
    // The spec orders the calls' execution at the callee, not the responses.
    expect(untext(await pic.queryCall({ canisterId: recorder, method: 'log' }))).toBe('ab');
    expect([...log].sort()).toEqual([1, 2]);
  });

  it('answers the call context from the other callback when one of two reply callbacks traps', async () => {
    const caller = await install(pic, await canister(TWO_CALLS, ['call_new', 'call_data_append', 'call_perform']));
    const recorder = await install(pic, await calleeWasm());
    expect(untext(await pic.updateCall({ canisterId: caller, method: 'trap_one_of_two', arg: recorder.toUint8Array() }))).toBe('b');
  });

  it('runs the cleanup callback after a trapping reply callback: its changes persist, the callback’s do not', async () => {
    const caller = await install(pic, await canister(CLEANUP, ['call_new', 'call_data_append', 'call_perform', 'call_on_cleanup']));
    await expect(pic.updateCall({ canisterId: caller, method: 'go', arg: callee.toUint8Array() }))
      .rejects.toThrow(/Canister called `ic0.trap` with message: '?reply boom/);
    const markers = await pic.queryCall({ canisterId: caller, method: 'markers' });
    const view = new DataView(markers.buffer, markers.byteOffset, markers.byteLength);
    expect(view.getInt32(0, true)).toBe(1); // the method's own change (before the call) persists
    expect(view.getInt32(4, true)).toBe(0); // the trapping callback's change is rolled back
    expect(view.getInt32(8, true)).toBe(1); // the cleanup's change persists, and it ran once
  });

  it('reports both traps when the cleanup callback traps too, and keeps none of the cleanup’s changes', async () => {
    const caller = await install(pic, await canister(CLEANUP, ['call_new', 'call_data_append', 'call_perform', 'call_on_cleanup']));
    const error = await pic.updateCall({ canisterId: caller, method: 'go_both', arg: callee.toUint8Array() }).then(() => undefined, (e: Error) => e.message);
    expect(error).toMatch(/Canister called `ic0.trap` with message: '?reply boom[\s\S]*\n\ncall_on_cleanup also failed:\n\n[\s\S]*Canister called `ic0.trap` with message: '?cleanup boom/);
    // The error code is the callback's.
    expect(error).toMatch(/CanisterCalledTrap|IC0503/);
    const markers = await pic.queryCall({ canisterId: caller, method: 'markers' });
    const view = new DataView(markers.buffer, markers.byteOffset, markers.byteLength);
    expect(view.getInt32(0, true)).toBe(1);
    expect(view.getInt32(4, true)).toBe(0);
    expect(view.getInt32(8, true)).toBe(0); // the trapping cleanup's change is rolled back
  });

  it('traps when call_perform is used without call_new', async () => {
    const id = await install(pic, await canister(MISUSE, ['call_new', 'call_perform']));
    const error = await pic.updateCall({ canisterId: id, method: 'perform_without_new' }).then(() => undefined, (e: Error) => e.message);
    expect(error).toContain('ic0.call_perform called when no call is under construction');
    expect(error).toMatch(/Reject code: (CanisterError|5)\b/);
    expect(error).toMatch(/CanisterContractViolation|IC0504/);
  });

  it('rejects an ingress message whose method returns without replying: "did not reply" (IC0506)', async () => {
    const id = await install(pic, await canister(MISUSE, ['call_new', 'call_perform']));
    const error = await pic.updateCall({ canisterId: id, method: 'silent' }).then(() => undefined, (e: Error) => e.message);
    expect(error).toContain(`Canister ${id.toText()} did not reply to the call`);
    expect(error).toMatch(/Reject code: (CanisterError|5)\b/);
    expect(error).toMatch(/CanisterDidNotReply|IC0506/);
  });

  it('rejects with "did not reply" when the last callback returns without replying', async () => {
    const id = await install(pic, await canister(MISUSE, ['call_new', 'call_perform']));
    const error = await pic.updateCall({ canisterId: id, method: 'silent_callback', arg: callee.toUint8Array() }).then(() => undefined, (e: Error) => e.message);
    expect(error).toContain(`Canister ${id.toText()} did not reply to the call`);
    expect(error).toMatch(/CanisterDidNotReply|IC0506/);
  });
});
