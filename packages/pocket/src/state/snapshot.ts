/**
 * Saving an instance's state to a directory and reading it back: what the PocketIC server does
 * with an instance created with `state_dir` (the state is written when the instance is deleted
 * and read when an instance is created over the same directory), and what `lineage start --state`
 * relies on to keep canisters and data across restarts.
 *
 * Layout of the directory:
 * - `state.json`: the instance (topology, seed, time, id allocation) and every canister's metadata;
 *   bigints, bytes and principals are tagged (`{"$n": "…"}`, `{"$b": base64}`, `{"$p": text}`);
 * - `canisters/<id>/module.wasm`, `heap.bin`, `stable.bin`: a canister's module as uploaded, its
 *   Wasm memory, and the stable-memory pages it holds (in the order `state.json` lists them);
 * - `canisters/<id>/snapshots/<snapshot id, hex>/module.bin`, `heap.bin`, `stable.bin`: the pages
 *   each of the canister's snapshots holds of its module and memories (page numbers and the other
 *   fields are in `state.json`).
 *
 * Messages in flight are not saved: the server runs rounds until the instance is idle first, and
 * call contexts still open then are dropped (their callers would wait forever otherwise).
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Principal } from '@dfinity/principal';

import { defaultSettings, type Canister } from '../canister.js';
import { snapshotKey, type CanisterSnapshot, type PagedBytes } from '../canister-snapshot.js';

export const STATE_FILE = 'state.json';
const FORMAT = 'lineage-pocket-state';
const FORMAT_VERSION = 1;

/** A canister's persistent state, without its code and memories (saved beside it as files). */
export interface CanisterRecord {
  id: string;
  subnetId: string;
  fields: Record<string, unknown>;
  code: { globals: (number | bigint)[] } | undefined;
  stable: { size: number; pages: number[] };
}

export interface SavedSubnet {
  spec: { kind: string; instructionConfig: string; costSchedule: string };
  ranges: { start: bigint; end: bigint }[];
  allocation: { start: bigint; end: bigint };
  seedMaterial: string;
  allocationCursor: bigint;
}

export interface InstanceRecord {
  seed: string;
  topology: unknown;
  disableIngressValidation: boolean;
  subnets: SavedSubnet[];
  nextAllocationBlock: number;
  deletedIds: string[];
  counters: { nextCallbackId: number; nextMessageNonce: bigint; randomCounter: bigint };
  time: { current: bigint; lastRound: bigint; certified: bigint };
}

export interface SavedCanister {
  record: CanisterRecord;
  wasm: Uint8Array | undefined;
  heap: Uint8Array | undefined;
  stablePages: Uint8Array[];
  snapshots: CanisterSnapshot[];
}

const PAGE = 64 * 1024;

/** The fields of `Canister` saved as they are (the rest is code, memories and runtime state). */
const PLAIN_FIELDS = [
  'controllers', 'settings', 'cycles', 'reservedCycles', 'status', 'version', 'certifiedData', 'globalTimer', 'history',
  'totalChanges', 'logs', 'nextLogIdx', 'createdAt', 'lastInstalledAt', 'lastInstall', 'queryStats', 'lastResourceChargeAt', 'nextSnapshotId',
] as const;

/** A snapshot's fields for `state.json`: its module and memories go to files (page numbers here), its chunks inline. */
function snapshotRecord(s: CanisterSnapshot): Record<string, unknown> {
  const layout = (p: PagedBytes) => ({ size: p.size, pages: [...p.pages.keys()] });
  return { ...s, wasm: layout(s.wasm), heap: layout(s.heap), stable: layout(s.stable), chunkStore: [...s.chunkStore.entries()] };
}

/** Captures a canister for saving. */
export function captureCanister(canister: Canister): SavedCanister {
  const fields: Record<string, unknown> = {};
  for (const name of PLAIN_FIELDS) fields[name] = canister[name];
  fields.chunkStore = [...canister.chunkStore.entries()];
  fields.snapshots = [...canister.snapshots.values()].map(snapshotRecord);
  const stable = canister.stable.pagesSnapshot();
  return {
    record: {
      id: canister.idText,
      subnetId: canister.subnetId.toText(),
      fields,
      code: canister.instance ? { globals: canister.instance.globalValues() } : undefined,
      stable: { size: stable.size, pages: stable.pages.map(([n]) => n) },
    },
    wasm: canister.module?.wasm,
    heap: canister.instance?.heap.snapshot(),
    stablePages: stable.pages.map(([, data]) => data),
    snapshots: [...canister.snapshots.values()],
  };
}

/** Puts saved fields back on a freshly constructed canister (code and memories are the caller's). */
export function restoreFields(canister: Canister, record: CanisterRecord, snapshots: CanisterSnapshot[] = []): void {
  canister.snapshots = new Map(snapshots.map((s) => [snapshotKey(s.id), s]));
  const target = canister as unknown as Record<string, unknown>;
  for (const name of PLAIN_FIELDS) {
    if (name in record.fields) target[name] = record.fields[name];
  }
  // States saved before a setting existed get its default.
  canister.settings = { ...defaultSettings(), ...(record.fields.settings as object) };
  canister.chunkStore = new Map(record.fields.chunkStore as [string, Uint8Array][]);
  // Contexts of messages that were in flight are not saved; a stop that was waiting is over.
  if (canister.status === 'stopping') canister.status = 'stopped';
}

function readSnapshot(dir: string, r: Record<string, unknown>): CanisterSnapshot {
  const id = r.id as Uint8Array;
  const at = join(dir, snapshotKey(id));
  const paged = (name: string, layout: unknown): PagedBytes => {
    const { size, pages } = layout as { size: number; pages: number[] };
    const data = readFileSync(join(at, name));
    return { size, pages: new Map(pages.map((n, k) => [n, new Uint8Array(data.subarray(k * PAGE, (k + 1) * PAGE))])) };
  };
  return {
    ...(r as unknown as CanisterSnapshot),
    wasm: paged('module.bin', r.wasm),
    heap: paged('heap.bin', r.heap),
    stable: paged('stable.bin', r.stable),
    chunkStore: new Map(r.chunkStore as [string, Uint8Array][]),
  };
}

// ---- tagged JSON -------------------------------------------------------------------------

function encodeJson(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, key: string, v: unknown) {
    const raw = (this as Record<string, unknown>)[key];
    if (typeof raw === 'bigint') return { $n: raw.toString() };
    if (raw instanceof Uint8Array) return { $b: Buffer.from(raw).toString('base64') };
    if (raw instanceof Principal) return { $p: raw.toText() };
    return v;
  });
}

function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1) {
        if (typeof o.$n === 'string') return BigInt(o.$n);
        if (typeof o.$b === 'string') return new Uint8Array(Buffer.from(o.$b, 'base64'));
        if (typeof o.$p === 'string') return Principal.fromText(o.$p);
      }
    }
    return v;
  });
}

// ---- the directory -----------------------------------------------------------------------

/** Whether `dir` holds a saved state. */
export function hasSavedState(dir: string): boolean {
  return existsSync(join(dir, STATE_FILE));
}

/**
 * Writes the state to `dir`, replacing what was there. Files are written under a temporary name
 * and the state file is renamed last, so an interrupted save leaves the previous state readable.
 */
export function saveState(dir: string, instance: InstanceRecord, canisters: SavedCanister[]): void {
  mkdirSync(dir, { recursive: true });
  const staging = join(dir, 'canisters.next');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const c of canisters) {
    const at = join(staging, c.record.id);
    mkdirSync(at, { recursive: true });
    if (c.wasm) writeFileSync(join(at, 'module.wasm'), c.wasm);
    if (c.heap) writeFileSync(join(at, 'heap.bin'), c.heap);
    writeFileSync(join(at, 'stable.bin'), Buffer.concat(c.stablePages));
    for (const snap of c.snapshots) {
      const dir = join(at, 'snapshots', snapshotKey(snap.id));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'module.bin'), Buffer.concat([...snap.wasm.pages.values()]));
      writeFileSync(join(dir, 'heap.bin'), Buffer.concat([...snap.heap.pages.values()]));
      writeFileSync(join(dir, 'stable.bin'), Buffer.concat([...snap.stable.pages.values()]));
    }
  }
  const state = { format: FORMAT, version: FORMAT_VERSION, instance, canisters: canisters.map((c) => c.record) };
  writeFileSync(join(dir, `${STATE_FILE}.next`), encodeJson(state));
  rmSync(join(dir, 'canisters'), { recursive: true, force: true });
  renameSync(staging, join(dir, 'canisters'));
  renameSync(join(dir, `${STATE_FILE}.next`), join(dir, STATE_FILE));
}

/** Reads a state written by `saveState`. */
export function loadState(dir: string): { instance: InstanceRecord; canisters: SavedCanister[] } {
  const state = decodeJson(readFileSync(join(dir, STATE_FILE), 'utf8')) as {
    format?: string; version?: number; instance: InstanceRecord; canisters: CanisterRecord[];
  };
  if (state.format !== FORMAT || state.version !== FORMAT_VERSION) {
    throw new Error(`${join(dir, STATE_FILE)} is not a Lineage emulator state (format ${state.format ?? '?'} version ${state.version ?? '?'})`);
  }
  const canisters = state.canisters.map((record): SavedCanister => {
    const at = join(dir, 'canisters', record.id);
    const read = (name: string) => (existsSync(join(at, name)) ? new Uint8Array(readFileSync(join(at, name))) : undefined);
    const stable = read('stable.bin') ?? new Uint8Array();
    return {
      record,
      wasm: read('module.wasm'),
      heap: read('heap.bin'),
      stablePages: record.stable.pages.map((_, k) => stable.slice(k * PAGE, (k + 1) * PAGE)),
      snapshots: ((record.fields.snapshots ?? []) as Record<string, unknown>[]).map((r) => readSnapshot(join(at, 'snapshots'), r)),
    };
  });
  return { instance: state.instance, canisters };
}
