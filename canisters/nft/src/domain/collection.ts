/**
 * The collection's settings (the init argument), their checks, and the collection metadata that
 * `icrc7_collection_metadata` answers.
 */
import type { Value } from '@lineage/kit';

import { isAnonymous } from './accounts.js';
import {
  DEFAULT_PERMITTED_DRIFT_SECONDS, DEFAULT_TAKE_VALUE, DEFAULT_TX_WINDOW_SECONDS, MAX_MEMO_SIZE, MAX_QUERY_BATCH_SIZE,
  MAX_TAKE_VALUE, MAX_UPDATE_BATCH_SIZE,
} from './limits.js';

export interface CollectionConfig {
  /** The principal (bytes) that may mint. */
  mintingAuthority: Uint8Array;
  symbol: string;
  name: string;
  description?: string | undefined;
  logo?: string | undefined;
  supplyCap?: bigint | undefined;
  /** Seconds. */
  txWindow: bigint;
  /** Seconds. */
  permittedDrift: bigint;
}

/** The init argument in plain form (absent windows take their defaults). */
export type ConfigInput = Omit<CollectionConfig, 'txWindow' | 'permittedDrift'> & {
  txWindow?: bigint | undefined;
  permittedDrift?: bigint | undefined;
};

/**
 * The settings an init (or upgrade) argument asks for, or why they cannot be accepted. The total
 * supply matters on upgrade: a supply cap below the tokens that exist is refused.
 */
export function configFrom(input: ConfigInput, totalSupply: number): { ok: CollectionConfig } | { error: string } {
  if (isAnonymous(input.mintingAuthority)) return { error: 'the minting authority cannot be the anonymous principal' };
  if (input.mintingAuthority.length === 0 || input.mintingAuthority.length > 29) return { error: 'the minting authority is not a valid principal' };
  if (input.supplyCap !== undefined && input.supplyCap < BigInt(totalSupply)) {
    return { error: `supply_cap ${input.supplyCap} is below the ${totalSupply} tokens that exist` };
  }
  return {
    ok: {
      mintingAuthority: input.mintingAuthority,
      symbol: input.symbol,
      name: input.name,
      description: input.description,
      logo: input.logo,
      supplyCap: input.supplyCap,
      txWindow: input.txWindow ?? DEFAULT_TX_WINDOW_SECONDS,
      permittedDrift: input.permittedDrift ?? DEFAULT_PERMITTED_DRIFT_SECONDS,
    },
  };
}

/** `icrc7_collection_metadata`: the `icrc7:` entries, consistent with the individual queries. */
export function collectionMetadata(config: CollectionConfig, totalSupply: number): [string, Value][] {
  const entries: [string, Value][] = [
    ['icrc7:symbol', { Text: config.symbol }],
    ['icrc7:name', { Text: config.name }],
  ];
  if (config.description !== undefined) entries.push(['icrc7:description', { Text: config.description }]);
  if (config.logo !== undefined) entries.push(['icrc7:logo', { Text: config.logo }]);
  entries.push(['icrc7:total_supply', { Nat: BigInt(totalSupply) }]);
  if (config.supplyCap !== undefined) entries.push(['icrc7:supply_cap', { Nat: config.supplyCap }]);
  entries.push(
    ['icrc7:max_query_batch_size', { Nat: BigInt(MAX_QUERY_BATCH_SIZE) }],
    ['icrc7:max_update_batch_size', { Nat: BigInt(MAX_UPDATE_BATCH_SIZE) }],
    ['icrc7:default_take_value', { Nat: BigInt(DEFAULT_TAKE_VALUE) }],
    ['icrc7:max_take_value', { Nat: BigInt(MAX_TAKE_VALUE) }],
    ['icrc7:max_memo_size', { Nat: BigInt(MAX_MEMO_SIZE) }],
    // `icrc7:atomic_batch_transfers` is left out: absent means false, and ICRC-3 values have no bool.
    ['icrc7:tx_window', { Nat: config.txWindow }],
    ['icrc7:permitted_drift', { Nat: config.permittedDrift }],
  );
  return entries;
}
