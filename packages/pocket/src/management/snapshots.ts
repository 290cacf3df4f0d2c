/**
 * The management canister's snapshot methods (IC interface spec § take_canister_snapshot …
 * delete_canister_snapshot), with the replica's checks, order of checks and error wording
 * (`rs/execution_environment/src/canister_manager.rs`):
 *
 * - only controllers take, load, upload and delete; `snapshot_visibility` says who may list and
 *   read snapshots (controllers always may);
 * - at most `LIMITS.maxSnapshotsPerCanister` snapshots per canister, unless `replace_snapshot`
 *   names one to replace; a snapshot id names its canister, so an id of another canister is
 *   refused with "does not belong to";
 * - the canister need not be stopped (the spec advises stopping it; tooling does that);
 * - loading works onto another canister of the same subnet if the caller controls both; it bumps
 *   the canister version and records a `load_snapshot` change in the canister's history;
 * - the work is charged to the canister as instructions, one per byte copied.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import type { Canister } from '../canister.js';
import {
  captureSnapshot, globalsMatch, pagedRead, pagedWrite, restoreSnapshot, snapshotId, snapshotIdText, snapshotKey, snapshotOwner, snapshotSize,
  type CanisterSnapshot, type GlobalValue, type HookStatus, type PagedBytes,
} from '../canister-snapshot.js';
import { LIMITS } from '../constants.js';
import { MANAGEMENT_INSTRUCTIONS } from '../costs.js';
import { HELP, IcError } from '../errors.js';
import { compilationOf, uninstallCode } from '../execution/install.js';
import { prepareModule, type PreparedModule } from '../wasm/prepare.js';
import type { ManagementHost } from './host.js';
import { operationFees, payOperationFees } from './operation-fees.js';
import { opt, type Opt } from './idl.js';
import { controlled, EMPTY, invalidController, lookup, ok, originOf, type MethodContext } from './methods.js';
import { mayView } from './settings.js';
import * as S from './snapshot-idl.js';

type Slice = { offset: bigint; size: bigint };

function notFound(canister: Canister, id: Uint8Array): IcError {
  const owner = snapshotOwner(id);
  const ownerText = owner ? Principal.fromUint8Array(owner).toText() : canister.idText;
  return new IcError('CanisterSnapshotNotFound', `Could not find the snapshot ID ${snapshotIdText(id, ownerText)} for canister ${canister.idText}.\n${HELP.snapshotNotFound}`);
}

/** The snapshot `id` on `canister`'s subnet, with the canister it belongs to. */
function findSnapshot(host: ManagementHost, canister: Canister, id: Uint8Array): { owner: Canister; snapshot: CanisterSnapshot } | undefined {
  const ownerId = snapshotOwner(id);
  if (!ownerId) return undefined;
  const owner = host.canister(Principal.fromUint8Array(ownerId));
  // Snapshots live in their subnet's state: one on another subnet is not found.
  if (!owner || host.subnetOf(owner.id) !== host.subnetOf(canister.id)) return undefined;
  const snapshot = owner.snapshots.get(snapshotKey(id));
  return snapshot ? { owner, snapshot } : undefined;
}

/** `canister`'s own snapshot `id` (the replica's `get_snapshot`). */
function ownSnapshot(host: ManagementHost, canister: Canister, id: Uint8Array): CanisterSnapshot {
  const found = findSnapshot(host, canister, id);
  if (!found) throw notFound(canister, id);
  if (found.owner !== canister) {
    throw new IcError('CanisterRejectedMessage', `The snapshot ${snapshotIdText(id, found.owner.idText)} does not belong to canister ${canister.idText}.\n${HELP.snapshotInvalidOwnership}`);
  }
  return found.snapshot;
}

/** Checks there is room for a new snapshot, or that the one to replace exists; returns its size. */
function roomFor(host: ManagementHost, canister: Canister, replace: Uint8Array | undefined): bigint {
  if (replace) return ownSnapshot(host, canister, replace).size;
  if (canister.snapshots.size >= LIMITS.maxSnapshotsPerCanister) {
    throw new IcError('CanisterRejectedMessage', `Canister ${canister.idText} has reached the maximum number of snapshots allowed: ${LIMITS.maxSnapshotsPerCanister}.\n${HELP.snapshotLimit}`);
  }
  return 0n;
}

/** The fees of a snapshot operation's charges, each of so many `instructions` (see `operationFees`). */
function affordable(ctx: MethodContext, canister: Canister, ...instructions: bigint[]): bigint[] {
  return operationFees(ctx, canister, instructions, (shortfall) => new IcError('CanisterOutOfCycles', `Canister snapshotting failed with: \`Canister ${canister.idText} is out of cycles: please top up the canister with at least ${shortfall} additional cycles\`\n${HELP.snapshotNotEnoughCycles}`));
}

const pay = (ctx: MethodContext, canister: Canister, fees: bigint[]) => payOperationFees(ctx, canister, 'snapshot', fees);

/** `affordable`, then paid. */
function charge(ctx: MethodContext, canister: Canister, instructions: bigint): void {
  pay(ctx, canister, affordable(ctx, canister, instructions));
}

function listEntry(s: CanisterSnapshot) {
  return { id: s.id, taken_at_timestamp: s.takenAtTimestamp, total_size: s.size };
}

/** Adds `snapshot` to `canister`, replacing `replace` (already checked) if given. */
function store(canister: Canister, snapshot: CanisterSnapshot, replace: Uint8Array | undefined): void {
  if (replace) canister.snapshots.delete(snapshotKey(replace));
  canister.snapshots.set(snapshotKey(snapshot.id), snapshot);
  canister.nextSnapshotId += 1n;
}

/** Who may list a canister's snapshots and read them: its controllers and `snapshot_visibility`. */
function viewable(ctx: MethodContext, id: Principal): Canister {
  const canister = lookup(ctx.host, id);
  if (!mayView(canister, canister.settings.snapshotVisibility, ctx.call.sender)) throw invalidController(canister, ctx.call.sender);
  return canister;
}

/** The bytes of a slice whose size the caller has checked against the largest slice. */
function readSlice(bytes: PagedBytes, { offset, size }: Slice): Uint8Array {
  if (offset + size > BigInt(bytes.size)) {
    throw new IcError('InvalidManagementPayload', `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset}, size: ${size}`);
  }
  return pagedRead(bytes, Number(offset), Number(size));
}

const hookStatusWire = (s: HookStatus | undefined) => (s === undefined ? [] : [{ [s]: null }]);
const timerWire = (t: bigint | undefined) => (t === undefined ? [] : [t === 0n ? { inactive: null } : { active: t }]);

export const snapshotMethods = {
  take_canister_snapshot(ctx: MethodContext, args: { canister_id: Principal; replace_snapshot: Opt<Uint8Array>; uninstall_code: Opt<boolean>; sender_canister_version: Opt<bigint> }) {
    const canister = controlled(ctx, args.canister_id);
    const replace = opt(args.replace_snapshot);
    roomFor(ctx.host, canister, replace);
    if (!canister.module || !canister.instance) {
      throw new IcError('CanisterRejectedMessage', `Failed to create snapshot for empty canister ${canister.idText}:`);
    }
    const snapshot = captureSnapshot(canister, ctx.host.time);
    charge(ctx, canister, MANAGEMENT_INSTRUCTIONS.snapshotBaseline + snapshot.size);
    store(canister, snapshot, replace);
    if (opt(args.uninstall_code)) {
      ctx.host.rejectCallContexts(canister, { kind: 'reject', code: 4, message: 'Canister has been uninstalled.', errorCode: 'CanisterRejectedMessage' });
      uninstallCode(canister, originOf(ctx.call, args.sender_canister_version), ctx.host.time);
    }
    ctx.reply(ok([S.Snapshot], [listEntry(snapshot)]), ctx.call.cycles);
  },

  load_canister_snapshot(ctx: MethodContext, args: { canister_id: Principal; snapshot_id: Uint8Array; sender_canister_version: Opt<bigint> }) {
    const canister = controlled(ctx, args.canister_id);
    const found = findSnapshot(ctx.host, canister, args.snapshot_id);
    if (!found) throw notFound(canister, args.snapshot_id);
    const { owner, snapshot } = found;
    if (owner !== canister && !owner.isController(ctx.call.sender)) {
      throw new IcError('CanisterRejectedMessage', `Only a controller of the canister that snapshot ${snapshotIdText(snapshot.id, owner.idText)} belongs to can load it on canister ${canister.idText}. Sender: ${ctx.call.sender.toText()}.`);
    }
    let module: PreparedModule;
    try {
      module = prepareModule(pagedRead(snapshot.wasm, 0, snapshot.wasm.size));
    } catch (error) {
      if (error instanceof IcError) throw error;
      throw new IcError('CanisterInvalidWasm', `Canister's Wasm module is not valid: ${(error as Error).message}`);
    }
    if (snapshot.source === 'metadata_upload' && !globalsMatch(module.mutableGlobals.map((g) => g.valType), snapshot.globals)) {
      throw new IcError('InvalidManagementPayload', 'Wasm exported globals of canister module and snapshot metadata do not match.');
    }
    // Two charges, as the replica makes them: the baseline, then compiling the snapshot's module
    // (a hundredth if the subnet installed it since its last checkpoint) and its bytes, against no
    // message's limit. A load that fails leaves the canister as it was, unpaid.
    const compilation = compilationOf(module, ctx.host.environment(canister));
    const fees = affordable(ctx, canister, MANAGEMENT_INSTRUCTIONS.snapshotBaseline, compilation + snapshot.size);
    try {
      restoreSnapshot(canister, snapshot);
    } catch (error) {
      if (error instanceof IcError) throw error;
      throw new IcError('CanisterInvalidWasm', `Canister's Wasm module is not valid: ${(error as Error).message}`);
    }
    pay(ctx, canister, fees);
    canister.version += 1n;
    canister.recordChange({
      timestampNanos: ctx.host.time, canisterVersion: canister.version, origin: originOf(ctx.call, args.sender_canister_version),
      details: {
        kind: 'load_snapshot', fromCanister: owner === canister ? undefined : owner.id, snapshotId: snapshot.id,
        canisterVersion: snapshot.canisterVersion, takenAtTimestamp: snapshot.takenAtTimestamp, source: snapshot.source,
      },
    });
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  list_canister_snapshots(ctx: MethodContext, args: { canister_id: Principal }) {
    const canister = viewable(ctx, args.canister_id);
    ctx.reply(ok([IDL.Vec(S.Snapshot)], [[...canister.snapshots.values()].map(listEntry)]), ctx.call.cycles);
  },

  delete_canister_snapshot(ctx: MethodContext, args: { canister_id: Principal; snapshot_id: Uint8Array }) {
    const canister = controlled(ctx, args.canister_id);
    ownSnapshot(ctx.host, canister, args.snapshot_id);
    canister.snapshots.delete(snapshotKey(args.snapshot_id));
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  read_canister_snapshot_metadata(ctx: MethodContext, args: { canister_id: Principal; snapshot_id: Uint8Array }) {
    const canister = viewable(ctx, args.canister_id);
    const s = ownSnapshot(ctx.host, canister, args.snapshot_id);
    ctx.reply(ok([S.ReadMetadataResult], [{
      source: { [s.source]: null },
      taken_at_timestamp: s.takenAtTimestamp,
      wasm_module_size: BigInt(s.wasm.size),
      globals: s.globals,
      wasm_memory_size: BigInt(s.heap.size),
      stable_memory_size: BigInt(s.stable.size),
      wasm_chunk_store: [...s.chunkStore.keys()].map((h) => ({ hash: Uint8Array.from(Buffer.from(h, 'hex')) })),
      canister_version: s.canisterVersion,
      certified_data: s.certifiedData,
      global_timer: timerWire(s.globalTimer),
      on_low_wasm_memory_hook_status: hookStatusWire(s.onLowWasmMemoryHookStatus),
    }]), ctx.call.cycles);
  },

  read_canister_snapshot_data(ctx: MethodContext, args: { canister_id: Principal; snapshot_id: Uint8Array; kind: { wasm_module?: Slice; wasm_memory?: Slice; stable_memory?: Slice; wasm_chunk?: { hash: Uint8Array } } }) {
    const canister = viewable(ctx, args.canister_id);
    const s = ownSnapshot(ctx.host, canister, args.snapshot_id);
    const { kind } = args;
    // Charged before the read, for the bytes asked for (a chunk counts as a whole chunk), and kept
    // if the read then fails (the replica's `read_snapshot_data`).
    const requested = kind.wasm_chunk ? BigInt(LIMITS.maxChunkSize) : (kind.wasm_module ?? kind.wasm_memory ?? kind.stable_memory!).size;
    if (requested > BigInt(LIMITS.maxSnapshotSlice) && !kind.wasm_chunk) {
      throw new IcError('InvalidManagementPayload', `Requested slice too large: ${requested} > ${LIMITS.maxSnapshotSlice}`);
    }
    charge(ctx, canister, MANAGEMENT_INSTRUCTIONS.snapshotDataBaseline + requested);
    let chunk: Uint8Array;
    if (kind.wasm_chunk) {
      const data = s.chunkStore.get(Buffer.from(kind.wasm_chunk.hash).toString('hex'));
      if (!data) {
        const hex = `[${[...kind.wasm_chunk.hash].map((b) => b.toString(16).padStart(2, '0')).join(', ')}]`;
        throw new IcError('CanisterContractViolation', `Error from Wasm chunk store: WasmChunkHash ${hex} not found..\n${HELP.chunkStore}`);
      }
      chunk = data.slice();
    } else if (kind.wasm_module) {
      chunk = readSlice(s.wasm, kind.wasm_module);
    } else if (kind.wasm_memory) {
      chunk = readSlice(s.heap, kind.wasm_memory);
    } else {
      chunk = readSlice(s.stable, kind.stable_memory!);
    }
    ctx.reply(ok([S.ReadDataResult], [{ chunk }]), ctx.call.cycles);
  },

  upload_canister_snapshot_metadata(ctx: MethodContext, args: {
    canister_id: Principal; replace_snapshot: Opt<Uint8Array>; wasm_module_size: bigint; globals: GlobalValue[];
    wasm_memory_size: bigint; stable_memory_size: bigint; certified_data: Uint8Array;
    global_timer: Opt<{ inactive?: null; active?: bigint }>; on_low_wasm_memory_hook_status: Opt<Record<HookStatus, null>>;
  }) {
    const canister = controlled(ctx, args.canister_id);
    const page = BigInt(LIMITS.stablePageSize);
    const invalid = (what: string) => new IcError('InvalidManagementPayload', `Snapshot Metadata contains invalid data: ${what}`);
    if (args.wasm_module_size > BigInt(LIMITS.maxWasmModule)) throw invalid(`wasm module size ${args.wasm_module_size} exceeds the maximum ${LIMITS.maxWasmModule}`);
    if (args.wasm_memory_size % page !== 0n || args.wasm_memory_size > BigInt(LIMITS.maxWasmPages) * page) throw invalid(`wasm memory size ${args.wasm_memory_size} is not a whole number of Wasm pages within the 32-bit limit`);
    if (args.stable_memory_size % page !== 0n || args.stable_memory_size > BigInt(LIMITS.maxStablePages) * page) throw invalid(`stable memory size ${args.stable_memory_size} is not a whole number of Wasm pages within the limit`);
    if (args.certified_data.length > LIMITS.maxCertifiedData) throw invalid(`certified data is longer than ${LIMITS.maxCertifiedData} bytes`);
    const replace = opt(args.replace_snapshot);
    roomFor(ctx.host, canister, replace);
    const timer = opt(args.global_timer);
    const hook = opt(args.on_low_wasm_memory_hook_status);
    const snapshot: CanisterSnapshot = {
      id: snapshotId(canister.id, canister.nextSnapshotId),
      source: 'metadata_upload',
      takenAtTimestamp: ctx.host.time,
      canisterVersion: canister.version,
      wasm: { size: Number(args.wasm_module_size), pages: new Map() },
      heap: { size: Number(args.wasm_memory_size), pages: new Map() },
      stable: { size: Number(args.stable_memory_size), pages: new Map() },
      globals: args.globals,
      chunkStore: new Map(),
      certifiedData: args.certified_data.slice(),
      globalTimer: timer === undefined ? undefined : (timer.active ?? 0n),
      onLowWasmMemoryHookStatus: hook === undefined ? undefined : (Object.keys(hook)[0] as HookStatus),
      size: 0n,
    };
    snapshot.size = snapshotSize(snapshot);
    charge(ctx, canister, MANAGEMENT_INSTRUCTIONS.snapshotBaseline + snapshot.size);
    store(canister, snapshot, replace);
    ctx.reply(ok([S.UploadMetadataResult], [{ snapshot_id: snapshot.id }]), ctx.call.cycles);
  },

  upload_canister_snapshot_data(ctx: MethodContext, args: { canister_id: Principal; snapshot_id: Uint8Array; kind: { wasm_module?: { offset: bigint }; wasm_memory?: { offset: bigint }; stable_memory?: { offset: bigint }; wasm_chunk?: null }; chunk: Uint8Array }) {
    const canister = controlled(ctx, args.canister_id);
    const s = ownSnapshot(ctx.host, canister, args.snapshot_id);
    if (s.source !== 'metadata_upload') {
      throw new IcError('CanisterSnapshotImmutable', 'Only canister snapshots created by metadata upload can be mutated.');
    }
    const { kind, chunk } = args;
    // Charged before anything is checked or written, and kept if the write then fails (the
    // replica's `write_snapshot_data`; a chunk of the store counts as a whole chunk).
    charge(ctx, canister, 'wasm_chunk' in kind ? BigInt(LIMITS.maxChunkSize) : BigInt(chunk.length));
    const slice = (offset: bigint, total: bigint) => {
      if (offset + BigInt(chunk.length) > total) {
        throw new IcError('InvalidManagementPayload', `Invalid subslice into wasm module / main memory / stable memory: offset: ${offset}, size: ${chunk.length}`);
      }
      return Number(offset);
    };
    if ('wasm_chunk' in kind) {
      if (chunk.length > LIMITS.maxChunkSize) {
        throw new IcError('CanisterContractViolation', `Error from Wasm chunk store: Wasm chunk size ${chunk.length} exceeds the maximum chunk size of ${LIMITS.maxChunkSize}.\n${HELP.chunkStore}`);
      }
      const key = createHash('sha256').update(chunk).digest('hex');
      if (!s.chunkStore.has(key) && s.chunkStore.size >= LIMITS.chunkStoreEntries) {
        throw new IcError('CanisterContractViolation', `Error from Wasm chunk store: Wasm chunk store has already reached maximum capacity of ${LIMITS.chunkStoreBytes} bytes or the maximum number of entries, ${LIMITS.chunkStoreEntries}.\n${HELP.chunkStore}`);
      }
      s.chunkStore.set(key, chunk.slice());
      s.size = snapshotSize(s);
    } else {
      const [target, { offset }] = kind.wasm_module ? [s.wasm, kind.wasm_module] : kind.wasm_memory ? [s.heap, kind.wasm_memory] : [s.stable, kind.stable_memory!];
      const at = slice(offset, BigInt(target.size));
      pagedWrite(target, at, chunk);
    }
    ctx.reply(EMPTY, ctx.call.cycles);
  },
};
