/**
 * Deterministic time slicing (IC: an update runs at most 2 billion instructions per round and
 * continues in the following rounds, up to its 40-billion limit): a long update completes, and
 * answers, only in the round its last slice runs; meanwhile the canister runs nothing else. An
 * install, reinstall or upgrade is sliced the same way, at 2 billion instructions per round too
 * (`MAX_INSTRUCTIONS_PER_INSTALL_CODE_SLICE`), up to its 300-billion limit; one that traps or runs out
 * answers only after the slices it ran, and pays for them. A management call about a canister in a
 * long execution waits until it completes, and an install waits while another is sliced on its
 * subnet (replica: `can_execute_subnet_msg`, `scheduler.rs`). A long callback that traps has its
 * cleanup run in the round of its last slice.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { instanceWithWat, submit } from '../../test/support/ingress.js';
import type { IcInstance } from '../instance.js';
import { wat } from '../../test/support/wat.js';
import { MAX_INGRESS_TTL_NS } from '../constants.js';

const MiB = 1 << 20;
// `long`: as many 1 MiB fills as its argument (a u32) says, about 1.05 million instructions each,
// then counts itself at address 8, grows the memory and the stable memory by a page each, and
// replies the instructions it used; `long_trap` runs 4,100 fills, logs a line and traps; `ping`
// replies at once; the query `state` replies the count,
// the memory's size and the stable memory's size (u32, u32, u64).
const SOURCE = `(module
  (import "ic0" "msg_arg_data_copy" (func $arg (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "performance_counter" (func $pc (param i32) (result i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (memory 40)
  (data (i32.const 64) "long done")
  (data (i32.const 80) "about to trap")
  (func $fills (param $n i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (memory.fill (i32.const ${MiB}) (i32.const 1) (i32.const ${MiB}))
      (br $l))))
  (func (export "canister_update long")
    (call $arg (i32.const 0) (i32.const 0) (i32.const 4))
    (call $fills (i32.load (i32.const 0)))
    (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
    (drop (memory.grow (i32.const 1)))
    (drop (call $stable_grow (i64.const 1)))
    (call $print (i32.const 64) (i32.const 9))
    (i64.store (i32.const 0) (call $pc (i32.const 0)))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
  (func (export "canister_query state")
    (i32.store (i32.const 12) (memory.size))
    (i64.store (i32.const 16) (call $stable_size))
    (call $append (i32.const 8) (i32.const 16))
    (call $reply))
  (func (export "canister_update long_trap")
    (call $fills (i32.const 4100))
    (call $print (i32.const 80) (i32.const 13))
    (unreachable))
  (func (export "canister_update ping") (call $reply)))`;

const setUp = () => instanceWithWat('slicing', SOURCE);

const mgmt = Principal.managementCanister();
const CanisterId = IDL.Record({ canister_id: IDL.Principal });
const Install = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });

/** Submits `canister_status` of `id`, as its controller (the anonymous principal) would. */
const submitStatus = (ic: IcInstance, id: Principal) =>
  submit(ic, mgmt, 'canister_status', new Uint8Array(IDL.encode([CanisterId], [{ canister_id: id }])), { kind: 'canister', id });

/** A second, empty canister on the same subnet, and the ingress that installs `source` on it (submitted, not run). */
async function secondCanister(ic: IcInstance, source: string): Promise<{ other: Principal; install: () => string }> {
  const created = ic.awaitIngress(submit(ic, mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat) })], [{ amount: [10n ** 15n] }]))));
  if ('Err' in created) throw new Error(created.Err.reject_message);
  const other = (IDL.decode([CanisterId], created.Ok)[0] as unknown as { canister_id: Principal }).canister_id;
  const wasm = await wat(source);
  const payload = new Uint8Array(IDL.encode([Install], [{ mode: { install: null }, canister_id: other, wasm_module: wasm, arg: new Uint8Array() }]));
  return { other, install: () => submit(ic, mgmt, 'install_code', payload, { kind: 'canister', id: other }) };
}

/** The same canister with a `canister_post_upgrade` of `body`. */
const withPostUpgrade = (body: string) =>
  SOURCE.replace('(func (export "canister_update ping")', `(func (export "canister_post_upgrade") (local $n i32) ${body})\n  (func (export "canister_update ping")`);
/** 4,100 fills of 1 MiB: about 4.3 billion instructions. */
const FILLS_4100 = `
  (local.set $n (i32.const 4100))
  (block $done (loop $l
    (br_if $done (i32.eqz (local.get $n)))
    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
    (memory.fill (i32.const ${MiB}) (i32.const 1) (i32.const ${MiB}))
    (br $l)))`;
// `start` calls `ping` on the canister itself, with a cleanup; the reply callback runs 4,100 fills
// (about 4.3 billion instructions), logs a line and traps; the cleanup counts itself at address 24
// and logs; the query `cleanups` replies the count (u32).
const CALLBACK_SOURCE = `(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_on_cleanup" (func $on_cleanup (param i32 i32)))
  (import "ic0" "call_perform" (func $perform (result i32)))
  (memory 40)
  (table 3 funcref)
  (elem (i32.const 0) $on_reply $on_reject $cleanup)
  (data (i32.const 64) "ping")
  (data (i32.const 80) "long callback")
  (data (i32.const 96) "cleanup")
  (func $on_reply (param $env i32) (local $n i32)
    ${FILLS_4100}
    (call $print (i32.const 80) (i32.const 13))
    (unreachable))
  (func $on_reject (param $env i32))
  (func $cleanup (param $env i32)
    (i32.store (i32.const 24) (i32.add (i32.load (i32.const 24)) (i32.const 1)))
    (call $print (i32.const 96) (i32.const 7)))
  (func (export "canister_update start")
    (call $self_copy (i32.const 200) (i32.const 0) (call $self_size))
    (call $call_new (i32.const 200) (call $self_size) (i32.const 64) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $on_cleanup (i32.const 2) (i32.const 0))
    (drop (call $perform)))
  (func (export "canister_update ping")
    (call $print (i32.const 64) (i32.const 4))
    (call $reply))
  (func (export "canister_query cleanups")
    (call $append (i32.const 24) (i32.const 4))
    (call $reply)))`;
/** What the query `state` replies: the count `long` keeps, the memory's size and the stable memory's size, in pages. */
function readState(ic: IcInstance, id: Principal): { count: number; pages: number; stablePages: bigint } {
  const result = ic.query(Principal.anonymous(), id, 'state', new Uint8Array(), { kind: 'none' });
  if (!('Ok' in result)) throw new Error(JSON.stringify(result));
  const view = new DataView(result.Ok.buffer, result.Ok.byteOffset);
  return { count: view.getUint32(0, true), pages: view.getUint32(4, true), stablePages: view.getBigUint64(8, true) };
}

/** `wasm` with an empty custom section `icp:private <name>` appended (metadata such as enhanced orthogonal persistence's). */
function withPrivateSection(wasm: Uint8Array, name: string): Uint8Array {
  const title = new TextEncoder().encode(`icp:private ${name}`);
  const body = [title.length, ...title]; // both lengths stay under 128: one LEB128 byte each
  return new Uint8Array([...wasm, 0, body.length, ...body]);
}

const UpgradeWithOptions = IDL.Record({
  mode: IDL.Variant({ upgrade: IDL.Opt(IDL.Record({ wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) })) }),
  canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8),
});
const Upgrade = IDL.Record({ mode: IDL.Variant({ upgrade: IDL.Opt(IDL.Record({})) }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });

/** Submits an upgrade of `id` to the WAT `source`, as a controller's ingress to the management canister. */
async function submitUpgrade(ic: IcInstance, id: Principal, source: string): Promise<{ upgrade: string; payload: Uint8Array }> {
  const payload = new Uint8Array(IDL.encode([Upgrade], [{ mode: { upgrade: [] }, canister_id: id, wasm_module: await wat(source), arg: new Uint8Array() }]));
  return { upgrade: submit(ic, Principal.managementCanister(), 'install_code', payload, { kind: 'canister', id }), payload };
}

describe('deterministic time slicing', () => {
  it('completes a 4.3-billion-instruction update in its third round, running nothing else on the canister meanwhile', async () => {
    const { ic, id } = await setUp();
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, 4100, true);
    const long = submit(ic, id, 'long', count);
    const ping = submit(ic, id, 'ping', new Uint8Array());
    // Not yet inducted: the IC does not know them (IC spec § Request status: unknown).
    expect(ic.ingressRecord(long)!.state).toBeUndefined();
    ic.tick(); // the first slice of `long`; `ping` waits behind it
    expect(ic.ingressStatus(long)).toBeUndefined();
    expect(ic.ingressStatus(ping)).toBeUndefined();
    expect(ic.ingressRecord(long)!.state).toBe('processing');
    expect(ic.ingressRecord(ping)!.state).toBe('received');
    ic.tick(); // the second slice
    expect(ic.ingressStatus(long)).toBeUndefined();
    expect(ic.ingressStatus(ping)).toBeUndefined();
    ic.tick(); // the last slice: `long` completes, then `ping` runs
    const done = ic.ingressStatus(long);
    if (!done || 'Err' in done) throw new Error(`long did not complete: ${JSON.stringify(done)}`);
    expect(ic.ingressStatus(ping)).toBeDefined();
    const used = new DataView(done.Ok.buffer, done.Ok.byteOffset).getBigUint64(0, true);
    expect(used).toBeGreaterThan(4_000_000_000n);
    expect(used).toBeLessThan(6_000_000_000n);
  });

  it('holds a management call about a canister in a long update until the update completes; others run meanwhile', async () => {
    const { ic, id } = await setUp();
    const { other, install } = await secondCanister(ic, SOURCE);
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, 4100, true);
    const long = submit(ic, id, 'long', count);
    ic.tick(); // the first slice of `long`
    const status = submitStatus(ic, id);
    const otherStatus = submitStatus(ic, other);
    const otherInstall = install();
    ic.tick(); // the second slice: the calls about the other canister run, the one about this canister waits
    expect(ic.ingressStatus(status)).toBeUndefined();
    expect(ic.ingressStatus(otherStatus)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(ic.ingressStatus(otherInstall)).toEqual({ Ok: expect.any(Uint8Array) }); // a long update holds up no install
    ic.tick(); // the last slice: `long` completes, then the status call runs
    expect(ic.ingressStatus(long)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(ic.ingressStatus(status)).toEqual({ Ok: expect.any(Uint8Array) });
  });

  it('holds an install on the subnet while a long install runs, as the replica installs one at a time', async () => {
    const { ic, id } = await setUp();
    const { other, install } = await secondCanister(ic, SOURCE);
    const { upgrade } = await submitUpgrade(ic, id, withPostUpgrade(FILLS_4100));
    ic.tick(); // the first slice of the upgrade
    const otherInstall = install();
    const otherStatus = submitStatus(ic, other);
    ic.tick(); // the second slice: the other canister's status runs; its install waits
    expect(ic.ingressStatus(otherStatus)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(ic.ingressStatus(otherInstall)).toBeUndefined();
    ic.tick(); // the last slice: the upgrade completes, then the install runs
    expect(ic.ingressStatus(upgrade)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(ic.ingressStatus(otherInstall)).toEqual({ Ok: expect.any(Uint8Array) });
  });

  it("keeps a long update's changes out of the canister until its last slice: queries meanwhile see the state before it", async () => {
    const { ic, id } = await setUp();
    const state = () => readState(ic, id);
    const before = { count: 0, pages: 40, stablePages: 0n };
    expect(state()).toEqual(before);
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, 4100, true);
    const long = submit(ic, id, 'long', count);
    ic.tick(); // the first slice
    expect(state()).toEqual(before);
    ic.tick(); // the second slice
    expect(state()).toEqual(before);
    const logged = () => ic.canister(id.toText())!.logs.map((r) => new TextDecoder().decode(r.content));
    expect(logged()).toEqual([]);
    ic.tick(); // the last slice: its changes are the canister's, its log line too
    expect(ic.ingressStatus(long)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(state()).toEqual({ count: 1, pages: 41, stablePages: 1n });
    expect(logged()).toEqual(['long done']);
    // The memory the fills wrote came back with the rest.
    expect(ic.canister(id.toText())!.instance!.heap.read(MiB, 4)).toEqual(new Uint8Array([1, 1, 1, 1]));
    // And a short update after it builds on it.
    const again = new Uint8Array(4);
    new DataView(again.buffer).setUint32(0, 1, true);
    expect(ic.awaitIngress(submit(ic, id, 'long', again))).toEqual({ Ok: expect.any(Uint8Array) });
    expect(state()).toEqual({ count: 2, pages: 42, stablePages: 2n });
  });

  it("logs the lines of a long update that traps at its last slice, when it is rejected", async () => {
    const { ic, id } = await setUp();
    const logged = () => ic.canister(id.toText())!.logs.map((r) => new TextDecoder().decode(r.content));
    const failing = submit(ic, id, 'long_trap', new Uint8Array());
    ic.tick();
    ic.tick();
    expect(logged()).toEqual([]);
    ic.tick();
    expect(ic.ingressStatus(failing)).toMatchObject({ Err: { error_code: 'CanisterTrapped' } });
    expect(logged()).toEqual(['about to trap', expect.stringContaining('unreachable')]);
  });

  it("runs the cleanup of a long callback that traps at its last slice, after the callback's log lines; until then queries see neither", async () => {
    const { ic, id } = await instanceWithWat('slicing-cleanup', CALLBACK_SOURCE);
    const logged = () => ic.canister(id.toText())!.logs.map((r) => new TextDecoder().decode(r.content));
    const cleanups = () => {
      const result = ic.query(Principal.anonymous(), id, 'cleanups', new Uint8Array(), { kind: 'none' });
      if (!('Ok' in result)) throw new Error(JSON.stringify(result));
      return new DataView(result.Ok.buffer, result.Ok.byteOffset).getUint32(0, true);
    };
    const start = submit(ic, id, 'start', new Uint8Array());
    // `start` calls `ping` on the canister itself; once `ping` has replied, the reply callback runs
    // 4,100 fills over three rounds, logs a line and traps.
    let rounds = 0;
    while (!logged().includes('ping')) {
      ic.tick();
      if (++rounds > 5) throw new Error('ping never ran');
    }
    let held = 0;
    while (ic.ingressStatus(start) === undefined) {
      expect(cleanups()).toBe(0);
      expect(logged()).toEqual(['ping']);
      ic.tick();
      held++;
      if (held > 6) throw new Error('the callback never completed');
    }
    expect(held).toBeGreaterThanOrEqual(2); // the callback took slices of its own
    expect(cleanups()).toBe(1);
    expect(logged()).toEqual(['ping', 'long callback', expect.stringContaining('unreachable'), 'cleanup']);
    expect(ic.ingressStatus(start)).toMatchObject({ Err: { error_code: 'CanisterTrapped' } });
  });

  it('completes a short update in the round it starts', async () => {
    const { ic, id } = await setUp();
    const ping = submit(ic, id, 'ping', new Uint8Array());
    ic.tick();
    expect(ic.ingressStatus(ping)).toBeDefined();
  });

  it('completes an upgrade whose post_upgrade runs 4.3 billion instructions in its third round, an update waiting behind it', async () => {
    const { ic, id } = await setUp();
    const { upgrade } = await submitUpgrade(ic, id, withPostUpgrade(FILLS_4100));
    const ping = submit(ic, id, 'ping', new Uint8Array());
    ic.tick(); // the first slice of the upgrade; `ping` waits behind it
    expect(ic.ingressStatus(upgrade)).toBeUndefined();
    expect(ic.ingressStatus(ping)).toBeUndefined();
    ic.tick(); // the second slice
    expect(ic.ingressStatus(upgrade)).toBeUndefined();
    expect(ic.ingressStatus(ping)).toBeUndefined();
    ic.tick(); // the last slice: the upgrade completes, then `ping` runs
    expect(ic.ingressStatus(upgrade)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(ic.ingressStatus(ping)).toEqual({ Ok: expect.any(Uint8Array) });
  });

  it('keeps a long upgrade out of the canister until its last slice: queries meanwhile run the old module on the old memories', async () => {
    const { ic, id } = await setUp();
    const once = new Uint8Array(4); // a `long` of no fills: count 1, one more page of each memory
    expect(ic.awaitIngress(submit(ic, id, 'long', once))).toEqual({ Ok: expect.any(Uint8Array) });
    const before = { count: 1, pages: 41, stablePages: 1n };
    expect(readState(ic, id)).toEqual(before);
    const oldHash = ic.canister(id.toText())!.module!.hashHex;
    // The new module's post_upgrade runs 4,100 fills, then sets the count to 100 and grows the stable memory.
    const source = withPostUpgrade(`${FILLS_4100} (i32.store (i32.const 8) (i32.const 100)) (drop (call $stable_grow (i64.const 1)))`);
    const { upgrade } = await submitUpgrade(ic, id, source);
    ic.tick();
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toBeUndefined();
    expect(readState(ic, id)).toEqual(before);
    expect(ic.canister(id.toText())!.module!.hashHex).toBe(oldHash);
    ic.tick(); // the last slice
    expect(ic.ingressStatus(upgrade)).toEqual({ Ok: expect.any(Uint8Array) });
    // A fresh heap (no wasm_memory_persistence), the stable memory kept and grown by post_upgrade.
    expect(readState(ic, id)).toEqual({ count: 100, pages: 40, stablePages: 2n });
    expect(ic.canister(id.toText())!.module!.hashHex).toBe(createHash('sha256').update(await wat(source)).digest('hex'));
  });

  it('keeps a long upgrade that keeps the Wasm memory out of the canister until its last slice, and then applies it to the kept memory', async () => {
    const { ic, id } = await setUp();
    const eop = async (source: string) => withPrivateSection(await wat(source), 'enhanced-orthogonal-persistence');
    const payload = (wasm: Uint8Array, keep: boolean) => new Uint8Array(IDL.encode([UpgradeWithOptions], [{
      mode: { upgrade: [{ wasm_memory_persistence: [keep ? { keep: null } : { replace: null }] }] }, canister_id: id, wasm_module: wasm, arg: new Uint8Array(),
    }]));
    // First a short upgrade to a module with enhanced orthogonal persistence, then one `long` of no fills.
    expect(ic.awaitIngress(submit(ic, mgmt, 'install_code', payload(await eop(SOURCE), false), { kind: 'canister', id }))).toEqual({ Ok: expect.any(Uint8Array) });
    expect(ic.awaitIngress(submit(ic, id, 'long', new Uint8Array(4)))).toEqual({ Ok: expect.any(Uint8Array) });
    const before = { count: 1, pages: 41, stablePages: 1n };
    expect(readState(ic, id)).toEqual(before);
    // post_upgrade: 4,100 fills, then the count goes up by 10 and the memory grows by 2 pages.
    const next = await eop(withPostUpgrade(`${FILLS_4100} (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 10))) (drop (memory.grow (i32.const 2)))`));
    const upgrade = submit(ic, mgmt, 'install_code', payload(next, true), { kind: 'canister', id });
    ic.tick();
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toBeUndefined();
    expect(readState(ic, id)).toEqual(before);
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(readState(ic, id)).toEqual({ count: 11, pages: 43, stablePages: 1n });
    expect(ic.awaitIngress(submit(ic, id, 'long', new Uint8Array(4)))).toEqual({ Ok: expect.any(Uint8Array) });
    expect(readState(ic, id)).toEqual({ count: 12, pages: 44, stablePages: 2n });
  });

  it('leaves a canister empty until the last slice of a long install: queries meanwhile find no module', async () => {
    const { ic } = await setUp();
    const { other, install } = await secondCanister(ic, SOURCE.replace('(func (export "canister_update ping")', `(func (export "canister_init") (local $n i32) ${FILLS_4100})\n  (func (export "canister_update ping")`));
    const installing = install();
    ic.tick();
    ic.tick();
    expect(ic.ingressStatus(installing)).toBeUndefined();
    expect(ic.query(Principal.anonymous(), other, 'state', new Uint8Array(), { kind: 'none' })).toMatchObject({ Err: { error_code: 'CanisterWasmModuleNotFound' } });
    expect(ic.canister(other.toText())!.module).toBeUndefined();
    ic.tick();
    expect(ic.ingressStatus(installing)).toEqual({ Ok: expect.any(Uint8Array) });
    expect(readState(ic, other)).toEqual({ count: 0, pages: 40, stablePages: 0n });
  });

  it('completes a short upgrade in the round it starts', async () => {
    const { ic, id } = await setUp();
    const { upgrade } = await submitUpgrade(ic, id, SOURCE);
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toEqual({ Ok: expect.any(Uint8Array) });
  });

  it('fails an ingress message still queued behind a long update past its expiry, as the replica purges it at a round', async () => {
    const { ic, id } = await setUp();
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, 4100, true);
    const long = submit(ic, id, 'long', count);
    const ping = submit(ic, id, 'ping', new Uint8Array()); // expires 5 minutes after submission
    ic.tick(); // the first slice of `long`; `ping` waits
    ic.setTime(ic.time + MAX_INGRESS_TTL_NS + 1n);
    ic.tick(); // the second slice: `ping` is past its expiry
    expect(ic.ingressStatus(ping)).toMatchObject({ Err: {
      reject_code: 2, error_code: 'IngressMessageTimeout',
      reject_message: `Ingress message ${Buffer.from(ping, 'base64').toString('hex')} timed out waiting to start executing.`,
    } });
    ic.tick(); // `long` completes: it started before its own expiry
    expect(ic.ingressStatus(long)).toEqual({ Ok: expect.any(Uint8Array) });
  });

  it('refuses an upgrade whose post_upgrade traps after 4.3 billion instructions in its third round, charging what ran', async () => {
    const { ic, id } = await setUp();
    const before = ic.canister(id.toText())!.cycles;
    const { upgrade, payload } = await submitUpgrade(ic, id, withPostUpgrade(`${FILLS_4100} (unreachable)`));
    ic.tick();
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toBeUndefined();
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toMatchObject({ Err: { reject_message: expect.stringContaining('unreachable') } });
    // The base fee and 1 cycle per instruction (4.0–5.0 billion of them), and the message's ingress fee.
    const paid = before - ic.canister(id.toText())!.cycles;
    expect(paid).toBeGreaterThan(5_000_000n + 4_000_000_000n);
    expect(paid).toBeLessThan(5_000_000n + 5_000_000_000n + 1_200_000n + 2_000n * BigInt(payload.length + 'install_code'.length));
  });

  it('refuses an upgrade whose post_upgrade never ends when it reaches the 300-billion limit, 150 rounds on, keeping the old code', async () => {
    const { ic, id } = await setUp();
    const { upgrade } = await submitUpgrade(ic, id, withPostUpgrade(`(loop $l (memory.fill (i32.const ${MiB}) (i32.const 1) (i32.const ${MiB})) (br $l))`));
    for (let round = 1; round < 150; round++) ic.tick();
    expect(ic.ingressStatus(upgrade)).toBeUndefined();
    ic.tick();
    expect(ic.ingressStatus(upgrade)).toMatchObject({ Err: {
      error_code: 'CanisterInstructionLimitExceeded',
      reject_message: expect.stringContaining('Canister exceeded the limit of 300000000000 instructions for single message execution.'),
    } });
    expect(ic.canister(id.toText())!.module!.hashHex).toBe(createHash('sha256').update(await wat(SOURCE)).digest('hex'));
  }, 60_000);
});
