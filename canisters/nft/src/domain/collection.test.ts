import { describe, expect, it } from 'vitest';

import { ANON, principal } from '../../test/fixtures.js';
import { collectionMetadata, configFrom, type CollectionConfig } from './collection.js';
import {
  DEFAULT_PERMITTED_DRIFT_SECONDS, DEFAULT_TAKE_VALUE, DEFAULT_TX_WINDOW_SECONDS, MAX_MEMO_SIZE, MAX_QUERY_BATCH_SIZE,
  MAX_TAKE_VALUE, MAX_UPDATE_BATCH_SIZE,
} from './limits.js';

const input = { mintingAuthority: principal(1), symbol: 'LDAPP', name: 'Lineage dapps' };

describe('configFrom', () => {
  it('fills in the deduplication defaults', () => {
    expect(configFrom(input, 0)).toEqual({
      ok: { ...input, description: undefined, logo: undefined, supplyCap: undefined, txWindow: DEFAULT_TX_WINDOW_SECONDS, permittedDrift: DEFAULT_PERMITTED_DRIFT_SECONDS },
    });
    const custom = configFrom({ ...input, txWindow: 60n, permittedDrift: 5n, supplyCap: 3n }, 0);
    expect('ok' in custom && custom.ok).toMatchObject({ txWindow: 60n, permittedDrift: 5n, supplyCap: 3n });
  });

  it('refuses an anonymous or malformed authority, and a cap below the existing supply', () => {
    expect(configFrom({ ...input, mintingAuthority: ANON }, 0)).toEqual({ error: expect.stringMatching(/anonymous/) });
    expect(configFrom({ ...input, mintingAuthority: new Uint8Array(30) }, 0)).toEqual({ error: expect.stringMatching(/not a valid principal/) });
    expect(configFrom({ ...input, supplyCap: 2n }, 3)).toEqual({ error: expect.stringMatching(/below the 3 tokens/) });
    expect('ok' in configFrom({ ...input, supplyCap: 3n }, 3)).toBe(true);
  });
});

describe('collectionMetadata', () => {
  it('lists the icrc7 entries, the optional ones only when set', () => {
    const config: CollectionConfig = { ...input, txWindow: 60n, permittedDrift: 5n };
    const bare = Object.fromEntries(collectionMetadata(config, 2));
    expect(bare).toEqual({
      'icrc7:symbol': { Text: 'LDAPP' },
      'icrc7:name': { Text: 'Lineage dapps' },
      'icrc7:total_supply': { Nat: 2n },
      'icrc7:max_query_batch_size': { Nat: BigInt(MAX_QUERY_BATCH_SIZE) },
      'icrc7:max_update_batch_size': { Nat: BigInt(MAX_UPDATE_BATCH_SIZE) },
      'icrc7:default_take_value': { Nat: BigInt(DEFAULT_TAKE_VALUE) },
      'icrc7:max_take_value': { Nat: BigInt(MAX_TAKE_VALUE) },
      'icrc7:max_memo_size': { Nat: BigInt(MAX_MEMO_SIZE) },
      'icrc7:tx_window': { Nat: 60n },
      'icrc7:permitted_drift': { Nat: 5n },
    });
    const full = Object.fromEntries(collectionMetadata({ ...config, description: 'd', logo: 'data:,x', supplyCap: 10n }, 0));
    expect(full['icrc7:description']).toEqual({ Text: 'd' });
    expect(full['icrc7:logo']).toEqual({ Text: 'data:,x' });
    expect(full['icrc7:supply_cap']).toEqual({ Nat: 10n });
    for (const key of Object.keys(full)) expect(key).toMatch(/^icrc7:[a-z_]+$/);
  });
});
