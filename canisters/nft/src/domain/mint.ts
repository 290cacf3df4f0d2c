/**
 * The rules of `lineage_mint`: only the minting authority mints, to a valid account, a token id
 * that does not exist, within the supply cap, with bounded metadata. `mintTx` is the `7mint` block.
 */
import type { Value } from '@lineage/kit';
import type { MintError } from '@lineage/types';

import { account, accountValue, isAnonymous, type Account } from './accounts.js';
import { MAX_METADATA_BYTES } from './limits.js';
import { metadataSize } from './values.js';

export interface MintRequest {
  caller: Uint8Array;
  tokenId: bigint;
  to: { owner: Uint8Array; subaccount?: Uint8Array | undefined };
  metadata: [string, Value][];
}

export interface MintContext {
  mintingAuthority: Uint8Array;
  supplyCap?: bigint | undefined;
  totalSupply: number;
  exists(tokenId: bigint): boolean;
}

export interface PlannedMint {
  tokenId: bigint;
  /** The minting authority's default account. */
  from: Account;
  to: Account;
  metadata: [string, Value][];
}

export type MintPlan = { ok: PlannedMint } | { err: MintError };

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function planMint(request: MintRequest, ctx: MintContext): MintPlan {
  if (!sameBytes(request.caller, ctx.mintingAuthority)) return { err: { Unauthorized: null } };
  const to = account(request.to.owner, request.to.subaccount);
  if (!to || isAnonymous(to.owner)) return { err: { InvalidRecipient: null } };
  if (ctx.exists(request.tokenId)) return { err: { TokenExists: null } };
  if (ctx.supplyCap !== undefined && BigInt(ctx.totalSupply) >= ctx.supplyCap) return { err: { SupplyCapReached: { supply_cap: ctx.supplyCap } } };
  if (metadataSize(request.metadata) > MAX_METADATA_BYTES) return { err: { MetadataTooLarge: { max_bytes: BigInt(MAX_METADATA_BYTES) } } };
  return { ok: { tokenId: request.tokenId, from: { owner: ctx.mintingAuthority }, to, metadata: request.metadata } };
}

/**
 * The `tx` of a `7mint` block (ICRC-7 block schema): `tid`, `from` (the minting authority), `to`,
 * and `meta` = `Map { "icrc7:token_metadata": Map metadata }`, the full metadata, so the
 * collection's state can be rebuilt from its log.
 */
export function mintTx(m: PlannedMint): [string, Value][] {
  return [
    ['tid', { Nat: m.tokenId }],
    ['from', accountValue(m.from)],
    ['to', accountValue(m.to)],
    ['meta', { Map: [['icrc7:token_metadata', { Map: m.metadata }]] }],
  ];
}
