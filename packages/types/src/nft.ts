/**
 * The Lineage NFT collection's interface: ICRC-7 (every `icrc7_*` method with the standard's exact
 * shapes), ICRC-3 (the log of mints and transfers), ICRC-10, and Lineage's minting method.
 * `canisters/nft/nft.did` is the same contract in Candid (generated from these types by the canister
 * build, and checked by a test).
 *
 * Lineage uses one token per dapp instance: whoever `icrc7_owner_of` names owns the dapp.
 *
 * Where this departs from or completes ICRC-7, and why (see `canisters/nft/README.md`):
 * - Minting is not part of ICRC-7; `lineage_mint` lets the collection's minting authority (an init
 *   argument) create tokens, with typed errors.
 * - A batch over `icrc7_max_update_batch_size` is refused whole: the reply is the single element
 *   `opt Err(GenericBatchError { error_code = 1 })` and nothing is processed.
 * - A memo over `icrc7_max_memo_size` and a malformed `from_subaccount` are `GenericError`s (codes
 *   in `NFT_ERROR_CODES`), as the standard names no variant for them.
 */
import type { Principal } from '@dfinity/principal';

import type { IDL as CandidIDL } from '@dfinity/candid';

import { icrc3Methods, icrcTypes, type Icrc3DataCertificate, type Icrc3GetBlocksResult, type Icrc3Value, type IcrcTypeName } from './icrc.js';
import type { IdlFactory, IdlInitFactory, IdlNamespace } from './idl.js';

type Blob = Uint8Array | number[];
type Opt<T> = [] | [T];

/** An ICRC-1 account: `subaccount` null (or 32 zero bytes) is the owner's default account. */
export interface Account {
  owner: Principal;
  subaccount: Opt<Blob>;
}

/** Token or collection metadata: ICRC-3 values under `<namespace>:<key>` names. */
export type NftMetadata = [string, Icrc3Value][];

export interface NftInitArgs {
  /** The only principal that may mint (`lineage_mint`); not anonymous. */
  minting_authority: Principal;
  symbol: string;
  name: string;
  description: Opt<string>;
  /** A URL of the collection's logo (a data URL may hold the image itself). */
  logo: Opt<string>;
  /** The most tokens that may ever exist; none means unbounded. */
  supply_cap: Opt<bigint>;
  /** Deduplication window in seconds (ICRC-7 `TX_WINDOW`); default 86 400. */
  tx_window: Opt<bigint>;
  /** Allowed clock drift in seconds (ICRC-7 `PERMITTED_DRIFT`); default 120. */
  permitted_drift: Opt<bigint>;
}

export interface TransferArg {
  /** The caller's subaccount the token is transferred from; null is the default subaccount. */
  from_subaccount: Opt<Blob>;
  to: Account;
  token_id: bigint;
  memo: Opt<Blob>;
  /** Nanoseconds since the epoch; when set, the transfer is deduplicated. */
  created_at_time: Opt<bigint>;
}

export type TransferError =
  | { NonExistingTokenId: null }
  | { InvalidRecipient: null }
  | { Unauthorized: null }
  | { TooOld: null }
  | { CreatedInFuture: { ledger_time: bigint } }
  | { Duplicate: { duplicate_of: bigint } }
  | { GenericError: { error_code: bigint; message: string } }
  | { GenericBatchError: { error_code: bigint; message: string } };

/** `Ok` carries the index of the transfer's block in the ICRC-3 log. */
export type TransferResult = { Ok: bigint } | { Err: TransferError };

export interface MintArg {
  token_id: bigint;
  to: Account;
  metadata: NftMetadata;
}

export type MintError =
  | { Unauthorized: null }
  | { TokenExists: null }
  | { InvalidRecipient: null }
  | { SupplyCapReached: { supply_cap: bigint } }
  | { MetadataTooLarge: { max_bytes: bigint } }
  | { BatchTooLarge: { max_batch_size: bigint } };

/** `Ok` carries the index of the mint's block in the ICRC-3 log. */
export type MintResult = { Ok: bigint } | { Err: MintError };

/** The `error_code`s of `GenericError` and `GenericBatchError`. */
export const NFT_ERROR_CODES = {
  /** GenericError: the memo is longer than `icrc7_max_memo_size`. */
  memoTooLarge: 1n,
  /** GenericError: `from_subaccount` is not 32 bytes. */
  malformedSubaccount: 2n,
  /** GenericBatchError: more transfers than `icrc7_max_update_batch_size`. */
  batchTooLarge: 1n,
} as const;

/** Every named type of the NFT interface, built with the given `IDL`. */
export type NftTypeName =
  | IcrcTypeName | 'Subaccount' | 'Account' | 'Metadata' | 'InitArgs' | 'TransferArg' | 'TransferError'
  | 'TransferResult' | 'MintArg' | 'MintError' | 'MintResult';

export function nftTypes(IDL: IdlNamespace): Record<NftTypeName, CandidIDL.Type> {
  const icrc = icrcTypes(IDL);
  const Subaccount = IDL.Vec(IDL.Nat8);
  const Account = IDL.Record({ owner: IDL.Principal, subaccount: IDL.Opt(Subaccount) });
  const Metadata = IDL.Vec(IDL.Tuple(IDL.Text, icrc.Value));
  const InitArgs = IDL.Record({
    minting_authority: IDL.Principal,
    symbol: IDL.Text,
    name: IDL.Text,
    description: IDL.Opt(IDL.Text),
    logo: IDL.Opt(IDL.Text),
    supply_cap: IDL.Opt(IDL.Nat),
    tx_window: IDL.Opt(IDL.Nat),
    permitted_drift: IDL.Opt(IDL.Nat),
  });
  const TransferArg = IDL.Record({
    from_subaccount: IDL.Opt(Subaccount),
    to: Account,
    token_id: IDL.Nat,
    memo: IDL.Opt(IDL.Vec(IDL.Nat8)),
    created_at_time: IDL.Opt(IDL.Nat64),
  });
  const Generic = IDL.Record({ error_code: IDL.Nat, message: IDL.Text });
  const TransferError = IDL.Variant({
    NonExistingTokenId: IDL.Null,
    InvalidRecipient: IDL.Null,
    Unauthorized: IDL.Null,
    TooOld: IDL.Null,
    CreatedInFuture: IDL.Record({ ledger_time: IDL.Nat64 }),
    Duplicate: IDL.Record({ duplicate_of: IDL.Nat }),
    GenericError: Generic,
    GenericBatchError: Generic,
  });
  const TransferResult = IDL.Variant({ Ok: IDL.Nat, Err: TransferError });
  const MintArg = IDL.Record({ token_id: IDL.Nat, to: Account, metadata: Metadata });
  const MintError = IDL.Variant({
    Unauthorized: IDL.Null,
    TokenExists: IDL.Null,
    InvalidRecipient: IDL.Null,
    SupplyCapReached: IDL.Record({ supply_cap: IDL.Nat }),
    MetadataTooLarge: IDL.Record({ max_bytes: IDL.Nat }),
    BatchTooLarge: IDL.Record({ max_batch_size: IDL.Nat }),
  });
  const MintResult = IDL.Variant({ Ok: IDL.Nat, Err: MintError });
  return {
    ...icrc, Subaccount, Account, Metadata, InitArgs, TransferArg, TransferError, TransferResult, MintArg, MintError, MintResult,
  };
}

/** The ICRC-7 methods, with the standard's shapes, for a service to include. */
export function icrc7Methods(IDL: IdlNamespace): Record<string, CandidIDL.FuncClass> {
  const t = nftTypes(IDL);
  const optNat = IDL.Func([], [IDL.Opt(IDL.Nat)], ['query']);
  return {
    icrc7_collection_metadata: IDL.Func([], [t.Metadata], ['query']),
    icrc7_symbol: IDL.Func([], [IDL.Text], ['query']),
    icrc7_name: IDL.Func([], [IDL.Text], ['query']),
    icrc7_description: IDL.Func([], [IDL.Opt(IDL.Text)], ['query']),
    icrc7_logo: IDL.Func([], [IDL.Opt(IDL.Text)], ['query']),
    icrc7_total_supply: IDL.Func([], [IDL.Nat], ['query']),
    icrc7_supply_cap: optNat,
    icrc7_max_query_batch_size: optNat,
    icrc7_max_update_batch_size: optNat,
    icrc7_default_take_value: optNat,
    icrc7_max_take_value: optNat,
    icrc7_max_memo_size: optNat,
    icrc7_atomic_batch_transfers: IDL.Func([], [IDL.Opt(IDL.Bool)], ['query']),
    icrc7_tx_window: optNat,
    icrc7_permitted_drift: optNat,
    icrc7_token_metadata: IDL.Func([IDL.Vec(IDL.Nat)], [IDL.Vec(IDL.Opt(t.Metadata))], ['query']),
    icrc7_owner_of: IDL.Func([IDL.Vec(IDL.Nat)], [IDL.Vec(IDL.Opt(t.Account))], ['query']),
    icrc7_balance_of: IDL.Func([IDL.Vec(t.Account)], [IDL.Vec(IDL.Nat)], ['query']),
    icrc7_tokens: IDL.Func([IDL.Opt(IDL.Nat), IDL.Opt(IDL.Nat)], [IDL.Vec(IDL.Nat)], ['query']),
    icrc7_tokens_of: IDL.Func([t.Account, IDL.Opt(IDL.Nat), IDL.Opt(IDL.Nat)], [IDL.Vec(IDL.Nat)], ['query']),
    icrc7_transfer: IDL.Func([IDL.Vec(t.TransferArg)], [IDL.Vec(IDL.Opt(t.TransferResult))], []),
  };
}

/** The NFT service, for clients (`Actor.createActor(nftIdl, …)`, pic's `createActor`). */
export const nftIdl: IdlFactory = ({ IDL }) => {
  const t = nftTypes(IDL);
  return IDL.Service({
    ...icrc7Methods(IDL),
    lineage_mint: IDL.Func([IDL.Vec(t.MintArg)], [IDL.Vec(t.MintResult)], []),
    lineage_minting_authority: IDL.Func([], [IDL.Principal], ['query']),
    ...icrc3Methods(IDL),
  });
};

/** The NFT canister's install (and upgrade) argument: `(opt InitArgs)`, required at install. */
export const nftInit: IdlInitFactory = ({ IDL }) => [IDL.Opt(nftTypes(IDL).InitArgs)];

/** The typed service, as an actor built from `nftIdl` exposes it. */
export interface NftService {
  icrc7_collection_metadata(): Promise<NftMetadata>;
  icrc7_symbol(): Promise<string>;
  icrc7_name(): Promise<string>;
  icrc7_description(): Promise<Opt<string>>;
  icrc7_logo(): Promise<Opt<string>>;
  icrc7_total_supply(): Promise<bigint>;
  icrc7_supply_cap(): Promise<Opt<bigint>>;
  icrc7_max_query_batch_size(): Promise<Opt<bigint>>;
  icrc7_max_update_batch_size(): Promise<Opt<bigint>>;
  icrc7_default_take_value(): Promise<Opt<bigint>>;
  icrc7_max_take_value(): Promise<Opt<bigint>>;
  icrc7_max_memo_size(): Promise<Opt<bigint>>;
  icrc7_atomic_batch_transfers(): Promise<Opt<boolean>>;
  icrc7_tx_window(): Promise<Opt<bigint>>;
  icrc7_permitted_drift(): Promise<Opt<bigint>>;
  icrc7_token_metadata(token_ids: bigint[]): Promise<Opt<NftMetadata>[]>;
  icrc7_owner_of(token_ids: bigint[]): Promise<Opt<Account>[]>;
  icrc7_balance_of(accounts: Account[]): Promise<bigint[]>;
  icrc7_tokens(prev: Opt<bigint>, take: Opt<bigint>): Promise<bigint[]>;
  icrc7_tokens_of(account: Account, prev: Opt<bigint>, take: Opt<bigint>): Promise<bigint[]>;
  icrc7_transfer(args: TransferArg[]): Promise<Opt<TransferResult>[]>;
  lineage_mint(args: MintArg[]): Promise<MintResult[]>;
  lineage_minting_authority(): Promise<Principal>;
  icrc3_get_blocks(args: { start: bigint; length: bigint }[]): Promise<Icrc3GetBlocksResult>;
  icrc3_get_tip_certificate(): Promise<Opt<Icrc3DataCertificate>>;
  icrc3_get_archives(args: { from: Opt<Principal> }): Promise<{ canister_id: Principal; start: bigint; end: bigint }[]>;
  icrc3_supported_block_types(): Promise<{ block_type: string; url: string }[]>;
  icrc10_supported_standards(): Promise<{ name: string; url: string }[]>;
}
