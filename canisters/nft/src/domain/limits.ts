/**
 * The collection's limits, in one place. Each is published by its `icrc7_*` query and in
 * `icrc7_collection_metadata`.
 */

/** Most elements answered by a batch query (`icrc7_token_metadata`, `icrc7_owner_of`, `icrc7_balance_of`); longer requests get a prefix. */
export const MAX_QUERY_BATCH_SIZE = 100;

/** Most elements of one `icrc7_transfer` or `lineage_mint` call; a longer batch is refused whole. */
export const MAX_UPDATE_BATCH_SIZE = 20;

/** `take` of `icrc7_tokens` / `icrc7_tokens_of` when none is given. */
export const DEFAULT_TAKE_VALUE = 100;

/** Largest `take` honoured; a larger one is treated as this. */
export const MAX_TAKE_VALUE = 1000;

/** Longest memo, in bytes (ICRC-7 asks for at least 32). */
export const MAX_MEMO_SIZE = 32;

/**
 * Largest token metadata, in bytes as `valueSize` counts them. With `MAX_QUERY_BATCH_SIZE` tokens a
 * reply stays under the IC's 2 MiB limit, and a mint block (which carries the metadata) stays small.
 */
export const MAX_METADATA_BYTES = 16 * 1024;

/** Subaccounts are 32 bytes. */
export const SUBACCOUNT_BYTES = 32;

/** Defaults of the deduplication parameters (ICRC-7 `TX_WINDOW`, `PERMITTED_DRIFT`), in seconds. */
export const DEFAULT_TX_WINDOW_SECONDS = 24n * 60n * 60n;
export const DEFAULT_PERMITTED_DRIFT_SECONDS = 120n;

/**
 * Most blocks in one `icrc3_get_blocks` reply, and the most bytes (by `valueSize`) it carries. Each
 * block is read from stable memory and decoded in the interpreter, so a reply stays well within a
 * query's instruction limit; clients page (ICRC-3 allows shorter replies).
 */
export const MAX_BLOCKS_PER_REPLY = 100;
export const MAX_BLOCK_BYTES_PER_REPLY = 1536 * 1024;

/** Stale deduplication entries forgotten per transfer message (pruning is spread over messages). */
export const DEDUP_PRUNE_PER_MESSAGE = 64;

export const NANOS_PER_SECOND = 1_000_000_000n;
