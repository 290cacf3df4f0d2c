/**
 * An in-memory asset store that follows the canister's shell step by step (plan a commit, write
 * the contents, update the tree), so the rules can be exercised without Wasm.
 */
import {
  buildCertTree, certifyChanges, nextEntry, planCommit, rechunk, serveHttp, sha256, type AssetRecord, type CertTree, type CommitError,
  type HistoryEntry, type HttpRequestIn, type Operation,
} from '../src/domain/index.js';

export class MemoryStore {
  readonly assets = new Map<string, AssetRecord>();
  readonly blobs = new Map<number, Uint8Array[]>();
  readonly chunks = new Map<bigint, { batchId: bigint; content: Uint8Array; sha256: Uint8Array }>();
  tree: CertTree = buildCertTree([]);
  history: HistoryEntry[] = [];
  now = 1_700_000_000_000_000_000n;
  private nextBlob = 0;
  private nextChunk = 1n;

  constructor() {
    this.history.push(nextEntry(undefined, this.tree.assetRoot(), this.now, undefined, 0n));
  }

  get head(): Uint8Array {
    return this.history[this.history.length - 1]!.hash;
  }

  upload(batchId: bigint, content: Uint8Array): bigint {
    const id = this.nextChunk++;
    this.chunks.set(id, { batchId, content, sha256: sha256(content) });
    return id;
  }

  commit(operations: Operation[], batchId?: bigint): { ok: true } | { err: CommitError } {
    this.now += 1_000_000_000n;
    const planned = planCommit({
      now: this.now,
      lookup: (k) => this.assets.get(k),
      keys: () => this.assets.keys(),
      batchId,
      chunkInfo: (id) => {
        const c = this.chunks.get(id);
        return c && { batchId: c.batchId, length: c.content.length, sha256: c.sha256 };
      },
      readChunk: (id) => this.chunks.get(id)!.content,
    }, operations);
    if ('err' in planned) return planned;
    const plan = planned.ok;
    const ids = new Map<number, number>();
    for (const [planned, pieces] of plan.contents) {
      const blob = this.nextBlob++;
      const out: Uint8Array[] = [];
      rechunk(pieces.map((p) => ('inline' in p ? p.inline : this.chunks.get(p.chunk)!.content)), (i, b) => (out[i] = b.slice()));
      this.blobs.set(blob, out);
      ids.set(planned, blob);
    }
    for (const id of plan.usedChunks) this.chunks.delete(id);
    for (const e of plan.freed) this.blobs.delete(e.blob);
    for (const [key, record] of plan.changes) {
      if (record === null) this.assets.delete(key);
      else this.assets.set(key, { ...record, encodings: record.encodings.map((e) => (e.blob < 0 ? { ...e, blob: ids.get(e.blob)! } : e)) });
    }
    certifyChanges(this.tree, plan.changes.keys(), (k) => this.assets.get(k));
    const root = this.tree.assetRoot();
    const last = this.history[this.history.length - 1]!;
    if (Buffer.compare(Buffer.from(root), Buffer.from(last.root)) !== 0) {
      this.history.push(nextEntry(last, root, this.now, batchId, BigInt(this.assets.size)));
    }
    return { ok: true };
  }

  get certifiedData(): Uint8Array {
    return this.tree.certifiedData(this.head);
  }

  serve(request: Partial<HttpRequestIn> & { url: string }, certificate = new Uint8Array([1, 2, 3])) {
    return serveHttp({ method: 'GET', headers: [], certificate_version: [2], ...request }, {
      lookup: (k) => this.assets.get(k),
      readChunk: (blob, index) => this.blobs.get(blob)![index]!,
      tree: this.tree,
      historyHead: this.head,
      certificate,
    });
  }
}

export const text = (s: string) => new TextEncoder().encode(s);

/** Operations that create `key` with `content` inline (as `store` would, but in a batch). */
export function putOps(key: string, content: Uint8Array, contentType = 'text/html', extra: Partial<{ headers: [string, string][]; encoding: string }> = {}): Operation[] {
  return [
    { CreateAsset: { key, content_type: contentType, max_age: [], headers: extra.headers ? [extra.headers] : [], enable_aliasing: [], allow_raw_access: [] } },
    { SetAssetContent: { key, content_encoding: extra.encoding ?? 'identity', chunk_ids: [], last_chunk: [content], sha256: [] } },
  ];
}
