/**
 * Verified chunked storage: which chunks a version accepts, and the sha256 of the whole module,
 * computed chunk by chunk in order as chunks arrive (a message can absorb only so many bytes),
 * compared with the expected hash once the last chunk is in.
 */
import { bytesEqual, toHex } from '@lineage/kit';
import { MAX_BYTES_HASHED_PER_MESSAGE, MAX_CHUNK_BYTES, MAX_CHUNKS_HASHED_PER_MESSAGE, type UploadProgress, type WasmRecord } from './model.js';
import { sha256, sha256Final, sha256Init, sha256Update } from '@lineage/kit';

export type ChunkError =
  | { kind: 'AlreadyVerified' }
  | { kind: 'ChunkOutOfRange'; totalChunks: number }
  | { kind: 'ChunkTooLarge'; maxBytes: number }
  | { kind: 'EmptyChunk' }
  | { kind: 'ChunkMismatch'; expected: string; actual: string }
  | { kind: 'ChunkConflict' };

export type ChunkDecision = { kind: 'store' } | { kind: 'unchanged' };

/**
 * Whether `bytes` may be stored as chunk `chunkId` of `wasm`, given what is stored there already.
 * Re-sending an identical chunk is accepted and changes nothing; a different one is a conflict.
 */
export function acceptChunk(wasm: WasmRecord, chunkId: number, bytes: Uint8Array, stored: Uint8Array | undefined): ChunkDecision | ChunkError {
  if (chunkId < 0 || chunkId >= wasm.expectedChunks) return { kind: 'ChunkOutOfRange', totalChunks: wasm.expectedChunks };
  if (bytes.length > MAX_CHUNK_BYTES) return { kind: 'ChunkTooLarge', maxBytes: MAX_CHUNK_BYTES };
  if (stored) return bytesEqual(stored, bytes) ? { kind: 'unchanged' } : { kind: 'ChunkConflict' };
  if (wasm.calculatedHash !== undefined) return { kind: 'AlreadyVerified' };
  if (bytes.length === 0) return { kind: 'EmptyChunk' };
  const declared = wasm.chunkHashes?.[chunkId];
  if (declared !== undefined) {
    const actual = toHex(sha256(bytes));
    if (actual !== declared) return { kind: 'ChunkMismatch', expected: declared, actual };
  }
  return { kind: 'store' };
}

export function withStoredChunk(progress: UploadProgress, chunkId: number): UploadProgress {
  if (progress.stored.includes(chunkId)) return progress;
  return { ...progress, stored: [...progress.stored, chunkId].sort((a, b) => a - b) };
}

export type HashOutcome =
  | { kind: 'pending'; progress: UploadProgress }
  | { kind: 'verified'; progress: UploadProgress }
  | { kind: 'mismatch'; progress: UploadProgress; calculated: string };

/**
 * Absorbs the stored chunks that follow the hashed prefix, at most `limit` of them and at most
 * `maxBytes` bytes (`force`: the first chunk even if it is larger, so a timer always progresses),
 * and, once the last chunk is absorbed, compares the module's sha256 with the expected hash.
 *
 * @example
 * advanceHash(wasm, progress, readChunk, MAX_CHUNKS_HASHED_PER_MESSAGE, MAX_BYTES_HASHED_PER_MESSAGE - alreadyHashed, false);
 */
export function advanceHash(
  wasm: WasmRecord, progress: UploadProgress, readChunk: (id: number) => Uint8Array | undefined, limit = MAX_CHUNKS_HASHED_PER_MESSAGE,
  maxBytes = MAX_BYTES_HASHED_PER_MESSAGE, force = true,
): HashOutcome {
  let { hashedChunks, hashState } = progress;
  let absorbed = 0;
  for (let n = 0; n < limit && hashedChunks < wasm.expectedChunks && progress.stored.includes(hashedChunks); n++) {
    const bytes = readChunk(hashedChunks);
    if (!bytes) break;
    if (absorbed + bytes.length > maxBytes && !(force && n === 0)) break;
    hashState = sha256Update(hashState, bytes);
    absorbed += bytes.length;
    hashedChunks++;
  }
  const next = { ...progress, hashedChunks, hashState };
  if (hashedChunks < wasm.expectedChunks) return { kind: 'pending', progress: next };
  const calculated = toHex(sha256Final(hashState));
  if (calculated === wasm.hash) return { kind: 'verified', progress: next };
  return {
    kind: 'mismatch',
    calculated,
    progress: { ...next, failure: `the module's sha256 is ${calculated}, not the expected ${wasm.hash}` },
  };
}

export function emptyProgress(): UploadProgress {
  return { stored: [], hashedChunks: 0, hashState: sha256Init(), failure: undefined };
}
