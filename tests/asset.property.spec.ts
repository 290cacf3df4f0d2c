// Property: for random sets of files, the root @lineage/sdk computes from the directory is the root
// the canister certifies after the files are uploaded, and every path serves a certified answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { contentTypeFor } from '../canisters/asset/src/domain/index.js';
import { computeAssetRoot, defaultInclude, listSiteFiles } from '../packages/sdk/src/asset/index.js';
import { certifiedDataIn, installAsset, removeDir, writeSite, type AssetActor, type SiteFile } from './support/asset.js';

const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');

const segment = fc.oneof(
  fc.constantFrom('index.html', 'about.html', 'a', 'b', 'docs', 'app.js', 'style.css', 'logo.svg', 'data.json', '.hidden', '.well-known', 'ü.txt', 'x y.md'),
  fc.stringMatching(/^[a-z0-9_-]{1,6}(\.(html|js|css|txt|bin))?$/),
);
const fileArb = fc.record({
  path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')),
  content: fc.uint8Array({ maxLength: 300 }),
});

/** Drops files whose path is a directory of another file (a file system cannot hold both). */
function consistent(files: SiteFile[]): SiteFile[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return [...byPath.values()].filter((f) => ![...byPath.keys()].some((p) => p.startsWith(`${f.path}/`)));
}

describe('sdk root == canister root, for random sites', () => {
  let pic: PocketIc;
  let actor: AssetActor;
  let canisterId: Principal;
  const owner = Principal.fromUint8Array(new Uint8Array(29).fill(5));

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const fixture = await installAsset(pic, owner);
    actor = fixture.actor as unknown as AssetActor;
    canisterId = fixture.canisterId;
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('agrees on the root after every upload, and certifies a body for every file', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fileArb, { minLength: 0, maxLength: 12 }), async (generated) => {
      const files = consistent(generated as SiteFile[]);
      const dir = writeSite(files);
      try {
        const paths = listSiteFiles(dir).filter(defaultInclude);
        const { batch_id } = await actor.create_batch({});
        const operations = [{ Clear: {} }, ...paths.flatMap((path) => {
          const key = `/${path}`;
          return [
            { CreateAsset: { key, content_type: contentTypeFor(path), max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
            { SetAssetContent: { key, content_encoding: 'identity', chunk_ids: [], last_chunk: [readFileSync(join(dir, path))], sha256: [] } },
          ];
        })] as Parameters<AssetActor['lineage_commit_batch']>[0]['operations'];
        const result = await actor.lineage_commit_batch({ batch_id, operations });
        if ('Err' in result) throw new Error(JSON.stringify(result.Err, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
        const local = computeAssetRoot(dir);
        expect(hex(result.Ok.asset_root)).toBe(local.rootHex);
        const certified = await actor.get_certified_root();
        expect(hex(certified.asset_root)).toBe(local.rootHex);
        // certified_data is set after every commit: the IC's certificate certifies the receipt's.
        expect(await certifiedDataIn(pic, canisterId, certified.certificate[0]!)).toBe(hex(result.Ok.certified_data));
        for (const path of paths.slice(0, 3)) {
          const r = await actor.http_request({ method: 'GET', url: encodeURI(`/${path}`), headers: [], body: new Uint8Array(), certificate_version: [2] });
          expect(r.status_code).toBe(200);
          expect(Buffer.from(r.body).equals(readFileSync(join(dir, path)))).toBe(true);
        }
      } finally {
        removeDir(dir);
      }
    }), { numRuns: 25 });
  });
});
