/**
 * The part of the management canister (`aaaaa-aa`) that Lineage's canisters call: status, history,
 * the chunk store, chunked installation, stop/start and settings. Shapes follow the IC interface
 * specification's `ic.did`; a record declared here with fewer fields than the IC sends still
 * decodes (Candid record subtyping), so newer replicas that add fields do not break the callers.
 */
import type { Principal } from '@dfinity/principal';

import type { IDL as CandidIDL } from '@dfinity/candid';

import type { IdlNamespace } from './idl.js';

type Opt<T> = [] | [T];

export type CanisterRunStatus = { running: null } | { stopping: null } | { stopped: null };

export interface CanisterSettingsUpdate {
  controllers: Opt<Principal[]>;
  compute_allocation: Opt<bigint>;
  memory_allocation: Opt<bigint>;
  freezing_threshold: Opt<bigint>;
  reserved_cycles_limit: Opt<bigint>;
  log_visibility: Opt<LogVisibility>;
  wasm_memory_limit: Opt<bigint>;
}

export type LogVisibility = { controllers: null } | { public: null } | { allowed_viewers: Principal[] };

export interface CanisterStatus {
  status: CanisterRunStatus;
  module_hash: Opt<Uint8Array>;
  settings: {
    controllers: Principal[];
    compute_allocation: bigint;
    memory_allocation: bigint;
    freezing_threshold: bigint;
    reserved_cycles_limit: bigint;
    wasm_memory_limit: bigint;
  };
  memory_size: bigint;
  cycles: bigint;
}

export type ChangeOrigin =
  | { from_user: { user_id: Principal } }
  | { from_canister: { canister_id: Principal; canister_version: Opt<bigint> } };

export type ChangeDetails =
  | { creation: { controllers: Principal[] } }
  | { code_uninstall: null }
  | { code_deployment: { mode: { install: null } | { reinstall: null } | { upgrade: null }; module_hash: Uint8Array } }
  | { controllers_change: { controllers: Principal[] } }
  | { load_snapshot: { canister_version: bigint; taken_at_timestamp: bigint } };

export interface CanisterChange {
  timestamp_nanos: bigint;
  canister_version: bigint;
  origin: ChangeOrigin;
  details: ChangeDetails;
}

export interface CanisterInfo {
  total_num_changes: bigint;
  recent_changes: CanisterChange[];
  module_hash: Opt<Uint8Array>;
  controllers: Principal[];
}

export type ManagementTypeName =
  | 'CanisterId' | 'LogVisibility' | 'CanisterSettingsUpdate' | 'UpdateSettingsArgs' | 'CanisterStatus'
  | 'ChangeOrigin' | 'ChangeDetails' | 'CanisterChange' | 'CanisterInfoArgs' | 'CanisterInfo'
  | 'UploadChunkArgs' | 'ChunkHash' | 'InstallMode' | 'InstallChunkedCodeArgs';

/** The management canister's types, built with the given `IDL`. */
export function managementTypes(IDL: IdlNamespace): Record<ManagementTypeName, CandidIDL.Type> {
  const CanisterId = IDL.Record({ canister_id: IDL.Principal });
  const LogVisibility = IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) });
  const CanisterSettingsUpdate = IDL.Record({
    controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
    compute_allocation: IDL.Opt(IDL.Nat),
    memory_allocation: IDL.Opt(IDL.Nat),
    freezing_threshold: IDL.Opt(IDL.Nat),
    reserved_cycles_limit: IDL.Opt(IDL.Nat),
    log_visibility: IDL.Opt(LogVisibility),
    wasm_memory_limit: IDL.Opt(IDL.Nat),
  });
  const UpdateSettingsArgs = IDL.Record({ canister_id: IDL.Principal, settings: CanisterSettingsUpdate });
  const CanisterStatus = IDL.Record({
    status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
    module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    settings: IDL.Record({
      controllers: IDL.Vec(IDL.Principal),
      compute_allocation: IDL.Nat,
      memory_allocation: IDL.Nat,
      freezing_threshold: IDL.Nat,
      reserved_cycles_limit: IDL.Nat,
      wasm_memory_limit: IDL.Nat,
    }),
    memory_size: IDL.Nat,
    cycles: IDL.Nat,
  });
  const ChangeOrigin = IDL.Variant({
    from_user: IDL.Record({ user_id: IDL.Principal }),
    from_canister: IDL.Record({ canister_id: IDL.Principal, canister_version: IDL.Opt(IDL.Nat64) }),
  });
  const ChangeDetails = IDL.Variant({
    creation: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
    code_uninstall: IDL.Null,
    code_deployment: IDL.Record({
      mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Null }),
      module_hash: IDL.Vec(IDL.Nat8),
    }),
    controllers_change: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
    load_snapshot: IDL.Record({ canister_version: IDL.Nat64, taken_at_timestamp: IDL.Nat64 }),
  });
  const CanisterChange = IDL.Record({
    timestamp_nanos: IDL.Nat64,
    canister_version: IDL.Nat64,
    origin: ChangeOrigin,
    details: ChangeDetails,
  });
  const CanisterInfoArgs = IDL.Record({ canister_id: IDL.Principal, num_requested_changes: IDL.Opt(IDL.Nat64) });
  const CanisterInfo = IDL.Record({
    total_num_changes: IDL.Nat64,
    recent_changes: IDL.Vec(CanisterChange),
    module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    controllers: IDL.Vec(IDL.Principal),
  });
  const UploadChunkArgs = IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) });
  const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
  const InstallMode = IDL.Variant({
    install: IDL.Null,
    reinstall: IDL.Null,
    // ic.did's canister_install_mode: both upgrade options (a missing field would be dropped silently on encoding).
    upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool), wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) })),
  });
  const InstallChunkedCodeArgs = IDL.Record({
    mode: InstallMode,
    target_canister: IDL.Principal,
    store_canister: IDL.Opt(IDL.Principal),
    chunk_hashes_list: IDL.Vec(ChunkHash),
    wasm_module_hash: IDL.Vec(IDL.Nat8),
    arg: IDL.Vec(IDL.Nat8),
  });
  return {
    CanisterId, LogVisibility, CanisterSettingsUpdate, UpdateSettingsArgs, CanisterStatus, ChangeOrigin, ChangeDetails,
    CanisterChange, CanisterInfoArgs, CanisterInfo, UploadChunkArgs, ChunkHash, InstallMode, InstallChunkedCodeArgs,
  };
}
