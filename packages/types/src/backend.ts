/**
 * The dapp backend's interface. The backend is the owner gate: its owner is whoever the NFT
 * collection's `icrc7_owner_of` names for its token at the time of each request, and there is no
 * other admin path. It also carries a small dapp state (notes) that shows state surviving upgrades.
 */
import type { Principal } from '@dfinity/principal';

import type { IDL as CandidIDL } from '@dfinity/candid';

import type { IdlFactory, IdlInitFactory, IdlNamespace } from './idl.js';
import type { CanisterSettingsUpdate } from './management.js';
import { managementTypes } from './management.js';
import {
  managerTypes, type HealthResult, type HistoryPage, type HistoryRequest, type RestoreTicket, type TrustPolicy, type UpgradeError, type UpgradeTicket,
} from './manager.js';

type Blob = Uint8Array | number[];
type Opt<T> = [] | [T];

export interface BackendInitArgs {
  /** The ICRC-7 collection and the token whose holder owns this dapp. */
  nft: Principal;
  token_id: bigint;
  manager: Principal;
  registry: Principal;
  /** The dapp's frontend (asset canister), if it has one. */
  asset: Opt<Principal>;
}

export type DappRole = { Backend: null } | { Manager: null } | { Asset: null };

export interface DappInfo {
  nft: Principal;
  token_id: bigint;
  backend: Principal;
  manager: Principal;
  registry: Principal;
  asset: Opt<Principal>;
}

export type BackendError =
  /** The caller does not hold the dapp's token now (`owner` is who does, if anyone). */
  | { NotOwner: { caller: Principal; owner: Opt<Principal> } }
  /** The NFT collection could not be asked who the owner is. */
  | { NftUnavailable: string }
  | { UnknownCanister: Principal }
  /** A settings change that would cut the backend or the manager out of the controller ring. */
  | { BreaksControllerRing: string }
  | { InvalidArgument: string }
  | { ManagementRejected: string }
  | { ManagerUnavailable: string }
  | { Upgrade: UpgradeError };

export interface UpgradeDappRequest {
  canister: DappRole;
  /** The registry version to reach, by module hash. */
  to: Blob;
  /** The Candid-encoded `post_upgrade` argument; default: no arguments. */
  arg: Opt<Blob>;
}

/** What the backend knows of its holder, and to whom it last handed the dapp over. */
export interface Ownership {
  /** The holder as last learnt (from the collection's notice or a lookup), if any. */
  holder: Opt<Principal>;
  /** When it was learnt (nanoseconds since the epoch; 0: never). */
  checked_at: bigint;
  /** Whether a hand-over has completed at least once. */
  handed_over: boolean;
  /** The holder the last completed hand-over was for. */
  handed_over_to: Opt<Principal>;
}

/** The collection's notice of a new holder (`lineage_holder_changed`). */
export interface HolderNotice {
  token_id: bigint;
  holder: Opt<{ owner: Principal; subaccount: Opt<Blob> }>;
}

export interface Note {
  id: bigint;
  text: string;
  author: Principal;
  time: bigint;
}

export type BackendTypeName =
  | 'InitArgs' | 'DappRole' | 'DappInfo' | 'BackendError' | 'UpgradeDappRequest' | 'UpgradeDappResult'
  | 'SettingsRequest' | 'UnitResult' | 'Note' | 'NoteResult' | 'HistoryResult' | 'OwnerResult' | 'Ownership' | 'HolderNotice'
  | 'RestoreDappRequest' | 'RestoreDappResult';

/** Every named type of the backend interface, built with the given `IDL`. */
export function backendTypes(IDL: IdlNamespace): Record<BackendTypeName, CandidIDL.Type> {
  const manager = managerTypes(IDL);
  const management = managementTypes(IDL);
  const InitArgs = IDL.Record({
    nft: IDL.Principal,
    token_id: IDL.Nat,
    manager: IDL.Principal,
    registry: IDL.Principal,
    asset: IDL.Opt(IDL.Principal),
  });
  const DappRole = IDL.Variant({ Backend: IDL.Null, Manager: IDL.Null, Asset: IDL.Null });
  const DappInfo = IDL.Record({
    nft: IDL.Principal,
    token_id: IDL.Nat,
    backend: IDL.Principal,
    manager: IDL.Principal,
    registry: IDL.Principal,
    asset: IDL.Opt(IDL.Principal),
  });
  const BackendError = IDL.Variant({
    NotOwner: IDL.Record({ caller: IDL.Principal, owner: IDL.Opt(IDL.Principal) }),
    NftUnavailable: IDL.Text,
    UnknownCanister: IDL.Principal,
    BreaksControllerRing: IDL.Text,
    InvalidArgument: IDL.Text,
    ManagementRejected: IDL.Text,
    ManagerUnavailable: IDL.Text,
    Upgrade: manager.UpgradeError,
  });
  const UpgradeDappRequest = IDL.Record({ canister: DappRole, to: IDL.Vec(IDL.Nat8), arg: IDL.Opt(IDL.Vec(IDL.Nat8)) });
  const UpgradeDappResult = IDL.Variant({ Ok: manager.UpgradeTicket, Err: BackendError });
  const SettingsRequest = IDL.Record({ canister: DappRole, settings: management.CanisterSettingsUpdate });
  const UnitResult = IDL.Variant({ Ok: IDL.Null, Err: BackendError });
  const Note = IDL.Record({ id: IDL.Nat64, text: IDL.Text, author: IDL.Principal, time: IDL.Nat64 });
  const NoteResult = IDL.Variant({ Ok: Note, Err: BackendError });
  const HistoryResult = IDL.Variant({ Ok: manager.HistoryPage, Err: BackendError });
  const OwnerResult = IDL.Variant({ Ok: IDL.Opt(IDL.Principal), Err: BackendError });
  const Ownership = IDL.Record({
    holder: IDL.Opt(IDL.Principal), checked_at: IDL.Nat64, handed_over: IDL.Bool, handed_over_to: IDL.Opt(IDL.Principal),
  });
  const HolderNotice = IDL.Record({
    token_id: IDL.Nat, holder: IDL.Opt(IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(IDL.Vec(IDL.Nat8)) })),
  });
  const RestoreDappRequest = IDL.Record({ canister: DappRole });
  const RestoreDappResult = IDL.Variant({
    Ok: IDL.Record({ operation: IDL.Nat64, snapshot: IDL.Vec(IDL.Nat8), taken_at: IDL.Nat64, state: manager.OperationState }),
    Err: BackendError,
  });
  return {
    Ownership, HolderNotice, RestoreDappRequest, RestoreDappResult,
    InitArgs, DappRole, DappInfo, BackendError, UpgradeDappRequest, UpgradeDappResult, SettingsRequest, UnitResult, Note,
    NoteResult, HistoryResult, OwnerResult,
  };
}

/** The backend service, for clients (`Actor.createActor(backendIdl, …)`, pic's `createActor`). */
export const backendIdl: IdlFactory = ({ IDL }) => {
  const t = backendTypes(IDL);
  const m = managerTypes(IDL);
  return IDL.Service({
    dapp: IDL.Func([], [t.DappInfo], ['query']),
    owner: IDL.Func([], [t.OwnerResult], []),
    ownership: IDL.Func([], [t.Ownership], ['query']),
    reconcile: IDL.Func([], [t.OwnerResult], []),
    lineage_holder_changed: IDL.Func([t.HolderNotice], [], []),
    request_upgrade: IDL.Func([t.UpgradeDappRequest], [t.UpgradeDappResult], []),
    /** `request_upgrade` without the snapshot, for versions that declare `lineage:snapshot = optional`. */
    request_upgrade_without_snapshot: IDL.Func([t.UpgradeDappRequest], [t.UpgradeDappResult], []),
    request_restore: IDL.Func([t.RestoreDappRequest], [t.RestoreDappResult], []),
    lineage_health: IDL.Func([], [m.HealthResult], ['query']),
    update_settings: IDL.Func([t.SettingsRequest], [t.UnitResult], []),
    deployment_history: IDL.Func([m.HistoryRequest], [t.HistoryResult], []),
    authorize_uploads: IDL.Func([], [t.UnitResult], []),
    add_note: IDL.Func([IDL.Text], [t.NoteResult], []),
    notes: IDL.Func([], [IDL.Vec(t.Note)], ['query']),
    set_trust_policy: IDL.Func([IDL.Opt(m.TrustPolicy)], [t.UnitResult], []),
  });
};

/** The backend's install (and upgrade) argument: `(opt InitArgs)`, required at install. */
export const backendInit: IdlInitFactory = ({ IDL }) => [IDL.Opt(backendTypes(IDL).InitArgs)];

/** The typed service, as an actor built from `backendIdl` exposes it. */
export interface BackendService {
  dapp(): Promise<DappInfo>;
  owner(): Promise<{ Ok: Opt<Principal> } | { Err: BackendError }>;
  ownership(): Promise<Ownership>;
  reconcile(): Promise<{ Ok: Opt<Principal> } | { Err: BackendError }>;
  lineage_holder_changed(notice: HolderNotice): Promise<void>;
  request_upgrade(request: UpgradeDappRequest): Promise<{ Ok: UpgradeTicket } | { Err: BackendError }>;
  /** Loads the manager's last pre-upgrade snapshot of one of the dapp's canisters back, for the holder. */
  request_upgrade_without_snapshot(request: UpgradeDappRequest): Promise<{ Ok: UpgradeTicket } | { Err: BackendError }>;
  request_restore(request: { canister: DappRole }): Promise<{ Ok: RestoreTicket } | { Err: BackendError }>;
  /** State loaded and invariants hold. */
  lineage_health(): Promise<HealthResult>;
  update_settings(request: { canister: DappRole; settings: CanisterSettingsUpdate }): Promise<{ Ok: null } | { Err: BackendError }>;
  deployment_history(request: HistoryRequest): Promise<{ Ok: HistoryPage } | { Err: BackendError }>;
  authorize_uploads(): Promise<{ Ok: null } | { Err: BackendError }>;
  add_note(text: string): Promise<{ Ok: Note } | { Err: BackendError }>;
  notes(): Promise<Note[]>;
  /** The holder sets (or, with `[]`, clears) the dapp's trust policy; the manager keeps and enforces it. */
  set_trust_policy(policy: Opt<TrustPolicy>): Promise<{ Ok: null } | { Err: BackendError }>;
}
