// The collection's Candid contract: the build's dist/nft.did is the checked-in nft.did, and it
// offers exactly the methods of @lineage/types' nftIdl, with ICRC-7's shapes.
import { readFileSync } from 'node:fs';
import { IDL } from '@icp-sdk/core/candid';
import { describe, expect, it } from 'vitest';

import { NFT_CONTRACT_PATH, NFT_DID_PATH, nftFactory } from './support/nft.js';

const contract = () => readFileSync(NFT_CONTRACT_PATH, 'utf8');

/** `name: signature` of every method line of a service in a .did file. */
function methods(did: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of did.split('\n')) {
    const m = /^\s+([a-z0-9_]+): (.*);$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('the NFT collection: Candid contract', () => {
  it('builds exactly the checked-in nft.did (regenerate it from dist/nft.did when the interface changes)', () => {
    expect(readFileSync(NFT_DID_PATH, 'utf8')).toBe(contract());
  });

  it('offers exactly the methods of nftIdl, queries as queries', () => {
    const service = nftFactory({ IDL });
    const fromTypes = new Map(service._fields.map(([name, func]) => [name, func.annotations.includes('query')]));
    const fromDid = methods(contract());
    expect([...fromDid.keys()].sort()).toEqual([...fromTypes.keys()].sort());
    for (const [name, isQuery] of fromTypes) expect(fromDid.get(name)!.endsWith(' query'), name).toBe(isQuery);
  });

  it('has every ICRC-7 method with the standard shapes', () => {
    const did = methods(contract());
    const account = 'record {owner:principal; subaccount:opt vec nat8}';
    expect(did.get('icrc7_collection_metadata')).toMatch(/^\(\) -> \(vec record \{text; rec_\d+\}\) query$/);
    for (const name of ['symbol', 'name']) expect(did.get(`icrc7_${name}`)).toBe('() -> (text) query');
    for (const name of ['description', 'logo']) expect(did.get(`icrc7_${name}`)).toBe('() -> (opt text) query');
    expect(did.get('icrc7_total_supply')).toBe('() -> (nat) query');
    for (const name of ['supply_cap', 'max_query_batch_size', 'max_update_batch_size', 'default_take_value', 'max_take_value', 'max_memo_size', 'tx_window', 'permitted_drift']) {
      expect(did.get(`icrc7_${name}`), name).toBe('() -> (opt nat) query');
    }
    expect(did.get('icrc7_atomic_batch_transfers')).toBe('() -> (opt bool) query');
    expect(did.get('icrc7_token_metadata')).toMatch(/^\(vec nat\) -> \(vec opt vec record \{text; rec_\d+\}\) query$/);
    expect(did.get('icrc7_owner_of')).toBe(`(vec nat) -> (vec opt ${account}) query`);
    expect(did.get('icrc7_balance_of')).toBe(`(vec ${account}) -> (vec nat) query`);
    expect(did.get('icrc7_tokens')).toBe('(opt nat, opt nat) -> (vec nat) query');
    expect(did.get('icrc7_tokens_of')).toBe(`(${account}, opt nat, opt nat) -> (vec nat) query`);
    const transfer = did.get('icrc7_transfer')!;
    expect(transfer).toMatch(/^\(vec record \{.*\}\) -> \(vec opt variant \{Ok:nat; Err:variant \{.*\}\}\)$/);
    for (const part of [`to:${account}`, 'token_id:nat', 'memo:opt vec nat8', 'from_subaccount:opt vec nat8', 'created_at_time:opt nat64']) expect(transfer).toContain(part);
    for (const variant of [
      'NonExistingTokenId;', 'InvalidRecipient;', 'Unauthorized;', 'TooOld}', 'CreatedInFuture:record {ledger_time:nat64}',
      'Duplicate:record {duplicate_of:nat}', 'GenericError:record {message:text; error_code:nat}', 'GenericBatchError:record {message:text; error_code:nat}',
    ]) expect(transfer).toContain(variant);
  });
});
