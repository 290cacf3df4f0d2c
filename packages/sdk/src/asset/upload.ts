/**
 * `uploadAssets`: makes an asset canister hold exactly the site of a build directory, in one
 * batch, with the canonical layout `computeAssetRoot` assumes (so the certified root afterwards is
 * the root a rebuild gives).
 */
import { Actor, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { assetIdlFactory, type AssetService, type BatchOperationKind, type CommitReceipt } from '@lineage/types';
import { describeCommitError, describeError, SERVE_CHUNK_BYTES, toHex, type CommitError } from '@lineage/asset-canister/domain';

import { computeAssetRoot, type AssetLayoutOptions } from './layout.js';
import { compareWithCanister } from './verify.js';

export class AssetUploadError extends Error {
  constructor(message: string, readonly detail?: CommitError) {
    super(message);
    this.name = 'AssetUploadError';
  }
}

export interface UploadAssetsOptions {
  canisterId: Principal | string;
  /** An agent whose identity may commit (a controller, or a principal with the Commit permission). */
  agent: HttpAgent;
  dir: string;
  layout?: AssetLayoutOptions;
  /** Delete assets the directory does not have (default true: the canister then holds exactly the site). */
  deleteOthers?: boolean;
  /** Uploads running at once (default 4). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface UploadAssetsResult {
  receipt: CommitReceipt;
  /** The root computed locally before the upload: equal to `receipt.asset_root`. */
  localRoot: string;
  uploaded: string[];
  deleted: string[];
}

/**
 * Uploads the changed files of `dir` and commits them in one batch; throws `AssetUploadError`
 * with the canister's typed refusal when the commit is refused (nothing is changed then).
 */
export async function uploadAssets(options: UploadAssetsOptions): Promise<UploadAssetsResult> {
  const canisterId = typeof options.canisterId === 'string' ? Principal.fromText(options.canisterId) : options.canisterId;
  const actor = Actor.createActor<AssetService>(assetIdlFactory as never, { agent: options.agent, canisterId });
  const site = computeAssetRoot(options.dir, options.layout);
  const diff = await compareWithCanister(actor, site.assets);
  const toUpload = site.assets.filter((a) => diff.onlyLocal.includes(a.key) || diff.changed.includes(a.key));
  const toDelete = options.deleteOthers === false ? [] : diff.onlyInCanister;
  const { batch_id } = await actor.create_batch({});

  const pieces = toUpload.flatMap((a) => a.encodings.map((e) => ({ key: a.key, encoding: e.name, content: a.contents[e.name]! })));
  const total = pieces.reduce((n, p) => n + p.content.length, 0);
  let done = 0;
  const chunkIds = new Map<string, bigint[]>();
  const jobs: (() => Promise<void>)[] = [];
  for (const p of pieces) {
    const ids: bigint[] = [];
    chunkIds.set(`${p.key}\u0000${p.encoding}`, ids);
    for (let at = 0, i = 0; at < Math.max(p.content.length, 1); at += SERVE_CHUNK_BYTES, i++) {
      const slice = p.content.subarray(at, at + SERVE_CHUNK_BYTES);
      const index = i;
      jobs.push(async () => {
        const r = await actor.lineage_create_chunk({ batch_id, content: slice });
        if ('Err' in r) throw new AssetUploadError(describeError(r.Err as never));
        ids[index] = r.Ok.chunk_id;
        done += slice.length;
        options.onProgress?.(done, total);
      });
    }
  }
  await runLimited(jobs, options.concurrency ?? 4);

  const operations: BatchOperationKind[] = [];
  for (const key of toDelete) operations.push({ DeleteAsset: { key } });
  for (const a of toUpload) {
    if (diff.changed.includes(a.key)) operations.push({ DeleteAsset: { key: a.key } });
    operations.push({
      CreateAsset: {
        key: a.key, content_type: a.contentType, max_age: a.maxAge === undefined ? [] : [a.maxAge], headers: a.headers.length ? [a.headers] : [],
        enable_aliasing: a.isAliased === undefined ? [] : [a.isAliased], allow_raw_access: [],
      },
    });
    for (const e of a.encodings) {
      operations.push({ SetAssetContent: { key: a.key, content_encoding: e.name, chunk_ids: chunkIds.get(`${a.key}\u0000${e.name}`)!, last_chunk: [], sha256: [e.sha256] } });
    }
  }
  // Properties of unchanged files may still differ from the layout's: set them (no-ops when equal).
  for (const a of site.assets) {
    if (toUpload.includes(a)) continue;
    operations.push({
      SetAssetProperties: {
        key: a.key, max_age: [a.maxAge === undefined ? [] : [a.maxAge]], headers: [a.headers.length ? [a.headers] : []],
        allow_raw_access: [], is_aliased: [a.isAliased === undefined ? [] : [a.isAliased]],
      },
    });
  }
  const result = await actor.lineage_commit_batch({ batch_id, operations });
  if ('Err' in result) throw new AssetUploadError(describeCommitError(result.Err as never), result.Err as never);
  if (toHex(Uint8Array.from(result.Ok.asset_root)) !== site.rootHex) {
    throw new AssetUploadError(`the canister certifies ${toHex(Uint8Array.from(result.Ok.asset_root))}, the directory gives ${site.rootHex}: its content types or properties differ from the layout`);
  }
  return { receipt: result.Ok, localRoot: site.rootHex, uploaded: toUpload.map((a) => a.key), deleted: toDelete };
}

async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
