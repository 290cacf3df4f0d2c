/**
 * The Lineage registry's interface: the ICRC-118 draft's methods and shapes, completed where the
 * draft is inconsistent, plus ICRC-3 and ICRC-10. `canisters/registry/registry.did` is the same
 * contract in Candid (generated from these types by the canister build, and checked).
 *
 * Where this departs from the draft, and why:
 * - `icrc118_get_upgrade_path` is the draft's misnamed second `icrc118_get_canister_types`; it
 *   answers `Ok` with the ordered steps or `Error` (no path is an answer, not an empty list).
 * - `icrc118_upload_wasm_chunk` and `icrc118_get_wasm_chunk` answer `Ok`/`Error` results: the draft's
 *   bare records leave no way to report an oversized chunk, a wrong hash or an unknown version.
 * - Error variants name each refusal (`UnknownCanisterType`, `HashMismatch`…) besides the draft's
 *   `Unauthorized`, `NotFound`, `NonDeprecatedWasmFound` and `Generic`.
 * - Optional extension fields: `chunk_hashes` (per-chunk sha256 declared up front and checked on
 *   every upload), `canister_type_name` and `forked_from` on canister types, upload progress on
 *   wasm records.
 * - Lineage methods outside the draft carry the `lineage_` prefix: installation reports, upload
 *   status and installations.
 *
 * ICRC-126 (build verification, a draft by the ICRC-118 author): `icrc126_verification_request`,
 * `icrc126_file_attestation` and `icrc126_file_divergence` keep the draft's request shapes (`wasm_hash`
 * / `repo` / `commit_hash` / `metadata`; `wasm_id` as lowercase hex text; `divergence_report`) and add
 * optional fields (`rebuilt_hash`); every one answers `Ok` with the block index or a typed `Error`
 * (the draft's request answers a bare `nat`, which cannot refuse). The draft names no queries, so
 * `lineage_get_verifications` and `lineage_get_verification_request` read them.
 */
import type { Principal } from '@dfinity/principal';

import type { IDL as CandidIDL } from '@dfinity/candid';

import { icrc3Methods, icrcTypes, type Icrc16Map, type IcrcTypeName } from './icrc.js';
import type { IdlFactory, IdlInitFactory, IdlNamespace } from './idl.js';

export type Version = [bigint, bigint, bigint];
type Blob = Uint8Array | number[];
type Opt<T> = [] | [T];

export interface RegistryInitArgs {
  /** Principals that administer the registry besides its controllers. */
  admins: Principal[];
  /** Whether any authenticated caller may create canister types, or only admins. */
  open_type_creation: boolean;
}

export interface CreateCanisterType {
  controllers: Opt<Principal[]>;
  canister_type_namespace: string;
  canister_type_name: string;
  description: string;
  repo: string;
  metadata: Icrc16Map;
  forked_from: Opt<{ canister_type_namespace: string; version: Version }>;
}

export type CreateCanisterTypeError =
  | { Unauthorized: null } | { AlreadyExists: null } | { InvalidNamespace: string }
  | { UnknownForkSource: null } | { Generic: string };
export type CreateCanisterTypeResult = { Ok: bigint } | { Error: CreateCanisterTypeError };

export interface ManageControllerRequest {
  canister_type: string;
  controller: Principal;
  op: { Add: null } | { Remove: null };
}
export type ManageControllerResult = { Ok: bigint } | { Error: { Unauthorized: null } | { NotFound: null } | { LastController: null } | { Generic: string } };

export interface UpdateWasmRequest {
  canister_type: string;
  version_number: Version;
  description: string;
  repo: string;
  metadata: Icrc16Map;
  previous_hash: Opt<Blob>;
  expected_hash: Blob;
  expected_chunks: bigint;
  /** Extension: the sha256 of every chunk, checked as each chunk arrives. */
  chunk_hashes: Opt<Blob[]>;
}

export type UpdateWasmError =
  | { Unauthorized: null }
  | { NonDeprecatedWasmFound: Blob }
  | { UnknownCanisterType: null }
  | { UnknownPreviousHash: Blob }
  | { PreviousHashOfAnotherType: Blob }
  | { UpgradeCycle: Blob }
  | { VersionNotAfterPrevious: { previous: Version } }
  /** Re-registering an unverified version must keep it below the versions that upgrade from it. */
  | { VersionNotBeforeNext: { next: Version } }
  | { AlreadyRegistered: Blob }
  | { InvalidChunkCount: string }
  | { InvalidHash: string }
  | { Generic: string };
export type UpdateWasmResult = { Ok: bigint } | { Error: UpdateWasmError };

export interface UploadRequest {
  hash: Blob;
  chunk_id: bigint;
  wasm_chunk: Blob;
}
export interface UploadResponse {
  chunk_id: bigint;
  total_chunks: bigint;
  /** Extension: chunks stored so far, and the verified hash once the whole module checked out. */
  stored_chunks: bigint;
  calculated_hash: Opt<Blob>;
}
export type UploadError =
  | { Unauthorized: null }
  | { UnknownHash: null }
  | { AlreadyVerified: null }
  | { ChunkOutOfRange: { total_chunks: bigint } }
  | { ChunkTooLarge: { max_bytes: bigint } }
  | { ChunkMismatch: { expected: Blob; actual: Blob } }
  | { ChunkConflict: null }
  | { HashMismatch: { expected: Blob; calculated: Blob } }
  | { Generic: string };
export type UploadResult = { Ok: UploadResponse } | { Error: UploadError };

export interface DeprecateRequest {
  hash: Blob;
  deprecation_flag: Opt<boolean>;
}
export type DeprecateResult = { Ok: bigint } | { Error: { Unauthorized: null } | { NotFound: null } | { Generic: string } };

export interface Wasm {
  /** The module's sha256 once every chunk arrived and it matched `hash`; 32 zero bytes until then. */
  calculated_hash: Blob;
  hash: Blob;
  description: string;
  repo: string;
  metadata: Icrc16Map;
  version_number: Version;
  previous_hash: Opt<Blob>;
  deprecated: boolean;
  canister_type_namespace: string;
  chunkCount: bigint;
  created: bigint;
  chunk_hashes: Opt<Blob[]>;
  stored_chunks: bigint;
}

export type VersionBound = [bigint, Opt<bigint>, Opt<bigint>];
export type WasmFilter =
  | { hash: Blob } | { canister_type: string } | { version_min: VersionBound } | { version_max: VersionBound }
  | { controllers: Principal[] } | { previous_hash: Blob } | { canister: Principal };
export interface GetWasmsRequest {
  filter: Opt<WasmFilter[]>;
  prev: Opt<Blob>;
  take: Opt<bigint>;
}

export interface GetCanisterTypesRequest {
  filter: ({ namespace: string } | { controller: Principal })[];
  prev: Opt<string>;
  take: Opt<bigint>;
}
export interface CanisterVersion {
  version: Version;
  hash: Blob;
  calculated_hash: Blob;
}
export interface CanisterType {
  namespace: string;
  versions: CanisterVersion[];
  description: string;
  repo: string;
  metadata: Icrc16Map;
  controllers: Principal[];
  canister_type_name: string;
  forked_from: Opt<{ canister_type_namespace: string; version: Version }>;
}

export interface GetUpgradePathRequest {
  canister_type_namespace: string;
  current_version: Blob;
  target_version: Blob;
}
export type UpgradePathError =
  | { UnknownCanisterType: null }
  | { UnknownTarget: null }
  | { TargetDeprecated: null }
  | { TargetNotVerified: null }
  | { NoPath: null }
  | { DeprecatedStep: Blob }
  | { UnverifiedStep: Blob };
export type UpgradePathResult = { Ok: CanisterVersion[] } | { Error: UpgradePathError };

export interface GetWasmChunkRequest {
  hash: Blob;
  chunk_id: bigint;
}
export interface GetWasmChunkResponse {
  chunk_id: bigint;
  wasm_chunk: Blob;
  total_chunks: bigint;
  chunk_hash: Opt<Blob>;
}
export type GetWasmChunkResult = { Ok: GetWasmChunkResponse } | { Error: { NotFound: null } | { NotVerified: null } | { ChunkOutOfRange: { total_chunks: bigint } } };

export interface ReportInstallationRequest {
  canister: Principal;
  hash: Blob;
}
export type ReportInstallationError =
  | { Unauthorized: null } | { UnknownHash: null } | { NotInstalled: { module_hash: Opt<Blob> } }
  | { NotAController: null } | { InfoUnavailable: string }
  /** Too many reports failed lately; reporters with a confirmed installation are not held back. */
  | { TooManyRequests: { retry_after_seconds: bigint } };
export type ReportInstallationResult = { Ok: bigint } | { Error: ReportInstallationError };

export interface Installation {
  canister: Principal;
  hash: Blob;
  reporter: Principal;
  /** Canister version at which `canister_info` showed the module installed. */
  canister_version: bigint;
  recorded_at: bigint;
  /** Position in the registry's list of installations: `prev` of `lineage_get_installations`. */
  seq: bigint;
}

export interface UploadStatus {
  hash: Blob;
  total_chunks: bigint;
  stored: bigint[];
  calculated_hash: Opt<Blob>;
  failure: Opt<string>;
}

// ---- ICRC-126: build verification -----------------------------------------------------------

/** What a verifier needs to rebuild a version: the draft's `VerificationRequest`. */
export interface VerificationRequest {
  wasm_hash: Blob;
  repo: string;
  /** The commit (a git object id: 20 bytes for SHA-1, 32 for SHA-256). */
  commit_hash: Blob;
  metadata: Icrc16Map;
}

/** Why a verification request, attestation or divergence was refused. */
export type VerificationError =
  | { Unauthorized: null }
  /** No version with this hash is registered (`wasm_id` names an unknown module). */
  | { NotFound: null }
  | { InvalidWasmId: string }
  | { TooLarge: { field: string; max_bytes: bigint } }
  /** The verifier already has filings on as many versions as one principal may. */
  | { TooManyFilings: { max: bigint } }
  /** This version already has filings from as many verifiers as one version may hold. */
  | { TooManyVerifiers: { max: bigint } }
  | { TooManyRequests: { retry_after_seconds: bigint } }
  /** An attestation's `rebuilt_hash` must be the version's hash (else it is a divergence). */
  | { HashMismatch: { expected: Blob; rebuilt: Blob } }
  | { Generic: string };
export type VerificationResult = { Ok: bigint } | { Error: VerificationError };

/** The draft's `AttestationRequest`, with the rebuilt hash as an optional extension. */
export interface AttestationRequest {
  /** The version's sha256, lowercase hex (the draft's `wasm_id`). */
  wasm_id: string;
  metadata: Icrc16Map;
  rebuilt_hash: Opt<Blob>;
}

/** The draft's `DivergenceReportRequest`, with the rebuilt hash as an optional extension. */
export interface DivergenceReportRequest {
  wasm_id: string;
  divergence_report: string;
  metadata: Opt<Icrc16Map>;
  rebuilt_hash: Opt<Blob>;
}

/** A verifier's current filing on a version (one per verifier and version; a new one replaces it). */
export interface Verification {
  wasm_hash: Blob;
  verifier: Principal;
  outcome: { Attested: null } | { Diverged: { report: string } };
  rebuilt_hash: Opt<Blob>;
  metadata: Icrc16Map;
  filed_at: bigint;
  /** The block that recorded it. */
  block: bigint;
  /** Position in filing order: `prev` of the next page (a replaced filing moves to the end). */
  seq: bigint;
}

export interface GetVerificationsRequest {
  wasm_hash: Opt<Blob>;
  verifier: Opt<Principal>;
  prev: Opt<bigint>;
  take: Opt<bigint>;
}

export interface VerificationRequestRecord {
  request: VerificationRequest;
  requested_by: Principal;
  requested_at: bigint;
  block: bigint;
}

/** Every named type of the registry interface, built with the given `IDL`. */
export type RegistryTypeName = IcrcTypeName | 'Version' | 'ForkedFrom' | 'InitArgs' | 'CreateCanisterType' | 'CreateCanisterTypeResult' | 'ManageControllerRequest' | 'ManageControllerResult' | 'UpdateWasmRequest' | 'UpdateWasmResult' | 'UploadRequest' | 'UploadResponse' | 'UploadResult' | 'DeprecateRequest' | 'DeprecateResult' | 'Wasm' | 'VersionBound' | 'WasmFilter' | 'GetWasmsRequest' | 'GetCanisterTypesRequest' | 'CanisterVersion' | 'CanisterType' | 'GetUpgradePathRequest' | 'UpgradePathResult' | 'GetWasmChunkRequest' | 'GetWasmChunkResult' | 'ReportInstallationRequest' | 'ReportInstallationResult' | 'Installation' | 'GetInstallationsRequest' | 'UploadStatus' | 'VerificationRequest' | 'VerificationResult' | 'AttestationRequest' | 'DivergenceReportRequest' | 'Verification' | 'GetVerificationsRequest' | 'VerificationRequestRecord';

export function registryTypes(IDL: IdlNamespace): Record<RegistryTypeName, CandidIDL.Type> {
  const icrc = icrcTypes(IDL);
  const Version = IDL.Tuple(IDL.Nat, IDL.Nat, IDL.Nat);
  const ForkedFrom = IDL.Record({ canister_type_namespace: IDL.Text, version: Version });
  const InitArgs = IDL.Record({ admins: IDL.Vec(IDL.Principal), open_type_creation: IDL.Bool });

  const CreateCanisterType = IDL.Record({
    controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
    canister_type_namespace: IDL.Text,
    canister_type_name: IDL.Text,
    description: IDL.Text,
    repo: IDL.Text,
    metadata: icrc.Icrc16Map,
    forked_from: IDL.Opt(ForkedFrom),
  });
  const CreateCanisterTypeResult = IDL.Variant({
    Ok: IDL.Nat,
    Error: IDL.Variant({ Unauthorized: IDL.Null, AlreadyExists: IDL.Null, InvalidNamespace: IDL.Text, UnknownForkSource: IDL.Null, Generic: IDL.Text }),
  });
  const ManageControllerRequest = IDL.Record({
    canister_type: IDL.Text,
    controller: IDL.Principal,
    op: IDL.Variant({ Add: IDL.Null, Remove: IDL.Null }),
  });
  const ManageControllerResult = IDL.Variant({
    Ok: IDL.Nat,
    Error: IDL.Variant({ Unauthorized: IDL.Null, NotFound: IDL.Null, LastController: IDL.Null, Generic: IDL.Text }),
  });
  const UpdateWasmRequest = IDL.Record({
    canister_type: IDL.Text,
    version_number: Version,
    description: IDL.Text,
    repo: IDL.Text,
    metadata: icrc.Icrc16Map,
    previous_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    expected_hash: IDL.Vec(IDL.Nat8),
    expected_chunks: IDL.Nat,
    chunk_hashes: IDL.Opt(IDL.Vec(IDL.Vec(IDL.Nat8))),
  });
  const UpdateWasmResult = IDL.Variant({
    Ok: IDL.Nat,
    Error: IDL.Variant({
      Unauthorized: IDL.Null,
      NonDeprecatedWasmFound: IDL.Vec(IDL.Nat8),
      UnknownCanisterType: IDL.Null,
      UnknownPreviousHash: IDL.Vec(IDL.Nat8),
      PreviousHashOfAnotherType: IDL.Vec(IDL.Nat8),
      UpgradeCycle: IDL.Vec(IDL.Nat8),
      VersionNotAfterPrevious: IDL.Record({ previous: Version }),
      VersionNotBeforeNext: IDL.Record({ next: Version }),
      AlreadyRegistered: IDL.Vec(IDL.Nat8),
      InvalidChunkCount: IDL.Text,
      InvalidHash: IDL.Text,
      Generic: IDL.Text,
    }),
  });
  const UploadRequest = IDL.Record({ hash: IDL.Vec(IDL.Nat8), chunk_id: IDL.Nat, wasm_chunk: IDL.Vec(IDL.Nat8) });
  const UploadResponse = IDL.Record({
    chunk_id: IDL.Nat,
    total_chunks: IDL.Nat,
    stored_chunks: IDL.Nat,
    calculated_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  });
  const UploadResult = IDL.Variant({
    Ok: UploadResponse,
    Error: IDL.Variant({
      Unauthorized: IDL.Null,
      UnknownHash: IDL.Null,
      AlreadyVerified: IDL.Null,
      ChunkOutOfRange: IDL.Record({ total_chunks: IDL.Nat }),
      ChunkTooLarge: IDL.Record({ max_bytes: IDL.Nat }),
      ChunkMismatch: IDL.Record({ expected: IDL.Vec(IDL.Nat8), actual: IDL.Vec(IDL.Nat8) }),
      ChunkConflict: IDL.Null,
      HashMismatch: IDL.Record({ expected: IDL.Vec(IDL.Nat8), calculated: IDL.Vec(IDL.Nat8) }),
      Generic: IDL.Text,
    }),
  });
  const DeprecateRequest = IDL.Record({ hash: IDL.Vec(IDL.Nat8), deprecation_flag: IDL.Opt(IDL.Bool) });
  const DeprecateResult = IDL.Variant({
    Ok: IDL.Nat,
    Error: IDL.Variant({ Unauthorized: IDL.Null, NotFound: IDL.Null, Generic: IDL.Text }),
  });
  const Wasm = IDL.Record({
    calculated_hash: IDL.Vec(IDL.Nat8),
    hash: IDL.Vec(IDL.Nat8),
    description: IDL.Text,
    repo: IDL.Text,
    metadata: icrc.Icrc16Map,
    version_number: Version,
    previous_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    deprecated: IDL.Bool,
    canister_type_namespace: IDL.Text,
    chunkCount: IDL.Nat,
    created: IDL.Nat,
    chunk_hashes: IDL.Opt(IDL.Vec(IDL.Vec(IDL.Nat8))),
    stored_chunks: IDL.Nat,
  });
  const VersionBound = IDL.Tuple(IDL.Nat, IDL.Opt(IDL.Nat), IDL.Opt(IDL.Nat));
  const WasmFilter = IDL.Variant({
    hash: IDL.Vec(IDL.Nat8),
    canister_type: IDL.Text,
    version_min: VersionBound,
    version_max: VersionBound,
    controllers: IDL.Vec(IDL.Principal),
    previous_hash: IDL.Vec(IDL.Nat8),
    canister: IDL.Principal,
  });
  const GetWasmsRequest = IDL.Record({ filter: IDL.Opt(IDL.Vec(WasmFilter)), prev: IDL.Opt(IDL.Vec(IDL.Nat8)), take: IDL.Opt(IDL.Nat) });
  const GetCanisterTypesRequest = IDL.Record({
    filter: IDL.Vec(IDL.Variant({ namespace: IDL.Text, controller: IDL.Principal })),
    prev: IDL.Opt(IDL.Text),
    take: IDL.Opt(IDL.Nat),
  });
  const CanisterVersion = IDL.Record({ version: Version, hash: IDL.Vec(IDL.Nat8), calculated_hash: IDL.Vec(IDL.Nat8) });
  const CanisterType = IDL.Record({
    namespace: IDL.Text,
    versions: IDL.Vec(CanisterVersion),
    description: IDL.Text,
    repo: IDL.Text,
    metadata: icrc.Icrc16Map,
    controllers: IDL.Vec(IDL.Principal),
    canister_type_name: IDL.Text,
    forked_from: IDL.Opt(ForkedFrom),
  });
  const GetUpgradePathRequest = IDL.Record({
    canister_type_namespace: IDL.Text,
    current_version: IDL.Vec(IDL.Nat8),
    target_version: IDL.Vec(IDL.Nat8),
  });
  const UpgradePathResult = IDL.Variant({
    Ok: IDL.Vec(CanisterVersion),
    Error: IDL.Variant({
      UnknownCanisterType: IDL.Null,
      UnknownTarget: IDL.Null,
      TargetDeprecated: IDL.Null,
      TargetNotVerified: IDL.Null,
      NoPath: IDL.Null,
      DeprecatedStep: IDL.Vec(IDL.Nat8),
      UnverifiedStep: IDL.Vec(IDL.Nat8),
    }),
  });
  const GetWasmChunkRequest = IDL.Record({ hash: IDL.Vec(IDL.Nat8), chunk_id: IDL.Nat });
  const GetWasmChunkResult = IDL.Variant({
    Ok: IDL.Record({ chunk_id: IDL.Nat, wasm_chunk: IDL.Vec(IDL.Nat8), total_chunks: IDL.Nat, chunk_hash: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
    Error: IDL.Variant({ NotFound: IDL.Null, NotVerified: IDL.Null, ChunkOutOfRange: IDL.Record({ total_chunks: IDL.Nat }) }),
  });
  const ReportInstallationRequest = IDL.Record({ canister: IDL.Principal, hash: IDL.Vec(IDL.Nat8) });
  const ReportInstallationResult = IDL.Variant({
    Ok: IDL.Nat,
    Error: IDL.Variant({
      Unauthorized: IDL.Null,
      UnknownHash: IDL.Null,
      NotInstalled: IDL.Record({ module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
      NotAController: IDL.Null,
      InfoUnavailable: IDL.Text,
      TooManyRequests: IDL.Record({ retry_after_seconds: IDL.Nat64 }),
    }),
  });
  const Installation = IDL.Record({
    canister: IDL.Principal,
    hash: IDL.Vec(IDL.Nat8),
    reporter: IDL.Principal,
    canister_version: IDL.Nat64,
    recorded_at: IDL.Nat64,
    seq: IDL.Nat64,
  });
  const GetInstallationsRequest = IDL.Record({
    hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    canister: IDL.Opt(IDL.Principal),
    prev: IDL.Opt(IDL.Nat),
    take: IDL.Opt(IDL.Nat),
  });
  const UploadStatus = IDL.Record({
    hash: IDL.Vec(IDL.Nat8),
    total_chunks: IDL.Nat,
    stored: IDL.Vec(IDL.Nat),
    calculated_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
    failure: IDL.Opt(IDL.Text),
  });

  const Hash = IDL.Vec(IDL.Nat8);
  const VerificationRequest = IDL.Record({ wasm_hash: Hash, repo: IDL.Text, commit_hash: Hash, metadata: icrc.Icrc16Map });
  const VerificationResult = IDL.Variant({
    Ok: IDL.Nat,
    Error: IDL.Variant({
      Unauthorized: IDL.Null,
      NotFound: IDL.Null,
      InvalidWasmId: IDL.Text,
      TooLarge: IDL.Record({ field: IDL.Text, max_bytes: IDL.Nat }),
      TooManyFilings: IDL.Record({ max: IDL.Nat }),
      TooManyVerifiers: IDL.Record({ max: IDL.Nat }),
      TooManyRequests: IDL.Record({ retry_after_seconds: IDL.Nat64 }),
      HashMismatch: IDL.Record({ expected: Hash, rebuilt: Hash }),
      Generic: IDL.Text,
    }),
  });
  const AttestationRequest = IDL.Record({ wasm_id: IDL.Text, metadata: icrc.Icrc16Map, rebuilt_hash: IDL.Opt(Hash) });
  const DivergenceReportRequest = IDL.Record({
    wasm_id: IDL.Text, divergence_report: IDL.Text, metadata: IDL.Opt(icrc.Icrc16Map), rebuilt_hash: IDL.Opt(Hash),
  });
  const Verification = IDL.Record({
    wasm_hash: Hash,
    verifier: IDL.Principal,
    outcome: IDL.Variant({ Attested: IDL.Null, Diverged: IDL.Record({ report: IDL.Text }) }),
    rebuilt_hash: IDL.Opt(Hash),
    metadata: icrc.Icrc16Map,
    filed_at: IDL.Nat64,
    block: IDL.Nat,
    seq: IDL.Nat64,
  });
  const GetVerificationsRequest = IDL.Record({
    wasm_hash: IDL.Opt(Hash), verifier: IDL.Opt(IDL.Principal), prev: IDL.Opt(IDL.Nat), take: IDL.Opt(IDL.Nat),
  });
  const VerificationRequestRecord = IDL.Record({
    request: VerificationRequest, requested_by: IDL.Principal, requested_at: IDL.Nat64, block: IDL.Nat,
  });

  return {
    ...icrc, Version, ForkedFrom, InitArgs, CreateCanisterType, CreateCanisterTypeResult, ManageControllerRequest,
    ManageControllerResult, UpdateWasmRequest, UpdateWasmResult, UploadRequest, UploadResponse, UploadResult,
    DeprecateRequest, DeprecateResult, Wasm, VersionBound, WasmFilter, GetWasmsRequest, GetCanisterTypesRequest,
    CanisterVersion, CanisterType, GetUpgradePathRequest, UpgradePathResult, GetWasmChunkRequest, GetWasmChunkResult,
    ReportInstallationRequest, ReportInstallationResult, Installation, GetInstallationsRequest, UploadStatus,
    VerificationRequest, VerificationResult, AttestationRequest, DivergenceReportRequest, Verification,
    GetVerificationsRequest, VerificationRequestRecord,
  };
}

/** The registry service, for clients (`Actor.createActor(registryIdl, …)`, pic's `createActor`). */
export const registryIdl: IdlFactory = ({ IDL }) => {
  const t = registryTypes(IDL);
  return IDL.Service({
    icrc118_create_canister_type: IDL.Func([IDL.Vec(t.CreateCanisterType)], [IDL.Vec(t.CreateCanisterTypeResult)], []),
    icrc118_manage_controller: IDL.Func([IDL.Vec(t.ManageControllerRequest)], [IDL.Vec(t.ManageControllerResult)], []),
    icrc118_update_wasm: IDL.Func([t.UpdateWasmRequest], [t.UpdateWasmResult], []),
    icrc118_upload_wasm_chunk: IDL.Func([t.UploadRequest], [t.UploadResult], []),
    icrc118_deprecate: IDL.Func([t.DeprecateRequest], [t.DeprecateResult], []),
    icrc118_get_wasms: IDL.Func([t.GetWasmsRequest], [IDL.Vec(t.Wasm)], ['query']),
    icrc118_get_canister_types: IDL.Func([t.GetCanisterTypesRequest], [IDL.Vec(t.CanisterType)], ['query']),
    icrc118_get_upgrade_path: IDL.Func([t.GetUpgradePathRequest], [t.UpgradePathResult], ['query']),
    icrc118_get_wasm_chunk: IDL.Func([t.GetWasmChunkRequest], [t.GetWasmChunkResult], ['query']),
    lineage_report_installation: IDL.Func([t.ReportInstallationRequest], [t.ReportInstallationResult], []),
    lineage_get_installations: IDL.Func([t.GetInstallationsRequest], [IDL.Vec(t.Installation)], ['query']),
    lineage_upload_status: IDL.Func([IDL.Vec(IDL.Nat8)], [IDL.Opt(t.UploadStatus)], ['query']),
    icrc126_verification_request: IDL.Func([t.VerificationRequest], [t.VerificationResult], []),
    icrc126_file_attestation: IDL.Func([t.AttestationRequest], [t.VerificationResult], []),
    icrc126_file_divergence: IDL.Func([t.DivergenceReportRequest], [t.VerificationResult], []),
    lineage_get_verifications: IDL.Func([t.GetVerificationsRequest], [IDL.Vec(t.Verification)], ['query']),
    lineage_get_verification_request: IDL.Func([IDL.Vec(IDL.Nat8)], [IDL.Opt(t.VerificationRequestRecord)], ['query']),
    ...icrc3Methods(IDL),
  });
};

/** The registry's install (and upgrade) argument: `(opt InitArgs)`. */
export const registryInit: IdlInitFactory = ({ IDL }) => [IDL.Opt(registryTypes(IDL).InitArgs)];

/** The typed service, as an actor built from `registryIdl` exposes it. */
export interface RegistryService {
  icrc118_create_canister_type(args: CreateCanisterType[]): Promise<CreateCanisterTypeResult[]>;
  icrc118_manage_controller(args: ManageControllerRequest[]): Promise<ManageControllerResult[]>;
  icrc118_update_wasm(args: UpdateWasmRequest): Promise<UpdateWasmResult>;
  icrc118_upload_wasm_chunk(args: UploadRequest): Promise<UploadResult>;
  icrc118_deprecate(args: DeprecateRequest): Promise<DeprecateResult>;
  icrc118_get_wasms(args: GetWasmsRequest): Promise<Wasm[]>;
  icrc118_get_canister_types(args: GetCanisterTypesRequest): Promise<CanisterType[]>;
  icrc118_get_upgrade_path(args: GetUpgradePathRequest): Promise<UpgradePathResult>;
  icrc118_get_wasm_chunk(args: GetWasmChunkRequest): Promise<GetWasmChunkResult>;
  lineage_report_installation(args: ReportInstallationRequest): Promise<ReportInstallationResult>;
  lineage_get_installations(args: { hash: Opt<Blob>; canister: Opt<Principal>; prev: Opt<bigint>; take: Opt<bigint> }): Promise<Installation[]>;
  lineage_upload_status(hash: Blob): Promise<Opt<UploadStatus>>;
  icrc126_verification_request(args: VerificationRequest): Promise<VerificationResult>;
  icrc126_file_attestation(args: AttestationRequest): Promise<VerificationResult>;
  icrc126_file_divergence(args: DivergenceReportRequest): Promise<VerificationResult>;
  lineage_get_verifications(args: GetVerificationsRequest): Promise<Verification[]>;
  lineage_get_verification_request(hash: Blob): Promise<Opt<VerificationRequestRecord>>;
  icrc3_get_blocks(args: { start: bigint; length: bigint }[]): Promise<import('./icrc.js').Icrc3GetBlocksResult>;
  icrc3_get_tip_certificate(): Promise<Opt<import('./icrc.js').Icrc3DataCertificate>>;
  icrc3_get_archives(args: { from: Opt<Principal> }): Promise<{ canister_id: Principal; start: bigint; end: bigint }[]>;
  icrc3_supported_block_types(): Promise<{ block_type: string; url: string }[]>;
  icrc10_supported_standards(): Promise<{ name: string; url: string }[]>;
}
