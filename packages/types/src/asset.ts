/**
 * The Lineage asset canister's interface: the DFINITY asset canister's Candid (the methods
 * `@dfinity/assets`' AssetManager, dfx and HTTP gateways call, with the same types), plus the
 * root history (`get_recent_hashes`, `get_certified_root`) and typed-error twins of the upload
 * methods (`lineage_*`). `canisters/asset/asset.did` is the same contract in Candid (generated
 * from these types by the canister build, and checked).
 *
 * Where this departs from DFINITY's `assets.did`, and why (README § Deviations):
 * - `http_request_streaming_callback` and the streaming callback type return the bare
 *   `StreamingCallbackHttpResponse`: DFINITY's Candid says `opt`, but its canister replies the bare
 *   record, and HTTP gateways decode it so.
 * - `InitArgs`/`UpgradeArgs` carry an extra optional `history_length` (the install-time N).
 * - `list` takes optional `start`/`length` and returns at most 1000 assets per call.
 * - `RootHistoryEntry` and the methods that return it are Lineage's.
 */
import type { IDL as CandidIDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import type { IdlFactory, IdlInitFactory, IdlNamespace } from './idl.js';

type Blob = Uint8Array | number[];
type Opt<T> = [] | [T];

export type AssetHeaderField = [string, string];

export interface CreateAssetArguments {
  key: string;
  content_type: string;
  max_age: Opt<bigint>;
  headers: Opt<AssetHeaderField[]>;
  enable_aliasing: Opt<boolean>;
  allow_raw_access: Opt<boolean>;
}
export interface SetAssetContentArguments {
  key: string;
  content_encoding: string;
  chunk_ids: bigint[];
  last_chunk: Opt<Blob>;
  sha256: Opt<Blob>;
}
export interface UnsetAssetContentArguments {
  key: string;
  content_encoding: string;
}
export interface DeleteAssetArguments {
  key: string;
}
export type ClearArguments = Record<string, never>;
export interface SetAssetPropertiesArguments {
  key: string;
  max_age: Opt<Opt<bigint>>;
  headers: Opt<Opt<AssetHeaderField[]>>;
  allow_raw_access: Opt<Opt<boolean>>;
  is_aliased: Opt<Opt<boolean>>;
}
export type BatchOperationKind =
  | { CreateAsset: CreateAssetArguments }
  | { SetAssetContent: SetAssetContentArguments }
  | { SetAssetProperties: SetAssetPropertiesArguments }
  | { UnsetAssetContent: UnsetAssetContentArguments }
  | { DeleteAsset: DeleteAssetArguments }
  | { Clear: ClearArguments };
export interface CommitBatchArguments {
  batch_id: bigint;
  operations: BatchOperationKind[];
}
export interface StoreArguments {
  key: string;
  content_type: string;
  content_encoding: string;
  content: Blob;
  sha256: Opt<Blob>;
}

export interface AssetHttpRequest {
  method: string;
  url: string;
  headers: AssetHeaderField[];
  body: Blob;
  certificate_version: Opt<number>;
}
export interface AssetStreamingToken {
  key: string;
  content_encoding: string;
  index: bigint;
  sha256: Opt<Blob>;
}
export interface AssetStreamingResponse {
  body: Blob;
  token: Opt<AssetStreamingToken>;
}
export type AssetStreamingStrategy = { Callback: { callback: [Principal, string]; token: AssetStreamingToken } };
export interface AssetHttpResponse {
  status_code: number;
  headers: AssetHeaderField[];
  body: Blob;
  streaming_strategy: Opt<AssetStreamingStrategy>;
  upgrade: Opt<boolean>;
}

export type AssetPermission = { Commit: null } | { Prepare: null } | { ManagePermissions: null };
export interface SetPermissions {
  prepare: Principal[];
  commit: Principal[];
  manage_permissions: Principal[];
}
export interface AssetInitArgs {
  set_permissions: Opt<SetPermissions>;
  /** Lineage: how many roots `get_recent_hashes` keeps (N; default 20, at most 10,000). */
  history_length: Opt<number>;
}
export interface AssetUpgradeArgs {
  set_permissions: Opt<SetPermissions>;
  /** Lineage: a larger N (an upgrade cannot shrink the history). */
  history_length: Opt<number>;
}
export type AssetCanisterArgs = { Init: AssetInitArgs } | { Upgrade: AssetUpgradeArgs };

export interface EncodedAsset {
  content: Blob;
  content_type: string;
  content_encoding: string;
  total_length: bigint;
  sha256: Opt<Blob>;
}
export interface AssetEncodingDetails {
  content_encoding: string;
  sha256: Opt<Blob>;
  length: bigint;
  modified: bigint;
}
export interface AssetDetails {
  key: string;
  content_type: string;
  encodings: AssetEncodingDetails[];
  max_age: Opt<bigint>;
  headers: Opt<AssetHeaderField[]>;
  allow_raw_access: Opt<boolean>;
  is_aliased: Opt<boolean>;
}
export interface CommitProposedBatchArguments {
  batch_id: bigint;
  evidence: Blob;
}
export interface ComputeEvidenceArguments {
  batch_id: bigint;
  max_iterations: Opt<number>;
}
export interface ConfigurationResponse {
  max_batches: Opt<bigint>;
  max_chunks: Opt<bigint>;
  max_bytes: Opt<bigint>;
}
export interface ConfigureArguments {
  max_batches: Opt<Opt<bigint>>;
  max_chunks: Opt<Opt<bigint>>;
  max_bytes: Opt<Opt<bigint>>;
}
export type ValidationResult = { Ok: string } | { Err: string };
export interface StateInfo {
  last_state_update_timestamp: bigint;
  state_hash: Opt<string>;
}
export interface AssetProperties {
  max_age: Opt<bigint>;
  headers: Opt<AssetHeaderField[]>;
  allow_raw_access: Opt<boolean>;
  is_aliased: Opt<boolean>;
}

/** One certified asset root (README § Root history). */
export interface RootHistoryEntry {
  /** Position in the chain (0: the empty site at install). */
  index: bigint;
  /** The asset root certified from `time` on. */
  root: Blob;
  /** When it became certified, ns since the epoch. */
  time: bigint;
  /** The batch whose commit produced it (none for single-operation methods and upgrades). */
  batch_id: Opt<bigint>;
  /** The evidence of the proposal whose commit produced it (`commit_proposed_batch` only). */
  evidence: Opt<Blob>;
  asset_count: bigint;
  /** The previous entry's hash. */
  previous: Opt<Blob>;
  /** This entry's hash; the newest one is certified as the history head. */
  hash: Blob;
}

/** `get_certified_root`: the current root, and how to check it against the IC's certificate. */
export interface CertifiedRoot {
  /** What the canister set as certified data: hash(Fork(asset tree, Labeled("lineage_history", Leaf(head)))). */
  certified_data: Blob;
  asset_root: Blob;
  history_head: Blob;
  history_index: bigint;
  /** The data certificate (absent when called as an update). */
  certificate: Opt<Blob>;
  /** CBOR hash tree with both http maps pruned and the history head revealed; it hashes to `certified_data`. */
  tree: Blob;
}

export type AssetError =
  | { Unauthorized: { caller: string; needs: string } }
  | { UnknownBatch: { batch_id: bigint } }
  | { BatchCommitted: { batch_id: bigint } }
  | { BatchExpired: { batch_id: bigint } }
  | { UnknownChunk: { chunk_id: bigint } }
  | { ChunkNotInBatch: { chunk_id: bigint; batch_id: bigint } }
  | { ChunkUsedTwice: { chunk_id: bigint } }
  | { ChunkTooLarge: { size: bigint; max: bigint } }
  | { LimitExceeded: string }
  | { InvalidKey: { key: string; reason: string } }
  | { UnknownAsset: { key: string } }
  | { AssetExists: { key: string } }
  | { InvalidEncoding: { encoding: string; reason: string } }
  | { UnknownEncoding: { key: string; encoding: string } }
  | { EncodingMismatch: { key: string; encoding: string; reason: string } }
  | { Sha256Mismatch: { key: string; encoding: string; expected: Blob; computed: Blob } }
  | { InvalidHeader: { name: string; reason: string } }
  | { InvalidArgument: string };

export interface CommitError {
  error: AssetError;
  /** Within a batch, the index of the operation refused. */
  operation: Opt<bigint>;
}
export interface CommitReceipt {
  batch_id: Opt<bigint>;
  asset_root: Blob;
  certified_data: Blob;
  /** The history entry now current (a new one when the root changed). */
  history_index: bigint;
  /** Whether the asset root changed. */
  changed: boolean;
  asset_count: bigint;
}
export type CommitResult = { Ok: CommitReceipt } | { Err: CommitError };
export type CreateChunkResult = { Ok: { chunk_id: bigint } } | { Err: AssetError };

export interface AssetCanisterInfo {
  history_length: number;
  history_total: bigint;
  asset_count: bigint;
  serve_chunk_bytes: bigint;
  max_upload_chunk_bytes: bigint;
}

/** Every named type of the asset interface, built with the given `IDL`. */
export function assetTypes(IDL: IdlNamespace) {
  const BatchId = IDL.Nat;
  const ChunkId = IDL.Nat;
  const Key = IDL.Text;
  const Time = IDL.Int;
  const HeaderField = IDL.Tuple(IDL.Text, IDL.Text);
  const CreateAssetArguments = IDL.Record({
    key: Key,
    content_type: IDL.Text,
    max_age: IDL.Opt(IDL.Nat64),
    headers: IDL.Opt(IDL.Vec(HeaderField)),
    enable_aliasing: IDL.Opt(IDL.Bool),
    allow_raw_access: IDL.Opt(IDL.Bool),
  });
  const SetAssetContentArguments = IDL.Record({
    key: Key,
    content_encoding: IDL.Text,
    chunk_ids: IDL.Vec(ChunkId),
    last_chunk: IDL.Opt(IDL.Vec(IDL.Nat8)),
    sha256: IDL.Opt(IDL.Vec(IDL.Nat8)),
  });
  const UnsetAssetContentArguments = IDL.Record({ key: Key, content_encoding: IDL.Text });
  const DeleteAssetArguments = IDL.Record({ key: Key });
  const ClearArguments = IDL.Record({});
  const SetAssetPropertiesArguments = IDL.Record({
    key: Key,
    max_age: IDL.Opt(IDL.Opt(IDL.Nat64)),
    headers: IDL.Opt(IDL.Opt(IDL.Vec(HeaderField))),
    allow_raw_access: IDL.Opt(IDL.Opt(IDL.Bool)),
    is_aliased: IDL.Opt(IDL.Opt(IDL.Bool)),
  });
  const BatchOperationKind = IDL.Variant({
    CreateAsset: CreateAssetArguments,
    SetAssetContent: SetAssetContentArguments,
    SetAssetProperties: SetAssetPropertiesArguments,
    UnsetAssetContent: UnsetAssetContentArguments,
    DeleteAsset: DeleteAssetArguments,
    Clear: ClearArguments,
  });
  const CommitBatchArguments = IDL.Record({ batch_id: BatchId, operations: IDL.Vec(BatchOperationKind) });
  const DeleteBatchArguments = IDL.Record({ batch_id: BatchId });
  const StoreArguments = IDL.Record({
    key: Key,
    content_type: IDL.Text,
    content_encoding: IDL.Text,
    content: IDL.Vec(IDL.Nat8),
    sha256: IDL.Opt(IDL.Vec(IDL.Nat8)),
  });
  const HttpRequest = IDL.Record({
    method: IDL.Text,
    url: IDL.Text,
    headers: IDL.Vec(HeaderField),
    body: IDL.Vec(IDL.Nat8),
    certificate_version: IDL.Opt(IDL.Nat16),
  });
  const StreamingCallbackToken = IDL.Record({
    key: Key,
    content_encoding: IDL.Text,
    index: IDL.Nat,
    sha256: IDL.Opt(IDL.Vec(IDL.Nat8)),
  });
  const StreamingCallbackHttpResponse = IDL.Record({ body: IDL.Vec(IDL.Nat8), token: IDL.Opt(StreamingCallbackToken) });
  const StreamingStrategy = IDL.Variant({
    Callback: IDL.Record({
      callback: IDL.Func([StreamingCallbackToken], [StreamingCallbackHttpResponse], ['query']),
      token: StreamingCallbackToken,
    }),
  });
  const HttpResponse = IDL.Record({
    status_code: IDL.Nat16,
    headers: IDL.Vec(HeaderField),
    body: IDL.Vec(IDL.Nat8),
    streaming_strategy: IDL.Opt(StreamingStrategy),
    upgrade: IDL.Opt(IDL.Bool),
  });
  const Permission = IDL.Variant({ Commit: IDL.Null, ManagePermissions: IDL.Null, Prepare: IDL.Null });
  const GrantPermission = IDL.Record({ to_principal: IDL.Principal, permission: Permission });
  const RevokePermission = IDL.Record({ of_principal: IDL.Principal, permission: Permission });
  const ListPermitted = IDL.Record({ permission: Permission });
  const SetPermissions = IDL.Record({
    prepare: IDL.Vec(IDL.Principal),
    commit: IDL.Vec(IDL.Principal),
    manage_permissions: IDL.Vec(IDL.Principal),
  });
  const InitArgs = IDL.Record({ set_permissions: IDL.Opt(SetPermissions), history_length: IDL.Opt(IDL.Nat32) });
  const UpgradeArgs = IDL.Record({ set_permissions: IDL.Opt(SetPermissions), history_length: IDL.Opt(IDL.Nat32) });
  const AssetCanisterArgs = IDL.Variant({ Init: InitArgs, Upgrade: UpgradeArgs });
  const GetArgs = IDL.Record({ key: Key, accept_encodings: IDL.Vec(IDL.Text) });
  const EncodedAsset = IDL.Record({
    content: IDL.Vec(IDL.Nat8),
    content_type: IDL.Text,
    content_encoding: IDL.Text,
    total_length: IDL.Nat,
    sha256: IDL.Opt(IDL.Vec(IDL.Nat8)),
  });
  const GetChunkArgs = IDL.Record({ key: Key, content_encoding: IDL.Text, index: IDL.Nat, sha256: IDL.Opt(IDL.Vec(IDL.Nat8)) });
  const ListRequest = IDL.Record({ start: IDL.Opt(IDL.Nat), length: IDL.Opt(IDL.Nat) });
  const AssetEncodingDetails = IDL.Record({
    content_encoding: IDL.Text,
    sha256: IDL.Opt(IDL.Vec(IDL.Nat8)),
    length: IDL.Nat,
    modified: Time,
  });
  const AssetDetails = IDL.Record({
    key: Key,
    content_type: IDL.Text,
    encodings: IDL.Vec(AssetEncodingDetails),
    max_age: IDL.Opt(IDL.Nat64),
    headers: IDL.Opt(IDL.Vec(HeaderField)),
    allow_raw_access: IDL.Opt(IDL.Bool),
    is_aliased: IDL.Opt(IDL.Bool),
  });
  const CommitProposedBatchArguments = IDL.Record({ batch_id: BatchId, evidence: IDL.Vec(IDL.Nat8) });
  const ComputeEvidenceArguments = IDL.Record({ batch_id: BatchId, max_iterations: IDL.Opt(IDL.Nat16) });
  const ConfigurationResponse = IDL.Record({ max_batches: IDL.Opt(IDL.Nat64), max_chunks: IDL.Opt(IDL.Nat64), max_bytes: IDL.Opt(IDL.Nat64) });
  const ConfigureArguments = IDL.Record({
    max_batches: IDL.Opt(IDL.Opt(IDL.Nat64)),
    max_chunks: IDL.Opt(IDL.Opt(IDL.Nat64)),
    max_bytes: IDL.Opt(IDL.Opt(IDL.Nat64)),
  });
  const ValidationResult = IDL.Variant({ Ok: IDL.Text, Err: IDL.Text });
  const StateInfo = IDL.Record({ last_state_update_timestamp: IDL.Nat64, state_hash: IDL.Opt(IDL.Text) });
  const AssetProperties = IDL.Record({
    max_age: IDL.Opt(IDL.Nat64),
    headers: IDL.Opt(IDL.Vec(HeaderField)),
    allow_raw_access: IDL.Opt(IDL.Bool),
    is_aliased: IDL.Opt(IDL.Bool),
  });
  const CertifiedTree = IDL.Record({ certificate: IDL.Vec(IDL.Nat8), tree: IDL.Vec(IDL.Nat8) });
  const RootHistoryEntry = IDL.Record({
    index: IDL.Nat64,
    root: IDL.Vec(IDL.Nat8),
    time: IDL.Nat64,
    batch_id: IDL.Opt(IDL.Nat),
    evidence: IDL.Opt(IDL.Vec(IDL.Nat8)),
    asset_count: IDL.Nat64,
    previous: IDL.Opt(IDL.Vec(IDL.Nat8)),
    hash: IDL.Vec(IDL.Nat8),
  });
  const CertifiedRoot = IDL.Record({
    certified_data: IDL.Vec(IDL.Nat8),
    asset_root: IDL.Vec(IDL.Nat8),
    history_head: IDL.Vec(IDL.Nat8),
    history_index: IDL.Nat64,
    certificate: IDL.Opt(IDL.Vec(IDL.Nat8)),
    tree: IDL.Vec(IDL.Nat8),
  });
  const AssetError = IDL.Variant({
    Unauthorized: IDL.Record({ caller: IDL.Text, needs: IDL.Text }),
    UnknownBatch: IDL.Record({ batch_id: IDL.Nat }),
    BatchCommitted: IDL.Record({ batch_id: IDL.Nat }),
    BatchExpired: IDL.Record({ batch_id: IDL.Nat }),
    UnknownChunk: IDL.Record({ chunk_id: IDL.Nat }),
    ChunkNotInBatch: IDL.Record({ chunk_id: IDL.Nat, batch_id: IDL.Nat }),
    ChunkUsedTwice: IDL.Record({ chunk_id: IDL.Nat }),
    ChunkTooLarge: IDL.Record({ size: IDL.Nat, max: IDL.Nat }),
    LimitExceeded: IDL.Text,
    InvalidKey: IDL.Record({ key: IDL.Text, reason: IDL.Text }),
    UnknownAsset: IDL.Record({ key: IDL.Text }),
    AssetExists: IDL.Record({ key: IDL.Text }),
    InvalidEncoding: IDL.Record({ encoding: IDL.Text, reason: IDL.Text }),
    UnknownEncoding: IDL.Record({ key: IDL.Text, encoding: IDL.Text }),
    EncodingMismatch: IDL.Record({ key: IDL.Text, encoding: IDL.Text, reason: IDL.Text }),
    Sha256Mismatch: IDL.Record({ key: IDL.Text, encoding: IDL.Text, expected: IDL.Vec(IDL.Nat8), computed: IDL.Vec(IDL.Nat8) }),
    InvalidHeader: IDL.Record({ name: IDL.Text, reason: IDL.Text }),
    InvalidArgument: IDL.Text,
  });
  const CommitError = IDL.Record({ error: AssetError, operation: IDL.Opt(IDL.Nat) });
  const CommitReceipt = IDL.Record({
    batch_id: IDL.Opt(IDL.Nat),
    asset_root: IDL.Vec(IDL.Nat8),
    certified_data: IDL.Vec(IDL.Nat8),
    history_index: IDL.Nat64,
    changed: IDL.Bool,
    asset_count: IDL.Nat64,
  });
  const CommitResult = IDL.Variant({ Ok: CommitReceipt, Err: CommitError });
  const CreateChunkArguments = IDL.Record({ batch_id: BatchId, content: IDL.Vec(IDL.Nat8) });
  const CreateChunkResult = IDL.Variant({ Ok: IDL.Record({ chunk_id: ChunkId }), Err: AssetError });
  const CreateChunksArguments = IDL.Record({ batch_id: BatchId, content: IDL.Vec(IDL.Vec(IDL.Nat8)) });
  const Info = IDL.Record({
    history_length: IDL.Nat32,
    history_total: IDL.Nat64,
    asset_count: IDL.Nat64,
    serve_chunk_bytes: IDL.Nat,
    max_upload_chunk_bytes: IDL.Nat,
  });
  return {
    BatchId, ChunkId, Key, Time, HeaderField, CreateAssetArguments, SetAssetContentArguments, UnsetAssetContentArguments,
    DeleteAssetArguments, ClearArguments, SetAssetPropertiesArguments, BatchOperationKind, CommitBatchArguments,
    DeleteBatchArguments, StoreArguments, HttpRequest, StreamingCallbackToken, StreamingCallbackHttpResponse, StreamingStrategy,
    HttpResponse, Permission, GrantPermission, RevokePermission, ListPermitted, SetPermissions, InitArgs, UpgradeArgs,
    AssetCanisterArgs, GetArgs, EncodedAsset, GetChunkArgs, ListRequest, AssetEncodingDetails, AssetDetails, AssetProperties,
    CertifiedTree, RootHistoryEntry, CertifiedRoot, AssetError, CommitError, CommitReceipt, CommitResult, CreateChunkArguments,
    CreateChunkResult, CreateChunksArguments, Info, CommitProposedBatchArguments, ComputeEvidenceArguments, ConfigurationResponse,
    ConfigureArguments, ValidationResult, StateInfo,
  } satisfies Record<string, CandidIDL.Type>;
}

export type AssetTypeName = keyof ReturnType<typeof assetTypes>;

/** The asset canister's service, as dfx would generate it. */
export const assetIdlFactory: IdlFactory = ({ IDL }) => {
  const T = assetTypes(IDL);
  const q = ['query'] as const;
  return IDL.Service({
    api_version: IDL.Func([], [IDL.Nat16], [...q]),
    get: IDL.Func([T.GetArgs], [T.EncodedAsset], [...q]),
    get_chunk: IDL.Func([T.GetChunkArgs], [IDL.Record({ content: IDL.Vec(IDL.Nat8) })], [...q]),
    list: IDL.Func([T.ListRequest], [IDL.Vec(T.AssetDetails)], [...q]),
    certified_tree: IDL.Func([IDL.Record({})], [T.CertifiedTree], [...q]),
    create_batch: IDL.Func([IDL.Record({})], [IDL.Record({ batch_id: T.BatchId })], []),
    create_chunk: IDL.Func([T.CreateChunkArguments], [IDL.Record({ chunk_id: T.ChunkId })], []),
    create_chunks: IDL.Func([T.CreateChunksArguments], [IDL.Record({ chunk_ids: IDL.Vec(T.ChunkId) })], []),
    commit_batch: IDL.Func([T.CommitBatchArguments], [], []),
    propose_commit_batch: IDL.Func([T.CommitBatchArguments], [], []),
    commit_proposed_batch: IDL.Func([T.CommitProposedBatchArguments], [], []),
    compute_evidence: IDL.Func([T.ComputeEvidenceArguments], [IDL.Opt(IDL.Vec(IDL.Nat8))], []),
    compute_state_hash: IDL.Func([], [IDL.Opt(IDL.Text)], []),
    get_state_info: IDL.Func([], [T.StateInfo], [...q]),
    validate_commit_proposed_batch: IDL.Func([T.CommitProposedBatchArguments], [T.ValidationResult], []),
    delete_batch: IDL.Func([T.DeleteBatchArguments], [], []),
    create_asset: IDL.Func([T.CreateAssetArguments], [], []),
    set_asset_content: IDL.Func([T.SetAssetContentArguments], [], []),
    unset_asset_content: IDL.Func([T.UnsetAssetContentArguments], [], []),
    delete_asset: IDL.Func([T.DeleteAssetArguments], [], []),
    clear: IDL.Func([T.ClearArguments], [], []),
    store: IDL.Func([T.StoreArguments], [], []),
    http_request: IDL.Func([T.HttpRequest], [T.HttpResponse], [...q]),
    http_request_streaming_callback: IDL.Func([T.StreamingCallbackToken], [T.StreamingCallbackHttpResponse], [...q]),
    authorize: IDL.Func([IDL.Principal], [], []),
    deauthorize: IDL.Func([IDL.Principal], [], []),
    list_authorized: IDL.Func([], [IDL.Vec(IDL.Principal)], []),
    grant_permission: IDL.Func([T.GrantPermission], [], []),
    revoke_permission: IDL.Func([T.RevokePermission], [], []),
    list_permitted: IDL.Func([T.ListPermitted], [IDL.Vec(IDL.Principal)], []),
    take_ownership: IDL.Func([], [], []),
    validate_grant_permission: IDL.Func([T.GrantPermission], [T.ValidationResult], []),
    validate_revoke_permission: IDL.Func([T.RevokePermission], [T.ValidationResult], []),
    validate_take_ownership: IDL.Func([], [T.ValidationResult], []),
    get_configuration: IDL.Func([], [T.ConfigurationResponse], []),
    configure: IDL.Func([T.ConfigureArguments], [], []),
    validate_configure: IDL.Func([T.ConfigureArguments], [T.ValidationResult], []),
    get_asset_properties: IDL.Func([T.Key], [T.AssetProperties], [...q]),
    set_asset_properties: IDL.Func([T.SetAssetPropertiesArguments], [], []),
    get_recent_hashes: IDL.Func([IDL.Opt(IDL.Nat)], [IDL.Vec(T.RootHistoryEntry)], [...q]),
    get_certified_root: IDL.Func([], [T.CertifiedRoot], [...q]),
    lineage_commit_batch: IDL.Func([T.CommitBatchArguments], [T.CommitResult], []),
    lineage_create_chunk: IDL.Func([T.CreateChunkArguments], [T.CreateChunkResult], []),
    lineage_store: IDL.Func([T.StoreArguments], [T.CommitResult], []),
    lineage_info: IDL.Func([], [T.Info], [...q]),
    lineage_health: IDL.Func([], [IDL.Variant({ Ok: IDL.Null, Err: IDL.Text })], [...q]),
  });
};

/** The install / upgrade argument: `opt AssetCanisterArgs`. */
export const assetInitArgs: IdlInitFactory = ({ IDL }) => [IDL.Opt(assetTypes(IDL).AssetCanisterArgs)];

/** The asset canister's service as a TypeScript interface (what an actor over `assetIdlFactory` offers). */
export interface AssetService {
  api_version(): Promise<number>;
  get(arg: { key: string; accept_encodings: string[] }): Promise<EncodedAsset>;
  get_chunk(arg: { key: string; content_encoding: string; index: bigint; sha256: Opt<Blob> }): Promise<{ content: Blob }>;
  list(arg: { start: Opt<bigint>; length: Opt<bigint> }): Promise<AssetDetails[]>;
  certified_tree(arg: Record<string, never>): Promise<{ certificate: Blob; tree: Blob }>;
  create_batch(arg: Record<string, never>): Promise<{ batch_id: bigint }>;
  create_chunk(arg: { batch_id: bigint; content: Blob }): Promise<{ chunk_id: bigint }>;
  create_chunks(arg: { batch_id: bigint; content: Blob[] }): Promise<{ chunk_ids: bigint[] }>;
  commit_batch(arg: CommitBatchArguments): Promise<undefined>;
  propose_commit_batch(arg: CommitBatchArguments): Promise<undefined>;
  commit_proposed_batch(arg: CommitProposedBatchArguments): Promise<undefined>;
  compute_evidence(arg: ComputeEvidenceArguments): Promise<Opt<Blob>>;
  compute_state_hash(): Promise<Opt<string>>;
  get_state_info(): Promise<StateInfo>;
  validate_commit_proposed_batch(arg: CommitProposedBatchArguments): Promise<ValidationResult>;
  delete_batch(arg: { batch_id: bigint }): Promise<undefined>;
  create_asset(arg: CreateAssetArguments): Promise<undefined>;
  set_asset_content(arg: SetAssetContentArguments): Promise<undefined>;
  unset_asset_content(arg: UnsetAssetContentArguments): Promise<undefined>;
  delete_asset(arg: DeleteAssetArguments): Promise<undefined>;
  clear(arg: ClearArguments): Promise<undefined>;
  store(arg: StoreArguments): Promise<undefined>;
  http_request(arg: AssetHttpRequest): Promise<AssetHttpResponse>;
  http_request_streaming_callback(arg: AssetStreamingToken): Promise<AssetStreamingResponse>;
  authorize(p: Principal): Promise<undefined>;
  deauthorize(p: Principal): Promise<undefined>;
  list_authorized(): Promise<Principal[]>;
  grant_permission(arg: { to_principal: Principal; permission: AssetPermission }): Promise<undefined>;
  revoke_permission(arg: { of_principal: Principal; permission: AssetPermission }): Promise<undefined>;
  list_permitted(arg: { permission: AssetPermission }): Promise<Principal[]>;
  take_ownership(): Promise<undefined>;
  validate_grant_permission(arg: { to_principal: Principal; permission: AssetPermission }): Promise<ValidationResult>;
  validate_revoke_permission(arg: { of_principal: Principal; permission: AssetPermission }): Promise<ValidationResult>;
  validate_take_ownership(): Promise<ValidationResult>;
  get_configuration(): Promise<ConfigurationResponse>;
  configure(arg: ConfigureArguments): Promise<undefined>;
  validate_configure(arg: ConfigureArguments): Promise<ValidationResult>;
  get_asset_properties(key: string): Promise<AssetProperties>;
  set_asset_properties(arg: SetAssetPropertiesArguments): Promise<undefined>;
  get_recent_hashes(n: Opt<bigint>): Promise<RootHistoryEntry[]>;
  get_certified_root(): Promise<CertifiedRoot>;
  lineage_commit_batch(arg: CommitBatchArguments): Promise<CommitResult>;
  lineage_create_chunk(arg: { batch_id: bigint; content: Blob }): Promise<CreateChunkResult>;
  lineage_store(arg: StoreArguments): Promise<CommitResult>;
  lineage_info(): Promise<AssetCanisterInfo>;
  /** State loaded and invariants hold: the last certified root is the asset tree's. */
  lineage_health(): Promise<{ Ok: null } | { Err: string }>;
}
