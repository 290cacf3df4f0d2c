/**
 * Asset canister cost table: a commit of 1 and of 100 files and of one 1 MiB file (uploaded as the
 * sdk's `uploadAssets` does: `lineage_create_chunk` per piece, then one `lineage_commit_batch`
 * with the contents' hashes), `http_request` of a 1 KiB and of a 1 MiB asset (with its streaming
 * callbacks, if any) and `get_recent_hashes` of a full history; each with the instructions of its
 * heaviest message, its share of that message's limit, the instructions in total and the cycles,
 * as the emulator meters them. Prints the rows and saves them for the root's combined table.
 *
 * Run: `pnpm bench` here (after `run.ts`) or at the root, or `node --conditions=@lineage/source --import tsx bench/costs.ts`.
 */
import { createHash, randomBytes } from 'node:crypto';

import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { PocketServer, measureCosts, reportCosts, summarizeCosts, type CostRow } from '@lineage/pocket';
import type { AssetHttpResponse, BatchOperationKind } from '@lineage/types';

import { SERVE_CHUNK_BYTES } from '../src/domain/index.js';
import { installAssetCanister, keyOf, put } from './asset-bench.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const owner = Principal.fromUint8Array(new Uint8Array(29).fill(1));
const server = new PocketServer({});
const pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`, { processingTimeoutMs: 600_000 });
const ic = server.api.instance(0)!;
const { actor, canisterId } = await installAssetCanister(pic, owner);
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

const rows: CostRow[] = [];
async function measure<T>(operation: string, f: () => Promise<T>): Promise<T> {
  const result = await measureCosts(ic, operation, f);
  rows.push({ operation, summary: summarizeCosts(ic.stats, canisterId.toText()) });
  return result;
}

/** Uploads `files` in one batch: their contents in serving-size chunks, then one commit. */
async function upload(files: { key: string; content: Uint8Array }[]): Promise<void> {
  const { batch_id } = await actor.create_batch({});
  const operations: BatchOperationKind[] = [];
  for (const { key, content } of files) {
    const chunk_ids: bigint[] = [];
    for (let at = 0; at < Math.max(content.length, 1); at += SERVE_CHUNK_BYTES) {
      const r = await actor.lineage_create_chunk({ batch_id, content: content.subarray(at, at + SERVE_CHUNK_BYTES) });
      if ('Err' in r) throw new Error(`lineage_create_chunk: ${show(r.Err)}`);
      chunk_ids.push(r.Ok.chunk_id);
    }
    const [create] = put(key, '');
    const sha256 = new Uint8Array(createHash('sha256').update(content).digest());
    operations.push(create!, { SetAssetContent: { key, content_encoding: 'identity', chunk_ids, last_chunk: [], sha256: [sha256] } });
  }
  const r = await actor.lineage_commit_batch({ batch_id, operations });
  if ('Err' in r) throw new Error(`lineage_commit_batch: ${show(r.Err)}`);
}

const page = (i: number) => new Uint8Array(Buffer.from(`<p>${i}</p>`.padEnd(KiB, ' ')));
await measure('asset: commit of 1 file (1 KiB; create_batch, chunk, commit)', () => upload([{ key: '/one.html', content: page(0) }]));
await measure('asset: commit of 100 files (1 KiB each)', () => upload(Array.from({ length: 100 }, (_, i) => ({ key: keyOf(i), content: page(i) }))));
await measure('asset: commit of one 1 MiB file', () => upload([{ key: '/big.bin', content: new Uint8Array(randomBytes(MiB)) }]));

/** A gateway's GET of `url`: `http_request`, then the streaming callbacks until the body is whole. */
async function get(url: string, size: number): Promise<void> {
  const response: AssetHttpResponse = await actor.http_request({ method: 'GET', url, headers: [['accept-encoding', 'identity']], body: new Uint8Array(), certificate_version: [2] });
  let received = response.body.length;
  let token = response.streaming_strategy[0]?.Callback.token;
  while (token) {
    const next = await actor.http_request_streaming_callback(token);
    received += next.body.length;
    token = next.token[0];
  }
  if (response.status_code !== 200 || received !== size) throw new Error(`GET ${url}: ${response.status_code}, ${received} of ${size} bytes`);
}
await measure('asset: `http_request` of a 1 KiB asset (certified, v2)', () => get('/one.html', KiB));
await measure('asset: `http_request` of a 1 MiB asset (and streaming callbacks)', () => get('/big.bin', MiB));

// A full history (20 entries by default): one-file commits until it is.
while ((await actor.get_recent_hashes([])).length < 20) await upload([{ key: '/one.html', content: page(Number((await actor.get_recent_hashes([])).length)) }]);
const history = await measure('asset: `get_recent_hashes` (full history, 20 entries)', () => actor.get_recent_hashes([]));
if (history.length !== 20) throw new Error(`get_recent_hashes answered ${history.length} entries`);

reportCosts('asset', new URL('./costs.json', import.meta.url), rows);
await pic.tearDown();
await server.close();
