/**
 * Canister snapshots (IC interface spec § take_canister_snapshot … delete_canister_snapshot, and
 * the replica's canister manager for limits and wording): a snapshot keeps the module, Wasm
 * memory, stable memory, mutable globals, certified data and chunk store; loading it puts them
 * back, bumps the canister version and records a `load_snapshot` change; ids are 8 bytes of a
 * per-canister number followed by the canister id; at most 10 per canister unless one is
 * replaced; a snapshot loads onto another canister of the subnet whose controller controls both;
 * its data can be read out and uploaded into a new snapshot that loads like the original.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, type Principal } from '../support/canister.js';
import {
  CanisterIdRecord, CanisterInfoArgs, IDL, STRANGER, LoadSnapshotArgs, Snapshot, SnapshotId, TakeSnapshotArgs, decode, hex, ingress, manage, proxyWasm, rejectOf, replyOf,
  settings, sha256, texts, Principal as P,
} from '../support/messages.js';

// ---- the spec's types (ic.did), written out here so the test does not borrow the emulator's ----

const SnapshotRef = IDL.Record({ canister_id: IDL.Principal, snapshot_id: SnapshotId });
const Global = IDL.Variant({ i32: IDL.Int32, i64: IDL.Int64, f32: IDL.Float32, f64: IDL.Float64, v128: IDL.Nat });
const Timer = IDL.Opt(IDL.Variant({ inactive: IDL.Null, active: IDL.Nat64 }));
const Hook = IDL.Opt(IDL.Variant({ condition_not_satisfied: IDL.Null, ready: IDL.Null, executed: IDL.Null }));
const Metadata = IDL.Record({
  source: IDL.Variant({ taken_from_canister: IDL.Reserved, metadata_upload: IDL.Reserved }),
  taken_at_timestamp: IDL.Nat64, wasm_module_size: IDL.Nat64, globals: IDL.Vec(Global), wasm_memory_size: IDL.Nat64,
  stable_memory_size: IDL.Nat64, wasm_chunk_store: IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) })), canister_version: IDL.Nat64,
  certified_data: IDL.Vec(IDL.Nat8), global_timer: Timer, on_low_wasm_memory_hook_status: Hook,
});
const Slice = IDL.Record({ offset: IDL.Nat64, size: IDL.Nat64 });
const ReadDataArgs = IDL.Record({
  canister_id: IDL.Principal, snapshot_id: SnapshotId,
  kind: IDL.Variant({ wasm_module: Slice, wasm_memory: Slice, stable_memory: Slice, wasm_chunk: IDL.Record({ hash: IDL.Vec(IDL.Nat8) }) }),
});
const Chunk = IDL.Record({ chunk: IDL.Vec(IDL.Nat8) });
const UploadMetadataArgs = IDL.Record({
  canister_id: IDL.Principal, replace_snapshot: IDL.Opt(SnapshotId), wasm_module_size: IDL.Nat64, globals: IDL.Vec(Global),
  wasm_memory_size: IDL.Nat64, stable_memory_size: IDL.Nat64, certified_data: IDL.Vec(IDL.Nat8), global_timer: Timer, on_low_wasm_memory_hook_status: Hook,
});
const Offset = IDL.Record({ offset: IDL.Nat64 });
const UploadDataArgs = IDL.Record({
  canister_id: IDL.Principal, snapshot_id: SnapshotId,
  kind: IDL.Variant({ wasm_module: Offset, wasm_memory: Offset, stable_memory: Offset, wasm_chunk: IDL.Null }), chunk: IDL.Vec(IDL.Nat8),
});
const ChangeDetails = IDL.Variant({
  creation: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
  code_uninstall: IDL.Null,
  code_deployment: IDL.Record({ mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Null }), module_hash: IDL.Vec(IDL.Nat8) }),
  load_snapshot: IDL.Record({
    from_canister_id: IDL.Opt(IDL.Principal), snapshot_id: SnapshotId, canister_version: IDL.Nat64, taken_at_timestamp: IDL.Nat64,
    source: IDL.Variant({ taken_from_canister: IDL.Reserved, metadata_upload: IDL.Reserved }),
  }),
  controllers_change: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
});
const InfoResult = IDL.Record({
  total_num_changes: IDL.Nat64,
  recent_changes: IDL.Vec(IDL.Record({ timestamp_nanos: IDL.Nat64, canister_version: IDL.Nat64, details: ChangeDetails })),
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
});
const StatusResult = IDL.Record({
  version: IDL.Nat64,
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  memory_metrics: IDL.Record({ snapshots_size: IDL.Nat }),
});
const UpdateSettings = IDL.Record({
  canister_id: IDL.Principal,
  settings: IDL.Record({ snapshot_visibility: IDL.Opt(IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) })) }),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

type SnapshotValue = { id: Uint8Array; taken_at_timestamp: bigint; total_size: bigint };

// ---- a canister with state in every place a snapshot keeps ----

/** `inc` adds 1 to an i32 global and 10 to an i64 global, and copies the count to the heap, stable memory and certified data. */
const STATEFUL = `
  (global $count (mut i32) (i32.const 0))
  (global $big (mut i64) (i64.const 0))
  (func (export "canister_update inc")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.set $big (i64.add (global.get $big) (i64.const 10)))
    (i32.store (i32.const 512) (global.get $count))
    (if (i32.eqz (call $stable_size)) (then (drop (call $stable_grow (i32.const 1)))))
    (i32.store (i32.const 600) (global.get $count))
    (call $stable_write (i32.const 0) (i32.const 600) (i32.const 4))
    (call $certified_data_set (i32.const 600) (i32.const 4))
    (call $reply_i32 (global.get $count)))
  ;; 20 bytes: the i32 global, the i64 global, the heap copy, the stable copy (0 without stable memory)
  (func (export "canister_query state")
    (i32.store (i32.const 16) (global.get $count))
    (i64.store (i32.const 20) (global.get $big))
    (i32.store (i32.const 28) (i32.load (i32.const 512)))
    (i32.store (i32.const 32) (i32.const 0))
    (if (call $stable_size) (then (call $stable_read (i32.const 32) (i32.const 0) (i32.const 4))))
    (call $reply_data (i32.const 16) (i32.const 20)))
`;

function statefulWasm(): Promise<Uint8Array> {
  return canister(STATEFUL, ['stable_size', 'stable_grow', 'stable_write', 'stable_read', 'certified_data_set']);
}

describe('canister snapshots', () => {
  let pic: PocketIc;
  let wasm: Uint8Array;
  let proxy: Principal;
  const user = P.anonymous();

  const failure = (p: Promise<unknown>) => p.then(() => 'succeeded', (e: Error) => e.message);
  const take = async (id: Principal, options: { replace?: Uint8Array; uninstall?: boolean; sender?: Principal } = {}) =>
    decode<SnapshotValue>(Snapshot, await ingress(pic, 'take_canister_snapshot', TakeSnapshotArgs, {
      canister_id: id, replace_snapshot: options.replace ? [options.replace] : [], uninstall_code: options.uninstall === undefined ? [] : [options.uninstall], sender_canister_version: [],
    }, options.sender));
  const load = (id: Principal, snapshot: Uint8Array, sender?: Principal) =>
    ingress(pic, 'load_canister_snapshot', LoadSnapshotArgs, { canister_id: id, snapshot_id: snapshot, sender_canister_version: [] }, sender);
  const list = async (id: Principal, sender?: Principal) =>
    decode<SnapshotValue[]>(IDL.Vec(Snapshot), await ingress(pic, 'list_canister_snapshots', CanisterIdRecord, { canister_id: id }, sender));
  const remove = (id: Principal, snapshot: Uint8Array) => ingress(pic, 'delete_canister_snapshot', SnapshotRef, { canister_id: id, snapshot_id: snapshot });
  const inc = (id: Principal) => pic.updateCall({ canisterId: id, method: 'inc', arg: new Uint8Array() });
  const state = async (id: Principal) => {
    const bytes = await pic.queryCall({ canisterId: id, method: 'state', arg: new Uint8Array() });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { count: view.getInt32(0, true), big: view.getBigInt64(4, true), heap: view.getInt32(12, true), stable: view.getInt32(16, true) };
  };
  const info = async (id: Principal) =>
    decode<{ total_num_changes: bigint; recent_changes: { timestamp_nanos: bigint; canister_version: bigint; details: Record<string, Record<string, unknown>> }[] }>(
      InfoResult, replyOf(await manage(pic, proxy, 'canister_info', CanisterInfoArgs, { canister_id: id, num_requested_changes: [20n] })));
  const status = async (id: Principal) =>
    decode<{ version: bigint; module_hash: [] | [Uint8Array]; memory_metrics: { snapshots_size: bigint } }>(
      StatusResult, await ingress(pic, 'canister_status', CanisterIdRecord, { canister_id: id }));
  const fresh = async (controllers: Principal[] = [user]) => {
    const id = await install(pic, wasm, { controllers });
    return id;
  };

  beforeAll(async () => {
    pic = await newPic();
    wasm = await statefulWasm();
    proxy = await install(pic, await proxyWasm());
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('takes a snapshot whose id is a local number and the canister id, and loads it back: globals, heap, stable memory, certified data', async () => {
    const id = await fresh();
    await inc(id);
    await inc(id);
    const before = await status(id);
    const nanos = async () => BigInt(Math.round(await pic.getTime() * 1000)) * 1000n;
    const t0 = await nanos();
    const snapshot = await take(id);
    const t1 = await nanos();
    expect(hex(snapshot.id)).toBe(`0000000000000000${hex(id.toUint8Array())}`);
    expect(snapshot.total_size).toBeGreaterThan(BigInt(wasm.length + 65536));
    // Taken in the round that executed the call: between the times before and after it.
    expect(snapshot.taken_at_timestamp).toBeGreaterThanOrEqual(t0 - 1000n);
    expect(snapshot.taken_at_timestamp).toBeLessThanOrEqual(t1 + 1000n);
    expect((await status(id)).memory_metrics.snapshots_size).toBe(snapshot.total_size);

    for (let i = 0; i < 3; i++) await inc(id);
    expect(await state(id)).toEqual({ count: 5, big: 50n, heap: 5, stable: 5 });
    await load(id, snapshot.id);
    expect(await state(id)).toEqual({ count: 2, big: 20n, heap: 2, stable: 2 });
    expect(await inc(id)).toEqual(Uint8Array.from([3, 0, 0, 0]));

    // The load is a change of its own: the version goes up, and the history says which snapshot.
    const after = await status(id);
    expect(after.version).toBeGreaterThan(before.version);
    const changes = (await info(id)).recent_changes;
    const loaded = changes.find((c) => 'load_snapshot' in c.details)!;
    expect(loaded.details.load_snapshot).toEqual({
      from_canister_id: [], snapshot_id: snapshot.id, canister_version: before.version, taken_at_timestamp: snapshot.taken_at_timestamp,
      source: { taken_from_canister: null },
    });
  });

  it('lists snapshots oldest first, replaces one by id, deletes, and refuses an unknown id with the replica\'s wording', async () => {
    const id = await fresh();
    const first = await take(id);
    const second = await take(id);
    expect((await list(id)).map((s) => hex(s.id))).toEqual([hex(first.id), hex(second.id)]);
    const third = await take(id, { replace: first.id });
    expect(hex(third.id).slice(0, 16)).toBe('0000000000000002');
    expect((await list(id)).map((s) => hex(s.id))).toEqual([hex(second.id), hex(third.id)]);

    await remove(id, second.id);
    expect((await list(id)).map((s) => hex(s.id))).toEqual([hex(third.id)]);
    const error = await failure(remove(id, second.id));
    expect(error).toContain(`Could not find the snapshot ID ${id.toText()}-1 for canister ${id.toText()}`);
    expect(error).toMatch(/CanisterSnapshotNotFound|IC0305/);
    expect(await failure(load(id, first.id))).toContain(`Could not find the snapshot ID ${id.toText()}-0`);
  });

  it('holds at most 10 snapshots per canister; replace_snapshot still works at the limit', async () => {
    const id = await fresh();
    const taken: SnapshotValue[] = [];
    for (let i = 0; i < 10; i++) taken.push(await take(id));
    const error = await failure(take(id));
    expect(error).toContain(`Canister ${id.toText()} has reached the maximum number of snapshots allowed: 10.`);
    const replaced = await take(id, { replace: taken[0]!.id });
    expect((await list(id)).length).toBe(10);
    expect((await list(id)).some((s) => hex(s.id) === hex(replaced.id))).toBe(true);
  });

  it('refuses a snapshot of another canister as replace_snapshot, an empty canister, and callers who are not controllers', async () => {
    const a = await fresh();
    const b = await fresh();
    const ofB = await take(b);
    expect(await failure(take(a, { replace: ofB.id }))).toContain(`The snapshot ${b.toText()}-0 does not belong to canister ${a.toText()}`);
    const empty = await pic.createCanister({ controllers: [user] });
    expect(await failure(take(empty))).toContain(`Failed to create snapshot for empty canister ${empty.toText()}`);
    expect(await failure(take(a, { sender: STRANGER }))).toContain(`Only controllers of canister ${a.toText()} can call ic00 method take_canister_snapshot`);
    expect(await failure(load(a, ofB.id, STRANGER))).toContain(`Only controllers of canister ${a.toText()} can call ic00 method load_canister_snapshot`);
  });

  it('loads a snapshot onto another canister of the subnet if the caller controls both, and records where it came from', async () => {
    const source = await fresh();
    await inc(source);
    const snapshot = await take(source);
    const target = await fresh();
    await load(target, snapshot.id);
    expect(await state(target)).toEqual({ count: 1, big: 10n, heap: 1, stable: 1 });
    const loaded = (await info(target)).recent_changes.find((c) => 'load_snapshot' in c.details)!;
    expect(texts(loaded.details.load_snapshot!.from_canister_id as Principal[])).toEqual([source.toText()]);

    // A target the caller controls, but a source it does not: refused.
    const foreign = await install(pic, wasm, { controllers: [STRANGER], sender: STRANGER });
    const foreignSnapshot = await take(foreign, { sender: STRANGER });
    const error = await failure(load(target, foreignSnapshot.id));
    expect(error).toContain(`Only a controller of the canister that snapshot ${foreign.toText()}-0 belongs to can load it on canister ${target.toText()}`);
  });

  it('take with uninstall_code empties the canister; loading brings the code back', async () => {
    const id = await fresh();
    await inc(id);
    const snapshot = await take(id, { uninstall: true });
    expect((await status(id)).module_hash).toEqual([]);
    expect(await failure(inc(id))).toMatch(/no Wasm module|IC0537/i);
    await load(id, snapshot.id);
    expect((await status(id)).module_hash.map((h) => hex(new Uint8Array(h)))).toEqual([hex(sha256(wasm))]);
    expect(await state(id)).toEqual({ count: 1, big: 10n, heap: 1, stable: 1 });
    const kinds = (await info(id)).recent_changes.map((c) => Object.keys(c.details)[0]);
    expect(kinds.slice(-2)).toEqual(['code_uninstall', 'load_snapshot']);
  });

  it('snapshot_visibility decides who besides controllers may list and read snapshots', async () => {
    const id = await fresh();
    const snapshot = await take(id);
    expect(await failure(list(id, STRANGER))).toContain(`Only controllers of canister ${id.toText()} can call ic00 method list_canister_snapshots`);
    await ingress(pic, 'update_settings', UpdateSettings, { canister_id: id, settings: { snapshot_visibility: [{ public: null }] }, sender_canister_version: [] });
    expect((await list(id, STRANGER)).map((s) => hex(s.id))).toEqual([hex(snapshot.id)]);
    const metadata = decode<{ wasm_module_size: bigint }>(Metadata, await ingress(pic, 'read_canister_snapshot_metadata', SnapshotRef, { canister_id: id, snapshot_id: snapshot.id }, STRANGER));
    expect(metadata.wasm_module_size).toBe(BigInt(wasm.length));
    // Deleting stays with the controllers.
    expect(await failure(ingress(pic, 'delete_canister_snapshot', SnapshotRef, { canister_id: id, snapshot_id: snapshot.id }, STRANGER)))
      .toContain('Only controllers');
  });

  it('reads a snapshot out and uploads it as a new snapshot of another canister, which loads like the original', async () => {
    const source = await fresh();
    await inc(source);
    await inc(source);
    const original = await take(source);
    const meta = decode<{
      source: Record<string, unknown>; wasm_module_size: bigint; globals: Record<string, unknown>[]; wasm_memory_size: bigint; stable_memory_size: bigint;
      certified_data: Uint8Array; canister_version: bigint; global_timer: unknown[]; on_low_wasm_memory_hook_status: unknown[];
    }>(Metadata, await ingress(pic, 'read_canister_snapshot_metadata', SnapshotRef, { canister_id: source, snapshot_id: original.id }));
    expect(Object.keys(meta.source)).toEqual(['taken_from_canister']);
    expect(meta.globals).toEqual([{ i32: 2 }, { i64: 20n }]);
    expect(meta.stable_memory_size).toBe(65536n);
    expect([...meta.certified_data]).toEqual([2, 0, 0, 0]);
    expect(meta.wasm_memory_size % 65536n).toBe(0n);

    const read = async (kind: string, size: bigint) => {
      const parts: Uint8Array[] = [];
      for (let offset = 0n; offset < size; offset += 1_000_000n) {
        const n = size - offset < 1_000_000n ? size - offset : 1_000_000n;
        const reply = await ingress(pic, 'read_canister_snapshot_data', ReadDataArgs, { canister_id: source, snapshot_id: original.id, kind: { [kind]: { offset, size: n } } });
        parts.push(new Uint8Array(decode<{ chunk: Uint8Array }>(Chunk, reply).chunk));
      }
      return Buffer.concat(parts);
    };
    const module = await read('wasm_module', meta.wasm_module_size);
    expect(hex(module)).toBe(hex(wasm));
    const heap = await read('wasm_memory', meta.wasm_memory_size);
    expect(heap.readInt32LE(512)).toBe(2);
    const stable = await read('stable_memory', meta.stable_memory_size);
    expect(stable.readInt32LE(0)).toBe(2);
    expect(await failure(ingress(pic, 'read_canister_snapshot_data', ReadDataArgs, {
      canister_id: source, snapshot_id: original.id, kind: { wasm_module: { offset: meta.wasm_module_size, size: 1n } },
    }))).toContain(`Invalid subslice into wasm module / main memory / stable memory: offset: ${meta.wasm_module_size}, size: 1`);

    const target = await fresh();
    const uploaded = decode<{ snapshot_id: Uint8Array }>(IDL.Record({ snapshot_id: SnapshotId }), await ingress(pic, 'upload_canister_snapshot_metadata', UploadMetadataArgs, {
      canister_id: target, replace_snapshot: [], wasm_module_size: meta.wasm_module_size, globals: meta.globals, wasm_memory_size: meta.wasm_memory_size,
      stable_memory_size: meta.stable_memory_size, certified_data: meta.certified_data, global_timer: [], on_low_wasm_memory_hook_status: [],
    }));
    const put = (kind: string, bytes: Uint8Array) => ingress(pic, 'upload_canister_snapshot_data', UploadDataArgs, {
      canister_id: target, snapshot_id: uploaded.snapshot_id, kind: { [kind]: { offset: 0n } }, chunk: bytes,
    });
    await put('wasm_module', module);
    await put('wasm_memory', heap);
    await put('stable_memory', stable);
    await load(target, uploaded.snapshot_id);
    expect(await state(target)).toEqual({ count: 2, big: 20n, heap: 2, stable: 2 });
    const loaded = (await info(target)).recent_changes.find((c) => 'load_snapshot' in c.details)!;
    expect(Object.keys(loaded.details.load_snapshot!.source as object)).toEqual(['metadata_upload']);

    // A taken snapshot cannot be written to.
    const error = await failure(ingress(pic, 'upload_canister_snapshot_data', UploadDataArgs, {
      canister_id: source, snapshot_id: original.id, kind: { wasm_module: { offset: 0n } }, chunk: new Uint8Array(1),
    }));
    expect(error).toContain('Only canister snapshots created by metadata upload can be mutated.');
  });

  it('charges the canister for a snapshot, and refuses one it cannot pay for above its freezing threshold', async () => {
    const rich = await fresh();
    const before = (await pic.canisterStatus({ canisterId: rich })).cycles;
    await take(rich);
    expect((await pic.canisterStatus({ canisterId: rich })).cycles).toBeLessThan(before);

    // A freezing threshold that leaves 50 million cycles above it: enough for the call's ingress
    // fee, not for the snapshot. (A canister cannot be made that poor before its install: an install
    // must reserve its whole 300-billion-instruction limit above the threshold.)
    const poor = await install(pic, wasm, { controllers: [user] });
    const { cycles, idleCyclesBurnedPerDay } = await pic.canisterStatus({ canisterId: poor });
    await pic.updateCanisterSettings({ canisterId: poor, freezingThreshold: ((cycles - 50_000_000n) * 86_400n) / idleCyclesBurnedPerDay });
    const error = await failure(take(poor));
    expect(error).toContain(`Canister snapshotting failed with: \`Canister ${poor.toText()} is out of cycles`);
    expect(error).toMatch(/CanisterOutOfCycles|IC0207/);
    expect(await list(poor)).toEqual([]);
  });

  it('an upload announcing gigabytes costs nothing until data comes, and a snapshot that is not a module does not load', async () => {
    const id = await fresh();
    const GiB = 1024n ** 3n;
    const uploaded = decode<{ snapshot_id: Uint8Array }>(IDL.Record({ snapshot_id: SnapshotId }), await ingress(pic, 'upload_canister_snapshot_metadata', UploadMetadataArgs, {
      canister_id: id, replace_snapshot: [], wasm_module_size: 100n * 1024n * 1024n, globals: [], wasm_memory_size: 4n * GiB,
      stable_memory_size: 400n * GiB, certified_data: new Uint8Array(), global_timer: [], on_low_wasm_memory_hook_status: [],
    }));
    const [listed] = await list(id);
    expect(listed!.total_size).toBeGreaterThan(404n * GiB);
    // Data at the very end of the stable memory, read back.
    await ingress(pic, 'upload_canister_snapshot_data', UploadDataArgs, {
      canister_id: id, snapshot_id: uploaded.snapshot_id, kind: { stable_memory: { offset: 400n * GiB - 3n } }, chunk: Uint8Array.from([1, 2, 3]),
    });
    const tail = decode<{ chunk: Uint8Array }>(Chunk, await ingress(pic, 'read_canister_snapshot_data', ReadDataArgs, {
      canister_id: id, snapshot_id: uploaded.snapshot_id, kind: { stable_memory: { offset: 400n * GiB - 4n, size: 4n } },
    }));
    expect([...tail.chunk]).toEqual([0, 1, 2, 3]);
    expect(await failure(ingress(pic, 'upload_canister_snapshot_data', UploadDataArgs, {
      canister_id: id, snapshot_id: uploaded.snapshot_id, kind: { stable_memory: { offset: 400n * GiB - 2n } }, chunk: Uint8Array.from([1, 2, 3]),
    }))).toContain(`Invalid subslice into wasm module / main memory / stable memory: offset: ${400n * GiB - 2n}, size: 3`);
    expect(await failure(load(id, uploaded.snapshot_id))).toMatch(/not valid|Wasm/);
    // The canister is untouched and the server still answers.
    expect(await state(id)).toEqual({ count: 0, big: 0n, heap: 0, stable: 0 });
  });

  it('a controlling canister takes and loads snapshots too (what a manager canister does around an upgrade)', async () => {
    const id = await fresh([user, proxy]);
    await inc(id);
    const taken = decode<SnapshotValue>(Snapshot, replyOf(await manage(pic, proxy, 'take_canister_snapshot', TakeSnapshotArgs, {
      canister_id: id, replace_snapshot: [], uninstall_code: [], sender_canister_version: [],
    })));
    await inc(id);
    replyOf(await manage(pic, proxy, 'load_canister_snapshot', LoadSnapshotArgs, { canister_id: id, snapshot_id: taken.id, sender_canister_version: [] }));
    expect(await state(id)).toEqual({ count: 1, big: 10n, heap: 1, stable: 1 });
    const Origin = IDL.Variant({
      from_user: IDL.Record({ user_id: IDL.Principal }),
      from_canister: IDL.Record({ canister_id: IDL.Principal, canister_version: IDL.Opt(IDL.Nat64) }),
    });
    const WithOrigin = IDL.Record({ recent_changes: IDL.Vec(IDL.Record({ origin: Origin, details: ChangeDetails })) });
    const changes = decode<{ recent_changes: { origin: Record<string, { canister_id?: Principal }>; details: Record<string, unknown> }[] }>(
      WithOrigin, replyOf(await manage(pic, proxy, 'canister_info', CanisterInfoArgs, { canister_id: id, num_requested_changes: [1n] }))).recent_changes;
    expect(Object.keys(changes[0]!.details)).toEqual(['load_snapshot']);
    expect(changes[0]!.origin.from_canister?.canister_id?.toText()).toBe(proxy.toText());
    // A canister that does not control the target is refused with the replica's controller message.
    const other = await fresh();
    const refused = rejectOf(await manage(pic, proxy, 'take_canister_snapshot', TakeSnapshotArgs, {
      canister_id: other, replace_snapshot: [], uninstall_code: [], sender_canister_version: [],
    }));
    expect(refused.message).toContain(`Only the controllers of the canister ${other.toText()} can control it.`);
  });

  it('canister settings other than snapshot_visibility stay as they are across a load', async () => {
    const id = await fresh([user, proxy]);
    const snapshot = await take(id);
    await ingress(pic, 'update_settings', IDL.Record({ canister_id: IDL.Principal, settings: IDL.Record({ controllers: IDL.Opt(IDL.Vec(IDL.Principal)), freezing_threshold: IDL.Opt(IDL.Nat) }), sender_canister_version: IDL.Opt(IDL.Nat64) }),
      { canister_id: id, settings: { ...settings({ freezing_threshold: 1234n }), controllers: [] }, sender_canister_version: [] });
    await load(id, snapshot.id);
    const status = await pic.canisterStatus({ canisterId: id });
    expect(status.settings.freezingThreshold).toBe(1234n);
    expect(texts(status.settings.controllers)).toEqual(texts([user, proxy]));
  });
});
