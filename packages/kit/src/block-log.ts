/**
 * An append-only ICRC-3 block log over a stable map the canister owns: each block carries its
 * parent's hash, and the tip's hash tree root is what the canister must certify. Canisters pass
 * their Azle `StableBTreeMap`s in, so this module needs no canister API and is tested in Node.
 *
 * @example
 * const log = new BlockLog(blocksMap, metaMap);
 * const { index, certifiedData } = log.append('lineage_deploy', time(), tx);
 * certifiedDataSet(certifiedData);
 */
import { hashValue, makeBlock, tipTree, valueBytes, type Value } from './icrc3.js';
import { fromHex, toHex } from './bytes.js';

/** The part of a stable map the log uses (Azle's `StableBTreeMap` has it). */
export interface MapLike<V> {
  get(key: string): V | undefined;
  insert(key: string, value: V): unknown;
  len(): bigint | number;
}

export interface Tip {
  index: bigint;
  hash: Uint8Array;
}

/** Keys sort as numbers: stable maps order keys as bytes. */
const key = (index: bigint) => index.toString().padStart(20, '0');

const TIP_KEY = 'icrc3_tip';
/** Replies stay well under the IC's 2 MiB limit for replicated calls. */
const DEFAULT_REPLY_BYTES = 1_800_000;

export class BlockLog {
  constructor(private readonly blocks: MapLike<Value>, private readonly meta: MapLike<unknown>) {}

  get length(): bigint {
    return BigInt(this.blocks.len());
  }

  get tip(): Tip | undefined {
    const tip = this.meta.get(TIP_KEY) as { index: bigint | string; hash: string } | undefined;
    return tip && { index: BigInt(tip.index), hash: fromHex(tip.hash) };
  }

  block(index: bigint): Value | undefined {
    return this.blocks.get(key(index));
  }

  /** Appends a block chained to the tip; answers its index and the data to certify. */
  append(btype: string, ts: bigint, tx: [string, Value][]): { index: bigint; hash: Uint8Array; certifiedData: Uint8Array } {
    const tip = this.tip;
    const index = tip === undefined ? 0n : tip.index + 1n;
    const block = makeBlock(btype, ts, tip?.hash, tx);
    const hash = hashValue(block);
    this.blocks.insert(key(index), block);
    this.meta.insert(TIP_KEY, { index: index.toString(), hash: toHex(hash) });
    return { index, hash, certifiedData: tipTree(index, hash).root };
  }

  /** The certified data for the current tip (after an upgrade), if the log is not empty. */
  certifiedData(): Uint8Array | undefined {
    const tip = this.tip;
    return tip && tipTree(tip.index, tip.hash).root;
  }

  /** The hash tree `icrc3_get_tip_certificate` returns beside the certificate. */
  tipHashTree(): Uint8Array | undefined {
    const tip = this.tip;
    return tip && tipTree(tip.index, tip.hash).cbor;
  }

  /**
   * `icrc3_get_blocks`: the blocks of `ranges`, at most `max` of them and about `maxBytes` in one
   * reply (a client asks again from the first block missing, as ICRC-3 allows a shorter answer).
   */
  getBlocks(ranges: { start: bigint; length: bigint }[], max: bigint, maxBytes = DEFAULT_REPLY_BYTES): { log_length: bigint; blocks: { id: bigint; block: Value }[] } {
    const total = this.length;
    const blocks: { id: bigint; block: Value }[] = [];
    let bytes = 0;
    for (const { start, length } of ranges) {
      for (let id = start; id < start + length && id < total && BigInt(blocks.length) < max; id++) {
        const block = this.block(id);
        if (!block) continue;
        bytes += valueBytes(block) + 16;
        if (bytes > maxBytes && blocks.length > 0) return { log_length: total, blocks };
        blocks.push({ id, block });
      }
    }
    return { log_length: total, blocks };
  }
}
