/**
 * Limits and fixed values of the Internet Computer that the emulator enforces, in one place.
 * Values are the IC's (interface specification, "Resource limits" of the developer docs).
 */

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const LIMITS = {
  /** Ingress message payload (method argument) on an application subnet. */
  maxIngressPayload: 2 * MiB,
  /** Inter-canister request payload between subnets. */
  maxCrossSubnetPayload: 2 * MiB,
  /** Inter-canister request payload within one subnet (2 MiB × 5). */
  maxSameSubnetPayload: 10 * MiB,
  /** Reply or reject payload of a replicated execution. */
  maxReplyReplicated: 2 * MiB,
  /** Reply payload of a non-replicated (query) execution. */
  maxReplyQuery: 3 * MiB,
  /** `upload_chunk`: one chunk. */
  maxChunkSize: 1 * MiB,
  /** Chunk store capacity (bytes and, at one MiB per chunk, entries). */
  chunkStoreBytes: 100 * MiB,
  chunkStoreEntries: 100,
  /** A canister module, gzipped or not, and once decompressed. */
  maxWasmModule: 100 * MiB,
  maxCodeSection: 10 * MiB,
  maxFunctions: 50_000,
  maxGlobals: 1_000,
  maxExportedMethods: 1_000,
  maxExportedMethodNamesLength: 20_000,
  maxCustomSections: 16,
  maxCustomSectionsBytes: 1 * MiB,
  /** Entries kept in a canister's history (`canister_info`). */
  canisterHistoryLength: 20,
  maxControllers: 10,
  maxCertifiedData: 32,
  stablePageSize: 64 * KiB,
  /** 500 GiB of stable memory, in 64 KiB pages. */
  maxStablePages: (500 * GiB) / (64 * KiB),
  /** 4 GiB of Wasm memory, in 64 KiB pages. */
  maxWasmPages: 65_536,
  maxMethodNameLength: 20_000,
  maxCallTimeoutSeconds: 300,
  maxCompositeQueryDepth: 6,
  maxTrapMessageBytes: 32 * KiB,
  /** The canister log buffer (`fetch_canister_logs`), oldest records dropped first. */
  canisterLogBytes: 4 * KiB,
  maxEnvVarCount: 20,
  maxEnvVarNameLength: 128,
  maxEnvVarValueLength: 128,
  /** Snapshots one canister may hold (the replica's `MAX_NUMBER_OF_SNAPSHOTS_PER_CANISTER`). */
  maxSnapshotsPerCanister: 10,
  /** Largest slice `read_canister_snapshot_data` returns (the replica's `MAX_SLICE_SIZE_BYTES`). */
  maxSnapshotSlice: 2_000_000,
} as const;

/**
 * Instruction limits of an application subnet (dfinity/ic `rs/config/src/subnet_config.rs`:
 * `MAX_INSTRUCTIONS_PER_MESSAGE`, `MAX_INSTRUCTIONS_PER_SLICE`, `MAX_INSTRUCTIONS_PER_QUERY_MESSAGE`,
 * `MAX_INSTRUCTIONS_PER_INSTALL_CODE`, `MAX_INSTRUCTIONS_FOR_MESSAGE_ACCEPTANCE_CALLS`;
 * `execution_environment.rs`: `max_query_call_graph_instructions`).
 */
export const INSTRUCTION_LIMITS = {
  /** An update, a response callback, a cleanup, a heartbeat or a global timer. */
  message: 40_000_000_000n,
  /** Deterministic time slicing: the most a message runs in one round. */
  slice: 2_000_000_000n,
  /** A query, a composite query's method or callback. */
  query: 5_000_000_000n,
  /** All executions of one composite query call graph together. */
  queryCallGraph: 5_000_000_000n,
  /** `canister_inspect_message`. */
  inspectMessage: 200_000_000n,
  /** An install, reinstall or upgrade: start, init or pre_upgrade + post_upgrade together. */
  install: 300_000_000_000n,
  /** Deterministic time slicing of an install, reinstall or upgrade (`MAX_INSTRUCTIONS_PER_INSTALL_CODE_SLICE`). */
  installSlice: 2_000_000_000n,
} as const;

export const DEFAULTS = {
  provisionalCycles: 100_000_000_000_000n,
  freezingThreshold: 2_592_000n,
  reservedCyclesLimit: 5_000_000_000_000n,
  wasmMemoryLimit: 3n * BigInt(GiB),
  logVisibility: 'controllers',
} as const;

/** PocketIC's genesis time: 2021-05-06T19:17:10Z. */
export const GENESIS_TIME_NANOS = 1_620_328_630_000_000_000n;

/**
 * The replica's `MAX_INGRESS_TTL`: the longest an ingress message's expiry may lie ahead, and how long
 * the status of a completed ingress message stays in the ingress history before it is deleted
 * (afterwards `request_status` is unknown, as for a message never seen).
 */
export const MAX_INGRESS_TTL_NS = 5n * 60n * 1_000_000_000n;

/** pic's `await_ingress_message` gives up after this many rounds, as PocketIC does. */
export const AWAIT_MAX_ROUNDS = 100;

/** How many messages one round executes at most, so a canister calling itself cannot stall it. */
export const MAX_MESSAGES_PER_ROUND = 10_000;

export const DOC_BASE = 'https://internetcomputer.org/docs/current/references/execution-errors';
