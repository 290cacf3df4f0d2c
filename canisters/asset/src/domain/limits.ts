/** The asset canister's limits, in one place (README § Limits). */

/**
 * The canister serves and certifies content in chunks of this size (the last one shorter):
 * `get`/`get_chunk` and the streaming callback return them, and every chunk of a larger asset is
 * certified as a `206 Partial Content` answer to `Range: bytes=<start>-`. It is the chunk size
 * `@dfinity/assets`' AssetManager and dfx upload with (1,900,000 bytes, which fits the IC's 2 MiB
 * message limit with room for the Candid envelope), so an uploaded chunk usually is a serving
 * chunk and its hash, computed when it arrives, serves both.
 */
export const SERVE_CHUNK_BYTES = 1_900_000;

/** Largest content of one uploaded chunk (`create_chunk`, `create_chunks`, `store`, `last_chunk`). */
export const MAX_UPLOAD_CHUNK_BYTES = SERVE_CHUNK_BYTES;

/** Most content bytes one message may carry (`create_chunks`, `store`, all `last_chunk`s of a commit). */
export const MAX_MESSAGE_CONTENT_BYTES = 2_000_000;

/** Most chunks a batch may hold (uploaded, not yet committed). */
export const MAX_BATCH_CHUNKS = 10_000;

/** Most uploaded bytes waiting in open batches, all batches together. */
export const MAX_PENDING_BYTES = 2 * 1024 * 1024 * 1024;

/** Most open batches at a time. */
export const MAX_OPEN_BATCHES = 100;

/** A batch nobody touched for this long expires (its chunks are dropped). */
export const BATCH_EXPIRY_NANOS = 300_000_000_000n;

/** How many closed batches are remembered, to tell "committed" from "unknown". */
export const REMEMBERED_CLOSED_BATCHES = 1000;

/** Most operations in one `commit_batch`. */
export const MAX_OPERATIONS = 10_000;

/** Longest key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/** Custom headers per asset, and the length of one header line. */
export const MAX_HEADERS = 64;
export const MAX_HEADER_BYTES = 4096;

/** Root history: default and largest number of entries kept (an install-time setting). */
export const DEFAULT_HISTORY_LENGTH = 20;
export const MAX_HISTORY_LENGTH = 10_000;

/** Assets `list` returns per call at most. */
export const MAX_LIST_PAGE = 1000;

/** Content encodings accepted (`identity` is the unencoded content). */
export const ENCODINGS = ['identity', 'gzip', 'deflate', 'br', 'compress', 'zstd'] as const;

/** The order in which encodings are preferred for response verification v1 and as a default. */
export const ENCODING_ORDER = ['identity', 'gzip', 'compress', 'deflate', 'br', 'zstd'];
/**
 * Hashing one message does at most (byte-equivalents; a byte hashed for the whole content and for
 * its serving chunk counts twice). Hashing costs about 10.7 billion instructions per MiB in Azle's
 * interpreter: 768 KiB is some 8 billion, a fifth of an update's 40 billion. Commits, evidence and
 * the state hash hash in slices of this size (README § Uploads).
 */
export const HASH_BYTES_PER_MESSAGE = 786_432;
/** Uploaded chunks are hashed on arrival while one message's chunks total at most this; larger ones at their commit. */
export const UPLOAD_HASH_BYTES = 262_144;
