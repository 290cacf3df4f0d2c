/**
 * Committing a batch: the operations are checked and applied to a staged copy of the touched
 * assets, every content is hashed by the canister, and only when all operations succeed is the
 * plan handed back for the shell to write. A refused commit changes nothing.
 */
import { asBytes, bytesEqual } from './bytes.js';
import type { AssetError, CommitError } from './errors.js';
import { keyProblem } from './keys.js';
import { MAX_MESSAGE_CONTENT_BYTES, MAX_OPERATIONS, MAX_UPLOAD_CHUNK_BYTES, SERVE_CHUNK_BYTES } from './limits.js';
import {
  contentTypeProblem, encodingMismatch, encodingNameProblem, encodingOf, normaliseHeaders, withEncoding,
  type AssetRecord, type EncodingRecord,
} from './model.js';
import { sha256Final, sha256Init, sha256Update, type Sha256State } from './sha256.js';

type Blob = Uint8Array | number[];
type Opt<T> = [] | [T];

/** The DFINITY asset canister's batch operations (Candid `BatchOperationKind`), plus `store`'s. */
export type Operation =
  | { CreateAsset: { key: string; content_type: string; max_age: Opt<bigint>; headers: Opt<[string, string][]>; enable_aliasing: Opt<boolean>; allow_raw_access: Opt<boolean> } }
  | { SetAssetContent: { key: string; content_encoding: string; chunk_ids: bigint[]; last_chunk: Opt<Blob>; sha256: Opt<Blob> } }
  | { UnsetAssetContent: { key: string; content_encoding: string } }
  | { DeleteAsset: { key: string } }
  | { Clear: Record<string, never> }
  | { SetAssetProperties: { key: string; max_age: Opt<Opt<bigint>>; headers: Opt<Opt<[string, string][]>>; allow_raw_access: Opt<Opt<boolean>>; is_aliased: Opt<Opt<boolean>> } }
  | { Store: { key: string; content_type: string; content_encoding: string; content: Blob; sha256: Opt<Blob> } };

/** Where a content's bytes come from: uploaded chunks and inline bytes, in order. */
export type ContentPiece = { chunk: bigint } | { inline: Uint8Array };

export interface ChunkInfo {
  batchId: bigint;
  length: number;
  /** Computed when the chunk arrived, for small chunks only (see `UPLOAD_HASH_BYTES`). */
  sha256?: Uint8Array;
}

/** What hashing a content yields: its sha256, length, serving-chunk hashes (when several) and first bytes. */
export interface ContentHashes {
  sha256: Uint8Array;
  length: number;
  chunkHashes: Uint8Array[];
  head: Uint8Array;
}

export interface CommitEnv {
  now: bigint;
  /** The committed asset at `key`. */
  lookup(key: string): AssetRecord | undefined;
  /** Every committed key (for `Clear`). */
  keys(): Iterable<string>;
  /** The batch being committed; undefined for the single-operation methods (chunks of any open batch). */
  batchId?: bigint;
  /** An uploaded chunk's batch, length and sha256 (computed when it arrived), if it exists. */
  chunkInfo(id: bigint): ChunkInfo | undefined;
  readChunk(id: bigint): Uint8Array;
  /**
   * The hashes of operation `index`'s content, computed ahead of the commit in messages of their
   * own (`content-hashing.ts`), so the commit's own message hashes nothing large.
   */
  precomputed?(index: number): ContentHashes | undefined;
}

export interface CommitPlan {
  /** The final state of every touched key (null: deleted). */
  changes: Map<string, AssetRecord | null>;
  /** Contents to write, by the planned (negative) blob id their encoding records carry. */
  contents: Map<number, ContentPiece[]>;
  /** Uploaded chunks the commit consumed. */
  usedChunks: bigint[];
  /** Committed encodings no asset refers to any more (their blobs can go). */
  freed: EncodingRecord[];
}

/** Hashes a content as it streams by: the whole, and each serving chunk when there are several. */
export class ContentHasher {
  private full: Sha256State = sha256Init();
  private chunk: Sha256State = sha256Init();
  private inChunk = 0;
  private readonly chunkHashes: Uint8Array[] = [];
  private readonly split: boolean;
  length = 0;
  /** The first bytes (to check the encoding's magic number). */
  head = new Uint8Array(0);

  constructor(totalLength: number) {
    this.split = totalLength > SERVE_CHUNK_BYTES;
  }

  update(bytes: Uint8Array): void {
    if (this.head.length < 4) {
      const h = new Uint8Array(Math.min(4, this.head.length + bytes.length));
      h.set(this.head);
      h.set(bytes.subarray(0, h.length - this.head.length), this.head.length);
      this.head = h;
    }
    this.length += bytes.length;
    this.full = sha256Update(this.full, bytes);
    if (!this.split) return;
    let at = 0;
    while (at < bytes.length) {
      const take = Math.min(SERVE_CHUNK_BYTES - this.inChunk, bytes.length - at);
      this.chunk = sha256Update(this.chunk, bytes.subarray(at, at + take));
      this.inChunk += take;
      at += take;
      if (this.inChunk === SERVE_CHUNK_BYTES) {
        this.chunkHashes.push(sha256Final(this.chunk));
        this.chunk = sha256Init();
        this.inChunk = 0;
      }
    }
  }

  finish(): ContentHashes {
    if (this.split && this.inChunk > 0) this.chunkHashes.push(sha256Final(this.chunk));
    return { sha256: sha256Final(this.full), length: this.length, chunkHashes: this.split ? this.chunkHashes : [], head: this.head };
  }
}

/** Cuts a stream of pieces into serving chunks of `SERVE_CHUNK_BYTES` (the last shorter; one empty chunk for empty content). */
export function rechunk(pieces: Iterable<Uint8Array>, emit: (index: number, bytes: Uint8Array) => void): number {
  let buffer = new Uint8Array(SERVE_CHUNK_BYTES);
  let fill = 0;
  let index = 0;
  for (const piece of pieces) {
    let at = 0;
    while (at < piece.length) {
      const take = Math.min(SERVE_CHUNK_BYTES - fill, piece.length - at);
      buffer.set(piece.subarray(at, at + take), fill);
      fill += take;
      at += take;
      if (fill === SERVE_CHUNK_BYTES) {
        emit(index++, buffer);
        buffer = new Uint8Array(SERVE_CHUNK_BYTES);
        fill = 0;
      }
    }
  }
  if (fill > 0 || index === 0) emit(index++, buffer.slice(0, fill));
  return index;
}

const opt = <T>(o: Opt<T>): T | undefined => (o.length === 0 ? undefined : o[0]);

class Refusal {
  constructor(readonly error: AssetError) {}
}
const refuse = (error: AssetError): never => {
  throw new Refusal(error);
};

function checkKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) refuse({ InvalidKey: { key, reason: problem } });
}

/** Plans a commit, or says which operation is refused and why. Nothing is written here. */
export function planCommit(env: CommitEnv, operations: Operation[]): { ok: CommitPlan } | { err: CommitError } {
  if (operations.length > MAX_OPERATIONS) return { err: { error: { LimitExceeded: `at most ${MAX_OPERATIONS} operations per commit` }, operation: [] } };
  const changes = new Map<string, AssetRecord | null>();
  const contents = new Map<number, ContentPiece[]>();
  const usedChunks = new Set<bigint>();
  let nextPlanned = -1;
  let inlineBytes = 0;
  const current = (key: string): AssetRecord | undefined => (changes.has(key) ? changes.get(key) ?? undefined : env.lookup(key));

  const setContent = (asset: AssetRecord, encoding: string, pieces: ContentPiece[], declared: Blob | undefined, index: number): AssetRecord => {
    const nameProblem = encodingNameProblem(encoding);
    if (nameProblem) refuse({ InvalidEncoding: { encoding, reason: nameProblem } });
    let total = 0;
    const sizes: { length: number; sha256?: Uint8Array }[] = [];
    for (const p of pieces) {
      if ('inline' in p) {
        if (p.inline.length > MAX_UPLOAD_CHUNK_BYTES) refuse({ ChunkTooLarge: { size: BigInt(p.inline.length), max: BigInt(MAX_UPLOAD_CHUNK_BYTES) } });
        inlineBytes += p.inline.length;
        if (inlineBytes > MAX_MESSAGE_CONTENT_BYTES) refuse({ LimitExceeded: `at most ${MAX_MESSAGE_CONTENT_BYTES} bytes of inline content per message` });
        total += p.inline.length;
        sizes.push({ length: p.inline.length });
        continue;
      }
      const info = env.chunkInfo(p.chunk);
      if (!info) refuse({ UnknownChunk: { chunk_id: p.chunk } });
      if (env.batchId !== undefined && info!.batchId !== env.batchId) refuse({ ChunkNotInBatch: { chunk_id: p.chunk, batch_id: env.batchId } });
      if (usedChunks.has(p.chunk)) refuse({ ChunkUsedTwice: { chunk_id: p.chunk } });
      usedChunks.add(p.chunk);
      total += info!.length;
      sizes.push({ length: info!.length, sha256: info!.sha256 });
    }
    const bytesOf = (p: ContentPiece) => ('inline' in p ? p.inline : env.readChunk(p.chunk));
    let sha256: Uint8Array;
    let length = total;
    let chunkHashes: Uint8Array[] = [];
    let head: Uint8Array;
    const ready = env.precomputed?.(index);
    if (ready && ready.length === total) {
      ({ sha256, length, chunkHashes, head } = ready);
    } else if (pieces.length === 1 && sizes[0]!.sha256) {
      // One uploaded chunk: hashed when it arrived.
      sha256 = sizes[0]!.sha256;
      head = bytesOf(pieces[0]!).subarray(0, 4);
    } else {
      // Pieces that are exactly the serving chunks (as AssetManager and dfx cut them) bring their hashes.
      const aligned = total > SERVE_CHUNK_BYTES && sizes.every((s, i) => (i === sizes.length - 1 ? s.length <= SERVE_CHUNK_BYTES : s.length === SERVE_CHUNK_BYTES));
      const hasher = new ContentHasher(aligned ? 0 : total);
      for (const p of pieces) hasher.update(bytesOf(p));
      const r = hasher.finish();
      sha256 = r.sha256;
      length = r.length;
      chunkHashes = aligned ? sizes.map((s, i) => s.sha256 ?? sha256Final(sha256Update(sha256Init(), bytesOf(pieces[i]!)))) : r.chunkHashes;
      head = hasher.head;
    }
    if (declared !== undefined) {
      const expected = asBytes(declared);
      if (!bytesEqual(expected, sha256)) refuse({ Sha256Mismatch: { key: asset.key, encoding, expected, computed: sha256 } });
    }
    const mismatch = encodingMismatch(encoding, head, length);
    if (mismatch) refuse({ EncodingMismatch: { key: asset.key, encoding, reason: mismatch } });
    // The same bytes again (a re-upload of an unchanged file): keep the stored content, write nothing.
    const same = encodingOf(asset, encoding);
    if (same && same.blob >= 0 && same.length === length && bytesEqual(same.sha256, sha256)) return withEncoding(asset, same);
    const blob = nextPlanned--;
    contents.set(blob, pieces);
    return withEncoding(asset, { name: encoding, sha256, length, modified: env.now, blob, chunkHashes });
  };

  const headersOf = (headers: [string, string][], maxAge: bigint | undefined) => {
    const check = normaliseHeaders(headers, maxAge);
    if ('error' in check) refuse({ InvalidHeader: check.error });
    return (check as { ok: [string, string][] }).ok;
  };
  const checkContentType = (contentType: string) => {
    const problem = contentTypeProblem(contentType);
    if (problem) refuse({ InvalidArgument: `content type ${JSON.stringify(contentType)}: ${problem}` });
  };

  const apply = (op: Operation, index: number): void => {
    if ('CreateAsset' in op) {
      const a = op.CreateAsset;
      checkKey(a.key);
      checkContentType(a.content_type);
      const existing = current(a.key);
      // As DFINITY's canister and `ic-asset` have it: creating an asset that exists with the same
      // content type does nothing (so a re-upload of a folder works); another type is refused.
      if (existing) {
        if (existing.contentType === a.content_type) return;
        refuse({ AssetExists: { key: a.key } });
      }
      const maxAge = opt(a.max_age);
      const isAliased = opt(a.enable_aliasing);
      const allowRawAccess = opt(a.allow_raw_access);
      changes.set(a.key, {
        key: a.key, contentType: a.content_type, headers: headersOf(opt(a.headers) ?? [], maxAge), encodings: [],
        ...(maxAge !== undefined ? { maxAge } : {}), ...(isAliased !== undefined ? { isAliased } : {}), ...(allowRawAccess !== undefined ? { allowRawAccess } : {}),
      });
    } else if ('SetAssetContent' in op) {
      const a = op.SetAssetContent;
      checkKey(a.key);
      const asset = current(a.key) ?? refuse({ UnknownAsset: { key: a.key } });
      const pieces: ContentPiece[] = a.chunk_ids.map((chunk) => ({ chunk }));
      const last = opt(a.last_chunk);
      if (last !== undefined) pieces.push({ inline: asBytes(last) });
      changes.set(a.key, setContent(asset, a.content_encoding, pieces, opt(a.sha256), index));
    } else if ('UnsetAssetContent' in op) {
      const a = op.UnsetAssetContent;
      checkKey(a.key);
      const asset = current(a.key) ?? refuse({ UnknownAsset: { key: a.key } });
      if (encodingOf(asset, a.content_encoding)) changes.set(a.key, { ...asset, encodings: asset.encodings.filter((e) => e.name !== a.content_encoding) });
    } else if ('DeleteAsset' in op) {
      checkKey(op.DeleteAsset.key);
      if (current(op.DeleteAsset.key)) changes.set(op.DeleteAsset.key, null);
    } else if ('Clear' in op) {
      for (const key of env.keys()) changes.set(key, null);
      for (const key of [...changes.keys()]) changes.set(key, null);
    } else if ('SetAssetProperties' in op) {
      const a = op.SetAssetProperties;
      checkKey(a.key);
      const asset = current(a.key) ?? refuse({ UnknownAsset: { key: a.key } });
      const next: AssetRecord = { ...asset };
      const maxAge = opt(a.max_age);
      if (maxAge !== undefined) {
        delete next.maxAge;
        if (maxAge.length > 0) next.maxAge = maxAge[0]!;
      }
      const headers = opt(a.headers);
      next.headers = headersOf(headers === undefined ? next.headers : opt(headers) ?? [], next.maxAge);
      const raw = opt(a.allow_raw_access);
      if (raw !== undefined) {
        delete next.allowRawAccess;
        if (raw.length > 0) next.allowRawAccess = raw[0]!;
      }
      const aliased = opt(a.is_aliased);
      if (aliased !== undefined) {
        delete next.isAliased;
        if (aliased.length > 0) next.isAliased = aliased[0]!;
      }
      changes.set(a.key, next);
    } else {
      const a = op.Store;
      checkKey(a.key);
      checkContentType(a.content_type);
      const existing = current(a.key);
      const asset: AssetRecord = existing ? { ...existing, contentType: a.content_type } : { key: a.key, contentType: a.content_type, headers: [], encodings: [] };
      changes.set(a.key, setContent(asset, a.content_encoding, [{ inline: asBytes(a.content) }], opt(a.sha256), index));
    }
  };

  for (let i = 0; i < operations.length; i++) {
    try {
      apply(operations[i]!, i);
    } catch (e) {
      if (e instanceof Refusal) return { err: { error: e.error, operation: env.batchId === undefined ? [] : [BigInt(i)] } };
      throw e;
    }
  }

  // Contents planned and then replaced within the commit are never written; committed encodings
  // that no final record refers to are freed.
  const referenced = new Set<number>();
  for (const record of changes.values()) for (const e of record?.encodings ?? []) referenced.add(e.blob);
  for (const blob of [...contents.keys()]) if (!referenced.has(blob)) contents.delete(blob);
  const freed: EncodingRecord[] = [];
  for (const key of changes.keys()) {
    for (const e of env.lookup(key)?.encodings ?? []) if (!referenced.has(e.blob)) freed.push(e);
  }
  // Keys whose final state equals their committed state are not changes.
  for (const [key, record] of [...changes]) {
    const before = env.lookup(key);
    if (record === null ? before === undefined : before !== undefined && sameRecord(before, record)) changes.delete(key);
  }
  return { ok: { changes, contents, usedChunks: [...usedChunks], freed } };
}

function sameRecord(a: AssetRecord, b: AssetRecord): boolean {
  if (a.contentType !== b.contentType || a.maxAge !== b.maxAge || a.isAliased !== b.isAliased || a.allowRawAccess !== b.allowRawAccess) return false;
  if (a.headers.length !== b.headers.length || a.headers.some(([n, v], i) => b.headers[i]![0] !== n || b.headers[i]![1] !== v)) return false;
  if (a.encodings.length !== b.encodings.length) return false;
  return a.encodings.every((e, i) => e.blob === b.encodings[i]!.blob);
}
