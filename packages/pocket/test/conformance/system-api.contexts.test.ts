/**
 * System API, contexts group: every `ic0` function may only be called from the contexts the import table of
 * the IC interface spec lists for it ("If the canister invokes a system call from somewhere else, it will
 * trap"). The replica words the trap `"ic0_<name>" cannot be executed in <mode> mode`.
 *
 * One dispatcher, `$dispatch(k)`, calls the k-th function of `CALLS`; canisters run it from every kind of
 * entry point: update, query (as a query and as an update), composite query, reply / reject / cleanup
 * callbacks (replicated and composite), canister_init, the (start) function, canister_pre_upgrade,
 * canister_inspect_message and the global timer. Each case says whether the call is allowed there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, readI32, u32, untext, type Principal } from '../support/canister.js';
import { REJECT_CODE, data, expectFailure, failure, wrongMode, type Context } from '../support/system-api.js';

/** What `$dispatch(k)` calls, in order; arguments are harmless (the context check comes first). */
const CALLS: [string, string][] = [
  ['msg_arg_data_size', '(drop (call $msg_arg_data_size))'],
  ['msg_arg_data_copy', '(call $msg_arg_data_copy (i32.const 0) (i32.const 0) (i32.const 0))'],
  ['msg_caller_size', '(drop (call $msg_caller_size))'],
  ['msg_reject_code', '(drop (call $msg_reject_code))'],
  ['msg_reject_msg_size', '(drop (call $msg_reject_msg_size))'],
  ['msg_reply_data_append', '(call $msg_reply_data_append (i32.const 0) (i32.const 0))'],
  ['msg_reply', '(call $msg_reply)'],
  ['msg_reject', '(call $msg_reject (i32.const 0) (i32.const 0))'],
  ['msg_cycles_available128', '(call $msg_cycles_available128 (i32.const 0))'],
  ['msg_cycles_refunded128', '(call $msg_cycles_refunded128 (i32.const 0))'],
  ['msg_cycles_accept128', '(call $msg_cycles_accept128 (i64.const 0) (i64.const 0) (i32.const 0))'],
  ['cycles_burn128', '(call $cycles_burn128 (i64.const 0) (i64.const 0) (i32.const 0))'],
  ['canister_self_size', '(drop (call $canister_self_size))'],
  ['msg_method_name_size', '(drop (call $msg_method_name_size))'],
  ['accept_message', '(call $accept_message)'],
  ['call_new', '(call $call_new (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))'],
  ['call_perform', '(drop (call $call_perform))'],
  ['call_cycles_add128', '(call $call_cycles_add128 (i64.const 0) (i64.const 0))'],
  ['stable64_size', '(drop (call $stable64_size))'],
  ['certified_data_set', '(call $certified_data_set (i32.const 0) (i32.const 0))'],
  ['data_certificate_size', '(drop (call $data_certificate_size))'],
  ['data_certificate_copy', '(call $data_certificate_copy (i32.const 0) (i32.const 0) (i32.const 0))'],
  ['time', '(drop (call $time))'],
  ['global_timer_set', '(drop (call $global_timer_set (i64.const 0)))'],
  ['debug_print', '(call $debug_print (i32.const 0) (i32.const 0))'],
];
const index = (name: string): number => {
  const k = CALLS.findIndex(([n]) => n === name);
  if (k < 0) throw new Error(`no dispatcher entry for ${name}`);
  return k;
};

const DISPATCH = `
  (func $dispatch (param $k i32)
${CALLS.map(([, call], k) => `    (if (i32.eq (local.get $k) (i32.const ${k})) (then ${call}))`).join('\n')})
`;
const IMPORTS = [...CALLS.map(([name]) => name), 'call_on_cleanup', 'msg_reject_msg_copy', 'data_certificate_present'];

// The main canister: entry points of every kind that can be reached with an argument. Heap: 596 the
// peer's id length, 600 the peer's id, 704 the function the timer calls, 720 the timer's marker.
const MAIN = `
  ${DISPATCH}
  (table 5 funcref)
  (elem (i32.const 0) $cb $cb_trap $cleanup $cb_reject_message $cb_forward)
  (func (export "canister_update set_peer")
    (i32.store (i32.const 596) (call $arg_to (i32.const 600)))
    (call $reply_empty))
  ;; calls method [name, len) of the peer with both callbacks at table index cb, env = k, and a cleanup if >= 0
  (func $peer_call (param $name i32) (param $len i32) (param $reply i32) (param $reject i32) (param $k i32) (param $cleanup i32)
    (call $call_new (i32.const 600) (i32.load (i32.const 596)) (local.get $name) (local.get $len)
      (local.get $reply) (local.get $k) (local.get $reject) (local.get $k))
    (if (i32.ge_s (local.get $cleanup) (i32.const 0)) (then (call $call_on_cleanup (local.get $cleanup) (local.get $k))))
    (if (call $call_perform) (then (unreachable))))

  (func (export "canister_update u") (call $dispatch (call $arg_i32)) (call $reply_empty))
  (func (export "canister_query q") (call $dispatch (call $arg_i32)) (call $reply_empty))
  (func (export "canister_composite_query cq") (call $dispatch (call $arg_i32)) (call $reply_empty))

  (func $cb (param $k i32) (call $dispatch (local.get $k)) (call $reply_empty))
  (func $cb_trap (param $k i32) (call $trap (i32.const 8192) (i32.const 7)))
  (func $cleanup (param $k i32) (call $dispatch (local.get $k)))
  (func $cb_reject_message (param $k i32)
    (call $msg_reject_msg_copy (i32.const 1024) (i32.const 0) (call $msg_reject_msg_size))
    (call $reply_data (i32.const 1024) (call $msg_reject_msg_size)))
  (func $cb_forward (param $k i32) (call $reply_data (i32.const 1024) (call $arg_to (i32.const 1024))))

  (func (export "canister_update via_reply") (call $peer_call (i32.const 8208) (i32.const 2) (i32.const 0) (i32.const 0) (call $arg_i32) (i32.const -1)))
  (func (export "canister_update via_reject") (call $peer_call (i32.const 8224) (i32.const 3) (i32.const 0) (i32.const 0) (call $arg_i32) (i32.const -1)))
  (func (export "canister_update via_cleanup") (call $peer_call (i32.const 8208) (i32.const 2) (i32.const 1) (i32.const 1) (call $arg_i32) (i32.const 2)))
  (func (export "canister_composite_query cq_via_reply") (call $peer_call (i32.const 8208) (i32.const 2) (i32.const 0) (i32.const 0) (call $arg_i32) (i32.const -1)))
  (func (export "canister_composite_query cq_via_reject") (call $peer_call (i32.const 8224) (i32.const 3) (i32.const 0) (i32.const 0) (call $arg_i32) (i32.const -1)))
  (func (export "canister_composite_query cq_via_cleanup") (call $peer_call (i32.const 8208) (i32.const 2) (i32.const 1) (i32.const 1) (call $arg_i32) (i32.const 2)))
  ;; calls the peer's query method named by the argument; replies what it replied, or its reject message
  (func (export "canister_composite_query cq_peer")
    (local $n i32)
    (local.set $n (call $arg_to (i32.const 2048)))
    (call $peer_call (i32.const 2048) (local.get $n) (i32.const 4) (i32.const 3) (i32.const 0) (i32.const -1)))

  (func (export "canister_update arm_timer")
    (i32.store (i32.const 704) (call $arg_i32))
    (i32.store (i32.const 720) (i32.const 0))
    (drop (call $global_timer_set (i64.const 1)))
    (call $reply_empty))
  (func (export "canister_global_timer")
    (i32.store (i32.const 720) (i32.const 1))
    (call $dispatch (i32.load (i32.const 704))))
  (func (export "canister_query timer_marker") (call $reply_i32 (i32.load (i32.const 720))))

  ${data(8192, 'cb trap')}
  ${data(8208, 'ok')}
  ${data(8224, 'rej')}
`;

// The peer the main canister calls.
const PEER = `
  (func (export "canister_query ok") (call $reply_empty))
  (func (export "canister_query rej") (call $msg_reject (i32.const 8192) (i32.const 2)))
  (func (export "canister_query cert_size") (drop (call $data_certificate_size)) (call $reply_empty))
  (func (export "canister_query cert_copy") (call $data_certificate_copy (i32.const 0) (i32.const 0) (i32.const 0)) (call $reply_empty))
  (func (export "canister_query cert_present") (call $reply_i32 (call $data_certificate_present)))
  ${data(8192, 'no')}
`;

const INIT = `
  ${DISPATCH}
  (func (export "canister_init") (call $dispatch (call $arg_i32)))
`;
const START = (k: number) => `
  ${DISPATCH}
  (func $start (call $dispatch (i32.const ${k})))
  (start $start)
`;
const PRE_UPGRADE = `
  ${DISPATCH}
  (func (export "canister_update arm") (i32.store (i32.const 704) (call $arg_i32)) (call $reply_empty))
  (func (export "canister_pre_upgrade") (call $dispatch (i32.load (i32.const 704))))
`;
const INSPECT = `
  ${DISPATCH}
  (func (export "canister_inspect_message") (call $dispatch (call $arg_i32)) (call $accept_message))
  (func (export "canister_update u") (call $reply_empty))
`;

interface Case {
  context: Context;
  fn: string;
  allowed: boolean;
}
const forbidden = (context: Context, ...fns: string[]): Case[] => fns.map((fn) => ({ context, fn, allowed: false }));
const allowed = (context: Context, ...fns: string[]): Case[] => fns.map((fn) => ({ context, fn, allowed: true }));

const CASES: Case[] = [
  ...forbidden('U', 'msg_method_name_size', 'accept_message', 'data_certificate_size', 'data_certificate_copy', 'msg_reject_code', 'msg_reject_msg_size', 'msg_cycles_refunded128'),
  ...allowed('U', 'certified_data_set', 'call_new', 'msg_cycles_available128', 'global_timer_set'),
  ...forbidden('NRQ', 'call_new', 'call_perform', 'certified_data_set', 'global_timer_set', 'msg_cycles_available128', 'msg_cycles_accept128', 'cycles_burn128', 'msg_method_name_size'),
  ...allowed('NRQ', 'data_certificate_size', 'time', 'stable64_size'),
  ...forbidden('RQ', 'call_new', 'certified_data_set', 'global_timer_set', 'data_certificate_size', 'call_cycles_add128'),
  ...allowed('RQ', 'msg_cycles_available128', 'cycles_burn128'),
  ...forbidden('CQ', 'certified_data_set', 'global_timer_set', 'msg_cycles_available128', 'call_cycles_add128', 'cycles_burn128'),
  ...allowed('CQ', 'call_new', 'data_certificate_size'),
  ...forbidden('I', 'msg_reply', 'msg_reject', 'msg_reply_data_append', 'call_new', 'data_certificate_size', 'msg_method_name_size', 'accept_message', 'msg_cycles_available128'),
  ...allowed('I', 'certified_data_set', 'global_timer_set', 'msg_arg_data_size'),
  ...forbidden('s', 'msg_caller_size', 'time', 'canister_self_size', 'msg_arg_data_size', 'global_timer_set'),
  ...allowed('s', 'stable64_size', 'debug_print'),
  ...forbidden('G', 'msg_arg_data_size', 'msg_reply', 'call_new'),
  ...allowed('G', 'certified_data_set', 'stable64_size'),
  ...forbidden('F', 'msg_reply', 'msg_reject', 'call_new', 'certified_data_set', 'global_timer_set', 'msg_cycles_available128'),
  ...allowed('F', 'msg_method_name_size', 'msg_arg_data_size', 'time'),
  ...forbidden('Ry', 'msg_reject_msg_size', 'msg_method_name_size', 'accept_message', 'data_certificate_size'),
  ...allowed('Ry', 'msg_arg_data_size', 'msg_reject_code', 'msg_cycles_refunded128'),
  ...forbidden('Rt', 'msg_arg_data_size', 'msg_arg_data_copy', 'msg_method_name_size'),
  ...allowed('Rt', 'msg_reject_code', 'msg_reject_msg_size'),
  ...forbidden('C', 'msg_reply', 'certified_data_set', 'call_new', 'msg_arg_data_size'),
  ...allowed('C', 'time', 'global_timer_set', 'stable64_size'),
  ...forbidden('CRy', 'certified_data_set', 'global_timer_set', 'msg_cycles_refunded128', 'call_cycles_add128'),
  ...allowed('CRy', 'msg_arg_data_size', 'msg_reject_code'),
  ...forbidden('CRt', 'msg_arg_data_size', 'certified_data_set'),
  ...allowed('CRt', 'msg_reject_msg_size'),
  ...forbidden('CC', 'msg_reply', 'certified_data_set'),
  ...allowed('CC', 'time'),
];

const TIMER_CASES: Case[] = [
  ...forbidden('T', 'msg_reply', 'msg_arg_data_size', 'accept_message', 'data_certificate_size'),
  ...allowed('T', 'canister_self_size', 'certified_data_set', 'call_new'),
];

describe('System API: contexts', () => {
  let pic: PocketIc;
  let main: Principal;
  let peer: Principal;
  let preUpgrade: Principal;
  let inspected: Principal;
  let initWasm: Uint8Array;
  let preUpgradeWasm: Uint8Array;

  beforeAll(async () => {
    pic = await newPic();
    main = await install(pic, await canister(MAIN, IMPORTS));
    peer = await install(pic, await canister(PEER, ['data_certificate_size', 'data_certificate_copy', 'data_certificate_present']));
    await pic.updateCall({ canisterId: main, method: 'set_peer', arg: peer.toUint8Array() });
    initWasm = await canister(INIT, IMPORTS);
    preUpgradeWasm = await canister(PRE_UPGRADE, IMPORTS);
    preUpgrade = await install(pic, preUpgradeWasm);
    inspected = await install(pic, await canister(INSPECT, IMPORTS));
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  /** Runs function k in `context`; resolves if the execution succeeded. */
  async function run(context: Context, k: number): Promise<unknown> {
    const arg = u32(k);
    const update = (method: string, canisterId = main) => pic.updateCall({ canisterId, method, arg });
    const query = (method: string) => pic.queryCall({ canisterId: main, method, arg });
    switch (context) {
      case 'U': return update('u');
      case 'NRQ': return query('q');
      case 'RQ': return update('q');
      case 'CQ': return query('cq');
      case 'Ry': return update('via_reply');
      case 'Rt': return update('via_reject');
      case 'C': return update('via_cleanup');
      case 'CRy': return query('cq_via_reply');
      case 'CRt': return query('cq_via_reject');
      case 'CC': return query('cq_via_cleanup');
      case 'I': return install(pic, initWasm, { arg });
      case 's': return install(pic, await canister(START(k), IMPORTS));
      case 'G':
        await update('arm', preUpgrade);
        return pic.upgradeCanister({ canisterId: preUpgrade, wasm: preUpgradeWasm });
      case 'F': return update('u', inspected);
      default: throw new Error(`no runner for context ${context}`);
    }
  }

  it.each(CASES)('$fn in $context: allowed $allowed', async ({ context, fn, allowed: isAllowed }) => {
    const k = index(fn);
    const cleanup = context === 'C' || context === 'CC';
    if (isAllowed) {
      if (cleanup) {
        // The callback traps, so the call fails with its trap; the cleanup itself must succeed.
        const message = await expectFailure(run(context, k), "Canister called `ic0.trap` with message: 'cb trap'");
        expect(message).not.toContain('call_on_cleanup also failed');
      } else {
        await run(context, k);
      }
    } else {
      const message = await expectFailure(run(context, k), `Canister violated contract: ${wrongMode(fn, context)}`);
      if (cleanup) expect(message).toContain('call_on_cleanup also failed');
    }
  });

  it('reports wrong-context traps with reject code CANISTER_ERROR', async () => {
    await expectFailure(run('NRQ', index('call_new')), REJECT_CODE.CanisterError, /Error code: (CanisterContractViolation|IC0504|504)\b/);
  });

  // A system task has no caller to report to: a forbidden call shows as the handler's effects rolled back.
  it.each(TIMER_CASES)('$fn in the global timer: allowed $allowed', async ({ fn, allowed: isAllowed }) => {
    await pic.updateCall({ canisterId: main, method: 'arm_timer', arg: u32(index(fn)) });
    await pic.tick(3);
    const marker = readI32(await pic.queryCall({ canisterId: main, method: 'timer_marker' }));
    expect(marker).toBe(isAllowed ? 1 : 0);
  });

  describe('a query that is not the target of the query call', () => {
    const callPeer = async (method: string) => pic.queryCall({ canisterId: main, method: 'cq_peer', arg: new TextEncoder().encode(method) });

    it('has no data certificate: data_certificate_present is 0', async () => {
      expect(readI32(await pic.queryCall({ canisterId: peer, method: 'cert_present' }))).toBe(1);
      expect(readI32(await callPeer('cert_present'))).toBe(0);
    });

    it('traps in data_certificate_size and data_certificate_copy as in a wrong context', async () => {
      expect(untext(await callPeer('cert_size'))).toContain(wrongMode('data_certificate_size', 'NRQ'));
      expect(untext(await callPeer('cert_copy'))).toContain(wrongMode('data_certificate_copy', 'NRQ'));
    });
  });

  it('runs every entry point at least once (sanity: the dispatcher reaches each context)', async () => {
    // A call that is allowed everywhere but (start) must succeed from each runner.
    const k = index('debug_print');
    for (const context of ['U', 'NRQ', 'RQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'I', 'G', 'F', 's'] as Context[]) {
      await run(context, k);
    }
    expect(await failure(run('C', k))).toContain("'cb trap'");
  });
});
