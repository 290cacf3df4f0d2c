/**
 * Prepayments, held as the replica holds them. A message runs with its whole limit's instructions
 * out of the balance, and an install with its base fee and 300 billion instructions
 * (`prepay_execution_cycles`): what `canister_cycle_balance128` shows it. A call sets aside what
 * the largest response and a callback of the whole limit would cost (`ic0.call_perform`;
 * `withdraw_request_cycles`, `prepayment_for_response_execution`): the canister cannot spend it on
 * another call meanwhile, `canister_status` shows it gone until the response comes, and then what
 * the response and its callback did not use comes back.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { instanceWithWat, submit } from '../../test/support/ingress.js';

// `balance` replies `canister_cycle_balance128` (u128); `canister_init` keeps it at 32, and the
// query `init_balance` replies that. `two_calls` calls `pong` on the canister itself twice and replies both `call_perform` results
// (u32, u32); `one_call` makes one such call to `slow`, which runs 4,100 fills of 1 MiB (three
// rounds); the query `cost` replies `ic0.cost_call` of such a call (u128: the method name is 4
// bytes, the argument empty).
const SOURCE = `(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_perform" (func $perform (result i32)))
  (import "ic0" "cost_call" (func $cost_call (param i64 i64 i32)))
  (import "ic0" "canister_cycle_balance128" (func $balance (param i32)))
  (memory 40)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (data (i32.const 64) "pong")
  (data (i32.const 72) "slow")
  (func $on_reply (param $env i32))
  (func $on_reject (param $env i32))
  (func $call (param $method i32) (result i32)
    (call $self_copy (i32.const 200) (i32.const 0) (call $self_size))
    (call $call_new (i32.const 200) (call $self_size) (local.get $method) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $perform))
  (func (export "canister_update two_calls")
    (i32.store (i32.const 0) (call $call (i32.const 64)))
    (i32.store (i32.const 4) (call $call (i32.const 64)))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
  (func (export "canister_update one_call")
    (drop (call $call (i32.const 72)))
    (call $reply))
  (func (export "canister_update pong") (call $reply))
  (func (export "canister_init") (call $balance (i32.const 32)))
  (func (export "canister_update balance")
    (call $balance (i32.const 48))
    (call $append (i32.const 48) (i32.const 16))
    (call $reply))
  (func (export "canister_query init_balance")
    (call $append (i32.const 32) (i32.const 16))
    (call $reply))
  (func (export "canister_update slow") (local $n i32)
    (local.set $n (i32.const 4100))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (memory.fill (i32.const 1048576) (i32.const 1) (i32.const 1048576))
      (br $l)))
    (call $reply))
  (func (export "canister_query cost")
    (call $cost_call (i64.const 4) (i64.const 0) (i32.const 16))
    (call $append (i32.const 16) (i32.const 16))
    (call $reply)))`;

const u128 = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return view.getBigUint64(0, true) + (view.getBigUint64(8, true) << 64n);
};

async function setUp() {
  const { ic, id } = await instanceWithWat('call-reservation', SOURCE);
  const canister = ic.canister(id.toText())!;
  canister.settings.freezingThreshold = 0n; // all of the balance is liquid
  const cost = ic.query(Principal.anonymous(), id, 'cost', new Uint8Array(), { kind: 'none' });
  if (!('Ok' in cost)) throw new Error(JSON.stringify(cost));
  return { ic, id, canister, reservation: u128(cost.Ok) };
}

describe('what a message and an install prepay', () => {
  it('runs an update with its 40 billion instructions out of the balance, given back less what it ran when it ends', async () => {
    const { ic, id, canister } = await setUp();
    const result = ic.awaitIngress(submit(ic, id, 'balance', new Uint8Array()));
    if (!('Ok' in result)) throw new Error(JSON.stringify(result));
    const seen = u128(result.Ok);
    // One cycle per instruction on a 13-node subnet; the update ran a few thousand.
    expect(canister.cycles - seen).toBeLessThan(40_000_000_000n);
    expect(canister.cycles - seen).toBeGreaterThan(40_000_000_000n - 1_000_000n);
  });

  it("runs canister_init with the install's base fee and 300 billion instructions out of the balance", async () => {
    const { ic, id, canister } = await setUp();
    const result = ic.query(Principal.anonymous(), id, 'init_balance', new Uint8Array(), { kind: 'none' });
    if (!('Ok' in result)) throw new Error(JSON.stringify(result));
    const seen = u128(result.Ok);
    // Since then the install paid its base fee and instructions (the module's compilation among
    // them), and `setUp`'s query nothing: what it saw lacked the rest of the 300 billion.
    const back = canister.cycles - seen;
    expect(back).toBeLessThan(300_000_000_000n);
    expect(back).toBeGreaterThan(300_000_000_000n - 1_000_000_000n);
  });
});

describe('the cycles a call sets aside', () => {
  it('refuses a second call whose reservation no longer fits beside the first one’s (call_perform returns 2)', async () => {
    const { ic, id, canister, reservation } = await setUp();
    // Enough for the update itself (the base fee and 40 billion instructions at one cycle each on a
    // 13-node subnet, prepaid while it runs), its ingress fee, and one and a half calls.
    const update = 5_000_000n + 40_000_000_000n;
    canister.cycles = update + 10_000_000n + (reservation * 3n) / 2n;
    const result = ic.awaitIngress(submit(ic, id, 'two_calls', new Uint8Array()));
    if (!('Ok' in result)) throw new Error(JSON.stringify(result));
    const view = new DataView(result.Ok.buffer, result.Ok.byteOffset);
    expect([view.getUint32(0, true), view.getUint32(4, true)]).toEqual([0, 2]);
    // With room for both, both are made.
    canister.cycles = update + 10_000_000n + reservation * 2n;
    const both = ic.awaitIngress(submit(ic, id, 'two_calls', new Uint8Array()));
    if (!('Ok' in both)) throw new Error(JSON.stringify(both));
    const again = new DataView(both.Ok.buffer, both.Ok.byteOffset);
    expect([again.getUint32(0, true), again.getUint32(4, true)]).toEqual([0, 0]);
  });

  it('keeps the reservation out of the balance until the response, then gives back what was not used', async () => {
    const { ic, id, canister, reservation } = await setUp();
    canister.cycles = 10n ** 13n;
    const call = submit(ic, id, 'one_call', new Uint8Array());
    ic.tick(); // `one_call` runs and calls `slow`, which takes three rounds to answer
    expect(ic.ingressStatus(call)).toBeDefined(); // `one_call` replied at once
    expect(canister.callbacks.size).toBe(1);
    const during = canister.cycles;
    const [callback] = [...canister.callbacks.values()];
    const fees = reservation - callback!.reserved; // the call fee and the request's bytes, taken for good
    expect(callback!.reserved).toBeGreaterThan(40_000_000_000n); // a callback of the whole limit, at least
    while (canister.callbacks.size > 0) ic.tick();
    const after = canister.cycles;
    // The reservation came back, less what the response's bytes and its callback cost: far less.
    expect(after - during).toBeGreaterThan(callback!.reserved - 100_000_000n);
    expect(after - during).toBeLessThan(callback!.reserved);
    expect(fees).toBeGreaterThan(0n);
  });

  it('gives back what the calls of an uninstalled canister set aside, as their responses will find no callback', async () => {
    const { ic, id, canister } = await setUp();
    canister.cycles = 10n ** 13n;
    submit(ic, id, 'one_call', new Uint8Array());
    ic.tick(); // the call to `slow` is made; its response is three rounds away
    const [callback] = [...canister.callbacks.values()];
    expect(callback!.reserved).toBeGreaterThan(40_000_000_000n);
    const before = canister.cycles;
    const Uninstall = IDL.Record({ canister_id: IDL.Principal });
    const uninstall = submit(ic, Principal.managementCanister(), 'uninstall_code', new Uint8Array(IDL.encode([Uninstall], [{ canister_id: id }])), { kind: 'canister', id });
    expect(ic.awaitIngress(uninstall)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(canister.callbacks.size).toBe(0);
    // Back: the reservation, less the uninstall message's ingress fee (a few million) and whatever
    // `slow`'s slices still cost.
    expect(canister.cycles - before).toBeLessThanOrEqual(callback!.reserved);
    expect(canister.cycles - before).toBeGreaterThan(callback!.reserved - 100_000_000n);
  });
});
