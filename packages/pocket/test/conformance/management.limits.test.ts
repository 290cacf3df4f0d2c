/**
 * Limits and refusals (IC interface spec § Resource limits, § IC method delete_canister,
 * § IC method raw_rand): ingress payloads over 2 MiB, deleting a canister that is not stopped,
 * and management methods users may not call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { install, newPic, readI32, type Principal } from '../support/canister.js';
import {
  CanisterIdRecord, EMPTY_CANDID, IDL, MANAGEMENT, calleeWasm, decode, hex, ingress, proxyWasm, rejectOf, replyOf, viaProxy, Principal as P,
} from '../support/messages.js';

const MiB = 1024 * 1024;

describe('limits', () => {
  let pic: PocketIc;
  let callee: Principal;

  const failure = (p: Promise<unknown>) => p.then(() => 'succeeded', (e: Error) => e.message);

  beforeAll(async () => {
    pic = await newPic();
    callee = await install(pic, await calleeWasm());
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('accepts an ingress payload a little under 2 MiB and refuses one over 2 MiB', async () => {
    const under = 2 * MiB - 4096;
    expect(readI32(await pic.updateCall({ canisterId: callee, method: 'size', arg: new Uint8Array(under) }))).toBe(under);
    const error = await failure(pic.updateCall({ canisterId: callee, method: 'size', arg: new Uint8Array(2 * MiB + 1) }));
    expect(error).toContain('is too large');
    expect(error).toContain(`larger than the max allowed ${2 * MiB}`);
  });

  it('refuses to delete a canister that is not stopped, then deletes it once stopped', async () => {
    const id = await install(pic, await calleeWasm());
    const error = await failure(ingress(pic, 'delete_canister', CanisterIdRecord, { canister_id: id }));
    expect(error).toContain(`Canister ${id.toText()} must be stopped before it is deleted.`);
    expect(error).toMatch(/CanisterNotStopped|IC0510/);
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'q_value' }))).toBe(0); // still there

    await pic.stopCanister({ canisterId: id });
    await ingress(pic, 'delete_canister', CanisterIdRecord, { canister_id: id });
    expect(await failure(pic.updateCall({ canisterId: id, method: 'echo' }))).toContain(`Canister ${id.toText()} not found`);
    expect(await failure(pic.canisterStatus({ canisterId: id }))).toContain(`Canister ${id.toText()} not found`);
  });

  it('refuses a canister deleting itself, whether or not it controls itself', async () => {
    const proxy = await install(pic, await proxyWasm()); // controlled by the test user only
    const r = rejectOf(await viaProxy(pic, proxy, MANAGEMENT, 'delete_canister', new Uint8Array(IDL.encode([CanisterIdRecord], [{ canister_id: proxy }]))));
    expect(r.code).toBe(5);
    expect(r.message).toContain(`Canister ${proxy.toText()} cannot delete itself.`);

    await pic.updateCanisterSettings({ canisterId: proxy, controllers: [P.anonymous(), proxy] });
    const r2 = rejectOf(await viaProxy(pic, proxy, MANAGEMENT, 'delete_canister', new Uint8Array(IDL.encode([CanisterIdRecord], [{ canister_id: proxy }]))));
    expect(r2.code).toBe(5);
    expect(r2.message).toContain(`Canister ${proxy.toText()} cannot delete itself.`);
    expect(readI32(await pic.queryCall({ canisterId: proxy, method: 'q_ping' }))).toBe(7);
  });

  it('refuses raw_rand by ingress, and answers 32 fresh random bytes to canisters', async () => {
    const [subnet] = await pic.getApplicationSubnets();
    const error = await failure(pic.updateCall({ canisterId: MANAGEMENT, method: 'raw_rand', arg: EMPTY_CANDID, targetSubnetId: subnet!.id }));
    expect(error).toContain('raw_rand');
    expect(error).toMatch(/ic00 method raw_rand can not be called via ingress messages|Only canisters can call ic00 method raw_rand/);

    const proxy = await install(pic, await proxyWasm());
    const first = decode<Uint8Array>(IDL.Vec(IDL.Nat8), replyOf(await viaProxy(pic, proxy, MANAGEMENT, 'raw_rand', EMPTY_CANDID)));
    const second = decode<Uint8Array>(IDL.Vec(IDL.Nat8), replyOf(await viaProxy(pic, proxy, MANAGEMENT, 'raw_rand', EMPTY_CANDID)));
    expect(first).toHaveLength(32);
    expect(second).toHaveLength(32);
    expect(hex(new Uint8Array(first))).not.toBe(hex(new Uint8Array(second)));
  });
});
