/**
 * Where the manager keeps its state: stable maps only (they survive upgrades, including the
 * manager's own upgrade in the middle of an operation), so there is no heap cache to rebuild.
 */
import { IDL, StableBTreeMap } from 'azle';

import { icrcTypes } from '@lineage/types';
import { BlockLog, type Value } from '@lineage/kit';

import type { Lock, OperationRecord, OwnSnapshot, TrustPolicy, WatchedCanister } from './domain/index.js';

const T = icrcTypes(IDL);

/** Candid keeps blocks exact and compact (blobs stay bytes, nats stay bigints). */
const blockCodec = {
  toBytes: (v: Value) => new Uint8Array(IDL.encode([T.Value], [v])),
  fromBytes: (b: Uint8Array) => IDL.decode([T.Value], b)[0] as unknown as Value,
};

const pad = (n: bigint) => n.toString().padStart(20, '0');

export interface ManagerConfig {
  registry: string;
  watchIntervalSeconds: bigint;
  nextOperation: bigint;
  /** Snapshots kept per target (1–10); configs stored before it existed have none: the default. */
  snapshotsKept?: number;
}

export class Storage {
  private readonly blocksMap = new StableBTreeMap<string, Value>(0, undefined, blockCodec);
  private readonly metaMap = new StableBTreeMap<string, unknown>(1);
  private readonly operationsMap = new StableBTreeMap<string, OperationRecord>(2);
  private readonly locksMap = new StableBTreeMap<string, Lock>(3);
  private readonly watchedMap = new StableBTreeMap<string, WatchedCanister>(4);
  /** `<canister>:<n>` → history index of the canister's n-th entry, so a filtered page does not scan the log. */
  private readonly byCanisterMap = new StableBTreeMap<string, bigint>(5);

  readonly log = new BlockLog(this.blocksMap, this.metaMap);

  get config(): ManagerConfig {
    const c = this.metaMap.get('config') as ManagerConfig | undefined;
    if (!c) throw new Error('the manager was installed without its init argument');
    return c;
  }

  set config(config: ManagerConfig) {
    this.metaMap.insert('config', config);
  }

  /** The owner's trust policy (kept beside the config: no memory id of its own). */
  get trustPolicy(): TrustPolicy | undefined {
    return (this.metaMap.get('trust_policy') as { policy: TrustPolicy | undefined } | undefined)?.policy;
  }

  set trustPolicy(policy: TrustPolicy | undefined) {
    this.metaMap.insert('trust_policy', { policy });
  }

  hasConfig(): boolean {
    return this.metaMap.get('config') !== undefined;
  }

  takeOperationId(): bigint {
    const c = this.config;
    this.config = { ...c, nextOperation: c.nextOperation + 1n };
    return c.nextOperation;
  }

  operation(id: bigint): OperationRecord | undefined {
    return this.operationsMap.get(pad(id));
  }

  putOperation(op: OperationRecord): void {
    this.operationsMap.insert(pad(op.id), op);
  }

  lock(canister: string): Lock | undefined {
    return this.locksMap.get(canister);
  }

  putLock(lock: Lock): void {
    this.locksMap.insert(lock.canister, lock);
  }

  releaseLock(canister: string, operation: bigint): void {
    if (this.locksMap.get(canister)?.operation === operation) this.locksMap.remove(canister);
  }

  watched(): WatchedCanister[] {
    return this.watchedMap.values();
  }

  watchedCanister(canister: string): WatchedCanister | undefined {
    return this.watchedMap.get(canister);
  }

  putWatched(w: WatchedCanister): void {
    this.watchedMap.insert(w.canister, w);
  }

  removeWatched(canister: string): void {
    this.watchedMap.remove(canister);
  }

  /** Records that history entry `index` is about `canister` (its n-th entry). */
  indexEntry(canister: string, index: bigint): void {
    const n = this.entryCount(canister);
    this.byCanisterMap.insert(`${canister}:${pad(n)}`, index);
    this.metaMap.insert(`count:${canister}`, (n + 1n).toString());
  }

  entryCount(canister: string): bigint {
    return BigInt((this.metaMap.get(`count:${canister}`) as string | undefined) ?? '0');
  }

  /** The snapshots the manager took of `canister` and still keeps (kept in the meta map: no new memory id). */
  snapshotsOf(canister: string): OwnSnapshot[] {
    return (this.metaMap.get(`snapshots:${canister}`) as OwnSnapshot[] | undefined) ?? [];
  }

  putSnapshots(canister: string, list: OwnSnapshot[]): void {
    this.metaMap.insert(`snapshots:${canister}`, list);
  }

  /** The history index of the n-th entry about `canister`. */
  entryOf(canister: string, n: bigint): bigint | undefined {
    return this.byCanisterMap.get(`${canister}:${pad(n)}`);
  }
}
