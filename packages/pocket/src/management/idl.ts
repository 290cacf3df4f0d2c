/**
 * Candid types of the management canister (`aaaaa-aa`), as in the IC interface specification's
 * `ic.did`. Decoding follows Candid subtyping: missing `opt` fields are null, extra fields are skipped.
 *
 * Replies carry every field of the current `ic.did` plus the ones current agents still require
 * that the spec text dropped or has not added yet (`log_memory_limit`,
 * `memory_metrics.log_memory_store_size`): a decoder skips fields it does not know but fails on a
 * missing non-optional field, so a superset is what every client decodes.
 */
import { IDL } from '@dfinity/candid';

export const Visibility = IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) });
export const EnvironmentVariable = IDL.Record({ name: IDL.Text, value: IDL.Text });

export const CanisterSettings = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
  compute_allocation: IDL.Opt(IDL.Nat),
  memory_allocation: IDL.Opt(IDL.Nat),
  freezing_threshold: IDL.Opt(IDL.Nat),
  reserved_cycles_limit: IDL.Opt(IDL.Nat),
  minimum_incoming_canister_call_cycles: IDL.Opt(IDL.Nat),
  log_visibility: IDL.Opt(Visibility),
  snapshot_visibility: IDL.Opt(Visibility),
  status_visibility: IDL.Opt(Visibility),
  log_memory_limit: IDL.Opt(IDL.Nat),
  wasm_memory_limit: IDL.Opt(IDL.Nat),
  wasm_memory_threshold: IDL.Opt(IDL.Nat),
  environment_variables: IDL.Opt(IDL.Vec(EnvironmentVariable)),
});

export const DefiniteCanisterSettings = IDL.Record({
  controllers: IDL.Vec(IDL.Principal),
  compute_allocation: IDL.Nat,
  memory_allocation: IDL.Nat,
  freezing_threshold: IDL.Nat,
  reserved_cycles_limit: IDL.Nat,
  minimum_incoming_canister_call_cycles: IDL.Nat,
  log_visibility: Visibility,
  snapshot_visibility: Visibility,
  status_visibility: Visibility,
  log_memory_limit: IDL.Nat,
  wasm_memory_limit: IDL.Nat,
  wasm_memory_threshold: IDL.Nat,
  environment_variables: IDL.Vec(EnvironmentVariable),
});

export const CanisterIdRecord = IDL.Record({ canister_id: IDL.Principal });

export const CreateCanisterArgs = IDL.Record({
  settings: IDL.Opt(CanisterSettings),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const ProvisionalCreateArgs = IDL.Record({
  amount: IDL.Opt(IDL.Nat),
  settings: IDL.Opt(CanisterSettings),
  specified_id: IDL.Opt(IDL.Principal),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const UpdateSettingsArgs = IDL.Record({
  canister_id: IDL.Principal,
  settings: CanisterSettings,
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const InstallMode = IDL.Variant({
  install: IDL.Null,
  reinstall: IDL.Null,
  upgrade: IDL.Opt(IDL.Record({
    skip_pre_upgrade: IDL.Opt(IDL.Bool),
    wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
  })),
});

export const InstallCodeArgs = IDL.Record({
  mode: InstallMode,
  canister_id: IDL.Principal,
  wasm_module: IDL.Vec(IDL.Nat8),
  arg: IDL.Vec(IDL.Nat8),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });

export const InstallChunkedCodeArgs = IDL.Record({
  mode: InstallMode,
  target_canister: IDL.Principal,
  store_canister: IDL.Opt(IDL.Principal),
  chunk_hashes_list: IDL.Vec(ChunkHash),
  wasm_module_hash: IDL.Vec(IDL.Nat8),
  arg: IDL.Vec(IDL.Nat8),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const UninstallCodeArgs = IDL.Record({ canister_id: IDL.Principal, sender_canister_version: IDL.Opt(IDL.Nat64) });
export const UploadChunkArgs = IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) });

export const CanisterStatusResult = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
  ready_for_migration: IDL.Bool,
  version: IDL.Nat64,
  settings: DefiniteCanisterSettings,
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  memory_size: IDL.Nat,
  memory_metrics: IDL.Record({
    wasm_memory_size: IDL.Nat,
    stable_memory_size: IDL.Nat,
    global_memory_size: IDL.Nat,
    wasm_binary_size: IDL.Nat,
    custom_sections_size: IDL.Nat,
    canister_history_size: IDL.Nat,
    wasm_chunk_store_size: IDL.Nat,
    snapshots_size: IDL.Nat,
    log_memory_store_size: IDL.Nat,
  }),
  cycles: IDL.Nat,
  reserved_cycles: IDL.Nat,
  idle_cycles_burned_per_day: IDL.Nat,
  query_stats: IDL.Record({
    num_calls_total: IDL.Nat,
    num_instructions_total: IDL.Nat,
    request_payload_bytes_total: IDL.Nat,
    response_payload_bytes_total: IDL.Nat,
  }),
});

export const ChangeOrigin = IDL.Variant({
  from_user: IDL.Record({ user_id: IDL.Principal }),
  from_canister: IDL.Record({ canister_id: IDL.Principal, canister_version: IDL.Opt(IDL.Nat64) }),
});

export const ChangeDetails = IDL.Variant({
  creation: IDL.Record({ controllers: IDL.Vec(IDL.Principal), environment_variables_hash: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
  code_uninstall: IDL.Null,
  code_deployment: IDL.Record({
    mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Null }),
    module_hash: IDL.Vec(IDL.Nat8),
  }),
  load_snapshot: IDL.Record({
    from_canister_id: IDL.Opt(IDL.Principal),
    snapshot_id: IDL.Vec(IDL.Nat8),
    canister_version: IDL.Nat64,
    taken_at_timestamp: IDL.Nat64,
    source: IDL.Variant({ taken_from_canister: IDL.Reserved, metadata_upload: IDL.Reserved }),
  }),
  controllers_change: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
  // Renaming is done by an NNS canister only; the emulator never records it, but decoders of
  // `canister_info` replies see the type the spec gives.
  rename_canister: IDL.Record({
    canister_id: IDL.Principal,
    total_num_changes: IDL.Nat64,
    rename_to: IDL.Record({ canister_id: IDL.Principal, version: IDL.Nat64, total_num_changes: IDL.Nat64 }),
    requested_by: IDL.Principal,
  }),
});

export const Change = IDL.Record({
  timestamp_nanos: IDL.Nat64,
  canister_version: IDL.Nat64,
  origin: ChangeOrigin,
  details: ChangeDetails,
});

export const CanisterInfoArgs = IDL.Record({ canister_id: IDL.Principal, num_requested_changes: IDL.Opt(IDL.Nat64) });
export const CanisterInfoResult = IDL.Record({
  total_num_changes: IDL.Nat64,
  recent_changes: IDL.Vec(Change),
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  controllers: IDL.Vec(IDL.Principal),
});

export const FetchLogsResult = IDL.Record({
  canister_log_records: IDL.Vec(IDL.Record({ idx: IDL.Nat64, timestamp_nanos: IDL.Nat64, content: IDL.Vec(IDL.Nat8) })),
});

export const CanisterMetadataArgs = IDL.Record({ canister_id: IDL.Principal, name: IDL.Text });
export const CanisterMetadataResult = IDL.Record({ value: IDL.Vec(IDL.Nat8) });

export const TopUpArgs = IDL.Record({ canister_id: IDL.Principal, amount: IDL.Nat });

export type Opt<T> = [] | [T];
export const opt = <T>(o: Opt<T>): T | undefined => (o.length === 0 ? undefined : o[0]);
