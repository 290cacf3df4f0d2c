/**
 * The registry's records as plain data: what stable memory holds (hashes as lowercase hex,
 * principals as text, so records serialise as JSON) and what the domain functions take.
 */
import type { Icrc16Map } from '@lineage/types';

import type { Sha256State } from '@lineage/kit';

export type Version = [bigint, bigint, bigint];

export interface RegistryConfig {
  /** Admins named at install (the registry's controllers are admins too). */
  admins: string[];
  /** Whether any authenticated caller may create canister types. */
  openTypeCreation: boolean;
}

export interface CanisterTypeRecord {
  namespace: string;
  name: string;
  description: string;
  repo: string;
  metadata: Icrc16Map;
  controllers: string[];
  forkedFrom: { namespace: string; version: Version } | undefined;
  created: bigint;
}

/** Progress of a version's upload and of the running sha256 of its chunks, in order. */
export interface UploadProgress {
  /** Ids of the chunks stored so far, ascending. */
  stored: number[];
  /** Chunks 0..hashedChunks-1 have been absorbed into `hashState`. */
  hashedChunks: number;
  hashState: Sha256State;
  /** Why verification failed, if it did (the whole module did not hash to `expected`). */
  failure: string | undefined;
}

export interface WasmRecord {
  /** The expected sha256 of the module (the registry's key for it), hex. */
  hash: string;
  namespace: string;
  version: Version;
  description: string;
  repo: string;
  metadata: Icrc16Map;
  previousHash: string | undefined;
  expectedChunks: number;
  /** Declared sha256 of every chunk, hex, if the publisher declared them. */
  chunkHashes: string[] | undefined;
  deprecated: boolean;
  created: bigint;
  /** Registration order: queries page in this order. */
  seq: number;
  /** Set once every chunk arrived and the whole module hashed to `hash`. */
  calculatedHash: string | undefined;
  upload: UploadProgress;
}

export interface InstallationRecord {
  canister: string;
  hash: string;
  reporter: string;
  canisterVersion: bigint;
  recordedAt: bigint;
  seq: number;
  /** The `118install` block that recorded it (absent in records made before it was kept). */
  block?: bigint;
}

/** Everything the read-side functions look at, as the canister keeps it on the heap. */
export interface RegistryView {
  types: Map<string, CanisterTypeRecord>;
  /** By hash. */
  wasms: Map<string, WasmRecord>;
  installations: InstallationRecord[];
}

/**
 * The largest chunk the registry stores: 512 KiB, half the management canister's `upload_chunk`
 * limit (so a manager passes chunks on unchanged). A declared chunk hash is checked in the message
 * that brings the chunk, and a timer absorbs a whole chunk at least: at 10.7 billion instructions
 * per MiB in Azle's interpreter, a 1 MiB chunk took 27% of an update's limit in one message;
 * 512 KiB takes 14%.
 */
export const MAX_CHUNK_BYTES = 512 * 1024;
/**
 * Chunks of one module: 400, so that modules up to 100 MiB (the IC's chunked install limit) publish
 * in chunks of 256 KiB, the sdk's default (a 1 MiB chunk with its declared hash checked costs half
 * of the 40 billion instructions of an update; see `MAX_BYTES_HASHED_PER_MESSAGE`).
 */
export const MAX_CHUNKS = 400;
/** How many chunks one upload message may absorb into the running hash (bounds its instructions). */
export const MAX_CHUNKS_HASHED_PER_MESSAGE = 8;
/**
 * Bytes one message hashes at most, declared chunk hashes and the module's running hash together
 * (one chunk more only when a timer must make progress): sha256 in Azle's interpreter costs about
 * 10.7 billion instructions per MiB, so 768 KiB is some 8 billion, a fifth of an update's limit.
 */
export const MAX_BYTES_HASHED_PER_MESSAGE = 786_432;
/** Query replies stay well under the IC's 2 MiB reply limit (3 MiB for queries). */
export const MAX_REPLY_BYTES = 1_800_000;
/** Longest name, description or repo URL (characters): they are copied into replies and log blocks. */
export const MAX_TEXT_CHARS = 16 * 1024;
/** Largest ICRC-16 metadata of a type or version (estimated Candid bytes). */
export const MAX_METADATA_BYTES = 1024 * 1024;
export const DEFAULT_TAKE = 100;
export const MAX_TAKE = 1000;
