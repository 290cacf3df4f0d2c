/**
 * Where the collection keeps its state: stable maps (they survive upgrades) and a heap index of
 * who holds what, rebuilt from stable memory after an upgrade. Metadata and blocks stay in stable
 * memory only and are read when asked for.
 */
import { IDL, StableBTreeMap } from 'azle';

import { fromHex, toHex, type Value } from '@lineage/kit';
import { nftTypes } from '@lineage/types';

import { TokenIndex, type Account, type CollectionConfig } from './domain/index.js';

const T = nftTypes(IDL);

/** Candid is exact and compact for values (blobs stay bytes, nats stay bigints). */
const candidCodec = <V>(type: IDL.Type) => ({
  toBytes: (v: V) => new Uint8Array(IDL.encode([type], [v])),
  fromBytes: (b: Uint8Array) => IDL.decode([type], b)[0] as unknown as V,
});

const pad = (n: number | bigint, width = 20) => n.toString().padStart(width, '0');

/** Accounts and principals are kept as hex in JSON records. */
interface StoredAccount {
  owner: string;
  subaccount?: string;
}
interface StoredConfig {
  mintingAuthority: string;
  symbol: string;
  name: string;
  description?: string;
  logo?: string;
  supplyCap?: bigint;
  txWindow: bigint;
  permittedDrift: bigint;
}

const toStored = (a: Account): StoredAccount => (a.subaccount === undefined ? { owner: toHex(a.owner) } : { owner: toHex(a.owner), subaccount: toHex(a.subaccount) });
const fromStored = (a: StoredAccount): Account =>
  a.subaccount === undefined ? { owner: fromHex(a.owner) } : { owner: fromHex(a.owner), subaccount: fromHex(a.subaccount) };

export interface Tip {
  index: bigint;
  hash: Uint8Array;
}

export class Storage {
  private readonly settingsMap = new StableBTreeMap<string, unknown>(0);
  /** token id (decimal) → holder */
  private readonly ownersMap = new StableBTreeMap<string, StoredAccount>(1);
  /** token id (decimal) → metadata */
  private readonly metadataMap = new StableBTreeMap<string, [string, Value][]>(2, undefined, candidCodec(T.Metadata));
  /** padded block index → block */
  private readonly blocksMap = new StableBTreeMap<string, Value>(3, undefined, candidCodec(T.Value));
  /** `<padded created_at_time>:<dedup key>` → block index, ordered by time so stale entries are pruned from the front */
  private readonly dedupMap = new StableBTreeMap<string, bigint>(4);

  /** Heap index of holders (rebuilt by `load`). */
  tokens = new TokenIndex();

  /** Rebuilds the heap index from stable memory (after an upgrade). */
  load(): void {
    const tokens = new TokenIndex();
    for (const [id, owner] of this.ownersMap.items()) tokens.add(BigInt(id), fromStored(owner));
    this.tokens = tokens;
  }

  // ---- settings ----------------------------------------------------------------------------

  get config(): CollectionConfig | undefined {
    const c = this.settingsMap.get('config') as StoredConfig | undefined;
    return c && { ...c, mintingAuthority: fromHex(c.mintingAuthority) };
  }

  set config(config: CollectionConfig) {
    const stored: StoredConfig = {
      mintingAuthority: toHex(config.mintingAuthority), symbol: config.symbol, name: config.name,
      txWindow: config.txWindow, permittedDrift: config.permittedDrift,
    };
    if (config.description !== undefined) stored.description = config.description;
    if (config.logo !== undefined) stored.logo = config.logo;
    if (config.supplyCap !== undefined) stored.supplyCap = config.supplyCap;
    this.settingsMap.insert('config', stored);
  }

  get tip(): Tip | undefined {
    const tip = this.settingsMap.get('tip') as { index: bigint; hash: string } | undefined;
    return tip && { index: tip.index, hash: fromHex(tip.hash) };
  }

  set tip(tip: Tip) {
    this.settingsMap.insert('tip', { index: tip.index, hash: toHex(tip.hash) });
  }

  // ---- tokens ------------------------------------------------------------------------------

  mint(id: bigint, to: Account, metadata: [string, Value][]): void {
    this.ownersMap.insert(id.toString(), toStored(to));
    this.metadataMap.insert(id.toString(), metadata);
    this.tokens.add(id, to);
  }

  transfer(id: bigint, to: Account): void {
    this.ownersMap.insert(id.toString(), toStored(to));
    this.tokens.move(id, to);
  }

  metadataOf(id: bigint): [string, Value][] | undefined {
    return this.metadataMap.get(id.toString());
  }

  // ---- deduplication -----------------------------------------------------------------------

  findDuplicate(createdAt: bigint, key: string): bigint | undefined {
    return this.dedupMap.get(`${pad(createdAt)}:${key}`);
  }

  rememberTransfer(createdAt: bigint, key: string, index: bigint): void {
    this.dedupMap.insert(`${pad(createdAt)}:${key}`, index);
  }

  /** Forgets (at most `max`) entries created before `cutoff`: transfers that old are refused as too old anyway. */
  forgetTransfersBefore(cutoff: bigint, max: number): void {
    for (const key of this.dedupMap.keys(0, max)) {
      if (BigInt(key.slice(0, 20)) >= cutoff) return;
      this.dedupMap.remove(key);
    }
  }

  // ---- blocks ------------------------------------------------------------------------------

  get blockCount(): bigint {
    return BigInt(this.blocksMap.len());
  }

  block(index: bigint): Value | undefined {
    return this.blocksMap.get(pad(index));
  }

  putBlock(index: bigint, block: Value): void {
    this.blocksMap.insert(pad(index), block);
  }
}
