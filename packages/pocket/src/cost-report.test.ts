import { IDL } from '@dfinity/candid';
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { canister } from '../test/support/canister.js';
import { ingressFee } from '../test/support/ingress-fee.js';
import { calleeWasm, callSpec, proxyWasm } from '../test/support/messages.js';
import { cycleBalances, cyclesToUsd, noFees, summarizeCosts, unaccountedCycles } from './cost-report.js';
import { costTableRow, feeBreakdown } from './cost-table.js';
import type { IcInstance } from './instance.js';
import * as SnapshotIdl from './management/snapshot-idl.js';
import { PocketServer } from './server/http-server.js';
import type { ExecutionRecord, FeeKind, FeeRecord } from './stats.js';

const rec = (canister: string, kind: string, instructions: bigint, method = `m${kind}`): ExecutionRecord => ({ canister, kind, method, instructions, trapped: false });
const fee = (canister: string, kind: FeeKind, cycles: bigint): FeeRecord => ({ canister, kind, cycles });
const only = (executions: ExecutionRecord[], fees: FeeRecord[] = []) => ({ executions, fees });

describe('summarizeCosts', () => {
  it('counts an upgrade (pre-upgrade, start, post-upgrade) as one message under the install limit', () => {
    const s = summarizeCosts(only([
      rec('a', 'G', 1_000_000_000n, 'canister_pre_upgrade'), rec('a', 's', 500_000_000n, 'start'), rec('a', 'I', 1_500_000_000n, 'canister_post_upgrade'),
      rec('b', 's', 10n, 'start'), rec('b', 'I', 20n, 'canister_init'),
    ]));
    expect(s.executions).toBe(2);
    expect(s.heaviest).toBe(3_000_000_000n);
    expect(s.heaviestMethod).toBe('canister_post_upgrade');
    expect(s.limit).toBe(300_000_000_000n);
    expect(s.percentOfLimit).toBeCloseTo(1, 6);
  });

  it('counts compiling the module as a stage of its install, and each install of a canister apart', () => {
    const s = summarizeCosts(only([
      rec('a', 'G', 1_000n, 'canister_pre_upgrade'), rec('a', 'compile', 9_000_000_000n, 'compile'), rec('a', 'I', 2_000n, 'canister_post_upgrade'),
      rec('b', 'compile', 30_000_000n, 'compile'), rec('b', 's', 10n, 'start'), rec('b', 'I', 20n, 'canister_init'),
      rec('b', 'compile', 25_000_000n, 'compile'), rec('b', 'I', 20n, 'canister_init'),
      rec('c', 'compile', 40_000_000n, 'compile'),
    ]));
    expect(s.executions).toBe(4);
    expect(s.heaviest).toBe(9_000_003_000n);
    expect(s.heaviestKind).toBe('I');
    expect(s.heaviestMethod).toBe('canister_post_upgrade');
    expect(s.total).toBe(9_000_003_000n + 30_000_030n + 25_000_020n + 40_000_000n);
    // A module without init or post-upgrade: its install is its compilation, under the install limit.
    expect(summarizeCosts(only([rec('c', 'compile', 40_000_000n, 'compile')])).limit).toBe(300_000_000_000n);
  });

  it('names the heaviest message and, apart, the one closest to its limit', () => {
    const s = summarizeCosts(only([rec('a', 'F', 100_000_000n), rec('a', 'U', 800_000_000n), rec('a', 'NRQ', 2_000_000_000n), rec('b', 'U', 39_000_000_000n)]), 'a');
    expect(s.executions).toBe(3);
    expect(s.heaviest).toBe(2_000_000_000n);
    expect(s.heaviestKind).toBe('NRQ');
    expect(s.percentOfLimit).toBeCloseTo(40, 6);
    expect(s.closest.kind).toBe('F');
    expect(s.closest.percentOfLimit).toBeCloseTo(50, 6);
    expect(s.total).toBe(2_900_000_000n);
  });

  it('adds up the fees the canisters paid by kind, storage apart, and those of one canister when asked', () => {
    const fees = [
      fee('a', 'ingressMessage', 1_200_000n), fee('a', 'ingressBytes', 20_000n), fee('a', 'execution', 5_000_000n), fee('a', 'instructions', 400n),
      fee('a', 'callMessage', 260_000n), fee('a', 'requestBytes', 7_000n), fee('a', 'replyBytes', 3_000n), fee('a', 'storage', 99n),
      fee('b', 'execution', 5_000_000n), fee('b', 'creation', 500_000_000_000n),
    ];
    const all = summarizeCosts(only([], fees));
    expect(all.cycles).toBe(1_200_000n + 20_000n + 5_000_000n + 400n + 260_000n + 7_000n + 3_000n + 5_000_000n + 500_000_000_000n);
    expect(all.fees.storage).toBe(99n);
    expect(all.fees.execution).toBe(10_000_000n);
    const a = summarizeCosts(only([], fees), 'a');
    expect(a.cycles).toBe(1_200_000n + 20_000n + 5_000_000n + 400n + 260_000n + 7_000n + 3_000n);
    expect(a.fees.creation).toBe(0n);
    expect(feeBreakdown(a.fees)).toBe('exec 5.0 M · msg 1.5 M · bytes 30,000');
    expect(feeBreakdown(all.fees, { label: 'creation on mainnet', cycles: 10n })).toBe('exec 10.0 M · msg 1.5 M · bytes 30,000 · creation 500.00 B · creation on mainnet 10');
    expect(feeBreakdown(noFees())).toBe('–');
  });

  it('prices cycles at 1 XDR = 10^12 cycles', () => {
    expect(cyclesToUsd(2_000_000_000_000n, 1.36)).toBeCloseTo(2.72, 10);
  });
});

describe('unaccountedCycles', () => {
  it('is what left the balances beyond the fees noted; cycles moved between canisters cancel out', () => {
    const before = new Map([['a', 1_000n], ['b', 500n]]);
    // a sent 300 to c (created) and paid 50 in fees; b paid 20.
    const after = new Map([['a', 650n], ['b', 480n], ['c', 300n]]);
    expect(unaccountedCycles({ fees: [fee('a', 'execution', 50n), fee('b', 'storage', 20n)] }, before, after)).toBe(0n);
    expect(unaccountedCycles({ fees: [fee('a', 'execution', 50n)] }, before, after)).toBe(20n);
    // d was created with 1,000 cycles minted, and paid 10 of them.
    const withD = new Map([...after, ['d', 990n]]);
    expect(unaccountedCycles({ fees: [fee('a', 'execution', 50n), fee('b', 'storage', 20n), fee('d', 'execution', 10n)], minted: [{ canister: 'd', cycles: 1_000n }] }, before, withD)).toBe(0n);
  });
});

describe('costTableRow', () => {
  it('marks a row whose message passes 25% of its limit, and only such a row', () => {
    const fees = [fee('a', 'execution', 5_000_000n), fee('a', 'instructions', 5_595_000_000n), fee('a', 'ingressMessage', 1_200_000n), fee('a', 'ingressBytes', 2_000_000n)];
    const over = costTableRow({ operation: 'big', summary: summarizeCosts(only([rec('a', 'U', 13_987_500_000n, 'canister_update commit_batch')], fees)), names: { a: 'asset' } });
    expect(over).toBe('| ⚠ big | 13.99 B (update, asset commit_batch) | **35.0% of 40 B** | 13.99 B | 1 | 5.60 B | exec 5.60 B · msg 1.2 M · bytes 2.0 M | $0.0076 |');
    const under = costTableRow({ operation: 'small', summary: summarizeCosts(only([rec('a', 'U', 8_000_000_000n)])) });
    expect(under.startsWith('| small |')).toBe(true);
    expect(under).not.toContain('⚠');
  });
});

/**
 * One operation whose fees can be worked out by hand on the fee table of a 13-node application
 * subnet: a user's ingress message to a proxy canister, which calls a callee canister's `echo`
 * with a 100-byte argument; the callee replies it and the proxy's callback replies to the user.
 */
describe('the fees of an operation, as charged by the emulator', () => {
  let server: PocketServer;
  let pic: PocketIc;
  let ic: IcInstance;
  let proxy: string;
  let callee: string;
  let proxyId: Awaited<ReturnType<PocketIc['createCanister']>>;
  let calleeId: typeof proxyId;

  beforeAll(async () => {
    server = new PocketServer({});
    pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`);
    ic = server.api.instance(0)!;
    proxyId = await pic.createCanister();
    await pic.installCode({ canisterId: proxyId, wasm: await proxyWasm() });
    calleeId = await pic.createCanister();
    await pic.installCode({ canisterId: calleeId, wasm: await calleeWasm() });
    proxy = proxyId.toText();
    callee = calleeId.toText();
  });
  afterAll(async () => {
    await pic?.tearDown();
    await server?.close();
  });

  /** Runs the proxy's `call` of `method` with `payload`; returns the arg the ingress message carried. */
  async function viaProxy(method: string, payload: Uint8Array): Promise<Uint8Array> {
    const arg = callSpec(calleeId as never, method, payload);
    await pic.updateCall({ canisterId: proxyId, method: 'call', arg });
    return arg;
  }
  const instructionsOf = (canister: string, kind: string) => ic.stats.executions.filter((r) => r.canister === canister && r.kind === kind).map((r) => r.instructions);
  /** Execution of one replicated message: 5 M, and 10 cycles per 10 instructions. */
  const execution = (instructions: bigint) => 5_000_000n + instructions;

  it('charges ingress, execution, the call and both ways of its bytes, and notes every cycle', async () => {
    ic.stats.reset();
    const before = cycleBalances(ic.canistersInOrder());
    const payload = new Uint8Array(100).fill(7);
    const arg = await viaProxy('echo', payload);
    const after = cycleBalances(ic.canistersInOrder());

    const [update] = instructionsOf(proxy, 'U');
    const [callback] = instructionsOf(proxy, 'Ry');
    const [echo] = instructionsOf(callee, 'U');
    expect([update, callback, echo].every((n) => n !== undefined && n > 0n)).toBe(true);
    // The proxy: the ingress message (1.2 M, and 2,000 per byte of the request PocketIC builds), its
    // update and its callback (5 M each and 1 per instruction), the call (260 K, and 1,000 per
    // byte of "echo" and the argument) and the reply's 100 bytes (1,000 each).
    const ingress = ingressFee('call', arg, { canister: proxyId });
    const call = 260_000n + 1_000n * BigInt('echo'.length + 100);
    const reply = 1_000n * 100n;
    const p = summarizeCosts(ic.stats, proxy);
    expect(p.fees.ingressMessage + p.fees.ingressBytes).toBe(ingress);
    expect(p.fees.callMessage).toBe(260_000n);
    expect(p.fees.requestBytes + p.fees.callMessage).toBe(call);
    expect(p.fees.replyBytes).toBe(reply);
    expect(p.fees.execution + p.fees.instructions).toBe(execution(update!) + execution(callback!));
    expect(p.cycles).toBe(ingress + execution(update!) + call + reply + execution(callback!));
    // The callee pays its execution only: no ingress, and the caller paid the reply's bytes.
    const c = summarizeCosts(ic.stats, callee);
    expect(c.cycles).toBe(execution(echo!));
    expect(c.fees.replyBytes + c.fees.ingressBytes + c.fees.callMessage).toBe(0n);

    // What left the balances is what was noted, and nothing else (storage over time included,
    // should the clock have passed a charge).
    const both = summarizeCosts(ic.stats);
    expect(both.cycles).toBe(p.cycles + c.cycles);
    expect(before.get(proxy)! - after.get(proxy)! + before.get(callee)! - after.get(callee)!).toBe(both.cycles + both.fees.storage);
    expect(unaccountedCycles(ic.stats, before, after)).toBe(0n);
  });

  it('charges the caller for a reject\'s message and code, as for a reply\'s data', async () => {
    ic.stats.reset();
    const before = cycleBalances(ic.canistersInOrder());
    const message = new TextEncoder().encode('not today');
    await viaProxy('reject', message);
    const after = cycleBalances(ic.canistersInOrder());
    const p = summarizeCosts(ic.stats, proxy);
    // The reject's bytes: its message and one byte of reject code.
    expect(p.fees.replyBytes).toBe(1_000n * BigInt(1 + message.length));
    const [update] = instructionsOf(proxy, 'U');
    const [callback] = instructionsOf(proxy, 'Rt');
    expect(p.fees.execution + p.fees.instructions).toBe(execution(update!) + execution(callback!));
    expect(unaccountedCycles(ic.stats, before, after)).toBe(0n);
  });

  it('charges a timer as a message of its own, and a snapshot as the replica does, noting both', async () => {
    // `arm` sets the global timer to a time already past: it fires in the next round.
    const timerWasm = await canister(`
      (func (export "canister_update arm") (drop (call $global_timer_set (i64.const 1))) (call $reply_empty))
      (func (export "canister_global_timer"))
    `, ['global_timer_set']);
    const timerId = await pic.createCanister();
    await pic.installCode({ canisterId: timerId, wasm: timerWasm });
    const id = timerId.toText();
    ic.stats.reset();
    const before = cycleBalances(ic.canistersInOrder());
    await pic.updateCall({ canisterId: timerId, method: 'arm', arg: new Uint8Array() });
    await pic.tick();
    const target = ic.canister(id)!;
    const taken = ic.takeCanisterSnapshot(target.controllers[0]!, target.id);
    const after = cycleBalances(ic.canistersInOrder());
    const [arm] = instructionsOf(id, 'U');
    const [timer] = instructionsOf(id, 'T');
    expect(timer).toBeDefined();
    const s = summarizeCosts(ic.stats, id);
    expect(s.fees.execution + s.fees.instructions).toBe(execution(arm!) + execution(timer!));
    // Two ingress messages: `arm`, and the snapshot's call to the management canister, which the
    // canister it is about pays for (replica: `ingress_induction_cost`).
    const snapshotArgs = IDL.encode([SnapshotIdl.TakeSnapshotArgs], [{ canister_id: target.id, replace_snapshot: [], uninstall_code: [], sender_canister_version: [] }]);
    const ingressFees = ingressFee('arm', new Uint8Array(), { canister: timerId }) + ingressFee('take_canister_snapshot', new Uint8Array(snapshotArgs), { sender: target.controllers[0]! });
    expect(s.fees.ingressMessage + s.fees.ingressBytes).toBe(ingressFees);
    // An execution of the replica's 2 B baseline instructions and one per byte copied.
    expect(s.fees.snapshot).toBe(5_000_000n + 2_000_000_000n + taken.totalSize);
    expect(s.cycles).toBe(execution(arm!) + execution(timer!) + ingressFees + s.fees.snapshot);
    expect(unaccountedCycles(ic.stats, before, after)).toBe(0n);
  });

  it('charges an install as one message: the base fee and the instructions of its stages, and its ingress to the canister', async () => {
    ic.stats.reset();
    const before = cycleBalances(ic.canistersInOrder());
    const wasm = await calleeWasm();
    await pic.reinstallCode({ canisterId: calleeId, wasm, arg: new Uint8Array([1, 0, 0, 0]) });
    const after = cycleBalances(ic.canistersInOrder());
    const c = summarizeCosts(ic.stats, callee);
    expect(c.executions).toBe(1);
    // The install_code message is paid for by the canister installed: per message, and per byte of
    // a payload that holds the module.
    expect(c.fees.ingressMessage).toBe(1_200_000n);
    expect(c.fees.ingressBytes % 2_000n).toBe(0n);
    expect(c.fees.ingressBytes / 2_000n).toBeGreaterThan(BigInt(wasm.length));
    expect(c.cycles).toBe(execution(c.total) + c.fees.ingressMessage + c.fees.ingressBytes);
    expect(unaccountedCycles(ic.stats, before, after)).toBe(0n);
  });
});
