/**
 * The manager canister's interface: owner-triggered upgrades from registry versions, an unbounded
 * deployment history kept as a hash-chained ICRC-3 log, and the two calls the backend uses to
 * upgrade the manager itself (a canister cannot install code on itself, so its controller does
 * the install while the manager does everything else).
 *
 * Only the manager's controllers (the dapp's backend, in the controller ring) may change anything;
 * everyone may read the history, which is the point of keeping it.
 */
import type { Principal } from '@dfinity/principal';

import type { IDL as CandidIDL } from '@dfinity/candid';

import { icrc3Methods, icrcTypes, type Icrc3DataCertificate, type Icrc3GetBlocksResult, type IcrcTypeName } from './icrc.js';
import type { IdlFactory, IdlInitFactory, IdlNamespace } from './idl.js';
import type { Version } from './registry.js';

type Blob = Uint8Array | number[];
type Opt<T> = [] | [T];

export interface ManagedCanister {
  canister: Principal;
  /** What the canister is to the dapp ("backend", "asset", "manager"…), shown in histories. */
  label: string;
}

export interface ManagerInitArgs {
  /** The ICRC-118 registry versions come from. */
  registry: Principal;
  /** Canisters whose changes the manager watches (it may upgrade any canister it controls). */
  managed: ManagedCanister[];
  /** Seconds between two reads of `canister_info` of every managed canister; default 300. */
  watch_interval_seconds: Opt<bigint>;
  /** Snapshots the manager keeps of each canister it upgrades, 1 to 10; default 1 (added later: opt). */
  snapshots_kept: Opt<number>;
}

export interface UpgradeRequest {
  canister: Principal;
  /** The registry version (module hash) the canister should run when done. */
  target_hash: Blob;
  /** Who asked: the NFT holder on whose behalf the backend acts. Recorded, not checked here. */
  requested_by: Principal;
  /** The Candid-encoded argument for `post_upgrade`; default: no arguments (`DIDL\00\00`). */
  arg: Opt<Blob>;
}

/** One step of an upgrade: from the module the canister runs to the next registry version. */
export interface UpgradeStep {
  from: Uint8Array | number[];
  to: Uint8Array | number[];
  version: Version;
  /**
   * The upgrade options the manager passes to `install_chunked_code` for this step (from the
   * version's registry metadata); none when not known (a manager before options were shown, or the
   * manager's own upgrade, which its controller installs).
   */
  options: [] | [UpgradeOptions];
}

/** `wasm_memory_persistence` (`keep` / `replace`, none: the IC's default) and `skip_pre_upgrade`. */
export interface UpgradeOptions {
  wasm_memory_persistence: [] | [string];
  skip_pre_upgrade: boolean;
}

export type OperationState =
  | { Scheduled: null }
  /** `phase`: what the step is doing (`snapshot`, `fetching`, `installing`, `starting`, `health`, `rollback`); none from managers before phases. */
  | { Running: { step: number; phase: [] | [string] } }
  | { Completed: null }
  | { Failed: { step: number; error: string; kind: FailureKind } };

export interface Operation {
  id: bigint;
  canister: Principal;
  requested_by: Principal;
  requested_at: bigint;
  steps: UpgradeStep[];
  state: OperationState;
  /** Index of the history entry of every step that ran so far. */
  entries: bigint[];
}

/** Why an upgrade failed once it started; the canister still runs the last version reached. */
export type FailureKind =
  | { RegistryUnavailable: null }
  | { ChunkHashMismatch: { chunk: bigint; expected: Blob; actual: Blob } }
  | { ModuleHashMismatch: { expected: Blob; actual: Opt<Blob> } }
  | { InstallRejected: null }
  | { ManagementRejected: { method: string } }
  | { StateChanged: null }
  | { SnapshotFailed: null }
  | { Unhealthy: { rolled_back: boolean } };

/**
 * The owner's trust policy: every version installed needs attestations (ICRC-126, in the registry)
 * from at least `threshold` of `verifiers`, and no divergence from any of them.
 */
export interface TrustPolicy {
  threshold: number;
  verifiers: Principal[];
}

/** A version of the path the trust policy does not trust, and what it lacks. */
export interface UntrustedVersion {
  hash: Blob;
  version: Version;
  attested_by: Principal[];
  diverged_by: Principal[];
  needed: number;
}

export interface SetTrustPolicyRequest {
  /** No policy: nothing is required (the default). */
  policy: Opt<TrustPolicy>;
  /** The NFT holder on whose behalf the backend asks; recorded in the history. */
  requested_by: Principal;
}

export type UpgradeError =
  | { Unauthorized: string }
  /** The trust policy refuses: every version of the path it does not trust, with what is missing. */
  | { Untrusted: { missing: UntrustedVersion[] } }
  | { Busy: { canister: Principal; operation: bigint; since: bigint } }
  | { NotAController: string }
  | { VersionNotFound: Blob }
  | { NotVerified: Blob }
  | { Deprecated: Blob }
  | { AlreadyAtVersion: Blob }
  | { NoUpgradePath: { from: Opt<Blob>; to: Blob; reason: string } }
  | { RegistryUnavailable: string }
  | { InvalidArgument: string }
  | { Failed: { operation: bigint; completed: UpgradeStep[]; failed: UpgradeStep; kind: FailureKind; message: string } }
  /** An upgrade without a snapshot was asked, but a version of the path does not declare `lineage:snapshot = optional`. */
  | { SnapshotRequired: { hash: Blob; version: Version } };

export interface UpgradeTicket {
  operation: bigint;
  steps: UpgradeStep[];
  /** `Completed` when the reply comes after the work; `Scheduled` when the target is the caller itself. */
  state: OperationState;
}

export type UpgradeResult = { Ok: UpgradeTicket } | { Err: UpgradeError };

/** What the manager prepared for its controller to install on the manager itself. */
export interface SelfUpgradeStep {
  operation: bigint;
  step: number;
  steps: number;
  from: Uint8Array | number[];
  to: Uint8Array | number[];
  version: Version;
  /** Chunks already in the manager's own chunk store, in module order. */
  chunk_hashes: (Uint8Array | number[])[];
  arg: Uint8Array | number[];
}

export type PrepareSelfUpgradeResult = { Ok: SelfUpgradeStep } | { Err: UpgradeError };

export interface CompleteSelfUpgradeRequest {
  operation: bigint;
  step: number;
  /** `Err` carries the reject message of `install_chunked_code` (or of stop/start). */
  install: { Ok: null } | { Err: string };
}

export type CompleteSelfUpgradeResult =
  | { Ok: { next: Opt<SelfUpgradeStep>; entry: bigint } }
  | { Err: UpgradeError };

export type ChangeKind =
  | { Creation: { controllers: Principal[] } }
  | { CodeUninstall: null }
  | { CodeDeployment: { mode: string; module_hash: Blob } }
  | { ControllersChange: { controllers: Principal[] } }
  | { LoadSnapshot: { canister_version: bigint; taken_at: bigint } };

export type HistoryEvent =
  | {
    Deployed: {
      operation: bigint; step: number; steps: number; from: Opt<Blob>; to: Blob; version: Version;
      requested_by: Principal; canister_version: Opt<bigint>;
    };
  }
  | {
    DeployFailed: {
      operation: bigint; step: number; steps: number; from: Opt<Blob>; to: Blob; version: Version;
      requested_by: Principal; error: string;
    };
  }
  | { Observed: { change: ChangeKind; origin: { User: Principal } | { Canister: Principal }; canister_version: bigint; at: bigint } }
  | { Gap: { missed: bigint; last_seen: bigint; now_total: bigint } }
  | { SnapshotTaken: { operation: bigint; step: number; snapshot: Blob; taken_at: bigint; replaced: Opt<Blob> } }
  | { HealthChecked: { operation: bigint; step: number; healthy: boolean; detail: string } }
  | { RolledBack: { operation: bigint; step: number; from: Blob; to: Blob; reason: string; snapshot: Blob; loaded: boolean; detail: string } }
  | { Restored: { operation: bigint; snapshot: Blob; taken_at: bigint; requested_by: Principal; loaded: boolean; detail: string } }
  | { TrustPolicy: { policy: Opt<TrustPolicy>; requested_by: Principal } };

/** `lineage_health`: every Lineage canister answers it (state loaded, invariants hold). */
export type HealthResult = { Ok: null } | { Err: string };

/** A snapshot the manager took of a canister before upgrading it. */
export interface SnapshotInfo {
  id: Blob;
  taken_at: bigint;
  /** The module the canister ran when it was taken. */
  module: Opt<Blob>;
  operation: bigint;
}

export interface RestoreRequest {
  canister: Principal;
  requested_by: Principal;
}

export interface RestoreTicket {
  operation: bigint;
  snapshot: Blob;
  taken_at: bigint;
  /** `Completed`, `Failed`, or `Scheduled` when the backend restores itself (it runs after the reply). */
  state: OperationState;
}

export type RestoreResult = { Ok: RestoreTicket } | { Err: UpgradeError };

/** What the backend tells the old manager after loading its snapshot back (the manager's own upgrade). */
export interface RollbackReport {
  operation: bigint;
  step: number;
  reason: string;
  snapshot: Blob;
  loaded: boolean;
  detail: string;
}

export interface HistoryEntry {
  index: bigint;
  /** When the manager recorded it (nanoseconds since the epoch). */
  time: bigint;
  canister: Principal;
  event: HistoryEvent;
}

export interface HistoryRequest {
  canister: Opt<Principal>;
  /** Entries after this index (ascending) or before it (descending). */
  prev: Opt<bigint>;
  take: Opt<bigint>;
  descending: Opt<boolean>;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Entries matching the filter in all. */
  total: bigint;
}

export type ManagerTypeName =
  | IcrcTypeName | 'Version' | 'ManagedCanister' | 'InitArgs' | 'UpgradeRequest' | 'UpgradeStep' | 'UpgradeOptions' | 'OperationState'
  | 'Operation' | 'FailureKind' | 'UpgradeError' | 'UpgradeTicket' | 'UpgradeResult' | 'SelfUpgradeStep'
  | 'PrepareSelfUpgradeResult' | 'CompleteSelfUpgradeRequest' | 'CompleteSelfUpgradeResult' | 'ChangeKind'
  | 'HistoryEvent' | 'HistoryEntry' | 'HistoryRequest' | 'HistoryPage' | 'ManageResult'
  | 'HealthResult' | 'SnapshotInfo' | 'RestoreRequest' | 'RestoreResult' | 'RollbackReport'
  | 'TrustPolicy' | 'UntrustedVersion' | 'SetTrustPolicyRequest';

/** Every named type of the manager interface, built with the given `IDL`. */
export function managerTypes(IDL: IdlNamespace): Record<ManagerTypeName, CandidIDL.Type> {
  const icrc = icrcTypes(IDL);
  const Hash = IDL.Vec(IDL.Nat8);
  const Version = IDL.Tuple(IDL.Nat, IDL.Nat, IDL.Nat);
  const ManagedCanister = IDL.Record({ canister: IDL.Principal, label: IDL.Text });
  const InitArgs = IDL.Record({
    registry: IDL.Principal,
    managed: IDL.Vec(ManagedCanister),
    watch_interval_seconds: IDL.Opt(IDL.Nat64),
    snapshots_kept: IDL.Opt(IDL.Nat32),
  });
  const UpgradeRequest = IDL.Record({
    canister: IDL.Principal,
    target_hash: Hash,
    requested_by: IDL.Principal,
    arg: IDL.Opt(IDL.Vec(IDL.Nat8)),
  });
  const UpgradeOptions = IDL.Record({ wasm_memory_persistence: IDL.Opt(IDL.Text), skip_pre_upgrade: IDL.Bool });
  // `options` was added later: an opt field, so older clients decode it away.
  const UpgradeStep = IDL.Record({ from: Hash, to: Hash, version: Version, options: IDL.Opt(UpgradeOptions) });
  const FailureKind = IDL.Variant({
    RegistryUnavailable: IDL.Null,
    ChunkHashMismatch: IDL.Record({ chunk: IDL.Nat64, expected: Hash, actual: Hash }),
    ModuleHashMismatch: IDL.Record({ expected: Hash, actual: IDL.Opt(Hash) }),
    InstallRejected: IDL.Null,
    ManagementRejected: IDL.Record({ method: IDL.Text }),
    StateChanged: IDL.Null,
    SnapshotFailed: IDL.Null,
    Unhealthy: IDL.Record({ rolled_back: IDL.Bool }),
  });
  const OperationState = IDL.Variant({
    Scheduled: IDL.Null,
    // `phase` was added later: an opt field, so older clients decode it away and newer ones read none from older managers.
    Running: IDL.Record({ step: IDL.Nat32, phase: IDL.Opt(IDL.Text) }),
    Completed: IDL.Null,
    Failed: IDL.Record({ step: IDL.Nat32, error: IDL.Text, kind: FailureKind }),
  });
  const Operation = IDL.Record({
    id: IDL.Nat64,
    canister: IDL.Principal,
    requested_by: IDL.Principal,
    requested_at: IDL.Nat64,
    steps: IDL.Vec(UpgradeStep),
    state: OperationState,
    entries: IDL.Vec(IDL.Nat64),
  });
  const TrustPolicy = IDL.Record({ threshold: IDL.Nat32, verifiers: IDL.Vec(IDL.Principal) });
  const UntrustedVersion = IDL.Record({
    hash: Hash, version: Version, attested_by: IDL.Vec(IDL.Principal), diverged_by: IDL.Vec(IDL.Principal), needed: IDL.Nat32,
  });
  const SetTrustPolicyRequest = IDL.Record({ policy: IDL.Opt(TrustPolicy), requested_by: IDL.Principal });
  const UpgradeError = IDL.Variant({
    Unauthorized: IDL.Text,
    Untrusted: IDL.Record({ missing: IDL.Vec(UntrustedVersion) }),
    Busy: IDL.Record({ canister: IDL.Principal, operation: IDL.Nat64, since: IDL.Nat64 }),
    NotAController: IDL.Text,
    VersionNotFound: Hash,
    NotVerified: Hash,
    Deprecated: Hash,
    AlreadyAtVersion: Hash,
    NoUpgradePath: IDL.Record({ from: IDL.Opt(Hash), to: Hash, reason: IDL.Text }),
    RegistryUnavailable: IDL.Text,
    InvalidArgument: IDL.Text,
    Failed: IDL.Record({
      operation: IDL.Nat64, completed: IDL.Vec(UpgradeStep), failed: UpgradeStep, kind: FailureKind, message: IDL.Text,
    }),
    SnapshotRequired: IDL.Record({ hash: Hash, version: Version }),
  });
  const UpgradeTicket = IDL.Record({ operation: IDL.Nat64, steps: IDL.Vec(UpgradeStep), state: OperationState });
  const UpgradeResult = IDL.Variant({ Ok: UpgradeTicket, Err: UpgradeError });
  const SelfUpgradeStep = IDL.Record({
    operation: IDL.Nat64,
    step: IDL.Nat32,
    steps: IDL.Nat32,
    from: Hash,
    to: Hash,
    version: Version,
    chunk_hashes: IDL.Vec(Hash),
    arg: IDL.Vec(IDL.Nat8),
  });
  const PrepareSelfUpgradeResult = IDL.Variant({ Ok: SelfUpgradeStep, Err: UpgradeError });
  const CompleteSelfUpgradeRequest = IDL.Record({
    operation: IDL.Nat64,
    step: IDL.Nat32,
    install: IDL.Variant({ Ok: IDL.Null, Err: IDL.Text }),
  });
  const CompleteSelfUpgradeResult = IDL.Variant({
    Ok: IDL.Record({ next: IDL.Opt(SelfUpgradeStep), entry: IDL.Nat64 }),
    Err: UpgradeError,
  });
  const ChangeKind = IDL.Variant({
    Creation: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
    CodeUninstall: IDL.Null,
    CodeDeployment: IDL.Record({ mode: IDL.Text, module_hash: Hash }),
    ControllersChange: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
    LoadSnapshot: IDL.Record({ canister_version: IDL.Nat64, taken_at: IDL.Nat64 }),
  });
  const deployment = {
    operation: IDL.Nat64, step: IDL.Nat32, steps: IDL.Nat32, from: IDL.Opt(Hash), to: Hash, version: Version,
    requested_by: IDL.Principal,
  };
  const HistoryEvent = IDL.Variant({
    Deployed: IDL.Record({ ...deployment, canister_version: IDL.Opt(IDL.Nat64) }),
    DeployFailed: IDL.Record({ ...deployment, error: IDL.Text }),
    Observed: IDL.Record({
      change: ChangeKind,
      origin: IDL.Variant({ User: IDL.Principal, Canister: IDL.Principal }),
      canister_version: IDL.Nat64,
      at: IDL.Nat64,
    }),
    Gap: IDL.Record({ missed: IDL.Nat64, last_seen: IDL.Nat64, now_total: IDL.Nat64 }),
    SnapshotTaken: IDL.Record({ operation: IDL.Nat64, step: IDL.Nat32, snapshot: IDL.Vec(IDL.Nat8), taken_at: IDL.Nat64, replaced: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
    HealthChecked: IDL.Record({ operation: IDL.Nat64, step: IDL.Nat32, healthy: IDL.Bool, detail: IDL.Text }),
    RolledBack: IDL.Record({
      operation: IDL.Nat64, step: IDL.Nat32, from: Hash, to: Hash, reason: IDL.Text, snapshot: IDL.Vec(IDL.Nat8), loaded: IDL.Bool, detail: IDL.Text,
    }),
    Restored: IDL.Record({
      operation: IDL.Nat64, snapshot: IDL.Vec(IDL.Nat8), taken_at: IDL.Nat64, requested_by: IDL.Principal, loaded: IDL.Bool, detail: IDL.Text,
    }),
    TrustPolicy: IDL.Record({ policy: IDL.Opt(TrustPolicy), requested_by: IDL.Principal }),
  });
  const HistoryEntry = IDL.Record({ index: IDL.Nat64, time: IDL.Nat64, canister: IDL.Principal, event: HistoryEvent });
  const HistoryRequest = IDL.Record({
    canister: IDL.Opt(IDL.Principal),
    prev: IDL.Opt(IDL.Nat64),
    take: IDL.Opt(IDL.Nat64),
    descending: IDL.Opt(IDL.Bool),
  });
  const HistoryPage = IDL.Record({ entries: IDL.Vec(HistoryEntry), total: IDL.Nat64 });
  const ManageResult = IDL.Variant({ Ok: IDL.Null, Err: UpgradeError });
  const HealthResult = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
  const SnapshotInfo = IDL.Record({ id: IDL.Vec(IDL.Nat8), taken_at: IDL.Nat64, module: IDL.Opt(Hash), operation: IDL.Nat64 });
  const RestoreRequest = IDL.Record({ canister: IDL.Principal, requested_by: IDL.Principal });
  const RestoreResult = IDL.Variant({
    Ok: IDL.Record({ operation: IDL.Nat64, snapshot: IDL.Vec(IDL.Nat8), taken_at: IDL.Nat64, state: OperationState }),
    Err: UpgradeError,
  });
  const RollbackReport = IDL.Record({
    operation: IDL.Nat64, step: IDL.Nat32, reason: IDL.Text, snapshot: IDL.Vec(IDL.Nat8), loaded: IDL.Bool, detail: IDL.Text,
  });
  return {
    ...icrc, Version, ManagedCanister, InitArgs, UpgradeRequest, UpgradeStep, UpgradeOptions, OperationState, Operation, FailureKind,
    UpgradeError, UpgradeTicket, UpgradeResult, SelfUpgradeStep, PrepareSelfUpgradeResult, CompleteSelfUpgradeRequest,
    CompleteSelfUpgradeResult, ChangeKind, HistoryEvent, HistoryEntry, HistoryRequest, HistoryPage, ManageResult,
    HealthResult, SnapshotInfo, RestoreRequest, RestoreResult, RollbackReport,
    TrustPolicy, UntrustedVersion, SetTrustPolicyRequest,
  };
}

/** The manager service, for clients (`Actor.createActor(managerIdl, …)`, pic's `createActor`). */
export const managerIdl: IdlFactory = ({ IDL }) => {
  const t = managerTypes(IDL);
  return IDL.Service({
    upgrade: IDL.Func([t.UpgradeRequest], [t.UpgradeResult], []),
    prepare_self_upgrade: IDL.Func([t.UpgradeRequest], [t.PrepareSelfUpgradeResult], []),
    complete_self_upgrade: IDL.Func([t.CompleteSelfUpgradeRequest], [t.CompleteSelfUpgradeResult], []),
    manage: IDL.Func([IDL.Vec(t.ManagedCanister)], [t.ManageResult], []),
    unmanage: IDL.Func([IDL.Vec(IDL.Principal)], [t.ManageResult], []),
    watch_now: IDL.Func([], [IDL.Nat64], []),
    managed: IDL.Func([], [IDL.Vec(t.ManagedCanister)], ['query']),
    registry_id: IDL.Func([], [IDL.Principal], ['query']),
    operation: IDL.Func([IDL.Nat64], [IDL.Opt(t.Operation)], ['query']),
    pending_operations: IDL.Func([], [IDL.Vec(t.Operation)], ['query']),
    deployment_history: IDL.Func([t.HistoryRequest], [t.HistoryPage], ['query']),
    upgrade_without_snapshot: IDL.Func([t.UpgradeRequest], [t.UpgradeResult], []),
    restore: IDL.Func([t.RestoreRequest], [t.RestoreResult], []),
    record_rollback: IDL.Func([t.RollbackReport], [t.ManageResult], []),
    snapshots: IDL.Func([IDL.Principal], [IDL.Vec(t.SnapshotInfo)], ['query']),
    lineage_health: IDL.Func([], [t.HealthResult], ['query']),
    set_trust_policy: IDL.Func([t.SetTrustPolicyRequest], [t.ManageResult], []),
    trust_policy: IDL.Func([], [IDL.Opt(t.TrustPolicy)], ['query']),
    ...icrc3Methods(IDL),
  });
};

/** The manager's install (and upgrade) argument: `(opt InitArgs)`, required at install. */
export const managerInit: IdlInitFactory = ({ IDL }) => [IDL.Opt(managerTypes(IDL).InitArgs)];

/** The typed service, as an actor built from `managerIdl` exposes it. */
export interface ManagerService {
  upgrade(request: UpgradeRequest): Promise<UpgradeResult>;
  prepare_self_upgrade(request: UpgradeRequest): Promise<PrepareSelfUpgradeResult>;
  complete_self_upgrade(request: CompleteSelfUpgradeRequest): Promise<CompleteSelfUpgradeResult>;
  manage(canisters: ManagedCanister[]): Promise<{ Ok: null } | { Err: UpgradeError }>;
  unmanage(canisters: Principal[]): Promise<{ Ok: null } | { Err: UpgradeError }>;
  watch_now(): Promise<bigint>;
  managed(): Promise<ManagedCanister[]>;
  registry_id(): Promise<Principal>;
  operation(id: bigint): Promise<Opt<Operation>>;
  /** Operations holding a canister now (scheduled or running). */
  pending_operations(): Promise<Operation[]>;
  deployment_history(request: HistoryRequest): Promise<HistoryPage>;
  /** Loads the manager's last snapshot of a canister back (controllers only; the backend asks for the holder). */
  upgrade_without_snapshot(request: UpgradeRequest): Promise<UpgradeResult>;
  restore(request: RestoreRequest): Promise<RestoreResult>;
  /** The backend reports that it loaded the manager's snapshot back after a failed self-upgrade step. */
  record_rollback(report: RollbackReport): Promise<{ Ok: null } | { Err: UpgradeError }>;
  /** The snapshots the manager keeps of a canister, oldest first. */
  snapshots(canister: Principal): Promise<SnapshotInfo[]>;
  /** State loaded and invariants hold. */
  lineage_health(): Promise<HealthResult>;
  /** Controllers only (the backend, for the NFT holder): sets or clears the trust policy; one history entry. */
  set_trust_policy(request: SetTrustPolicyRequest): Promise<{ Ok: null } | { Err: UpgradeError }>;
  trust_policy(): Promise<Opt<TrustPolicy>>;
  icrc3_get_blocks(args: { start: bigint; length: bigint }[]): Promise<Icrc3GetBlocksResult>;
  icrc3_get_tip_certificate(): Promise<Opt<Icrc3DataCertificate>>;
  icrc3_get_archives(args: { from: Opt<Principal> }): Promise<{ canister_id: Principal; start: bigint; end: bigint }[]>;
  icrc3_supported_block_types(): Promise<{ block_type: string; url: string }[]>;
  icrc10_supported_standards(): Promise<{ name: string; url: string }[]>;
}
