/**
 * Evidence of a proposed batch: one sha256 over its operations and the bytes they would commit,
 * computed a few steps per message (`compute_evidence`) and compared with the evidence a
 * `commit_proposed_batch` presents. A DAO votes on the evidence; only the batch that hashes to it
 * can be committed.
 *
 * The byte stream is the one of DFINITY's `ic-certified-assets` (facts of its protocol, so `dfx` and
 * `icp` can compute the same evidence from a build directory): per operation a tag byte, its key and
 * fields (text as UTF-8, `opt` as 2 = none / 3 = some, booleans as 0 / 1, `nat64` as 8 bytes big
 * endian, headers as name · value sorted by name), and for `SetAssetContent` the content bytes.
 * One difference: DFINITY's canister skips `last_chunk` when `chunk_ids` is not empty; here the
 * content is always hashed whole (what a client hashing the file computes).
 */
import { compareBytes, utf8 } from './bytes.js';
import type { Operation } from './commit.js';
import type { AssetRecord } from './model.js';
import { HASH_BYTES_PER_MESSAGE } from './limits.js';
import { chunkCount } from './site.js';
import { sha256Final, sha256Init, sha256Update, type Sha256State } from './sha256.js';

/** Steps a `compute_evidence` call takes when it names no `max_iterations` (DFINITY's default). */
export const DEFAULT_EVIDENCE_ITERATIONS = 20;

/**
 * Content bytes one `compute_evidence` or `compute_state_hash` call hashes at most: a slice of a
 * chunk when need be (hashing one 1.9 MB serving chunk would take half an update's limit).
 */
export const EVIDENCE_BYTES_PER_CALL = HASH_BYTES_PER_MESSAGE;

const TAG_FALSE = 0;
const TAG_TRUE = 1;
const TAG_NONE = 2;
const TAG_SOME = 3;
const TAG_CREATE_ASSET = 4;
const TAG_SET_ASSET_CONTENT = 5;
const TAG_UNSET_ASSET_CONTENT = 6;
const TAG_DELETE_ASSET = 7;
const TAG_CLEAR = 8;
const TAG_SET_ASSET_PROPERTIES = 9;

/** Where an evidence computation stands: the next operation, and within a content, the next piece. */
export interface EvidenceProgress {
  operation: number;
  /** -1: the operation's fields come next; else the index of the next content piece. */
  piece: number;
  /** Bytes of the next content piece already hashed (a piece larger than a call's budget takes several calls). */
  offset?: number;
  hasher: Sha256State;
}

export type EvidenceStatus = { evidence: Uint8Array } | { progress: EvidenceProgress };

export const startEvidence = (): EvidenceProgress => ({ operation: 0, piece: -1, hasher: sha256Init() });

type Opt<T> = [] | [T];
type Blob = Uint8Array | number[];

/** Accumulates the bytes of one step. */
class Bytes {
  private readonly parts: Uint8Array[] = [];
  tag(t: number): this {
    this.parts.push(Uint8Array.of(t));
    return this;
  }
  text(s: string): this {
    this.parts.push(utf8(s));
    return this;
  }
  u64(n: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n));
    this.parts.push(b);
    return this;
  }
  optU64(v: Opt<bigint>): this {
    return v.length ? this.tag(TAG_SOME).u64(v[0]!) : this.tag(TAG_NONE);
  }
  optBool(v: Opt<boolean>): this {
    return v.length ? this.tag(TAG_SOME).tag(v[0] ? TAG_TRUE : TAG_FALSE) : this.tag(TAG_NONE);
  }
  optBlob(v: Opt<Blob>): this {
    if (!v.length) return this.tag(TAG_NONE);
    this.tag(TAG_SOME);
    this.parts.push(Uint8Array.from(v[0]!));
    return this;
  }
  /** Headers as a map: a repeated name keeps its last value; sorted by the name's bytes. */
  headers(v: Opt<[string, string][]>): this {
    if (!v.length) return this.tag(TAG_NONE);
    this.tag(TAG_SOME);
    const map = new Map<string, string>();
    for (const [name, value] of v[0]!) map.set(name, value);
    const names = [...map.keys()].sort((a, b) => compareBytes(utf8(a), utf8(b)));
    for (const name of names) this.text(name).text(map.get(name)!);
    return this;
  }
  feed(state: Sha256State): Sha256State {
    let s = state;
    for (const p of this.parts) s = sha256Update(s, p);
    return s;
  }
}

/** The bytes of an operation's fields (without its content). */
function operationBytes(op: Operation): Bytes {
  const b = new Bytes();
  if ('CreateAsset' in op) {
    const a = op.CreateAsset;
    return b.tag(TAG_CREATE_ASSET).text(a.key).text(a.content_type).optU64(a.max_age).headers(a.headers).optBool(a.allow_raw_access).optBool(a.enable_aliasing);
  }
  if ('SetAssetContent' in op) {
    const a = op.SetAssetContent;
    return b.tag(TAG_SET_ASSET_CONTENT).text(a.key).text(a.content_encoding).optBlob(a.sha256);
  }
  if ('UnsetAssetContent' in op) return b.tag(TAG_UNSET_ASSET_CONTENT).text(op.UnsetAssetContent.key).text(op.UnsetAssetContent.content_encoding);
  if ('DeleteAsset' in op) return b.tag(TAG_DELETE_ASSET).text(op.DeleteAsset.key);
  if ('Clear' in op) return b.tag(TAG_CLEAR);
  if ('SetAssetProperties' in op) {
    const a = op.SetAssetProperties;
    b.tag(TAG_SET_ASSET_PROPERTIES).text(a.key);
    if (a.max_age.length) b.tag(TAG_SOME).optU64(a.max_age[0]!);
    else b.tag(TAG_NONE);
    if (a.headers.length) b.tag(TAG_SOME).headers(a.headers[0]!);
    else b.tag(TAG_NONE);
    if (a.allow_raw_access.length) b.tag(TAG_SOME).optBool(a.allow_raw_access[0]!);
    else b.tag(TAG_NONE);
    if (a.is_aliased.length) b.tag(TAG_SOME).optBool(a.is_aliased[0]!);
    else b.tag(TAG_NONE);
    return b;
  }
  throw new Error('store is not a batch operation');
}

/** A content's pieces: its uploaded chunks in order, then `last_chunk`. */
function pieces(op: Operation): ({ chunk: bigint } | { inline: Uint8Array })[] {
  if (!('SetAssetContent' in op)) return [];
  const a = op.SetAssetContent;
  const out: ({ chunk: bigint } | { inline: Uint8Array })[] = a.chunk_ids.map((chunk) => ({ chunk }));
  if (a.last_chunk.length) out.push({ inline: Uint8Array.from(a.last_chunk[0]!) });
  return out;
}

/**
 * Takes up to `iterations` steps of the evidence computation of `operations` (a step: one
 * operation's fields, one content piece, or the final hash), and stops early once `maxBytes` of
 * content were hashed (so one message never hashes more than its instruction limit allows; the
 * first step is always taken, and a piece is hashed in slices of at most `maxBytes`). `readChunk` gives an uploaded chunk's bytes, or undefined for a
 * chunk that is gone (it then adds nothing, as in DFINITY's canister; the commit would fail on it
 * anyway).
 *
 * @example
 * let s = advanceEvidence(ops, startEvidence(), readChunk, 20);
 * while ('progress' in s) s = advanceEvidence(ops, s.progress, readChunk, 20);
 */
export function advanceEvidence(
  operations: Operation[], from: EvidenceProgress, readChunk: (id: bigint) => Uint8Array | undefined, iterations: number,
  maxBytes = Number.POSITIVE_INFINITY,
): EvidenceStatus {
  let { operation, piece, hasher } = from;
  let offset = from.offset ?? 0;
  let hashed = 0;
  for (let step = 0; step < Math.max(1, iterations) && (step === 0 || hashed < maxBytes); step++) {
    const op = operations[operation];
    if (!op) return { evidence: sha256Final(hasher) };
    if (piece < 0) {
      hasher = operationBytes(op).feed(hasher);
      if ('SetAssetContent' in op) piece = 0;
      else operation++;
      continue;
    }
    const all = pieces(op);
    const p = all[piece];
    if (p) {
      const bytes = 'inline' in p ? p.inline : readChunk(p.chunk);
      if (bytes) {
        const take = Math.min(bytes.length - offset, Math.max(1, maxBytes - hashed));
        hasher = sha256Update(hasher, bytes.subarray(offset, offset + take));
        hashed += take;
        offset += take;
        if (offset < bytes.length) return { progress: { operation, piece, offset, hasher } };
      }
    }
    offset = 0;
    if (piece + 1 < all.length) piece++;
    else {
      operation++;
      piece = -1;
    }
  }
  return { progress: { operation, piece, hasher } };
}

/** The whole evidence at once (tests, and clients that hold the bytes). */
export function computeEvidence(operations: Operation[], readChunk: (id: bigint) => Uint8Array | undefined): Uint8Array {
  let s = advanceEvidence(operations, startEvidence(), readChunk, 1_000_000);
  while ('progress' in s) s = advanceEvidence(operations, s.progress, readChunk, 1_000_000);
  return s.evidence;
}

/** A batch proposed for commit (`propose_commit_batch`): its operations and how far its evidence is. */
export interface Proposal {
  operations: Operation[];
  /** Set once `compute_evidence` finished. */
  evidence?: Uint8Array;
  /** The computation in progress (absent before the first step and once finished). */
  progress?: EvidenceProgress;
}

/**
 * Why `commit_proposed_batch(batchId, presented)` is refused, or undefined: the batch must be
 * proposed, its evidence computed, and the presented evidence that one.
 */
export function proposalProblem(batchId: bigint, proposal: Proposal | undefined, presented: Uint8Array): string | undefined {
  if (!proposal) return `batch ${batchId} is not proposed (propose_commit_batch first)`;
  if (!proposal.evidence) return `batch ${batchId} does not have computed evidence (call compute_evidence until it returns it)`;
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  if (compareBytes(proposal.evidence, presented) !== 0) {
    return `batch ${batchId} has evidence ${hex(proposal.evidence)}, not the presented ${hex(presented)}`;
  }
  return undefined;
}

/**
 * The operations that would create `assets` as they are (keys in order, encodings by name): the
 * state hash is their evidence. Content pieces are named by where the serving chunks live:
 * chunk id `blob · 2^32 + index`.
 */
export function stateOperations(assets: AssetRecord[]): Operation[] {
  const out: Operation[] = [];
  const sorted = [...assets].sort((a, b) => compareBytes(utf8(a.key), utf8(b.key)));
  for (const a of sorted) {
    out.push({
      CreateAsset: {
        key: a.key, content_type: a.contentType, max_age: a.maxAge === undefined ? [] : [a.maxAge], headers: a.headers.length ? [a.headers] : [],
        enable_aliasing: a.isAliased === undefined ? [] : [a.isAliased], allow_raw_access: a.allowRawAccess === undefined ? [] : [a.allowRawAccess],
      },
    });
    for (const e of [...a.encodings].sort((x, y) => compareBytes(utf8(x.name), utf8(y.name)))) {
      const chunk_ids = Array.from({ length: chunkCount(e.length) }, (_, i) => (BigInt(e.blob) << 32n) + BigInt(i));
      out.push({ SetAssetContent: { key: a.key, content_encoding: e.name, chunk_ids, last_chunk: [], sha256: [e.sha256] } });
    }
  }
  return out;
}
