/**
 * Where the asset canister keeps its state: stable maps (they survive upgrades) and heap caches of
 * the small records, rebuilt from stable memory after an upgrade. Contents (uploaded chunks and
 * serving chunks) stay in stable memory only.
 *
 * Stable memory ids: 0 settings, 1 assets, 2 serving chunks, 3 uploaded chunks, 4 batches,
 * 5 chunks by batch, 6 history, 7 configuration, 8 proposed operations, 9 the evidence of history
 * entries, 10 proposals' evidence (in progress or computed). (Maps 7–10 came later: a canister
 * upgraded from a module without them finds them empty.)
 */
import { IDL, StableBTreeMap } from 'azle';
import { assetTypes } from '@lineage/types';

import {
  buildCertTree, DEFAULT_HISTORY_LENGTH, fromHex, noPermissions, readU64be, toHex, u64be, utf8,
  type AssetRecord, type CertTree, type Configuration, type EvidenceProgress, type HistoryEntry, type Operation, type PermissionLists,
  type Proposal,
} from './domain/index.js';

const raw = { toBytes: (b: Uint8Array) => b, fromBytes: (b: Uint8Array) => b };
const textKey = { toBytes: (s: string) => utf8(s), fromBytes: (b: Uint8Array) => new TextDecoder().decode(b) };
const u64Key = { toBytes: (n: bigint) => u64be(n), fromBytes: (b: Uint8Array) => readU64be(b) };

function candid<T>(type: IDL.Type) {
  return {
    toBytes: (v: T) => new Uint8Array(IDL.encode([type], [v])),
    fromBytes: (b: Uint8Array) => IDL.decode([type], b)[0] as unknown as T,
  };
}

const Blob = IDL.Vec(IDL.Nat8);
const EncodingRec = IDL.Record({
  name: IDL.Text, sha256: Blob, length: IDL.Nat64, modified: IDL.Nat64, blob: IDL.Nat32, chunk_hashes: IDL.Vec(Blob),
});
const AssetRec = IDL.Record({
  key: IDL.Text, content_type: IDL.Text, headers: IDL.Vec(IDL.Tuple(IDL.Text, IDL.Text)), max_age: IDL.Opt(IDL.Nat64),
  is_aliased: IDL.Opt(IDL.Bool), allow_raw_access: IDL.Opt(IDL.Bool), encodings: IDL.Vec(EncodingRec),
});
interface EncodingRecC { name: string; sha256: Uint8Array; length: bigint; modified: bigint; blob: number; chunk_hashes: Uint8Array[] }
interface AssetRecC {
  key: string; content_type: string; headers: [string, string][]; max_age: [] | [bigint]; is_aliased: [] | [boolean];
  allow_raw_access: [] | [boolean]; encodings: EncodingRecC[];
}

const opt = <T>(v: T | undefined): [] | [T] => (v === undefined ? [] : [v]);

const assetCodec = (() => {
  const c = candid<AssetRecC>(AssetRec);
  return {
    toBytes: (a: AssetRecord) => c.toBytes({
      key: a.key, content_type: a.contentType, headers: a.headers, max_age: opt(a.maxAge), is_aliased: opt(a.isAliased),
      allow_raw_access: opt(a.allowRawAccess),
      encodings: a.encodings.map((e) => ({ name: e.name, sha256: e.sha256, length: BigInt(e.length), modified: e.modified, blob: e.blob, chunk_hashes: e.chunkHashes })),
    }),
    fromBytes: (b: Uint8Array): AssetRecord => {
      const r = c.fromBytes(b);
      return {
        key: r.key, contentType: r.content_type, headers: r.headers,
        ...(r.max_age.length ? { maxAge: r.max_age[0] } : {}),
        ...(r.is_aliased.length ? { isAliased: r.is_aliased[0] } : {}),
        ...(r.allow_raw_access.length ? { allowRawAccess: r.allow_raw_access[0] } : {}),
        encodings: r.encodings.map((e) => ({
          name: e.name, sha256: Uint8Array.from(e.sha256), length: Number(e.length), modified: e.modified, blob: e.blob,
          chunkHashes: e.chunk_hashes.map((h) => Uint8Array.from(h)),
        })),
      };
    },
  };
})();

const HistoryRec = IDL.Record({
  index: IDL.Nat64, root: Blob, time: IDL.Nat64, batch_id: IDL.Opt(IDL.Nat), asset_count: IDL.Nat64, previous: IDL.Opt(Blob), hash: Blob,
});
interface HistoryRecC { index: bigint; root: Uint8Array; time: bigint; batch_id: [] | [bigint]; asset_count: bigint; previous: [] | [Uint8Array]; hash: Uint8Array }
const historyCodec = (() => {
  const c = candid<HistoryRecC>(HistoryRec);
  return {
    toBytes: (e: HistoryEntry) => c.toBytes({
      index: e.index, root: e.root, time: e.time, batch_id: opt(e.batchId), asset_count: e.assetCount, previous: opt(e.previous), hash: e.hash,
    }),
    fromBytes: (b: Uint8Array): HistoryEntry => {
      const r = c.fromBytes(b);
      return {
        index: r.index, root: Uint8Array.from(r.root), time: r.time, assetCount: r.asset_count, hash: Uint8Array.from(r.hash),
        ...(r.batch_id.length ? { batchId: r.batch_id[0] } : {}),
        ...(r.previous.length ? { previous: Uint8Array.from(r.previous[0]!) } : {}),
      };
    },
  };
})();

export type BatchStatus = 'open' | 'committed' | 'expired';
export interface BatchRecord {
  status: BatchStatus;
  expiresAt: bigint;
  /** Bytes and chunks uploaded and not yet used. */
  bytes: bigint;
  chunks: number;
}
const BatchRec = IDL.Record({ status: IDL.Text, expires_at: IDL.Nat64, bytes: IDL.Nat64, chunks: IDL.Nat32 });
const batchCodec = (() => {
  const c = candid<{ status: string; expires_at: bigint; bytes: bigint; chunks: number }>(BatchRec);
  return {
    toBytes: (b: BatchRecord) => c.toBytes({ status: b.status, expires_at: b.expiresAt, bytes: b.bytes, chunks: b.chunks }),
    fromBytes: (x: Uint8Array): BatchRecord => {
      const r = c.fromBytes(x);
      return { status: r.status as BatchStatus, expiresAt: r.expires_at, bytes: r.bytes, chunks: r.chunks };
    },
  };
})();

export interface Settings {
  historyLength: number;
  permissions: PermissionLists;
  nextBatch: bigint;
  nextChunk: bigint;
  nextBlob: number;
  /** Entries ever appended to the history (the next entry's index). */
  historyTotal: bigint;
}
const SettingsRec = IDL.Record({
  history_length: IDL.Nat32, commit: IDL.Vec(IDL.Text), prepare: IDL.Vec(IDL.Text), manage_permissions: IDL.Vec(IDL.Text),
  next_batch: IDL.Nat, next_chunk: IDL.Nat, next_blob: IDL.Nat32, history_total: IDL.Nat64,
});
const settingsCodec = (() => {
  const c = candid<{
    history_length: number; commit: string[]; prepare: string[]; manage_permissions: string[]; next_batch: bigint; next_chunk: bigint;
    next_blob: number; history_total: bigint;
  }>(SettingsRec);
  return {
    toBytes: (s: Settings) => c.toBytes({
      history_length: s.historyLength, commit: s.permissions.Commit, prepare: s.permissions.Prepare,
      manage_permissions: s.permissions.ManagePermissions, next_batch: s.nextBatch, next_chunk: s.nextChunk, next_blob: s.nextBlob,
      history_total: s.historyTotal,
    }),
    fromBytes: (b: Uint8Array): Settings => {
      const r = c.fromBytes(b);
      return {
        historyLength: r.history_length, permissions: { Commit: r.commit, Prepare: r.prepare, ManagePermissions: r.manage_permissions },
        nextBatch: r.next_batch, nextChunk: r.next_chunk, nextBlob: r.next_blob, historyTotal: r.history_total,
      };
    },
  };
})();

/** The configuration (`configure`) and when the assets last changed (`get_state_info`), as JSON. */
export interface Extras {
  configuration: Configuration;
  /** ns since the epoch of the last change of the assets. */
  lastStateUpdate: bigint;
}
const extrasCodec = {
  toBytes: (x: Extras) => utf8(JSON.stringify({
    maxBatches: x.configuration.maxBatches?.toString(), maxChunks: x.configuration.maxChunks?.toString(),
    maxBytes: x.configuration.maxBytes?.toString(), lastStateUpdate: x.lastStateUpdate.toString(),
  })),
  fromBytes: (b: Uint8Array): Extras => {
    const j = JSON.parse(new TextDecoder().decode(b)) as Record<string, string | undefined>;
    const configuration: Configuration = {};
    if (j.maxBatches !== undefined) configuration.maxBatches = BigInt(j.maxBatches);
    if (j.maxChunks !== undefined) configuration.maxChunks = BigInt(j.maxChunks);
    if (j.maxBytes !== undefined) configuration.maxBytes = BigInt(j.maxBytes);
    return { configuration, lastStateUpdate: BigInt(j.lastStateUpdate ?? '0') };
  },
};

const T = assetTypes(IDL as never);
const operationsCodec = candid<Operation[]>(IDL.Vec(T.BatchOperationKind as never));

/** Where a proposal's evidence stands, as JSON: the computation in progress, or the evidence. */
type EvidenceState = { progress: EvidenceProgress } | { evidence: Uint8Array };
const evidenceStateCodec = {
  toBytes: (x: EvidenceState) => utf8(JSON.stringify('evidence' in x
    ? { evidence: toHex(x.evidence) }
    : { operation: x.progress.operation, piece: x.progress.piece, offset: x.progress.offset ?? 0, h: x.progress.hasher.h, length: x.progress.hasher.length, pending: toHex(x.progress.hasher.pending) })),
  fromBytes: (b: Uint8Array): EvidenceState => {
    const j = JSON.parse(new TextDecoder().decode(b)) as { evidence?: string; operation: number; piece: number; offset?: number; h: number[]; length: number; pending: string };
    if (j.evidence !== undefined) return { evidence: fromHex(j.evidence) };
    return { progress: { operation: j.operation, piece: j.piece, offset: j.offset ?? 0, hasher: { h: j.h, length: j.length, pending: fromHex(j.pending) } } };
  },
};

const blobKey = (blob: number, index: number) => {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setUint32(0, blob);
  new DataView(k.buffer).setUint32(4, index);
  return k;
};
const batchChunkKey = (batch: bigint, chunk: bigint) => {
  const k = new Uint8Array(16);
  k.set(u64be(batch), 0);
  k.set(u64be(chunk), 8);
  return k;
};

/** An open batch as the heap keeps it: its chunks (id → length) and deadline. */
export interface OpenBatch {
  record: BatchRecord;
  chunks: Map<bigint, { length: number; sha256?: Uint8Array }>;
}

export class Storage {
  private readonly settingsMap = new StableBTreeMap<string, Settings>(0, textKey, settingsCodec);
  private readonly assetsMap = new StableBTreeMap<string, AssetRecord>(1, textKey, assetCodec);
  private readonly blobsMap = new StableBTreeMap<Uint8Array, Uint8Array>(2, raw, raw);
  private readonly chunksMap = new StableBTreeMap<bigint, Uint8Array>(3, u64Key, raw);
  private readonly batchesMap = new StableBTreeMap<bigint, BatchRecord>(4, u64Key, batchCodec);
  private readonly batchChunksMap = new StableBTreeMap<Uint8Array, Uint8Array>(5, raw, raw);
  private readonly historyMap = new StableBTreeMap<bigint, HistoryEntry>(6, u64Key, historyCodec);
  private readonly extrasMap = new StableBTreeMap<string, Extras>(7, textKey, extrasCodec);
  private readonly proposalsMap = new StableBTreeMap<bigint, Operation[]>(8, u64Key, operationsCodec);
  private readonly evidenceMap = new StableBTreeMap<bigint, Uint8Array>(9, u64Key, raw);
  private readonly evidenceStateMap = new StableBTreeMap<bigint, EvidenceState>(10, u64Key, evidenceStateCodec);
  /** Decoded proposed operations (decoding a large proposal each compute_evidence call would dominate it). */
  private readonly proposedOperations = new Map<bigint, Operation[]>();

  /** Heap caches. */
  readonly assets = new Map<string, AssetRecord>();
  readonly openBatches = new Map<bigint, OpenBatch>();
  tree: CertTree = buildCertTree([]);
  private settingsCache: Settings | undefined;
  private extrasCache: Extras | undefined;
  private lastEntry: HistoryEntry | undefined;

  /** Fresh state at install. */
  initialise(settings: Settings): void {
    this.settings = settings;
  }

  /** Rebuilds the heap caches from stable memory (after an upgrade). */
  load(): void {
    this.settingsCache = this.settingsMap.get('settings');
    this.assets.clear();
    for (const [k, v] of this.assetsMap.items()) this.assets.set(k, v);
    this.openBatches.clear();
    for (const [id, record] of this.batchesMap.items()) {
      if (record.status === 'open') this.openBatches.set(id, { record, chunks: new Map() });
    }
    for (const [k, v] of this.batchChunksMap.items()) {
      const batch = readU64be(k, 0);
      const length = new DataView(v.buffer, v.byteOffset, 4).getUint32(0);
      this.openBatches.get(batch)?.chunks.set(readU64be(k, 8), v.length >= 36 ? { length, sha256: v.slice(4, 36) } : { length });
    }
    this.tree = buildCertTree(this.assets.values());
    const total = this.settings.historyTotal;
    this.lastEntry = total > 0n ? this.entry(total - 1n) : undefined;
    this.extrasCache = undefined;
  }

  get extras(): Extras {
    this.extrasCache ??= this.extrasMap.get('extras') ?? { configuration: {}, lastStateUpdate: 0n };
    return this.extrasCache;
  }

  set extras(x: Extras) {
    this.extrasCache = x;
    this.extrasMap.insert('extras', x);
  }

  // ---- proposals ----------------------------------------------------------------------------

  proposal(batch: bigint): Proposal | undefined {
    let operations = this.proposedOperations.get(batch);
    if (!operations) {
      operations = this.proposalsMap.get(batch);
      if (!operations) return undefined;
      this.proposedOperations.set(batch, operations);
    }
    const state = this.evidenceStateMap.get(batch);
    return { operations, ...(state ?? {}) };
  }

  propose(batch: bigint, operations: Operation[]): void {
    this.proposalsMap.insert(batch, operations);
    this.proposedOperations.set(batch, operations);
  }

  setEvidenceState(batch: bigint, state: EvidenceState): void {
    this.evidenceStateMap.insert(batch, state);
  }

  removeProposal(batch: bigint): void {
    this.proposalsMap.remove(batch);
    this.evidenceStateMap.remove(batch);
    this.proposedOperations.delete(batch);
  }

  /** The batches proposed for commit (at most one, as in DFINITY's canister). */
  proposedBatches(): bigint[] {
    return this.proposalsMap.keys();
  }

  get settings(): Settings {
    if (!this.settingsCache) {
      this.settingsCache = this.settingsMap.get('settings') ?? {
        historyLength: DEFAULT_HISTORY_LENGTH, permissions: noPermissions(), nextBatch: 1n, nextChunk: 1n, nextBlob: 0, historyTotal: 0n,
      };
    }
    return this.settingsCache;
  }

  set settings(s: Settings) {
    this.settingsCache = s;
    this.settingsMap.insert('settings', s);
  }

  // ---- assets and their contents ------------------------------------------------------------

  putAsset(record: AssetRecord): void {
    this.assetsMap.insert(record.key, record);
    this.assets.set(record.key, record);
  }

  removeAsset(key: string): void {
    this.assetsMap.remove(key);
    this.assets.delete(key);
  }

  readBlob(blob: number, index: number): Uint8Array {
    const bytes = this.blobsMap.get(blobKey(blob, index));
    if (bytes === undefined) throw new Error(`content ${blob}:${index} is missing (a broken invariant)`);
    return bytes;
  }

  writeBlob(blob: number, index: number, bytes: Uint8Array): void {
    this.blobsMap.insert(blobKey(blob, index), bytes);
  }

  removeBlob(blob: number, chunks: number): void {
    for (let i = 0; i < chunks; i++) this.blobsMap.remove(blobKey(blob, i));
  }

  // ---- uploads ------------------------------------------------------------------------------

  batchRecord(id: bigint): BatchRecord | undefined {
    return this.openBatches.get(id)?.record ?? this.batchesMap.get(id);
  }

  putBatch(id: bigint, record: BatchRecord): void {
    this.batchesMap.insert(id, record);
    if (record.status === 'open') {
      const open = this.openBatches.get(id);
      if (open) open.record = record;
      else this.openBatches.set(id, { record, chunks: new Map() });
    } else {
      this.openBatches.delete(id);
    }
  }

  forgetBatch(id: bigint): void {
    this.batchesMap.remove(id);
    this.openBatches.delete(id);
  }

  /** The oldest closed batches beyond `keep`, to forget. */
  closedBatchesBeyond(keep: number): bigint[] {
    const closed = this.batchesMap.len() - this.openBatches.size;
    if (closed <= keep) return [];
    const out: bigint[] = [];
    for (const [id, record] of this.batchesMap.items(0, closed - keep + this.openBatches.size)) {
      if (record.status !== 'open' && out.length < closed - keep) out.push(id);
    }
    return out;
  }

  /** Stores an uploaded chunk; `sha256` when it was hashed on arrival (the metadata is then 36 bytes, else 4). */
  putChunk(batch: bigint, id: bigint, content: Uint8Array, sha256: Uint8Array | undefined): void {
    const value = new Uint8Array(8 + content.length);
    value.set(u64be(batch), 0);
    value.set(content, 8);
    this.chunksMap.insert(id, value);
    const meta = new Uint8Array(sha256 ? 36 : 4);
    new DataView(meta.buffer).setUint32(0, content.length);
    if (sha256) meta.set(sha256, 4);
    this.batchChunksMap.insert(batchChunkKey(batch, id), meta);
    this.openBatches.get(batch)?.chunks.set(id, sha256 ? { length: content.length, sha256 } : { length: content.length });
  }

  /** An uploaded chunk's batch, length and sha256 (from the heap), if it exists. */
  chunkInfo(id: bigint): { batchId: bigint; length: number; sha256?: Uint8Array } | undefined {
    for (const [batchId, open] of this.openBatches) {
      const info = open.chunks.get(id);
      if (info !== undefined) return { batchId, ...info };
    }
    return undefined;
  }

  readChunk(id: bigint): Uint8Array {
    const value = this.chunksMap.get(id);
    if (value === undefined) throw new Error(`chunk ${id} is missing (a broken invariant)`);
    return value.subarray(8);
  }

  removeChunk(batch: bigint, id: bigint): void {
    this.chunksMap.remove(id);
    this.batchChunksMap.remove(batchChunkKey(batch, id));
    this.openBatches.get(batch)?.chunks.delete(id);
  }

  // ---- history ------------------------------------------------------------------------------

  get last(): HistoryEntry | undefined {
    return this.lastEntry;
  }

  /** History entry `index` with its evidence, if it is still kept. */
  private entry(index: bigint): HistoryEntry | undefined {
    const e = this.historyMap.get(index);
    if (!e) return undefined;
    const evidence = this.evidenceMap.get(index);
    return evidence ? { ...e, evidence: Uint8Array.from(evidence) } : e;
  }

  appendEntry(entry: HistoryEntry): void {
    this.historyMap.insert(entry.index, entry);
    if (entry.evidence) this.evidenceMap.insert(entry.index, entry.evidence);
    this.lastEntry = entry;
    const s = this.settings;
    const total = entry.index + 1n;
    this.settings = { ...s, historyTotal: total };
    this.pruneHistory();
  }

  /** Drops entries beyond the newest `historyLength`. */
  pruneHistory(): void {
    const { historyTotal, historyLength } = this.settings;
    const first = historyTotal - BigInt(historyLength);
    if (first <= 0n) return;
    // Entries are pruned as they fall out, so usually only one is there to remove.
    for (let i = first - 1n; i >= 0n; i--) {
      this.evidenceMap.remove(i);
      if (this.historyMap.remove(i) === undefined) break;
    }
  }

  /** The newest `n` entries, newest first. */
  recentEntries(n: number): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    const total = this.settings.historyTotal;
    for (let i = total - 1n; i >= 0n && out.length < n; i--) {
      const e = this.entry(i);
      if (!e) break;
      out.push(e);
    }
    return out;
  }

  get retainedEntries(): number {
    return this.historyMap.len();
  }
}
