/** Cutting a module into the chunks the registry stores, with their sha256 hashes. */
import { asBytes, sha256, type Bytes } from '../bytes.js';

/** The largest chunk the registry accepts: 512 KiB (its check of a declared chunk hash stays within 14% of an update's limit). */
export const MAX_CHUNK_BYTES = 524_288;
/**
 * The chunk size `publishWasm` uses unless told otherwise: 256 KiB. The registry hashes in Azle's
 * interpreter (about 10.7 billion instructions per MiB); a 1 MiB chunk whose declared hash it
 * checks and absorbs costs over a quarter of an update's 40 billion, a 256 KiB one about a seventh.
 */
export const DEFAULT_CHUNK_BYTES = 262_144;

export interface ChunkPlan {
  /** sha256 of the whole module: the registry's key for it. */
  hash: Uint8Array;
  /** The module's size in bytes. */
  size: number;
  /** The chunks in order; every one but the last is exactly `chunkSize` bytes. */
  chunks: Uint8Array[];
  /** sha256 of each chunk, in order. */
  chunkHashes: Uint8Array[];
}

/**
 * Splits `wasm` into chunks of `chunkSize` bytes (at most 1 MiB) and hashes the module and every chunk.
 *
 * @example
 * const plan = planChunks(readFileSync('app.wasm'), 1_048_576);
 * plan.chunks.length; // ceil(size / 1 MiB)
 */
export function planChunks(wasm: Bytes, chunkSize: number = DEFAULT_CHUNK_BYTES): ChunkPlan {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunkSize must be an integer from 1 to ${MAX_CHUNK_BYTES} bytes, got ${chunkSize}`);
  }
  const bytes = asBytes(wasm);
  if (bytes.length === 0) throw new RangeError('the module is empty');
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += chunkSize) chunks.push(bytes.slice(at, at + chunkSize));
  return { hash: sha256(bytes), size: bytes.length, chunks, chunkHashes: chunks.map((c) => sha256(c)) };
}
