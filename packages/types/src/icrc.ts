/**
 * Types of the ICRC standards Lineage's canisters share: ICRC-16 generic values (metadata),
 * ICRC-3 block logs (values, blocks, tip certificates, archives) and ICRC-10 standard lists.
 * Factories over `IDL` (see `idl.ts`).
 */
import type { Principal } from '@dfinity/principal';

import type { IDL as CandidIDL } from '@dfinity/candid';

import type { IdlNamespace } from './idl.js';

/** ICRC-16 `CandyShared`: a generic value. */
export type Icrc16 =
  | { Int: bigint } | { Int8: number } | { Int16: number } | { Int32: number } | { Int64: bigint }
  | { Nat: bigint } | { Nat8: number } | { Nat16: number } | { Nat32: number } | { Nat64: bigint }
  | { Float: number } | { Text: string } | { Bool: boolean } | { Blob: Uint8Array | number[] }
  | { Class: { name: string; value: Icrc16; immutable: boolean }[] } | { Principal: Principal }
  | { Floats: number[] } | { Nats: bigint[] } | { Ints: bigint[] } | { Bytes: Uint8Array | number[] }
  | { Array: Icrc16[] } | { Option: [] | [Icrc16] } | { Map: [string, Icrc16][] }
  | { ValueMap: [Icrc16, Icrc16][] } | { Set: Icrc16[] };

/** ICRC-16 map: the draft's `ICRC16Map` for metadata. */
export type Icrc16Map = [string, Icrc16][];

/** ICRC-3 `Value`: what blocks are made of. */
export type Icrc3Value =
  | { Blob: Uint8Array | number[] } | { Text: string } | { Nat: bigint } | { Int: bigint }
  | { Array: Icrc3Value[] } | { Map: [string, Icrc3Value][] };

export interface Icrc3Block {
  id: bigint;
  block: Icrc3Value;
}

export interface Icrc3GetBlocksResult {
  log_length: bigint;
  blocks: Icrc3Block[];
  archived_blocks: { args: { start: bigint; length: bigint }[]; callback: [Principal, string] }[];
}

export interface Icrc3DataCertificate {
  certificate: Uint8Array | number[];
  hash_tree: Uint8Array | number[];
}

export type IcrcTypeName =
  | 'Icrc16' | 'Icrc16Property' | 'Icrc16Map' | 'Value' | 'GetBlocksArgs' | 'GetBlocksResult' | 'DataCertificate'
  | 'GetArchivesArgs' | 'GetArchivesResult' | 'BlockType' | 'SupportedStandard';

export function icrcTypes(IDL: IdlNamespace): Record<IcrcTypeName, CandidIDL.Type> {
  const Icrc16 = IDL.Rec();
  const Icrc16Property = IDL.Record({ name: IDL.Text, value: Icrc16, immutable: IDL.Bool });
  Icrc16.fill(IDL.Variant({
    Int: IDL.Int, Int8: IDL.Int8, Int16: IDL.Int16, Int32: IDL.Int32, Int64: IDL.Int64,
    Nat: IDL.Nat, Nat8: IDL.Nat8, Nat16: IDL.Nat16, Nat32: IDL.Nat32, Nat64: IDL.Nat64,
    Float: IDL.Float64, Text: IDL.Text, Bool: IDL.Bool, Blob: IDL.Vec(IDL.Nat8),
    Class: IDL.Vec(Icrc16Property), Principal: IDL.Principal,
    Floats: IDL.Vec(IDL.Float64), Nats: IDL.Vec(IDL.Nat), Ints: IDL.Vec(IDL.Int), Bytes: IDL.Vec(IDL.Nat8),
    Array: IDL.Vec(Icrc16), Option: IDL.Opt(Icrc16), Map: IDL.Vec(IDL.Tuple(IDL.Text, Icrc16)),
    ValueMap: IDL.Vec(IDL.Tuple(Icrc16, Icrc16)), Set: IDL.Vec(Icrc16),
  }));
  const Icrc16Map = IDL.Vec(IDL.Tuple(IDL.Text, Icrc16));

  const Value = IDL.Rec();
  Value.fill(IDL.Variant({
    Blob: IDL.Vec(IDL.Nat8), Text: IDL.Text, Nat: IDL.Nat, Int: IDL.Int,
    Array: IDL.Vec(Value), Map: IDL.Vec(IDL.Tuple(IDL.Text, Value)),
  }));
  const GetBlocksArgs = IDL.Vec(IDL.Record({ start: IDL.Nat, length: IDL.Nat }));
  const GetBlocksResult = IDL.Rec();
  GetBlocksResult.fill(IDL.Record({
    log_length: IDL.Nat,
    blocks: IDL.Vec(IDL.Record({ id: IDL.Nat, block: Value })),
    archived_blocks: IDL.Vec(IDL.Record({
      args: GetBlocksArgs,
      callback: IDL.Func([GetBlocksArgs], [GetBlocksResult], ['query']),
    })),
  }));
  const DataCertificate = IDL.Record({ certificate: IDL.Vec(IDL.Nat8), hash_tree: IDL.Vec(IDL.Nat8) });
  const GetArchivesArgs = IDL.Record({ from: IDL.Opt(IDL.Principal) });
  const GetArchivesResult = IDL.Vec(IDL.Record({ canister_id: IDL.Principal, start: IDL.Nat, end: IDL.Nat }));
  const BlockType = IDL.Record({ block_type: IDL.Text, url: IDL.Text });
  const SupportedStandard = IDL.Record({ name: IDL.Text, url: IDL.Text });

  return {
    Icrc16, Icrc16Property, Icrc16Map, Value, GetBlocksArgs, GetBlocksResult, DataCertificate,
    GetArchivesArgs, GetArchivesResult, BlockType, SupportedStandard,
  };
}

/** The ICRC-3 and ICRC-10 methods, for a service to include. */
export function icrc3Methods(IDL: IdlNamespace): Record<string, CandidIDL.FuncClass> {
  const t = icrcTypes(IDL);
  return {
    icrc3_get_blocks: IDL.Func([t.GetBlocksArgs], [t.GetBlocksResult], ['query']),
    icrc3_get_tip_certificate: IDL.Func([], [IDL.Opt(t.DataCertificate)], ['query']),
    icrc3_get_archives: IDL.Func([t.GetArchivesArgs], [t.GetArchivesResult], ['query']),
    icrc3_supported_block_types: IDL.Func([], [IDL.Vec(t.BlockType)], ['query']),
    icrc10_supported_standards: IDL.Func([], [IDL.Vec(t.SupportedStandard)], ['query']),
  };
}
