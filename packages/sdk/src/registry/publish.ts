/**
 * Publishing a module to the registry: register the version, upload its chunks (resuming an
 * interrupted upload), and confirm that the registry verified the whole module.
 */
import type { Icrc16Map, UpdateWasmRequest } from '@lineage/types';

import { asBytes, bytesEqual, hashBytes, shortHex, toHex, type Bytes } from '../bytes.js';
import { IntegrityError, RegistryError, ResumeConflictError, VerificationTimeoutError } from '../errors.js';
import { DEFAULT_CHUNK_BYTES, planChunks, type ChunkPlan } from './chunks.js';
import { runOrdered } from './ordered-pool.js';
import type { PublishRegistry } from './service.js';
import { findWasm, readUploadState, type UploadState } from './upload-state.js';
import { formatVersion, toVersion, type VersionInput } from './version.js';

export interface PublishWasmOptions {
  /** The canister type's namespace, e.g. `org.example.app`. It must exist in the registry. */
  canisterType: string;
  /** The version number: `'1.2.0'`, `[1, 2, 0]` or `[1n, 2n, 0n]`. */
  version: VersionInput;
  /** The module's bytes. */
  wasm: Bytes;
  description?: string;
  repo?: string;
  metadata?: Icrc16Map;
  /** The hash of the version this one upgrades from (bytes or hex). */
  previousHash?: Bytes | string;
  /** Bytes per chunk: by default 256 KiB (`DEFAULT_CHUNK_BYTES`), at most 512 KiB (`MAX_CHUNK_BYTES`). A resumed upload must use the same size. */
  chunkSize?: number;
  /** Declare every chunk's sha256 up front so the registry checks each chunk as it arrives. Default true. */
  declareChunkHashes?: boolean;
  /** How many chunk uploads may be in flight at once. Default 1. */
  concurrency?: number;
  /** How long to wait for the registry to confirm the module's hash after the last chunk. Default 60 s. */
  verifyTimeoutMs?: number;
  /** How often to ask while waiting. Default 500 ms. */
  pollIntervalMs?: number;
  /**
   * When the module is registered but unverified as another version, type or chunking (or its
   * verification failed), register it anew — the registry then replaces that registration and discards
   * its chunks — instead of throwing `ResumeConflictError` (or `IntegrityError`). Default false.
   */
  replaceUnverified?: boolean;
}

/** Progress of a publish, reported after registration, after every chunk (in chunk order) and at the end. */
export interface PublishProgress {
  /** `uploading` while chunks go up, `verifying` while waiting for the registry's hash, `verified` at the end. */
  phase: 'uploading' | 'verifying' | 'verified';
  /** The chunk whose upload this report follows (absent from the first and last reports). */
  chunkId?: number;
  /** Chunks the registry holds: skipped (already stored) plus uploaded so far. */
  chunksDone: number;
  chunksTotal: number;
  /** Bytes of those chunks. */
  bytesDone: number;
  bytesTotal: number;
  /** Chunks that were stored already and are not uploaded again. */
  skippedChunks: number;
  /** Whether this publish continues an earlier registration of the same module. */
  resumed: boolean;
}

export interface PublishWasmHooks {
  onProgress?: (progress: PublishProgress) => void;
}

export interface PublishWasmResult {
  /** sha256 of the module: its key in the registry. */
  hash: Uint8Array;
  /** The hash the registry computed over the stored chunks (equal to `hash`). */
  calculatedHash: Uint8Array;
  /** How many chunks the module has. */
  chunks: number;
  /** Chunks this call uploaded. */
  uploadedChunks: number;
  /** Chunks this call did not upload because the registry held them already. */
  skippedChunks: number;
  /** Whether the module was registered before this call (an upload resumed, or a publish repeated). */
  resumed: boolean;
}

/**
 * Publishes `options.wasm` as version `options.version` of canister type `options.canisterType`.
 *
 * Registers the version with `icrc118_update_wasm` (expected hash, chunk count and, by default, every
 * chunk's sha256), then uploads the chunks with `icrc118_upload_wasm_chunk`. If the module is already
 * registered (`lineage_upload_status` knows it, or registration answers `AlreadyRegistered`), it
 * uploads only the chunks the registry does not hold yet, so running the same publish again after an
 * interruption resumes it, and running it after success uploads nothing. Finally it confirms that the
 * registry's `calculated_hash` equals the module's sha256, waiting (up to `verifyTimeoutMs`) if the
 * registry is still hashing.
 *
 * Throws `RegistryError` when the registry refuses a call, `ResumeConflictError` when the module is
 * registered as another version or with other chunk boundaries (unless `replaceUnverified` and the
 * registration is unverified), `IntegrityError` when the registry's
 * hash differs, `VerificationTimeoutError` when it does not confirm in time; transport errors pass
 * through (publish again to resume).
 *
 * @example
 * const result = await publishWasm(registry, {
 *   canisterType: 'org.example.app', version: '1.2.0', wasm: readFileSync('app.wasm'),
 *   previousHash: '5a1e…', description: 'Faster search',
 * }, { onProgress: (p) => console.log(`${p.chunksDone}/${p.chunksTotal} chunks, ${p.bytesDone}/${p.bytesTotal} bytes`) });
 * console.log(toHex(result.hash), result.uploadedChunks, result.skippedChunks);
 */
export async function publishWasm(registry: PublishRegistry, options: PublishWasmOptions, hooks: PublishWasmHooks = {}): Promise<PublishWasmResult> {
  const version = toVersion(options.version);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const plan = planChunks(options.wasm, options.chunkSize ?? DEFAULT_CHUNK_BYTES);
  const total = plan.chunks.length;
  const report = hooks.onProgress ?? (() => {});

  // 1. Register, or find the earlier registration to resume.
  let state = await readUploadState(registry, plan.hash);
  let resumed = false;
  if (state) {
    const conflict = await resumeConflict(registry, options.canisterType, version, plan, state);
    const unusable = conflict !== undefined || state.failure !== undefined;
    if (unusable && options.replaceUnverified && !state.calculatedHash) state = undefined; // the registry replaces an unverified registration
    else if (conflict) throw new ResumeConflictError(plan.hash, conflict);
    else resumed = true;
  }
  if (!state) {
    const request: UpdateWasmRequest = {
      canister_type: options.canisterType,
      version_number: version,
      description: options.description ?? '',
      repo: options.repo ?? '',
      metadata: options.metadata ?? [],
      previous_hash: options.previousHash === undefined ? [] : [hashBytes(options.previousHash)],
      expected_hash: plan.hash,
      expected_chunks: BigInt(total),
      chunk_hashes: options.declareChunkHashes === false ? [] : [plan.chunkHashes],
    };
    const result = await registry.icrc118_update_wasm(request);
    if ('Error' in result) {
      if (!('AlreadyRegistered' in result.Error)) throw RegistryError.from('icrc118_update_wasm', result.Error);
      // Registered (and verified) meanwhile by another run: continue from what is stored.
      state = await readUploadState(registry, plan.hash);
      if (!state) throw RegistryError.from('icrc118_update_wasm', result.Error);
      const conflict = await resumeConflict(registry, options.canisterType, version, plan, state);
      if (conflict) throw new ResumeConflictError(plan.hash, conflict);
      resumed = true;
    } else {
      state = { totalChunks: total, stored: new Set(), calculatedHash: undefined, failure: undefined };
    }
  }
  if (state.failure !== undefined) {
    throw new IntegrityError('registry-verification',
      `the registry could not verify module ${shortHex(plan.hash)}: ${state.failure}; pass replaceUnverified: true to upload it anew`);
  }

  // 2. Upload what is missing, reporting progress in chunk order.
  const verified = { hash: state.calculatedHash };
  const missing = verified.hash ? [] : plan.chunks.map((_, id) => id).filter((id) => !state.stored.has(id));
  let skipped = total - missing.length;
  let uploaded = 0;
  let chunksDone = skipped;
  const missingSet = new Set(missing);
  let bytesDone = plan.chunks.reduce((n, c, id) => n + (missingSet.has(id) ? 0 : c.length), 0);
  const progress = (phase: PublishProgress['phase'], chunkId?: number): PublishProgress => ({
    phase, ...(chunkId === undefined ? {} : { chunkId }), chunksDone, chunksTotal: total, bytesDone, bytesTotal: plan.size, skippedChunks: skipped, resumed,
  });
  report(progress('uploading'));

  await runOrdered(missing, concurrency, async (id) => {
    if (verified.hash) return 'skipped' as const; // verified meanwhile: nothing left to send
    const result = await registry.icrc118_upload_wasm_chunk({ hash: plan.hash, chunk_id: BigInt(id), wasm_chunk: plan.chunks[id]! });
    if ('Error' in result) {
      if ('AlreadyVerified' in result.Error) {
        verified.hash ??= new Uint8Array(0); // confirmed below
        return 'skipped' as const;
      }
      throw RegistryError.from('icrc118_upload_wasm_chunk', result.Error);
    }
    const calculated = result.Ok.calculated_hash[0];
    if (calculated && calculated.length > 0) verified.hash = asBytes(calculated);
    return 'uploaded' as const;
  }, (id, outcome) => {
    if (outcome === 'uploaded') uploaded++;
    else skipped++;
    chunksDone++;
    bytesDone += plan.chunks[id]!.length;
    report(progress('uploading', id));
  });

  // 3. Confirm the registry's own hash of the module.
  let calculatedHash = verified.hash && verified.hash.length > 0 ? verified.hash : undefined;
  if (!calculatedHash) {
    report(progress('verifying'));
    calculatedHash = await awaitVerification(registry, plan.hash, options.verifyTimeoutMs ?? 60_000, options.pollIntervalMs ?? 500);
  }
  if (!bytesEqual(calculatedHash, plan.hash)) {
    throw new IntegrityError('calculated-hash', `the registry's calculated hash ${shortHex(calculatedHash)} differs from the module's sha256 ${shortHex(plan.hash)}`, {
      expected: plan.hash, actual: calculatedHash,
    });
  }
  report(progress('verified'));
  return { hash: plan.hash, calculatedHash, chunks: total, uploadedChunks: uploaded, skippedChunks: skipped, resumed };
}

/** Why an earlier registration of the module cannot be continued by this publish, if it cannot. */
async function resumeConflict(registry: PublishRegistry, canisterType: string, version: [bigint, bigint, bigint], plan: ChunkPlan, state: UploadState): Promise<string | undefined> {
  const wasm = await findWasm(registry, plan.hash);
  const hex = toHex(plan.hash);
  const replace = state.calculatedHash ? '' : `, or pass replaceUnverified: true to register it anew (discarding its ${state.stored.size} stored chunks)`;
  if (wasm && (wasm.canister_type_namespace !== canisterType || !wasm.version_number.every((p, i) => p === version[i]))) {
    return `module ${hex} is already registered as ${wasm.canister_type_namespace} ${formatVersion(wasm.version_number)}, not ${canisterType} ${formatVersion(version)}${replace}`;
  }
  if (state.calculatedHash) return undefined; // complete: chunk boundaries no longer matter
  const declared = wasm?.chunk_hashes[0];
  if (state.totalChunks !== plan.chunks.length || (declared && !declared.every((h, i) => bytesEqual(h, plan.chunkHashes[i]!)))) {
    const cut = state.totalChunks === plan.chunks.length
      ? `was registered cut into ${state.totalChunks} chunks of other sizes than this publish's`
      : `was registered with ${state.totalChunks} chunks, but this publish cuts it into ${plan.chunks.length}`;
    return `module ${hex} ${cut}; publish with the chunk size of the first attempt${replace}`;
  }
  return undefined;
}

/** Polls the registry until it reports the module's calculated hash, a failure, or the wait ends. */
async function awaitVerification(registry: PublishRegistry, hash: Uint8Array, timeoutMs: number, intervalMs: number): Promise<Uint8Array> {
  const started = Date.now();
  for (;;) {
    const state = await readUploadState(registry, hash);
    if (state?.calculatedHash) return state.calculatedHash;
    if (state?.failure !== undefined) {
      throw new IntegrityError('registry-verification', `the registry could not verify module ${shortHex(hash)}: ${state.failure}`);
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      const detail = state ? `${state.stored.size}/${state.totalChunks} chunks stored, no calculated hash yet` : 'the registry does not know the module';
      throw new VerificationTimeoutError(hash, waited, detail);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, timeoutMs - waited)));
  }
}
