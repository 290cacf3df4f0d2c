import type { Value } from '@lineage/kit';
import { describe, expect, it } from 'vitest';

import { acct, ANON, principal, sub } from '../../test/fixtures.js';
import { accountValue } from './accounts.js';
import { MAX_METADATA_BYTES } from './limits.js';
import { mintTx, planMint, type MintContext, type MintRequest } from './mint.js';
import { metadataSize } from './values.js';

const authority = principal(100);
const existing = new Set([1n]);
const ctx = (extra: Partial<MintContext> = {}): MintContext => ({
  mintingAuthority: authority, supplyCap: undefined, totalSupply: existing.size, exists: (id) => existing.has(id), ...extra,
});
const meta: [string, Value][] = [['lineage:dapp', { Text: 'counter' }], ['lineage:backend', { Blob: principal(7) }]];
const req = (extra: Partial<MintRequest> = {}): MintRequest => ({ caller: authority, tokenId: 2n, to: { owner: principal(1) }, metadata: meta, ...extra });
const errOf = (plan: ReturnType<typeof planMint>) => ('err' in plan ? plan.err : 'Ok');

describe('planMint', () => {
  it('lets the minting authority mint a new token to an account', () => {
    expect(planMint(req(), ctx())).toEqual({ ok: { tokenId: 2n, from: { owner: authority }, to: acct(1), metadata: meta } });
    const toSub = planMint(req({ to: { owner: principal(1), subaccount: sub(3) } }), ctx());
    expect('ok' in toSub && toSub.ok.to).toEqual(acct(1, 3));
  });

  it('refuses anyone else, anonymous included', () => {
    expect(errOf(planMint(req({ caller: principal(1) }), ctx()))).toEqual({ Unauthorized: null });
    expect(errOf(planMint(req({ caller: ANON }), ctx()))).toEqual({ Unauthorized: null });
  });

  it('refuses anonymous recipients and malformed subaccounts', () => {
    expect(errOf(planMint(req({ to: { owner: ANON } }), ctx()))).toEqual({ InvalidRecipient: null });
    expect(errOf(planMint(req({ to: { owner: principal(1), subaccount: new Uint8Array(8) } }), ctx()))).toEqual({ InvalidRecipient: null });
  });

  it('refuses an existing token id', () => {
    expect(errOf(planMint(req({ tokenId: 1n }), ctx()))).toEqual({ TokenExists: null });
  });

  it('refuses to mint beyond the supply cap', () => {
    expect(errOf(planMint(req(), ctx({ supplyCap: 2n })))).toBe('Ok');
    expect(errOf(planMint(req(), ctx({ supplyCap: 1n })))).toEqual({ SupplyCapReached: { supply_cap: 1n } });
    expect(errOf(planMint(req(), ctx({ supplyCap: 0n, totalSupply: 0 })))).toEqual({ SupplyCapReached: { supply_cap: 0n } });
  });

  it('refuses metadata over the limit', () => {
    const big = (n: number): [string, Value][] => [['lineage:blob', { Blob: new Uint8Array(n) }]];
    let fits = MAX_METADATA_BYTES - 64;
    while (metadataSize(big(fits + 1)) <= MAX_METADATA_BYTES) fits++;
    expect(errOf(planMint(req({ metadata: big(fits) }), ctx()))).toBe('Ok');
    expect(errOf(planMint(req({ metadata: big(fits + 1) }), ctx()))).toEqual({ MetadataTooLarge: { max_bytes: BigInt(MAX_METADATA_BYTES) } });
  });
});

describe('mintTx', () => {
  it('follows the ICRC-7 mint block schema with the full metadata under icrc7:token_metadata', () => {
    const plan = planMint(req(), ctx());
    if (!('ok' in plan)) throw new Error('expected ok');
    expect(mintTx(plan.ok)).toEqual([
      ['tid', { Nat: 2n }],
      ['from', accountValue({ owner: authority })],
      ['to', accountValue(acct(1))],
      ['meta', { Map: [['icrc7:token_metadata', { Map: meta }]] }],
    ]);
  });
});
