/**
 * wasm64 and 32-bit Motoko canisters of our own, compiled at test time (see support/motoko.ts): the
 * current compiler's default output (enhanced orthogonal persistence: 64-bit memory and table, the
 * System API with `I = i64`) and a classical-persistence 32-bit build of the same actor, run the same
 * scenario: updates and queries, inter-canister calls (callbacks with a 64-bit `env`), a trap rolled
 * back, memory grown by a large allocation, and an upgrade keeping state (wasm64: `keep` memory).
 * Oracle: IC interface spec § Canister module format (wasm64), § Message execution (a trap discards
 * the message's changes), § Upgrades (`wasm_memory_persistence`), and Motoko's semantics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDL } from '@icp-sdk/core/candid';
import type { Actor, PocketIc } from '@dfinity/pic';

import { newPic, type Principal } from '../support/canister.js';
import { compileMotoko } from '../support/motoko.js';
import { expectFailure } from '../support/system-api.js';

const SOURCE = `
import Prim "mo:⛔";
persistent actor Self {
  var count : Nat = 0;
  var blobs : [Blob] = [];

  public func inc() : async Nat { count += 1; count };
  public query func get() : async Nat { count };
  public query func echo(t : Text) : async Text { t # "!" };
  public func viaSelf() : async Nat { let n = await Self.inc(); n + 1000 };
  public func viaOther(other : Text) : async Text {
    let peer = actor (other) : actor { echo : query Text -> async Text };
    await peer.echo("hi")
  };
  public func failAfterInc() : async () { count += 1; assert false };
  public func grow(kib : Nat) : async Nat {
    blobs := Prim.Array_tabulate<Blob>(kib, func _ = Prim.arrayToBlob(Prim.Array_tabulate<Nat8>(1024, func i = Prim.natToNat8(i % 256))));
    var sum = 0;
    for (b in blobs.vals()) { sum += b.size() };
    sum
  };
  public query func memory() : async Nat { Prim.rts_memory_size() };
};
`;

interface Service {
  inc: () => Promise<bigint>;
  get: () => Promise<bigint>;
  echo: (t: string) => Promise<string>;
  viaSelf: () => Promise<bigint>;
  viaOther: (p: string) => Promise<string>;
  failAfterInc: () => Promise<void>;
  grow: (kib: bigint) => Promise<bigint>;
  memory: () => Promise<bigint>;
}

const idlFactory: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({
  inc: I.Func([], [I.Nat], []),
  get: I.Func([], [I.Nat], ['query']),
  echo: I.Func([I.Text], [I.Text], ['query']),
  viaSelf: I.Func([], [I.Nat], []),
  viaOther: I.Func([I.Text], [I.Text], []),
  failAfterInc: I.Func([], [], []),
  grow: I.Func([I.Nat], [I.Nat], []),
  memory: I.Func([], [I.Nat], ['query']),
});

/** The module's memory and table types, read from its sections (is it wasm64?). */
function memoryIs64(wasm: Uint8Array): boolean {
  // Section 5 (memory): count, then limits flags; bit 2 marks a 64-bit memory.
  let pos = 8;
  const leb = () => { let r = 0; let s = 0; for (;;) { const b = wasm[pos++]!; r += (b & 0x7f) * 2 ** s; s += 7; if (!(b & 0x80)) return r; } };
  while (pos < wasm.length) {
    const id = wasm[pos++]!;
    const size = leb();
    if (id === 5) { leb(); return (wasm[pos]! & 0x04) !== 0; }
    pos += size;
  }
  return false;
}

for (const flavour of ['wasm64', 'wasm32'] as const) {
  describe(`a Motoko canister, ${flavour}`, () => {
    let pic: PocketIc;
    let wasm: Uint8Array;
    let canisterId: Principal;
    let actor: Actor<Service>;

    beforeAll(async () => {
      wasm = compileMotoko(SOURCE, flavour);
      pic = await newPic();
      canisterId = await pic.createCanister();
      await pic.installCode({ canisterId, wasm });
      actor = pic.createActor<Service>(idlFactory, canisterId);
    });
    afterAll(async () => { await pic?.tearDown(); });

    it(`is ${flavour === 'wasm64' ? 'a 64-bit' : 'a 32-bit'} module`, () => {
      expect(memoryIs64(wasm)).toBe(flavour === 'wasm64');
    });

    it('answers updates and queries', async () => {
      expect(await actor.inc()).toBe(1n);
      expect(await actor.inc()).toBe(2n);
      expect(await actor.get()).toBe(2n);
      expect(await actor.echo('héllo')).toBe('héllo!');
    });

    it('makes inter-canister calls and gets their replies (callbacks)', async () => {
      expect(await actor.viaSelf()).toBe(1003n);
      const other = await pic.createCanister();
      await pic.installCode({ canisterId: other, wasm });
      expect(await actor.viaOther(other.toText())).toBe('hi!');
    });

    it('rolls a trapping message back', async () => {
      const before = await actor.get();
      await expectFailure(actor.failAfterInc(), /assertion failed/);
      expect(await actor.get()).toBe(before);
    });

    it('grows its memory for a large allocation', async () => {
      const before = await actor.memory();
      expect(await actor.grow(8192n)).toBe(8192n * 1024n);
      expect(await actor.memory()).toBeGreaterThan(before + 8n * 1024n * 1024n);
    });

    it('keeps its state across an upgrade', async () => {
      const count = await actor.get();
      if (flavour === 'wasm64') {
        // Enhanced orthogonal persistence: an upgrade must say what happens to the Wasm memory.
        await expectFailure(pic.upgradeCanister({ canisterId, wasm }), 'Missing upgrade option: Enhanced orthogonal persistence requires the `wasm_memory_persistence` upgrade option.');
        expect(await actor.get()).toBe(count);
        // The replica checks the options once pre_upgrade has run (dfinity/ic `upgrade.rs`, stage 2):
        // refused, the upgrade still pays for it, and for no compilation.
        const paidFor = async (skipPreUpgrade: boolean) => {
          const before = await pic.getCyclesBalance(canisterId);
          await expectFailure(pic.upgradeCanister({ canisterId, wasm, upgradeModeOptions: { skip_pre_upgrade: [skipPreUpgrade], wasm_memory_persistence: [] } }), /Missing upgrade option/);
          return before - (await pic.getCyclesBalance(canisterId));
        };
        const skipping = await paidFor(true);
        const running = await paidFor(false);
        expect(running).toBeGreaterThan(skipping);
      }
      await pic.upgradeCanister({
        canisterId, wasm,
        ...(flavour === 'wasm64' ? { upgradeModeOptions: { skip_pre_upgrade: [], wasm_memory_persistence: [{ keep: null }] } } : {}),
      });
      expect(await actor.get()).toBe(count);
      expect(await actor.inc()).toBe(count + 1n);
    });
  });
}
