/**
 * An in-memory registry with the semantics of the contract in `@lineage/types` (and of
 * `canisters/registry/README.md`) for the methods the sdk's publish and fetch use: registration with
 * `expected_hash`, `expected_chunks` and optional `chunk_hashes` (registering an unverified hash again
 * replaces it and discards its chunks; a verified one is `AlreadyRegistered`); idempotent chunk upload
 * with every typed refusal; verification once all chunks are stored and the whole module hashes to the
 * expected hash; upload status; `icrc118_get_wasms` with a hash filter (`calculated_hash` is 32 zero
 * bytes until verified); `icrc118_get_wasm_chunk` for verified modules only. Plus fault injection.
 */
import { createHash } from 'node:crypto';

import type {
  GetWasmChunkResult, GetWasmsRequest, RegistryService, UpdateWasmRequest, UpdateWasmResult, UploadRequest, UploadResult,
  UploadStatus, Wasm,
} from '@lineage/types';

type Blob = Uint8Array | number[];
const MAX_CHUNK = 1_048_576;

const hex = (b: Blob) => Buffer.from(Uint8Array.from(b)).toString('hex');
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const eq = (a: Blob, b: Blob) => a.length === b.length && hex(a) === hex(b);

interface Entry {
  request: UpdateWasmRequest;
  chunks: Map<number, Uint8Array>;
  calculated: Uint8Array | undefined;
  failure: string | undefined;
  /** Status polls left before a complete upload shows as verified (models hashing over several messages). */
  pendingPolls: number;
  created: bigint;
}

export interface FakeRegistryOptions {
  /** Canister types that exist. Default: `['org.example.app']`. */
  canisterTypes?: string[];
  /** Answer blobs as `number[]` instead of `Uint8Array` (both are what actors may hand over). */
  blobsAsArrays?: boolean;
  /**
   * Verify lazily: the upload of the last chunk answers without `calculated_hash`, and the module shows
   * as verified only after this many further `lineage_upload_status` / `icrc118_get_wasms` reads.
   */
  deferVerification?: number;
}

export type MethodName = 'icrc118_update_wasm' | 'icrc118_upload_wasm_chunk' | 'lineage_upload_status' | 'icrc118_get_wasms' | 'icrc118_get_wasm_chunk';

export class FakeRegistry implements Pick<RegistryService, MethodName> {
  readonly entries = new Map<string, Entry>();
  readonly calls: { method: MethodName; chunkId?: number }[] = [];
  private readonly types: Set<string>;
  private seq = 0n;
  /** Successful chunk uploads left before every further upload call throws (a lost connection). */
  failUploadsAfter: number | undefined;
  /** Called at the start of every chunk upload; may await to delay replies. */
  beforeUpload: ((chunkId: number) => Promise<void> | void) | undefined;

  constructor(private readonly options: FakeRegistryOptions = {}) {
    this.types = new Set(options.canisterTypes ?? ['org.example.app']);
  }

  private blob(b: Uint8Array): Blob {
    return this.options.blobsAsArrays ? Array.from(b) : Uint8Array.from(b);
  }

  /** Uploads made (chunk ids in call order). */
  get uploadedIds(): number[] {
    return this.calls.filter((c) => c.method === 'icrc118_upload_wasm_chunk').map((c) => c.chunkId!);
  }

  /** Replaces the stored bytes of a chunk (a registry serving corrupted data). */
  tamperChunk(hash: Blob, chunkId: number, bytes: Uint8Array): void {
    this.entries.get(hex(hash))!.chunks.set(chunkId, bytes);
  }

  async icrc118_update_wasm(req: UpdateWasmRequest): Promise<UpdateWasmResult> {
    this.calls.push({ method: 'icrc118_update_wasm' });
    if (!this.types.has(req.canister_type)) return { Error: { UnknownCanisterType: null } };
    if (req.expected_hash.length !== 32) return { Error: { InvalidHash: `expected_hash is ${req.expected_hash.length} bytes, not 32` } };
    const count = Number(req.expected_chunks);
    if (count < 1 || count > 100) return { Error: { InvalidChunkCount: `${count} chunks; a module has 1 to 100` } };
    const declared = req.chunk_hashes[0];
    if (declared && (declared.length !== count || declared.some((h) => h.length !== 32))) {
      return { Error: { InvalidChunkCount: `${declared.length} chunk hashes for ${count} chunks` } };
    }
    const key = hex(req.expected_hash);
    if (this.entries.get(key)?.calculated) return { Error: { AlreadyRegistered: this.blob(Uint8Array.from(req.expected_hash)) } };
    this.entries.delete(key); // an unverified registration is replaced, its chunks discarded
    for (const e of this.entries.values()) {
      if (e.request.canister_type === req.canister_type && e.request.version_number.every((p, i) => p === req.version_number[i])) {
        return { Error: { NonDeprecatedWasmFound: this.blob(Uint8Array.from(e.request.expected_hash)) } };
      }
    }
    this.entries.set(key, { request: req, chunks: new Map(), calculated: undefined, failure: undefined, pendingPolls: 0, created: ++this.seq });
    return { Ok: this.seq };
  }

  async icrc118_upload_wasm_chunk(req: UploadRequest): Promise<UploadResult> {
    const chunkId = Number(req.chunk_id);
    this.calls.push({ method: 'icrc118_upload_wasm_chunk', chunkId });
    await this.beforeUpload?.(chunkId);
    if (this.failUploadsAfter !== undefined) {
      if (this.failUploadsAfter <= 0) throw new Error('fake transport: connection reset');
      this.failUploadsAfter--;
    }
    const entry = this.entries.get(hex(req.hash));
    if (!entry) return { Error: { UnknownHash: null } };
    const total = Number(entry.request.expected_chunks);
    if (chunkId >= total) return { Error: { ChunkOutOfRange: { total_chunks: BigInt(total) } } };
    const bytes = Uint8Array.from(req.wasm_chunk);
    if (bytes.length > MAX_CHUNK) return { Error: { ChunkTooLarge: { max_bytes: BigInt(MAX_CHUNK) } } };
    const existing = entry.chunks.get(chunkId);
    if (existing && !eq(existing, bytes)) return { Error: { ChunkConflict: null } };
    if (!existing && entry.calculated) return { Error: { AlreadyVerified: null } };
    if (bytes.length === 0) return { Error: { Generic: 'a chunk cannot be empty' } };
    const declared = entry.request.chunk_hashes[0]?.[chunkId];
    const actual = sha(bytes);
    if (declared && !eq(declared, actual)) return { Error: { ChunkMismatch: { expected: this.blob(Uint8Array.from(declared)), actual: this.blob(actual) } } };
    if (!existing) {
      if (entry.chunks.size === total - 1) {
        // The last chunk: the whole module must hash to expected_hash, or nothing changes.
        const all = new Map(entry.chunks).set(chunkId, bytes);
        const calculated = sha(...Array.from({ length: total }, (_, i) => all.get(i)!));
        if (!eq(calculated, entry.request.expected_hash)) {
          entry.failure = `the module hashes to ${hex(calculated)}, not ${hex(entry.request.expected_hash)}`;
          return { Error: { HashMismatch: { expected: this.blob(Uint8Array.from(entry.request.expected_hash)), calculated: this.blob(calculated) } } };
        }
        entry.chunks.set(chunkId, bytes);
        if (this.options.deferVerification) entry.pendingPolls = this.options.deferVerification;
        else entry.calculated = calculated;
        entry.failure = undefined;
      } else {
        entry.chunks.set(chunkId, bytes);
      }
    }
    return {
      Ok: {
        chunk_id: req.chunk_id, total_chunks: BigInt(total), stored_chunks: BigInt(entry.chunks.size),
        calculated_hash: entry.calculated ? [this.blob(entry.calculated)] : [],
      },
    };
  }

  /** A read: lets deferred verification progress by one step. */
  private settle(entry: Entry): void {
    if (entry.calculated || entry.chunks.size !== Number(entry.request.expected_chunks) || entry.pendingPolls === 0) return;
    if (--entry.pendingPolls === 0) entry.calculated = Uint8Array.from(entry.request.expected_hash);
  }

  async lineage_upload_status(hash: Blob): Promise<[] | [UploadStatus]> {
    this.calls.push({ method: 'lineage_upload_status' });
    const entry = this.entries.get(hex(hash));
    if (!entry) return [];
    this.settle(entry);
    return [{
      hash: this.blob(Uint8Array.from(hash)),
      total_chunks: entry.request.expected_chunks,
      stored: [...entry.chunks.keys()].sort((a, b) => a - b).map(BigInt),
      calculated_hash: entry.calculated ? [this.blob(entry.calculated)] : [],
      failure: entry.failure === undefined ? [] : [entry.failure],
    }];
  }

  async icrc118_get_wasms(req: GetWasmsRequest): Promise<Wasm[]> {
    this.calls.push({ method: 'icrc118_get_wasms' });
    const filters = req.filter[0] ?? [];
    if (filters.some((f) => !('hash' in f))) throw new Error('the fake supports only hash filters');
    const hashes = filters.map((f) => ('hash' in f ? hex(f.hash) : ''));
    const out: Wasm[] = [];
    for (const [key, e] of this.entries) {
      if (hashes.length > 0 && !hashes.includes(key)) continue;
      this.settle(e);
      out.push({
        calculated_hash: this.blob(e.calculated ?? new Uint8Array(32)),
        hash: this.blob(Uint8Array.from(e.request.expected_hash)),
        description: e.request.description,
        repo: e.request.repo,
        metadata: e.request.metadata,
        version_number: e.request.version_number,
        previous_hash: e.request.previous_hash,
        deprecated: false,
        canister_type_namespace: e.request.canister_type,
        chunkCount: e.request.expected_chunks,
        created: e.created,
        chunk_hashes: e.request.chunk_hashes[0] ? [e.request.chunk_hashes[0].map((h) => this.blob(Uint8Array.from(h)))] : [],
        stored_chunks: BigInt(e.chunks.size),
      });
    }
    return out;
  }

  async icrc118_get_wasm_chunk(req: { hash: Blob; chunk_id: bigint }): Promise<GetWasmChunkResult> {
    this.calls.push({ method: 'icrc118_get_wasm_chunk', chunkId: Number(req.chunk_id) });
    const entry = this.entries.get(hex(req.hash));
    if (!entry) return { Error: { NotFound: null } };
    if (!entry.calculated) return { Error: { NotVerified: null } };
    const total = entry.request.expected_chunks;
    if (req.chunk_id >= total) return { Error: { ChunkOutOfRange: { total_chunks: total } } };
    const declared = entry.request.chunk_hashes[0]?.[Number(req.chunk_id)];
    return {
      Ok: {
        chunk_id: req.chunk_id, total_chunks: total,
        wasm_chunk: this.blob(entry.chunks.get(Number(req.chunk_id))!),
        chunk_hash: declared ? [this.blob(Uint8Array.from(declared))] : [],
      },
    };
  }
}
