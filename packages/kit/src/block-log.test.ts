import { describe, expect, it } from 'vitest';

import { BlockLog, type MapLike } from './block-log.js';
import { hashValue, tipTree, type Value } from './icrc3.js';

/** A stable map as far as the log is concerned. */
class MemoryMap<V> implements MapLike<V> {
  readonly entries = new Map<string, V>();
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  insert(key: string, value: V): void {
    this.entries.set(key, value);
  }
  len(): bigint {
    return BigInt(this.entries.size);
  }
}

const fresh = () => {
  const blocks = new MemoryMap<Value>();
  const meta = new MemoryMap<unknown>();
  return { blocks, meta, log: new BlockLog(blocks, meta) };
};

const field = (v: Value, name: string): Value | undefined => ('Map' in v ? v.Map.find(([k]) => k === name)?.[1] : undefined);

describe('BlockLog', () => {
  it('chains every block to its parent and certifies the tip tree of the last one', () => {
    const { log } = fresh();
    expect(log.tip).toBeUndefined();
    expect(log.certifiedData()).toBeUndefined();
    const first = log.append('t', 1n, [['n', { Nat: 1n }]]);
    const second = log.append('t', 2n, [['n', { Nat: 2n }]]);
    expect([first.index, second.index]).toEqual([0n, 1n]);
    expect(field(log.block(0n)!, 'phash')).toBeUndefined();
    expect(field(log.block(1n)!, 'phash')).toEqual({ Blob: hashValue(log.block(0n)!) });
    expect(second.hash).toEqual(hashValue(log.block(1n)!));
    expect(second.certifiedData).toEqual(tipTree(1n, second.hash).root);
    expect(log.tip).toEqual({ index: 1n, hash: second.hash });
    expect(log.certifiedData()).toEqual(second.certifiedData);
    expect(log.tipHashTree()).toEqual(tipTree(1n, second.hash).cbor);
  });

  it('keeps its tip in the map it was given, so a new log over the same maps continues the chain', () => {
    const { blocks, meta, log } = fresh();
    log.append('t', 1n, []);
    const again = new BlockLog(blocks, meta);
    const next = again.append('t', 2n, []);
    expect(next.index).toBe(1n);
    expect(field(again.block(1n)!, 'phash')).toEqual({ Blob: hashValue(log.block(0n)!) });
  });

  it('answers ranges, skipping what does not exist, at most max blocks and about maxBytes', () => {
    const { log } = fresh();
    for (let i = 0; i < 10; i++) log.append('t', BigInt(i), [['payload', { Blob: new Uint8Array(1000) }]]);
    const ids = (r: { blocks: { id: bigint }[] }) => r.blocks.map((b) => Number(b.id));
    expect(ids(log.getBlocks([{ start: 2n, length: 3n }, { start: 8n, length: 5n }], 100n))).toEqual([2, 3, 4, 8, 9]);
    expect(log.getBlocks([], 100n).log_length).toBe(10n);
    expect(ids(log.getBlocks([{ start: 0n, length: 10n }], 4n))).toEqual([0, 1, 2, 3]);
    // Each block is a little over 1 KB: a 3.5 KB budget holds three.
    expect(ids(log.getBlocks([{ start: 0n, length: 10n }], 100n, 3500))).toEqual([0, 1, 2]);
    // A block larger than the budget still comes alone, so a client always makes progress.
    expect(ids(log.getBlocks([{ start: 5n, length: 10n }], 100n, 10))).toEqual([5]);
  });
});
