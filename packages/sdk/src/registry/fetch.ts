/** Downloading a module from the registry and checking it against its hash before handing it over. */
import { asBytes, bytesEqual, concatBytes, hashBytes, sha256, shortHex, type Bytes } from '../bytes.js';
import { IntegrityError, RegistryError } from '../errors.js';
import { runOrdered } from './ordered-pool.js';
import type { FetchRegistry } from './service.js';
import { findWasm, recordedHash } from './upload-state.js';

export interface FetchProgress {
  /** The chunk just downloaded and checked. */
  chunkId: number;
  chunksDone: number;
  chunksTotal: number;
  /** Bytes downloaded so far (the registry does not announce a module's size up front). */
  bytesDone: number;
}

export interface FetchWasmOptions {
  onProgress?: (progress: FetchProgress) => void;
  /** How many chunk downloads may be in flight at once. Default 1. Progress is reported in chunk order. */
  concurrency?: number;
}

/**
 * Downloads the module registered under `hash` and returns its bytes once they check out.
 *
 * Reads the version record (`icrc118_get_wasms` with a hash filter) for the chunk count, downloads
 * every chunk with `icrc118_get_wasm_chunk`, checks each chunk against its `chunk_hash` (and the
 * record's declared `chunk_hashes`) when the registry has one, and checks the sha256 of the whole
 * module against `hash`. A mismatch throws `IntegrityError` whose `check` says which check failed
 * (`chunk-hash`, `chunk-count`, `module-hash`) and whose `chunkId` names the chunk; an unknown or
 * not yet verified version throws `RegistryError` (`NotFound`, `NotVerified`).
 *
 * @example
 * const wasm = await fetchWasm(registry, 'b1c2…', { onProgress: (p) => console.log(`${p.chunksDone}/${p.chunksTotal}`) });
 * writeFileSync('app.wasm', wasm);
 */
export async function fetchWasm(registry: FetchRegistry, hash: Bytes | string, options: FetchWasmOptions = {}): Promise<Uint8Array> {
  const expected = hashBytes(hash);
  const wasm = await findWasm(registry, expected);
  if (!wasm) throw new RegistryError('icrc118_get_wasms', 'NotFound', `no version is registered under hash ${shortHex(expected)}`);
  const total = Number(wasm.chunkCount);
  if (!recordedHash(wasm.calculated_hash)) {
    throw new RegistryError('icrc118_get_wasms', 'NotVerified', `version ${shortHex(expected)} has ${wasm.stored_chunks}/${total} chunks stored and is not verified`);
  }
  const declared = wasm.chunk_hashes[0];
  if (declared && declared.length !== total) {
    throw new IntegrityError('chunk-count', `the version declares ${declared.length} chunk hashes for ${total} chunks`);
  }

  const chunks: Uint8Array[] = new Array(total);
  let bytesDone = 0;
  let chunksDone = 0;
  await runOrdered(Array.from({ length: total }, (_, i) => i), options.concurrency ?? 1, async (id) => {
    const result = await registry.icrc118_get_wasm_chunk({ hash: expected, chunk_id: BigInt(id) });
    if ('Error' in result) throw RegistryError.from('icrc118_get_wasm_chunk', result.Error);
    const { chunk_id, total_chunks, wasm_chunk, chunk_hash } = result.Ok;
    if (chunk_id !== BigInt(id) || total_chunks !== BigInt(total)) {
      throw new IntegrityError('chunk-count', `asked for chunk ${id} of ${total}, the registry answered chunk ${chunk_id} of ${total_chunks}`, { chunkId: id });
    }
    const bytes = asBytes(wasm_chunk);
    const actual = sha256(bytes);
    for (const promised of [chunk_hash[0], declared?.[id]]) {
      if (promised && !bytesEqual(promised, actual)) {
        throw new IntegrityError('chunk-hash', `chunk ${id}'s sha256 ${shortHex(actual)} differs from its chunk hash ${shortHex(promised)}`, {
          chunkId: id, expected: asBytes(promised), actual,
        });
      }
    }
    return bytes;
  }, (id, bytes) => {
    chunks[id] = bytes;
    bytesDone += bytes.length;
    chunksDone++;
    options.onProgress?.({ chunkId: id, chunksDone, chunksTotal: total, bytesDone });
  });

  const module = concatBytes(chunks);
  const actual = sha256(module);
  if (!bytesEqual(actual, expected)) {
    throw new IntegrityError('module-hash', `the module's sha256 ${shortHex(actual)} differs from the requested hash ${shortHex(expected)}`, { expected, actual });
  }
  return module;
}
