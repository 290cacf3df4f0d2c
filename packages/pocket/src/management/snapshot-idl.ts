/** Candid types of the management canister's snapshot methods, as in the IC interface spec's `ic.did`. */
import { IDL } from '@dfinity/candid';

const SnapshotId = IDL.Vec(IDL.Nat8);

export const Snapshot = IDL.Record({ id: SnapshotId, taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });

export const TakeSnapshotArgs = IDL.Record({
  canister_id: IDL.Principal,
  replace_snapshot: IDL.Opt(SnapshotId),
  uninstall_code: IDL.Opt(IDL.Bool),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const LoadSnapshotArgs = IDL.Record({
  canister_id: IDL.Principal,
  snapshot_id: SnapshotId,
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const SnapshotRef = IDL.Record({ canister_id: IDL.Principal, snapshot_id: SnapshotId });

const Global = IDL.Variant({ i32: IDL.Int32, i64: IDL.Int64, f32: IDL.Float32, f64: IDL.Float64, v128: IDL.Nat });
const GlobalTimer = IDL.Opt(IDL.Variant({ inactive: IDL.Null, active: IDL.Nat64 }));
const HookStatus = IDL.Opt(IDL.Variant({ condition_not_satisfied: IDL.Null, ready: IDL.Null, executed: IDL.Null }));
const Source = IDL.Variant({ taken_from_canister: IDL.Reserved, metadata_upload: IDL.Reserved });

export const ReadMetadataResult = IDL.Record({
  source: Source,
  taken_at_timestamp: IDL.Nat64,
  wasm_module_size: IDL.Nat64,
  globals: IDL.Vec(Global),
  wasm_memory_size: IDL.Nat64,
  stable_memory_size: IDL.Nat64,
  wasm_chunk_store: IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) })),
  canister_version: IDL.Nat64,
  certified_data: IDL.Vec(IDL.Nat8),
  global_timer: GlobalTimer,
  on_low_wasm_memory_hook_status: HookStatus,
});

const Slice = IDL.Record({ offset: IDL.Nat64, size: IDL.Nat64 });
export const ReadDataArgs = IDL.Record({
  canister_id: IDL.Principal,
  snapshot_id: SnapshotId,
  kind: IDL.Variant({
    wasm_module: Slice,
    wasm_memory: Slice,
    stable_memory: Slice,
    wasm_chunk: IDL.Record({ hash: IDL.Vec(IDL.Nat8) }),
  }),
});
export const ReadDataResult = IDL.Record({ chunk: IDL.Vec(IDL.Nat8) });

export const UploadMetadataArgs = IDL.Record({
  canister_id: IDL.Principal,
  replace_snapshot: IDL.Opt(SnapshotId),
  wasm_module_size: IDL.Nat64,
  globals: IDL.Vec(Global),
  wasm_memory_size: IDL.Nat64,
  stable_memory_size: IDL.Nat64,
  certified_data: IDL.Vec(IDL.Nat8),
  global_timer: GlobalTimer,
  on_low_wasm_memory_hook_status: HookStatus,
});
export const UploadMetadataResult = IDL.Record({ snapshot_id: SnapshotId });

const Offset = IDL.Record({ offset: IDL.Nat64 });
export const UploadDataArgs = IDL.Record({
  canister_id: IDL.Principal,
  snapshot_id: SnapshotId,
  kind: IDL.Variant({ wasm_module: Offset, wasm_memory: Offset, stable_memory: Offset, wasm_chunk: IDL.Null }),
  chunk: IDL.Vec(IDL.Nat8),
});
