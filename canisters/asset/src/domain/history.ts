/**
 * The root history: every asset root the canister certified, oldest first, each entry chained to
 * the one before by its hash. The newest entry's hash (the head) is part of the certified data,
 * so the history cannot be rewritten without the certified data showing it (README § Root history).
 *
 * An entry's hash is the representation-independent hash (ICRC-3 § Value) of the map
 *   { index: Nat, root: Blob, time: Nat, assets: Nat, batch?: Nat, evidence?: Blob, phash?: Blob }
 * where `batch` is absent for changes outside a batch, `evidence` present only for a batch
 * committed by `commit_proposed_batch` (the evidence the proposal was approved with), and `phash`
 * (the previous entry's hash) absent on entry 0.
 */
import { bytesEqual, concatBytes, leb128, toHex, utf8 } from './bytes.js';
import { sha256 } from './sha256.js';

export interface HistoryEntry {
  /** Position in the chain: 0 for the entry written at install. */
  index: bigint;
  /** The asset root certified from then on. */
  root: Uint8Array;
  /** When it became certified (ns since the epoch). */
  time: bigint;
  /** The batch whose commit produced it, if any. */
  batchId?: bigint;
  /** The evidence of the proposal whose commit produced it (`commit_proposed_batch`), if any. */
  evidence?: Uint8Array;
  /** How many assets the canister held. */
  assetCount: bigint;
  /** The previous entry's hash (absent on entry 0). */
  previous?: Uint8Array;
  /** This entry's hash. */
  hash: Uint8Array;
}

type Field = [string, { nat: bigint } | { blob: Uint8Array }];

function hashMap(fields: Field[]): Uint8Array {
  const pairs = fields.map(([k, v]) => concatBytes(sha256(utf8(k)), 'nat' in v ? sha256(leb128(v.nat)) : sha256(v.blob)));
  pairs.sort((a, b) => {
    for (let i = 0; i < 64; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  });
  return sha256(concatBytes(...pairs));
}

/** The hash of an entry from its fields. */
export function entryHash(e: Omit<HistoryEntry, 'hash'>): Uint8Array {
  const fields: Field[] = [
    ['index', { nat: e.index }],
    ['root', { blob: e.root }],
    ['time', { nat: e.time }],
    ['assets', { nat: e.assetCount }],
  ];
  if (e.batchId !== undefined) fields.push(['batch', { nat: e.batchId }]);
  if (e.evidence !== undefined) fields.push(['evidence', { blob: e.evidence }]);
  if (e.previous !== undefined) fields.push(['phash', { blob: e.previous }]);
  return hashMap(fields);
}

/** The entry that follows `last` (or the first one). */
export function nextEntry(
  last: HistoryEntry | undefined, root: Uint8Array, time: bigint, batchId: bigint | undefined, assetCount: bigint, evidence?: Uint8Array,
): HistoryEntry {
  const e: Omit<HistoryEntry, 'hash'> = {
    index: last ? last.index + 1n : 0n,
    root,
    time,
    assetCount,
    ...(batchId !== undefined ? { batchId } : {}),
    ...(evidence !== undefined ? { evidence } : {}),
    ...(last ? { previous: last.hash } : {}),
  };
  return { ...e, hash: entryHash(e) };
}

export type ChainProblem = { index: bigint; problem: string };

/**
 * Checks a run of entries, newest first (as `get_recent_hashes` returns them): each hash
 * recomputes, indices count down by one and each entry names its predecessor's hash. Returns
 * the problems (none when the run is a valid chain).
 */
export function checkChain(newestFirst: HistoryEntry[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  for (let i = 0; i < newestFirst.length; i++) {
    const e = newestFirst[i]!;
    if (!bytesEqual(entryHash(e), e.hash)) problems.push({ index: e.index, problem: `entry ${e.index} does not hash to ${toHex(e.hash)}` });
    if (e.index === 0n && e.previous !== undefined) problems.push({ index: e.index, problem: 'entry 0 names a predecessor' });
    if (e.index > 0n && e.previous === undefined) problems.push({ index: e.index, problem: `entry ${e.index} names no predecessor` });
    const older = newestFirst[i + 1];
    if (older) {
      if (older.index !== e.index - 1n) problems.push({ index: e.index, problem: `entry ${older.index} follows entry ${e.index}: a gap` });
      else if (!e.previous || !bytesEqual(e.previous, older.hash)) problems.push({ index: e.index, problem: `entry ${e.index} does not chain to entry ${older.index}` });
      if (older.time > e.time) problems.push({ index: e.index, problem: `entry ${e.index} is older than entry ${older.index}` });
    }
  }
  return problems;
}
