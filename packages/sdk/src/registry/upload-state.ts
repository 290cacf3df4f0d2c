/** What the registry knows about one module: its version record and how far its upload got. */
import type { Wasm } from '@lineage/types';

import { asBytes, bytesEqual, type Bytes } from '../bytes.js';

/**
 * The hash a version record reports as calculated, or `undefined` while it is unverified. The record's
 * `calculated_hash` is a plain blob: the registry fills it with zeros (or leaves it empty) until verified.
 *
 * @example
 * recordedHash(wasm.calculated_hash); // undefined for an unverified version
 */
export function recordedHash(calculated: Bytes): Uint8Array | undefined {
  const bytes = asBytes(calculated);
  return bytes.length === 0 || bytes.every((b) => b === 0) ? undefined : bytes;
}
import type { FetchRegistry, ReadRegistry } from './service.js';

/** How far the upload of one module got, as the registry reports it. */
export interface UploadState {
  totalChunks: number;
  /** Ids of the chunks the registry holds. */
  stored: Set<number>;
  /** Set once the whole module arrived and hashed to its expected hash. */
  calculatedHash: Uint8Array | undefined;
  /** Why the registry's verification failed, if it did. */
  failure: string | undefined;
}

/**
 * The version record registered under `hash`, or `undefined` (`icrc118_get_wasms` with a hash filter).
 *
 * @example
 * const wasm = await findWasm(registry, hash);
 * if (wasm) console.log(wasm.version_number, wasm.chunkCount);
 */
export async function findWasm(registry: Pick<FetchRegistry, 'icrc118_get_wasms'>, hash: Bytes): Promise<Wasm | undefined> {
  const wasms = await registry.icrc118_get_wasms({ filter: [[{ hash: asBytes(hash) }]], prev: [], take: [] });
  return wasms.find((w) => bytesEqual(asBytes(w.hash), hash));
}

/**
 * The upload state of `hash`: `lineage_upload_status` if the registry has it, else what the
 * version record says (all chunks stored once verified), else `undefined` (not registered).
 *
 * @example
 * const state = await readUploadState(registry, hash);
 * if (state && !state.calculatedHash) console.log(`${state.stored.size}/${state.totalChunks} chunks stored`);
 */
export async function readUploadState(registry: ReadRegistry, hash: Bytes): Promise<UploadState | undefined> {
  const [status] = await registry.lineage_upload_status(asBytes(hash));
  if (status) {
    return {
      totalChunks: Number(status.total_chunks),
      stored: new Set(status.stored.map((id) => Number(id))),
      calculatedHash: status.calculated_hash[0] ? asBytes(status.calculated_hash[0]) : undefined,
      failure: status.failure[0],
    };
  }
  const wasm = await findWasm(registry, hash);
  if (!wasm) return undefined;
  const totalChunks = Number(wasm.chunkCount);
  const calculatedHash = recordedHash(wasm.calculated_hash);
  return {
    totalChunks,
    // The record says how many chunks are stored but not which; only a verified module tells.
    stored: new Set(calculatedHash ? Array.from({ length: totalChunks }, (_, i) => i) : []),
    calculatedHash,
    failure: undefined,
  };
}
