/**
 * Hashing a commit's contents ahead of the commit, a bounded number of bytes at a time.
 *
 * Hashing runs in Azle's interpreter at about 10.7 billion instructions per MiB, and an update
 * may run 40 billion (IC0522 beyond): a commit that hashed a 5 MiB file in its own message would
 * trap. So the shell hashes in slices of `HASH_BYTES_PER_MESSAGE`, one message each (it awaits a
 * call to itself between slices; on the IC every callback is a new message with its own limit),
 * keeps the progress here, in the heap, and then commits in one last message that hashes nothing
 * large: `planCommit` takes the results through `CommitEnv.precomputed`. Nothing here writes, so
 * the served state changes only in that last message, all at once.
 */
import { SERVE_CHUNK_BYTES } from './limits.js';
import { asBytes } from './bytes.js';
import { ContentHasher, type ChunkInfo, type ContentHashes, type ContentPiece, type Operation } from './commit.js';

interface HashJob {
  operation: number;
  pieces: ContentPiece[];
  hasher: ContentHasher;
  /** Hashing work per content byte: 2 when the serving chunks are hashed too, else 1. */
  weight: number;
  /** The serving-chunk hashes when the pieces are the serving chunks and all were hashed on arrival. */
  knownChunkHashes?: Uint8Array[];
  piece: number;
  offset: number;
  remaining: number;
}

/** The contents of a commit still to be hashed, and the hashes of those done. */
export interface ContentHashing {
  jobs: HashJob[];
  done: Map<number, ContentHashes>;
}

/**
 * The contents `operations` set, to hash before committing them. Contents `planCommit` settles
 * cheaply (one uploaded chunk hashed on arrival) and contents naming unknown chunks (which the
 * commit refuses) are left out.
 *
 * @example
 * const h = planHashing(ops, (id) => store.chunkInfo(id));
 * while (!advanceHashing(h, (id) => store.readChunk(id), HASH_BYTES_PER_MESSAGE)) await nextMessage();
 */
export function planHashing(operations: Operation[], chunkInfo: (id: bigint) => ChunkInfo | undefined): ContentHashing {
  const jobs: HashJob[] = [];
  operations.forEach((op, operation) => {
    let pieces: ContentPiece[];
    if ('SetAssetContent' in op) {
      const a = op.SetAssetContent;
      pieces = a.chunk_ids.map((chunk) => ({ chunk }));
      if (a.last_chunk.length > 0) pieces.push({ inline: asBytes(a.last_chunk[0]!) });
    } else if ('Store' in op) {
      pieces = [{ inline: asBytes(op.Store.content) }];
    } else {
      return;
    }
    const sizes: { length: number; sha256?: Uint8Array }[] = [];
    for (const p of pieces) {
      if ('inline' in p) {
        sizes.push({ length: p.inline.length });
        continue;
      }
      const info = chunkInfo(p.chunk);
      if (!info) return;
      sizes.push(info.sha256 ? { length: info.length, sha256: info.sha256 } : { length: info.length });
    }
    if (pieces.length === 1 && sizes[0]!.sha256) return;
    const total = sizes.reduce((n, s) => n + s.length, 0);
    const aligned = total > SERVE_CHUNK_BYTES && sizes.every((s, i) => (i === sizes.length - 1 ? s.length <= SERVE_CHUNK_BYTES : s.length === SERVE_CHUNK_BYTES));
    const known = aligned && sizes.every((s) => s.sha256 !== undefined);
    const hasher = new ContentHasher(known ? 0 : total);
    const weight = !known && total > SERVE_CHUNK_BYTES ? 2 : 1;
    jobs.push({
      operation, pieces, hasher, weight, piece: 0, offset: 0, remaining: total,
      ...(known ? { knownChunkHashes: sizes.map((s) => s.sha256!) } : {}),
    });
  });
  return { jobs, done: new Map() };
}

/** Hashing work left, in byte-equivalents (a byte hashed twice counts twice). */
export function hashingLeft(h: ContentHashing): number {
  return h.jobs.reduce((n, j) => n + j.remaining * j.weight, 0);
}

/**
 * Hashes at most `budget` (at least 2) byte-equivalents of what is left, and always some; true
 * when everything is hashed. `readChunk` reads an uploaded chunk (it exists: `planHashing` saw it; chunks never change).
 */
export function advanceHashing(h: ContentHashing, readChunk: (id: bigint) => Uint8Array, budget: number): boolean {
  let left = budget;
  while (h.jobs.length > 0) {
    const job = h.jobs[0]!;
    while (job.piece < job.pieces.length) {
      const p = job.pieces[job.piece]!;
      const bytes = 'inline' in p ? p.inline : readChunk(p.chunk);
      const take = Math.min(bytes.length - job.offset, Math.max(Math.floor(left / job.weight), left === budget ? 1 : 0));
      if (take <= 0 && job.offset < bytes.length) return false;
      job.hasher.update(bytes.subarray(job.offset, job.offset + take));
      job.offset += take;
      job.remaining -= take;
      left -= take * job.weight;
      if (job.offset < bytes.length) return false;
      job.piece += 1;
      job.offset = 0;
    }
    const result = job.hasher.finish();
    h.done.set(job.operation, job.knownChunkHashes ? { ...result, chunkHashes: job.knownChunkHashes } : result);
    h.jobs.shift();
  }
  return true;
}
