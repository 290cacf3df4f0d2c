import { describe, expect, it } from 'vitest';

import { configChangeProblem, type DappConfig } from './config.js';

const stored: DappConfig = { nft: 'n-cai', tokenId: 7n, manager: 'm-cai', registry: 'r-cai', asset: 'a-cai' };

describe('configChangeProblem', () => {
  it('lets an upgrade repeat the configuration', () => {
    expect(configChangeProblem(stored, { ...stored })).toBeUndefined();
  });

  it('refuses another token, collection, manager, registry or frontend, naming what changed', () => {
    expect(configChangeProblem(stored, { ...stored, tokenId: 8n })).toMatch(/token_id is fixed at spawn/);
    expect(configChangeProblem(stored, { ...stored, nft: 'x-cai', tokenId: 1n })).toMatch(/nft, token_id are fixed/);
    expect(configChangeProblem(stored, { ...stored, manager: 'x' })).toMatch(/manager/);
    expect(configChangeProblem(stored, { ...stored, registry: 'x' })).toMatch(/registry/);
    expect(configChangeProblem(stored, { ...stored, asset: undefined })).toMatch(/asset/);
  });
});
