// The Azle counter fixture driven through @dfinity/pic: what every later suite relies on.
// Runs on the Lineage emulator, or on a real PocketIC when POCKET_IC_BIN names one.
import { createHash } from 'node:crypto';
import { Certificate, lookupResultToBuffer } from '@dfinity/agent';
import { PocketIc, type Actor } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { counterWasm } from './support/fixtures.js';

const initArg = (label?: string) => new Uint8Array(IDL.encode(init({ IDL }), [label === undefined ? [] : [label]]));

describe('the Azle fixture through @dfinity/pic', () => {
  let pic: PocketIc;
  let counter: Actor<CounterService>;
  let canisterId: Principal;
  const wasm = counterWasm();

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    // Over 1.85 MB, so pic installs it in chunks (upload_chunk + install_chunked_code).
    expect(wasm.length).toBeGreaterThan(1_850_000);
    const fixture = await pic.setupCanister<CounterService>({ idlFactory, wasm, arg: initArg('first') });
    counter = fixture.actor;
    canisterId = fixture.canisterId;
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('runs update and query methods', async () => {
    expect(await counter.get()).toBe(0n);
    expect(await counter.increment()).toBe(1n);
    expect(await counter.increment()).toBe(2n);
    expect(await counter.get()).toBe(2n);
    expect(await counter.getLabel()).toBe('first');
  });

  it('reports a trap with the IC wording and keeps no change', async () => {
    await expect(counter.incrementThenTrap('no way')).rejects.toThrow(/Canister called `ic0.trap` with message: '?no way/);
    expect(await counter.get()).toBe(2n);
    expect(await counter.listNotes()).toEqual([]);
  });

  it('discards what a query changes', async () => {
    expect(await counter.incrementInQuery()).toBe(3n);
    expect(await counter.get()).toBe(2n);
  });

  it('knows the caller', async () => {
    const alice = Principal.fromUint8Array(new Uint8Array(29).fill(7));
    counter.setPrincipal(alice);
    expect((await counter.whoami()).toText()).toBe(alice.toText());
    counter.setPrincipal(Principal.anonymous());
  });

  it('reports status, module hash, controllers, cycles and time', async () => {
    const status = await pic.canisterStatus({ canisterId });
    expect(status.status).toEqual({ running: null });
    expect(status.moduleHash && Buffer.from(status.moduleHash).toString('hex')).toBe(createHash('sha256').update(wasm).digest('hex'));
    expect(status.settings.controllers.map((p) => p.toText())).toEqual([Principal.anonymous().toText()]);
    expect((await pic.getControllers(canisterId)).map((p) => p.toText())).toEqual([Principal.anonymous().toText()]);
    const cycles = await pic.getCyclesBalance(canisterId);
    expect(cycles).toBeGreaterThan(0n);
    expect(await pic.addCycles(canisterId, 1_000n)).toBe(cycles + 1_000n);
    const time = await pic.getTime();
    await pic.advanceTime(60_000);
    await pic.tick();
    expect(await pic.getTime()).toBeGreaterThanOrEqual(time + 60_000);
    const info = await counter.info();
    expect(info.time / 1_000_000n).toBe(BigInt(await pic.getTime()));
  });

  it('keeps stable state across an upgrade and runs post_upgrade', async () => {
    await counter.addNote('before the upgrade');
    const before = await counter.get();
    await pic.upgradeCanister({ canisterId, wasm, arg: initArg('second') });
    expect(await counter.get()).toBe(before);
    expect(await counter.listNotes()).toEqual(['before the upgrade']);
    expect(await counter.getLabel()).toBe('second');
  });

  it('reads and writes stable memory', async () => {
    const stable = await pic.getStableMemory(canisterId);
    expect(stable.length % 65536).toBe(0);
    expect(stable.length).toBeGreaterThan(0);
    await pic.setStableMemory(canisterId, stable);
    expect(await counter.listNotes()).toEqual(['before the upgrade']);
  });

  it('gives queries a data certificate that @dfinity/agent verifies', async () => {
    const data = new Uint8Array(32).fill(0xab);
    await counter.setCertified(data);
    const { data: served, certificate } = await counter.getCertified();
    expect(Uint8Array.from(served)).toEqual(data);
    expect(certificate.length).toBe(1);
    const subnetId = await pic.getCanisterSubnetId(canisterId);
    expect(subnetId).not.toBeNull();
    const rootKey = await pic.getPubKey(subnetId!);
    const cert = await Certificate.create({
      certificate: Uint8Array.from(certificate[0]!),
      rootKey: Uint8Array.from(rootKey),
      canisterId: canisterId as never,
      disableTimeVerification: true,
    });
    const certified = lookupResultToBuffer(cert.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']));
    expect(certified).toEqual(data);
  });
});
