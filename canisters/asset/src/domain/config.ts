/**
 * Limits a Commit holder can set on uploads (`configure`, `get_configuration`): at most so many
 * batches, chunks and bytes waiting. They apply on top of the canister's own limits
 * (`limits.ts`), which no configuration raises.
 */
export interface Configuration {
  maxBatches?: bigint;
  maxChunks?: bigint;
  maxBytes?: bigint;
}

type Opt<T> = [] | [T];

/** `configure`'s argument: for each limit, leave it (`[]`), remove it (`[[]]`) or set it (`[[n]]`). */
export interface ConfigureArguments {
  max_batches: Opt<Opt<bigint>>;
  max_chunks: Opt<Opt<bigint>>;
  max_bytes: Opt<Opt<bigint>>;
}

/** The configuration after `configure(args)`. */
export function applyConfigure(current: Configuration, args: ConfigureArguments): Configuration {
  const next: Configuration = { ...current };
  const apply = (field: keyof Configuration, v: Opt<Opt<bigint>>) => {
    if (!v.length) return;
    delete next[field];
    if (v[0]!.length) next[field] = v[0]![0]!;
  };
  apply('maxBatches', args.max_batches);
  apply('maxChunks', args.max_chunks);
  apply('maxBytes', args.max_bytes);
  return next;
}

/** What waits in open batches now. */
export interface Waiting {
  batches: number;
  chunks: number;
  bytes: bigint;
}

/** Why adding a batch is refused by the configuration, or undefined. */
export function batchLimitProblem(config: Configuration, waiting: Waiting): string | undefined {
  if (config.maxBatches !== undefined && BigInt(waiting.batches) >= config.maxBatches) return `batch limit exceeded (configured max_batches ${config.maxBatches})`;
  return undefined;
}

/** Why adding `chunks` chunks of `bytes` bytes is refused by the configuration, or undefined. */
export function chunkLimitProblem(config: Configuration, waiting: Waiting, chunks: number, bytes: bigint): string | undefined {
  if (config.maxChunks !== undefined && BigInt(waiting.chunks + chunks) > config.maxChunks) return `chunk limit exceeded (configured max_chunks ${config.maxChunks})`;
  if (config.maxBytes !== undefined && waiting.bytes + bytes > config.maxBytes) return `byte limit exceeded (configured max_bytes ${config.maxBytes})`;
  return undefined;
}
