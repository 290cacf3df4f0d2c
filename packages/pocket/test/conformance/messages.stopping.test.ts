/**
 * Stopping and stopped canisters (IC interface spec § Canister status, § IC method stop_canister,
 * § IC method start_canister): a canister with an open call context stays `stopping` while it
 * refuses new calls and still processes responses; once its last call context closes it is
 * `stopped` and `stop_canister` replies; a stopped canister refuses calls until started again.
 *
 * The open call context: proxy A calls the waiter's `wait`, which keeps polling `raw_rand` (one
 * round each time) until the test calls `release`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { install, newPic, readI32, untext, type Principal } from '../support/canister.js';
import {
  CanisterIdRecord, MANAGEMENT, callSpec, ingress, fireIdl, outcome, proxyWasm, rejectOf, replyOf, viaProxy, waiterWasm, IDL,
  Principal as P,
} from '../support/messages.js';

interface Fire { fire(): Promise<() => Promise<void>> }
interface StopActor { stop_canister(arg: { canister_id: Principal }): Promise<() => Promise<void>> }
const stopIdl: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({ stop_canister: I.Func([CanisterIdRecord], [], []) });

describe('stopping and stopped canisters', () => {
  let pic: PocketIc;
  let a: Principal; // the canister that gets stopped (a proxy)
  let c: Principal; // another proxy, a controller of A
  let waiter: Principal;

  const status = async (id: Principal) => Object.keys((await pic.canisterStatus({ canisterId: id })).status)[0];
  const pingError = (id: Principal) => pic.updateCall({ canisterId: id, method: 'ping' }).then(() => 'replied', (e: Error) => e.message);

  /** Submits A.fire (A calls waiter.wait) and runs rounds until A is waiting; returns the awaiter. */
  async function openCall(): Promise<() => Promise<void>> {
    await pic.updateCall({ canisterId: a, method: 'prepare', arg: callSpec(waiter, 'wait') });
    const deferred = pic.createDeferredActor(fireIdl, a) as unknown as Fire;
    const done = await deferred.fire();
    await pic.tick(3);
    return done;
  }

  beforeAll(async () => {
    pic = await newPic();
    c = await install(pic, await proxyWasm());
    a = await install(pic, await proxyWasm(), { controllers: [P.anonymous(), c] });
    waiter = await install(pic, await waiterWasm());
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('keeps a canister with an open call context stopping, refusing new calls, until the context closes', async () => {
    const waitDone = await openCall();
    const stopper = pic.createDeferredActor(stopIdl, MANAGEMENT) as unknown as StopActor;
    const stopDone = await stopper.stop_canister({ canister_id: a });
    await pic.tick(2);

    expect(await status(a)).toBe('stopping');
    // Ingress to a stopping canister is refused.
    const error = await pingError(a);
    expect(error).toContain(`Canister ${a.toText()} is stopping`);
    expect(error).toMatch(/CanisterStopping|IC0509/);
    // A stopping canister is not stopped: it cannot be deleted yet.
    const deletion = await ingress(pic, 'delete_canister', CanisterIdRecord, { canister_id: a }).then(() => 'deleted', (e: Error) => e.message);
    expect(deletion).toContain(`Canister ${a.toText()} must be stopped before it is deleted.`);
    // Calls from other canisters are refused too, with CANISTER_ERROR.
    const r = rejectOf(await viaProxy(pic, c, a, 'ping'));
    expect(r.code).toBe(5);
    expect(r.message).toContain(`Canister ${a.toText()} is stopping`);

    // The open call completes: the stopping canister still processes the response.
    await pic.updateCall({ canisterId: waiter, method: 'release' });
    await stopDone();
    // A's `fire` is answered only by its reply callback: the stopping canister processed the response.
    await waitDone();
    expect(await status(a)).toBe('stopped');
  });

  it('refuses calls to a stopped canister, by ingress, query and from canisters', async () => {
    expect(await status(a)).toBe('stopped');
    const error = await pingError(a);
    expect(error).toContain(`Canister ${a.toText()} is stopped`);
    expect(error).toMatch(/CanisterStopped|IC0508/);
    await expect(pic.queryCall({ canisterId: a, method: 'q_ping' })).rejects.toThrow(`Canister ${a.toText()} is stopped`);
    const r = rejectOf(await viaProxy(pic, c, a, 'ping'));
    expect(r.code).toBe(5);
    expect(r.message).toContain(`Canister ${a.toText()} is stopped`);
  });

  it('replies at once to stop_canister on a stopped canister', async () => {
    await pic.stopCanister({ canisterId: a });
    expect(await status(a)).toBe('stopped');
  });

  it('still accepts management calls for a stopped canister: it can be upgraded while stopped', async () => {
    await pic.upgradeCanister({ canisterId: a, wasm: await proxyWasm() });
    expect(await status(a)).toBe('stopped');
  });

  it('runs the canister again after start_canister', async () => {
    await pic.startCanister({ canisterId: a });
    expect(await status(a)).toBe('running');
    expect(readI32(await pic.updateCall({ canisterId: a, method: 'ping' }))).toBe(7);
    expect(readI32(await pic.queryCall({ canisterId: a, method: 'q_ping' }))).toBe(7);
  });

  it('lets a stopping canister go on making calls from its callbacks (and so stay stopping)', async () => {
    // Here the waiter itself is stopped while its own call context waits on raw_rand.
    const w = await install(pic, await waiterWasm(), { controllers: [P.anonymous(), c] });
    await pic.updateCall({ canisterId: a, method: 'prepare', arg: callSpec(w, 'wait') });
    const waitDone = await (pic.createDeferredActor(fireIdl, a) as unknown as Fire).fire();
    await pic.tick(2);
    const pollsBefore = readI32(await pic.queryCall({ canisterId: w, method: 'polls' }));

    await pic.updateCall({ canisterId: c, method: 'prepare', arg: callSpec(MANAGEMENT, 'stop_canister', new Uint8Array(IDL.encode([CanisterIdRecord], [{ canister_id: w }]))) });
    const stopDone = await (pic.createDeferredActor(fireIdl, c) as unknown as Fire).fire();
    await pic.tick(6);
    expect(await status(w)).toBe('stopping');

    await pic.startCanister({ canisterId: w });
    await stopDone();
    const pollsAfter = readI32(await pic.queryCall({ canisterId: w, method: 'polls' }));
    expect(pollsAfter).toBeGreaterThanOrEqual(pollsBefore + 5); // one raw_rand call per round, made while stopping
    await pic.updateCall({ canisterId: w, method: 'release' });
    await waitDone();
  });

  it('cancels a pending stop_canister when the canister is started while stopping', async () => {
    const fresh = await install(pic, await waiterWasm());
    waiter = fresh;
    const waitDone = await openCall();
    // C asks to stop A; A cannot stop while its call is open.
    await pic.updateCall({ canisterId: c, method: 'prepare', arg: callSpec(MANAGEMENT, 'stop_canister', new Uint8Array(IDL.encode([CanisterIdRecord], [{ canister_id: a }]))) });
    const stopDone = await (pic.createDeferredActor(fireIdl, c) as unknown as Fire).fire();
    await pic.tick(2);
    expect(await status(a)).toBe('stopping');

    await pic.startCanister({ canisterId: a });
    await stopDone();
    const r = rejectOf(outcome(await pic.queryCall({ canisterId: c, method: 'last' })));
    // The replica answers a canister's cancelled stop with CANISTER_REJECT (4) and
    // "Canister <id>'s stop request cancelled"; the spec says CANISTER_ERROR (5).
    expect([4, 5]).toContain(r.code);
    expect(r.message).toContain(`Canister ${a.toText()}'s stop request`);
    expect(r.message).toContain('cancelled');
    expect(await status(a)).toBe('running');

    await pic.updateCall({ canisterId: waiter, method: 'release' });
    await waitDone();
    expect(untext(replyOf(outcome(await pic.queryCall({ canisterId: a, method: 'last' }))))).toBe('done');
  });
});
