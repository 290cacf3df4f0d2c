/**
 * Running one upgrade step against the IC, written over an `IcEffects` interface so the order of
 * effects and every failure path are unit-tested in Node; the canister shell implements the
 * effects with inter-canister calls.
 *
 * The sha256 work is the IC's, not QuickJS's: `upload_chunk` answers each chunk's sha256, which
 * is compared with the hash the publisher declared in the registry before the next chunk moves,
 * and `install_chunked_code` refuses, atomically, a module whose sha256 is not the version's hash
 * (IC interface specification § IC method `install_chunked_code`). So a byte that differs from
 * what the registry promised is caught before anything is installed.
 */
import type { OperationPhase, RegistryVersion, Step } from './model.js';
import type { UpgradePolicy } from './policy.js';

/** The IC as one step sees it. Every method throws `EffectError` when its call is rejected. */
export interface IcEffects {
  /** Chunk `index` of a registry version, with the sha256 its publisher declared, if any. */
  registryChunk(hash: string, index: number): Promise<{ bytes: Uint8Array; declared: string | undefined }>;
  clearChunkStore(store: string): Promise<void>;
  /** Stores `bytes` in `store`'s chunk store; answers the sha256 the IC computed. */
  uploadChunk(store: string, bytes: Uint8Array): Promise<string>;
  stop(canister: string): Promise<void>;
  start(canister: string): Promise<void>;
  /** `policy` carries the version's upgrade options (`skip_pre_upgrade`, `wasm_memory_persistence`). */
  installChunked(args: { target: string; store: string; chunkHashes: string[]; moduleHash: string; arg: Uint8Array; policy?: UpgradePolicy }): Promise<void>;
  moduleHash(canister: string): Promise<string | undefined>;
}

/** A rejected call: `method` names it (`icrc118_get_wasm_chunk`, `install_chunked_code`…). */
export class EffectError extends Error {
  constructor(readonly method: string, message: string) {
    super(message);
    this.name = 'EffectError';
  }
}

export type StepFailure =
  | { kind: 'RegistryUnavailable'; message: string }
  | { kind: 'ChunkHashMismatch'; chunk: number; expected: string; actual: string; message: string }
  | { kind: 'ModuleHashMismatch'; expected: string; actual: string | undefined; message: string }
  | { kind: 'InstallRejected'; message: string }
  | { kind: 'ManagementRejected'; method: string; message: string }
  /** The snapshot before the install could not be taken: nothing was installed. */
  | { kind: 'SnapshotFailed'; message: string }
  /** The new version failed its health check and the snapshot was loaded back (`rolledBack`), or loading it failed. */
  | { kind: 'Unhealthy'; rolledBack: boolean; message: string };

function rejected(error: unknown): { method: string; message: string } {
  if (error instanceof EffectError) return { method: error.method, message: error.message };
  return { method: 'unknown', message: error instanceof Error ? error.message : String(error) };
}

export function failureOf(error: unknown): StepFailure {
  const { method, message } = rejected(error);
  if (method.startsWith('icrc118_')) return { kind: 'RegistryUnavailable', message: `${method}: ${message}` };
  return { kind: 'ManagementRejected', method, message: `${method}: ${message}` };
}

/** Empties a chunk store, ignoring a refusal: cleaning up must not hide the failure that led here. */
async function clearQuietly(ic: IcEffects, store: string): Promise<void> {
  try {
    await ic.clearChunkStore(store);
  } catch {
    // The store is cleared again before the next upload to it.
  }
}

/**
 * Moves every chunk of `version` from the registry into `store`'s chunk store, in order, each
 * checked against its declared hash as it lands. On failure the store is left empty.
 */
export async function stageChunks(ic: IcEffects, version: RegistryVersion, store: string): Promise<{ chunkHashes: string[] } | { failure: StepFailure }> {
  try {
    await ic.clearChunkStore(store);
  } catch (error) {
    return { failure: failureOf(error) };
  }
  const chunkHashes: string[] = [];
  for (let i = 0; i < version.chunks; i++) {
    let chunk: { bytes: Uint8Array; declared: string | undefined };
    let actual: string;
    try {
      chunk = await ic.registryChunk(version.hash, i);
      actual = await ic.uploadChunk(store, chunk.bytes);
    } catch (error) {
      await clearQuietly(ic, store);
      return { failure: failureOf(error) };
    }
    const expected = chunk.declared ?? version.chunkHashes?.[i];
    if (expected !== undefined && expected !== actual) {
      await clearQuietly(ic, store);
      return {
        failure: {
          kind: 'ChunkHashMismatch', chunk: i, expected, actual,
          message: `chunk ${i} of version ${version.hash} hashes to ${actual}, but its publisher declared ${expected}; nothing was installed`,
        },
      };
    }
    chunkHashes.push(actual);
  }
  return { chunkHashes };
}

/**
 * Installs staged chunks on `target` as an upgrade: stop, `install_chunked_code` with the
 * version's hash, start. The target is started again whatever happens, and the store emptied.
 */
export async function installStaged(
  ic: IcEffects, step: Step, target: string, store: string, chunkHashes: string[], arg: Uint8Array,
  extra: { policy?: UpgradePolicy; whileStopped?: () => Promise<StepFailure | undefined>; phase?: (phase: OperationPhase) => void } = {},
): Promise<{ ok: true } | { failure: StepFailure }> {
  try {
    await ic.stop(target);
  } catch (error) {
    // A stop that timed out leaves the canister stopping; starting it again brings it back.
    await startQuietly(ic, target);
    await clearQuietly(ic, store);
    return { failure: failureOf(error) };
  }
  // The snapshot is taken here, stopped: a running canister could change between the snapshot and the install.
  const before = extra.whileStopped ? await extra.whileStopped() : undefined;
  if (before) {
    await startQuietly(ic, target);
    await clearQuietly(ic, store);
    return { failure: before };
  }
  let failure: StepFailure | undefined;
  extra.phase?.('installing');
  try {
    await ic.installChunked({ target, store, chunkHashes, moduleHash: step.to, arg, ...(extra.policy ? { policy: extra.policy } : {}) });
  } catch (error) {
    const { message } = rejected(error);
    failure = { kind: 'InstallRejected', message: `install_chunked_code: ${message}` };
  }
  extra.phase?.('starting');
  const notStarted = await startWithRetry(ic, target);
  failure ??= notStarted;
  await clearQuietly(ic, store);
  return failure ? { failure } : { ok: true };
}

/** Starting is idempotent, and a target left stopped loses calls: try more than once. */
const START_ATTEMPTS = 3;

export async function startWithRetry(ic: IcEffects, target: string): Promise<StepFailure | undefined> {
  let last: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      await ic.start(target);
      return undefined;
    } catch (error) {
      last = error;
    }
  }
  return failureOf(last);
}

async function startQuietly(ic: IcEffects, target: string): Promise<void> {
  // A failure here is reported through the failure that made us restart the target.
  await startWithRetry(ic, target);
}

/** Reads the module hash back and checks it is the version's (step 6 of an upgrade). */
export async function confirmModule(ic: IcEffects, step: Step, target: string): Promise<{ ok: true } | { failure: StepFailure }> {
  let actual: string | undefined;
  try {
    actual = await ic.moduleHash(target);
  } catch (error) {
    return { failure: failureOf(error) };
  }
  if (actual === step.to) return { ok: true };
  return {
    failure: {
      kind: 'ModuleHashMismatch', expected: step.to, actual,
      message: `after installing, ${target} runs ${actual ?? 'no module'} instead of ${step.to}`,
    },
  };
}

/** One whole step on a canister other than the manager: stage, install, confirm. */
export async function runStep(ic: IcEffects, step: Step, version: RegistryVersion, target: string, arg: Uint8Array): Promise<{ ok: true } | { failure: StepFailure }> {
  const staged = await stageChunks(ic, version, target);
  if ('failure' in staged) return staged;
  const installed = await installStaged(ic, step, target, target, staged.chunkHashes, arg);
  if ('failure' in installed) return installed;
  return confirmModule(ic, step, target);
}
