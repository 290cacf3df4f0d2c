/**
 * A few bytes of Candid may not buy unbounded work (issue 11, attack 5). `vec null` of length
 * 4,000,000 is 13 bytes; decoding it element by element took 5 s on the emulator, paid for by the
 * canister. Every Lineage canister now refuses such an argument: as ingress in
 * `canister_inspect_message` (before it pays for executing it), and from a canister or in a query
 * in its bounded decoder (before `@dfinity/candid` sees it). Real canister Wasm throughout.
 */
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ok, spawn, who, type Dapp, type Principal, type World } from './support/dapp.js';
import { createWorld } from './support/world.js';
import { relayArg, relayModule } from './support/registry.js';

const vecNull = (n: number) => new Uint8Array(IDL.encode([IDL.Vec(IDL.Null)], [new Array(n).fill(null)]));

describe('every canister bounds the work of decoding an argument', () => {
  let pic: PocketIc;
  let world: World;
  let dapp: Dapp;
  let relay: Principal;
  let targets: { name: string; id: Principal; update: string; query: string; sender: Principal }[];

  beforeAll(async () => {
    world = await createWorld({ withAsset: true });
    pic = world.pic;
    dapp = await spawn(world, who.alice, { withAsset: true });
    relay = await pic.createCanister({ sender: who.stranger });
    await pic.installCode({ canisterId: relay, wasm: await relayModule(), sender: who.stranger });
    targets = [
      { name: 'registry', id: world.registryId, update: 'icrc118_deprecate', query: 'icrc118_get_wasms', sender: who.stranger },
      { name: 'nft', id: world.nftId, update: 'icrc7_transfer', query: 'icrc7_owner_of', sender: who.stranger },
      { name: 'backend', id: dapp.backendId, update: 'add_note', query: 'notes', sender: who.stranger },
      // Only its controllers may send the manager ingress at all; sent as one, the bound still holds.
      { name: 'manager', id: dapp.managerId, update: 'watch_now', query: 'deployment_history', sender: dapp.backendId },
      { name: 'asset', id: dapp.assetId!, update: 'create_batch', query: 'list', sender: who.stranger },
    ];
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('refuses the 13-byte, four-million-element argument as ingress, before executing it', async () => {
    const arg = vecNull(4_000_000);
    expect(arg.length).toBe(13);
    for (const t of targets) {
      await expect(pic.updateCall({ canisterId: t.id, method: t.update, arg, sender: t.sender }), t.name).rejects.toThrow(/needs more than \d+ decoding steps \(13 bytes\)/);
    }
  });

  it('refuses it in a query, and from another canister, before decoding', async () => {
    const arg = vecNull(4_000_000);
    for (const t of targets) {
      await expect(pic.queryCall({ canisterId: t.id, method: t.query, arg, sender: who.stranger }), t.name).rejects.toThrow(/Refused before decoding/);
      await expect(pic.updateCall({ canisterId: relay, method: 'relay', arg: relayArg(t.id, t.update, arg), sender: who.stranger }), t.name)
        .rejects.toThrow(/Refused before decoding/);
    }
  });

  it('still takes ordinary arguments, and the dapp works after the attempts', async () => {
    expect(ok(await dapp.backendAs(who.alice).add_note('after the flood')).text).toBe('after the flood');
    const small = vecNull(100);
    // A short `vec null` is within the bound: the method's own decoder answers (a type mismatch).
    await expect(pic.queryCall({ canisterId: dapp.backendId, method: 'notes', arg: small, sender: who.stranger })).resolves.toBeInstanceOf(Uint8Array);
  });
});
