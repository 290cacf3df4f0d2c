/**
 * What the dapp suites ask of the IC directly, as a controller would through pic: a canister's
 * status, controllers, module hash and chunk store; `canister_info`, which only canisters may call
 * (asked through a relay canister); changing bytes a canister keeps in stable memory; and small
 * hand-written modules for versions that must differ or misbehave.
 */
import { createHash } from 'node:crypto';
import type { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { managementTypes, type CanisterInfo as CanisterInfoContract } from '@lineage/types';
import wabtInit from 'wabt';

import { relayArg, relayModule } from './relay.js';

export const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
export const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');

const management = Principal.managementCanister();
const CanisterIdArg = IDL.Record({ canister_id: IDL.Principal });

// ---- the management canister, asked by a controller -------------------------------------------

/** The module hash a canister runs now, in hex (`undefined` when empty), asked as a controller. */
export async function moduleHashOf(pic: PocketIc, canister: Principal, sender: Principal): Promise<string | undefined> {
  const status = await pic.canisterStatus({ canisterId: canister, sender });
  return status.moduleHash ? hex(status.moduleHash) : undefined;
}

/** `running`, `stopping` or `stopped`, asked as a controller. */
export async function runStatus(pic: PocketIc, canister: Principal, sender: Principal): Promise<string> {
  return Object.keys((await pic.canisterStatus({ canisterId: canister, sender })).status)[0]!;
}

/** The controllers of a canister (sorted text), asked as a controller. */
export async function controllersOf(pic: PocketIc, canister: Principal, sender: Principal): Promise<string[]> {
  return (await pic.canisterStatus({ canisterId: canister, sender })).settings.controllers.map((p) => p.toText()).sort();
}

/** The hashes (hex) in a canister's chunk store (`stored_chunks`), asked as a controller. */
export async function storedChunks(pic: PocketIc, canister: Principal, sender: Principal): Promise<string[]> {
  const reply = await pic.updateCall({
    canisterId: management, method: 'stored_chunks', sender, arg: new Uint8Array(IDL.encode([CanisterIdArg], [{ canister_id: canister }])),
  });
  const [chunks] = IDL.decode([IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) }))], reply) as unknown as [{ hash: Uint8Array }[]];
  return chunks.map((c) => hex(c.hash));
}

/** Empties a canister's chunk store (`clear_chunk_store`), as a controller. */
export async function clearChunkStore(pic: PocketIc, canister: Principal, sender: Principal): Promise<void> {
  await pic.updateCall({
    canisterId: management, method: 'clear_chunk_store', sender, arg: new Uint8Array(IDL.encode([CanisterIdArg], [{ canister_id: canister }])),
  });
}

export type CanisterInfo = CanisterInfoContract;

/** Installs the relay canister (`relayModule`), so a test can make calls only canisters may make. */
export async function installRelay(pic: PocketIc, sender: Principal): Promise<Principal> {
  const relay = await pic.createCanister({ sender });
  await pic.installCode({ canisterId: relay, wasm: await relayModule(), sender });
  return relay;
}

/** The IC's `canister_info` of `canister`, asked by the relay canister (users may not call it). */
export async function canisterInfo(pic: PocketIc, relay: Principal, canister: Principal, changes: bigint): Promise<CanisterInfo> {
  const t = managementTypes(IDL as never);
  const payload = new Uint8Array(IDL.encode([t.CanisterInfoArgs as never], [{ canister_id: canister, num_requested_changes: [changes] }]));
  const reply = await pic.updateCall({ canisterId: relay, method: 'relay', sender: Principal.anonymous(), arg: relayArg(management, 'canister_info', payload) });
  return IDL.decode([t.CanisterInfo as never], reply)[0] as unknown as CanisterInfo;
}

// ---- tampering with stored bytes -------------------------------------------------------------

const WINDOW = 64;

/**
 * Changes one byte of `data` where a canister keeps it in stable memory: finds a `WINDOW`-byte
 * piece of `data` that occurs exactly once in the stable memory image and flips a byte inside it.
 * Several pieces of data are changed with one read and one write of the image (the image of an
 * Azle canister is over 100 MB). Answers each piece of data as the canister now holds it; throws
 * when no piece of some `data` occurs exactly once.
 */
export async function tamperStableMemory(pic: PocketIc, canister: Principal, ...data: Uint8Array[]): Promise<Uint8Array[]> {
  const image = Buffer.from(await pic.getStableMemory(canister));
  const tampered = data.map((d) => {
    const window = Math.min(WINDOW, d.length);
    for (let offset = 0; offset + window <= d.length; offset += window) {
      const at = image.indexOf(Buffer.from(d.subarray(offset, offset + window)));
      if (at < 0 || image.indexOf(Buffer.from(d.subarray(offset, offset + window)), at + 1) >= 0) continue;
      const inside = window >> 1;
      image.writeUInt8(image.readUInt8(at + inside) ^ 0xff, at + inside);
      const copy = Uint8Array.from(d);
      copy[offset + inside] = copy[offset + inside]! ^ 0xff;
      return copy;
    }
    throw new Error(`no ${window}-byte piece of the data occurs exactly once in the stable memory of ${canister.toText()}`);
  });
  await pic.setStableMemory(canister, new Uint8Array(image));
  return tampered;
}

// ---- small versions ----------------------------------------------------------------------------

const watString = (b: Uint8Array) => Array.from(b, (x) => `\\${x.toString(16).padStart(2, '0')}`).join('');

/**
 * A valid canister module (no methods) carrying `size` pseudo-random bytes named by `label` in a
 * data segment: distinct labels give distinct modules, and a piece of the data occurs nowhere else.
 */
export function dataModule(label: string, size = 4096): Promise<Uint8Array> {
  const filler = new Uint8Array(createHash('shake256', { outputLength: size }).update(`lineage dapp module ${label}`).digest());
  return watModule(`(module (memory 1) (data (i32.const 0) "${watString(filler)}"))`);
}

/** A canister module whose `canister_post_upgrade` traps with `message`. */
export function trappingModule(message: string): Promise<Uint8Array> {
  const text = new TextEncoder().encode(message);
  return watModule(`(module
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory 1)
  (data (i32.const 0) "${watString(text)}")
  (func (export "canister_post_upgrade") (call $trap (i32.const 0) (i32.const ${text.length}))))`);
}

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;
/** A Wasm module from WAT text (for versions that misbehave on purpose). */
export async function watModule(text: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const parsed = wabt.parseWat('fixture.wat', text);
  try {
    parsed.resolveNames();
    parsed.validate();
    return new Uint8Array(parsed.toBinary({}).buffer);
  } finally {
    parsed.destroy();
  }
}

