/**
 * What the asset benchmarks share: the built module installed through `@dfinity/pic` with its
 * owner as controller, and a realistic spread of site files as batch operations.
 */
import { readFileSync } from 'node:fs';

import type { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import type { Principal } from '@icp-sdk/core/principal';
import { assetIdlFactory, assetInitArgs, type AssetService, type BatchOperationKind } from '@lineage/types';

export const text = (s: string) => new TextEncoder().encode(s);

/** Installs the built asset canister, controlled by `owner`; its actor calls as `owner`. */
export async function installAssetCanister(pic: PocketIc, owner: Principal) {
  const fixture = await pic.setupCanister<AssetService>({
    idlFactory: assetIdlFactory as never, wasm: new Uint8Array(readFileSync(new URL('../dist/asset.wasm', import.meta.url))), sender: owner, controllers: [owner],
    arg: new Uint8Array(IDL.encode(assetInitArgs({ IDL: IDL as never }) as never, [[]])),
  });
  fixture.actor.setPrincipal(owner);
  return fixture;
}

/** A realistic spread of keys: pages (with aliases), scripts and styles in a few directories. */
export function keyOf(i: number): string {
  const dir = `/section${i % 10}`;
  return i % 3 === 0 ? `${dir}/page${i}.html` : i % 3 === 1 ? `${dir}/js/chunk${i}.js` : `${dir}/css/style${i}.css`;
}

export const bodyOf = (i: number) => `<p>asset ${i}</p>`;

/** The operations that create `key` with `body` inline (no chunks). */
export function put(key: string, body: string): BatchOperationKind[] {
  return [
    { CreateAsset: { key, content_type: key.endsWith('.html') ? 'text/html' : 'text/plain', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
    { SetAssetContent: { key, content_encoding: 'identity', chunk_ids: [], last_chunk: [text(body)], sha256: [] } },
  ];
}
