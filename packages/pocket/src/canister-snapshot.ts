/**
 * Canister snapshots (IC interface spec § take_canister_snapshot, load_canister_snapshot): what a
 * snapshot holds, taking one from a canister, and putting one back onto a canister.
 *
 * A snapshot holds the Wasm module as uploaded, the Wasm memory, the stable memory, the values of
 * the module's mutable globals, the chunk store, the certified data, the canister version and the
 * time it was taken, the global timer and the state of the on-low-wasm-memory hook. Its id is the
 * replica's: an 8-byte big-endian number local to the canister followed by the canister id's
 * bytes, so the id names its canister.
 */
import type { Principal } from '@dfinity/principal';

import type { Canister } from './canister.js';
import { LIMITS } from './constants.js';
import { IcError } from './errors.js';
import { StableMemory } from './state/stable-memory.js';
import { prepareModule } from './wasm/prepare.js';
import { WasmInstance } from './wasm/instance.js';

/** A Wasm global's value as the snapshot metadata carries it. */
export type GlobalValue = { i32: number } | { i64: bigint } | { f32: number } | { f64: number } | { v128: bigint };

export type HookStatus = 'condition_not_satisfied' | 'ready' | 'executed';

export interface CanisterSnapshot {
  id: Uint8Array;
  source: 'taken_from_canister' | 'metadata_upload';
  takenAtTimestamp: bigint;
  /** The canister's version when the snapshot was taken or its metadata uploaded. */
  canisterVersion: bigint;
  wasm: PagedBytes;
  heap: PagedBytes;
  stable: PagedBytes;
  globals: GlobalValue[];
  chunkStore: Map<string, Uint8Array>;
  certifiedData: Uint8Array;
  /** Deadline of the global timer (0: inactive); undefined when an upload did not say. */
  globalTimer: bigint | undefined;
  onLowWasmMemoryHookStatus: HookStatus | undefined;
  /** Bytes the snapshot counts against the canister's memory. */
  size: bigint;
}

/**
 * Bytes held as 64 KiB pages, absent pages reading as zeros: a snapshot keeps only the pages a
 * canister wrote, and an upload announcing gigabytes allocates nothing until data arrives.
 */
export interface PagedBytes {
  size: number;
  pages: Map<number, Uint8Array>;
}

const PAGE = 64 * 1024;

export function pagedFrom(bytes: Uint8Array): PagedBytes {
  const pages = new Map<number, Uint8Array>();
  for (let at = 0, n = 0; at < bytes.length; at += PAGE, n++) {
    const page = bytes.subarray(at, at + PAGE);
    if (page.some((b) => b !== 0)) {
      const copy = new Uint8Array(PAGE);
      copy.set(page);
      pages.set(n, copy);
    }
  }
  return { size: bytes.length, pages };
}

/** `len` bytes from `offset` (the caller checks the range). */
export function pagedRead(p: PagedBytes, offset: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let at = 0; at < len;) {
    const n = Math.floor((offset + at) / PAGE);
    const within = (offset + at) % PAGE;
    const take = Math.min(PAGE - within, len - at);
    const page = p.pages.get(n);
    if (page) out.set(page.subarray(within, within + take), at);
    at += take;
  }
  return out;
}

/** Writes `bytes` at `offset` (the caller checks the range). */
export function pagedWrite(p: PagedBytes, offset: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) {
    const n = Math.floor((offset + at) / PAGE);
    const within = (offset + at) % PAGE;
    const take = Math.min(PAGE - within, bytes.length - at);
    let page = p.pages.get(n);
    if (!page) {
      page = new Uint8Array(PAGE);
      p.pages.set(n, page);
    }
    page.set(bytes.subarray(at, at + take), within);
    at += take;
  }
}

export function pagedCopy(p: PagedBytes): PagedBytes {
  return { size: p.size, pages: new Map([...p.pages].map(([n, d]) => [n, d.slice()])) };
}

const LOCAL_ID_BYTES = 8;
const MAX_PRINCIPAL_BYTES = 29;

/** The snapshot id of `canister`'s snapshot number `local`. */
export function snapshotId(canister: Principal, local: bigint): Uint8Array {
  const id = new Uint8Array(LOCAL_ID_BYTES + canister.toUint8Array().length);
  new DataView(id.buffer).setBigUint64(0, local);
  id.set(canister.toUint8Array(), LOCAL_ID_BYTES);
  return id;
}

/** The canister id bytes inside a snapshot id, or undefined if the id is malformed. */
export function snapshotOwner(id: Uint8Array): Uint8Array | undefined {
  if (id.length < LOCAL_ID_BYTES || id.length > LOCAL_ID_BYTES + MAX_PRINCIPAL_BYTES) return undefined;
  return id.subarray(LOCAL_ID_BYTES);
}

/** A snapshot id as the replica prints it in errors: `<canister id>-<local id>`. */
export function snapshotIdText(id: Uint8Array, ownerText: string): string {
  if (id.length < LOCAL_ID_BYTES) return Buffer.from(id).toString('hex');
  return `${ownerText}-${new DataView(id.buffer, id.byteOffset).getBigUint64(0)}`;
}

export function snapshotKey(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}

/** The byte size the replica charges for a snapshot: module, memories, globals, chunks. */
export function snapshotSize(s: Pick<CanisterSnapshot, 'wasm' | 'heap' | 'stable' | 'globals' | 'chunkStore' | 'certifiedData'>): bigint {
  let chunks = 0;
  for (const c of s.chunkStore.values()) chunks += c.length;
  return BigInt(s.wasm.size + s.heap.size + s.stable.size + s.globals.length * 8 + chunks + s.certifiedData.length);
}

/** Captures `canister` (which must have code) as a snapshot taken at `time`. */
export function captureSnapshot(canister: Canister, time: bigint): CanisterSnapshot {
  const module = canister.module!;
  const instance = canister.instance!;
  const values = instance.globalValues();
  const globals = module.mutableGlobals.map((g, k): GlobalValue => globalValue(g.valType, values[k]!));
  const stable = canister.stable.pagesSnapshot();
  const snapshot: CanisterSnapshot = {
    id: snapshotId(canister.id, canister.nextSnapshotId),
    source: 'taken_from_canister',
    takenAtTimestamp: time,
    canisterVersion: canister.version,
    wasm: pagedFrom(module.wasm),
    heap: pagedFrom(instance.heap.snapshot()),
    stable: { size: stable.size * PAGE, pages: new Map(stable.pages) },
    globals,
    chunkStore: new Map([...canister.chunkStore].map(([k, v]) => [k, v.slice()])),
    certifiedData: canister.certifiedData.slice(),
    globalTimer: canister.globalTimer,
    onLowWasmMemoryHookStatus: lowMemoryHookStatus(canister),
    size: 0n,
  };
  snapshot.size = snapshotSize(snapshot);
  return snapshot;
}

/**
 * The hook's state as the spec defines it: `ready` while fewer than `wasm_memory_threshold` bytes
 * remain below `wasm_memory_limit`, else `condition_not_satisfied`. (The emulator does not run
 * `canister_on_low_wasm_memory` yet, so it never reports `executed`.)
 */
function lowMemoryHookStatus(canister: Canister): HookStatus {
  const { wasmMemoryLimit, wasmMemoryThreshold } = canister.settings;
  if (wasmMemoryThreshold === 0n || wasmMemoryLimit === 0n) return 'condition_not_satisfied';
  const used = BigInt(canister.instance?.heap.byteLength ?? 0);
  return wasmMemoryLimit - used < wasmMemoryThreshold ? 'ready' : 'condition_not_satisfied';
}

function globalValue(valType: number, value: number | bigint): GlobalValue {
  switch (valType) {
    case 0x7e: return { i64: BigInt(value) };
    case 0x7d: return { f32: Number(value) };
    case 0x7c: return { f64: Number(value) };
    case 0x7b: return { v128: BigInt(value) };
    default: return { i32: Number(value) };
  }
}

/** The JS value of a snapshot global, for `WebAssembly.Global.value`. */
export function globalJsValue(g: GlobalValue): number | bigint {
  if ('i32' in g) return g.i32;
  if ('i64' in g) return g.i64;
  if ('f32' in g) return g.f32;
  if ('f64' in g) return g.f64;
  return g.v128;
}

/** Whether the snapshot's globals have the kinds and count of the module's mutable globals. */
export function globalsMatch(valTypes: number[], globals: GlobalValue[]): boolean {
  const kind = (g: GlobalValue) => Object.keys(g)[0];
  return valTypes.length === globals.length && valTypes.every((t, k) => kind(globalValue(t, 0)) === kind(globals[k]!));
}

/**
 * Puts `snapshot`'s code and state onto `canister`: module, memories, globals, chunk store and
 * certified data. As the replica does, the global timer and the low-memory hook come back only
 * from uploaded snapshots that state them (restoring them from taken snapshots would change
 * behaviour canisters already rely on). Throws (changing nothing) if the module does not load.
 */
export function restoreSnapshot(canister: Canister, snapshot: CanisterSnapshot): void {
  const module = prepareModule(pagedRead(snapshot.wasm, 0, snapshot.wasm.size));
  const instance = WasmInstance.create(module, canister.api.imports);
  const pages = module.memory?.max ?? LIMITS.maxWasmPages;
  if (snapshot.heap.size > pages * PAGE) {
    throw new IcError('InvalidManagementPayload', `The snapshot's Wasm memory of ${snapshot.heap.size} bytes does not fit in the module's memory of at most ${pages} pages.`);
  }
  instance.restore(pagedRead(snapshot.heap, 0, snapshot.heap.size), snapshot.globals.map(globalJsValue));
  canister.module = module;
  canister.instance = instance;
  canister.stable = StableMemory.fromPages(snapshot.stable.size / PAGE, [...snapshot.stable.pages].map(([n, d]) => [n, d.slice()]));
  canister.chunkStore = new Map([...snapshot.chunkStore].map(([k, v]) => [k, v.slice()]));
  canister.certifiedData = snapshot.certifiedData.slice();
  if (snapshot.source === 'metadata_upload' && snapshot.globalTimer !== undefined) canister.globalTimer = snapshot.globalTimer;
}
