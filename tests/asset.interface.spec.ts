// The asset canister's Candid: the snapshot in canisters/asset/asset.did is what the build
// produces, every method @dfinity/assets' AssetManager calls is there with compatible types, and
// the DFINITY asset canister's methods are there except the documented omissions.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { IDL } from '@dfinity/candid';
import { assetIdlFactory } from '@lineage/types';
import { describe, expect, it } from 'vitest';

import { assetDidPath, assetDidSnapshotPath } from './support/asset.js';

// AssetManager's own Candid (not exported by the package: read from its files).
const assetsDir = dirname(createRequire(import.meta.url).resolve('@dfinity/assets'));
const { idlFactory: assetManagerIdl } = (await import(pathToFileURL(join(assetsDir, '..', 'esm', 'canisters', 'assets_idl.js')).href)) as { idlFactory: unknown };

const ours = assetIdlFactory({ IDL });
const methods = new Map(ours._fields);

describe('the asset canister interface', () => {
  it('is the Candid the build produces (canisters/asset/asset.did is up to date)', () => {
    expect(readFileSync(assetDidSnapshotPath, 'utf8')).toBe(readFileSync(assetDidPath, 'utf8'));
  });

  it('has every method AssetManager calls, with argument and result types it can use', () => {
    const theirs = (assetManagerIdl as (a: { IDL: typeof IDL }) => IDL.ServiceClass)({ IDL });
    for (const [name, func] of theirs._fields) {
      const mine = methods.get(name);
      expect(mine, name).toBeDefined();
      expect(mine!.annotations, name).toEqual(func.annotations);
      expect(mine!.argTypes.length, name).toBe(func.argTypes.length);
    }
  });

  it('has every method of DFINITY\'s assets.did, with its query/update kind', () => {
    const dfinity = [
      'api_version', 'get', 'get_chunk', 'list', 'certified_tree', 'create_batch', 'create_chunk', 'create_chunks', 'commit_batch',
      'propose_commit_batch', 'commit_proposed_batch', 'compute_evidence', 'compute_state_hash', 'get_state_info', 'delete_batch',
      'create_asset', 'set_asset_content', 'unset_asset_content', 'delete_asset', 'clear', 'store', 'http_request',
      'http_request_streaming_callback', 'authorize', 'deauthorize', 'list_authorized', 'grant_permission', 'revoke_permission',
      'list_permitted', 'take_ownership', 'get_asset_properties', 'set_asset_properties', 'get_configuration', 'configure',
      'validate_grant_permission', 'validate_revoke_permission', 'validate_take_ownership', 'validate_commit_proposed_batch',
      'validate_configure',
    ];
    for (const name of dfinity) expect(methods.has(name), name).toBe(true);
    const queries = ['api_version', 'get', 'get_chunk', 'list', 'certified_tree', 'http_request', 'http_request_streaming_callback', 'get_asset_properties', 'get_state_info'];
    for (const name of dfinity) expect(methods.get(name)!.annotations, name).toEqual(queries.includes(name) ? ['query'] : []);
    // list_authorized and list_permitted are updates, as in DFINITY's current interface.
    expect(methods.get('list_permitted')!.annotations).toEqual([]);
    expect(methods.get('list_authorized')!.annotations).toEqual([]);
    for (const q of ['get_recent_hashes', 'get_certified_root', 'http_request', 'http_request_streaming_callback']) {
      expect(methods.get(q)!.annotations, q).toEqual(['query']);
    }
  });

  it('decodes what AssetManager sends for a commit, and replies what AssetManager decodes for list and get', () => {
    const theirs = new Map((assetManagerIdl as (a: { IDL: typeof IDL }) => IDL.ServiceClass)({ IDL })._fields);
    const commit = { batch_id: 1n, operations: [
      { CreateAsset: { key: '/a', content_type: 'text/plain', headers: [] } },
      { SetAssetContent: { key: '/a', sha256: [], chunk_ids: [1n], content_encoding: 'identity' } },
      { DeleteAsset: { key: '/b' } },
    ] };
    const sent = IDL.encode(theirs.get('commit_batch')!.argTypes, [commit]);
    const [decoded] = IDL.decode(methods.get('commit_batch')!.argTypes, sent) as unknown as [{ operations: Record<string, Record<string, unknown>>[] }];
    expect(decoded.operations[0]!.CreateAsset).toMatchObject({ key: '/a', max_age: [], enable_aliasing: [] });
    expect(decoded.operations[1]!.SetAssetContent).toMatchObject({ chunk_ids: [1n], last_chunk: [] });
    const listReply = IDL.encode(methods.get('list')!.retTypes, [[{
      key: '/a', content_type: 'text/plain', encodings: [{ content_encoding: 'identity', sha256: [new Uint8Array(32)], length: 1n, modified: 5n }],
      max_age: [], headers: [], allow_raw_access: [], is_aliased: [true],
    }]]);
    expect(IDL.decode(theirs.get('list')!.retTypes, listReply)).toHaveLength(1);
    const httpReply = IDL.encode(methods.get('http_request')!.retTypes, [{ status_code: 200, headers: [], body: new Uint8Array([1]), streaming_strategy: [], upgrade: [] }]);
    expect(IDL.decode(theirs.get('http_request')!.retTypes, httpReply)).toHaveLength(1);
  });
});
