/**
 * Where the registry keeps its state: stable maps (they survive upgrades) and heap caches of the
 * small records, rebuilt from stable memory after an upgrade. Chunks and blocks stay in stable
 * memory only.
 */
import { IDL, StableBTreeMap } from 'azle';

import { registryTypes } from '@lineage/types';

import type {
  CanisterTypeRecord, InstallationRecord, RegistryConfig, RegistryView, VerificationRecord, VerificationRequestRecord, WasmRecord,
} from './domain/index.js';
import { BlockLog, type Value } from '@lineage/kit';

import { recordCodec } from './record-codec.js';

const raw = { toBytes: (b: Uint8Array) => b, fromBytes: (b: Uint8Array) => b };
const T = registryTypes(IDL);

/** Candid is exact and compact for blocks (blobs stay bytes, nats stay bigints). */
const blockCodec = {
  toBytes: (v: Value) => new Uint8Array(IDL.encode([T.Value], [v])),
  fromBytes: (b: Uint8Array) => IDL.decode([T.Value], b)[0] as unknown as Value,
};

const pad = (n: number | bigint, width = 20) => n.toString().padStart(width, '0');

export class Storage {
  private readonly typesMap = new StableBTreeMap<string, CanisterTypeRecord>(0, undefined, recordCodec as never);
  private readonly wasmsMap = new StableBTreeMap<string, WasmRecord>(1, undefined, recordCodec as never);
  private readonly chunksMap = new StableBTreeMap<string, Uint8Array>(2, undefined, raw);
  private readonly blocksMap = new StableBTreeMap<string, Value>(3, undefined, blockCodec);
  private readonly installationsMap = new StableBTreeMap<string, InstallationRecord>(4);
  private readonly settingsMap = new StableBTreeMap<string, unknown>(5);
  /** ICRC-126 filings, by `hash:verifier`, and verification requests, by hash. */
  private readonly filingsMap = new StableBTreeMap<string, VerificationRecord>(6);
  private readonly requestsMap = new StableBTreeMap<string, VerificationRequestRecord>(7);

  /** The ICRC-3 log; its tip lives beside the settings. */
  readonly log = new BlockLog(this.blocksMap, this.settingsMap);

  /** Heap caches of the small records. */
  readonly view: RegistryView = { types: new Map(), wasms: new Map(), installations: [] };
  /** Heap caches of the ICRC-126 filings (in filing order) and requests. */
  filings: VerificationRecord[] = [];
  requests = new Map<string, VerificationRequestRecord>();

  /** Rebuilds the heap caches from stable memory (after an upgrade). */
  load(): void {
    this.view.types = new Map(this.typesMap.items().map(([k, v]) => [k, v]));
    this.view.wasms = new Map(this.wasmsMap.items().map(([k, v]) => [k, v]));
    this.view.installations = this.installationsMap.values().sort((a, b) => a.seq - b.seq);
    this.filings = this.filingsMap.values().sort((a, b) => a.seq - b.seq);
    this.requests = new Map(this.requestsMap.items());
  }

  /** Records a filing, replacing the verifier's previous one on the same version. */
  putFiling(record: VerificationRecord): void {
    this.filingsMap.insert(`${record.hash}:${record.verifier}`, record);
    this.filings = this.filings.filter((f) => !(f.hash === record.hash && f.verifier === record.verifier));
    this.filings.push(record);
  }

  nextFilingSeq(): number {
    return this.filings.reduce((m, f) => Math.max(m, f.seq), -1) + 1;
  }

  putRequest(record: VerificationRequestRecord): void {
    this.requestsMap.insert(record.hash, record);
    this.requests.set(record.hash, record);
  }

  get config(): RegistryConfig {
    return (this.settingsMap.get('config') as RegistryConfig | undefined) ?? { admins: [], openTypeCreation: false };
  }

  set config(config: RegistryConfig) {
    this.settingsMap.insert('config', config);
  }

  putType(type: CanisterTypeRecord): void {
    this.typesMap.insert(type.namespace, type);
    this.view.types.set(type.namespace, type);
  }

  putWasm(wasm: WasmRecord): void {
    this.wasmsMap.insert(wasm.hash, wasm);
    this.view.wasms.set(wasm.hash, wasm);
  }

  nextWasmSeq(): number {
    let max = -1;
    for (const w of this.view.wasms.values()) if (w.seq > max) max = w.seq;
    return max + 1;
  }

  chunk(hash: string, id: number): Uint8Array | undefined {
    return this.chunksMap.get(`${hash}:${pad(id, 6)}`);
  }

  putChunk(hash: string, id: number, bytes: Uint8Array): void {
    this.chunksMap.insert(`${hash}:${pad(id, 6)}`, bytes);
  }

  removeChunks(hash: string, count: number): void {
    for (let id = 0; id < count; id++) this.chunksMap.remove(`${hash}:${pad(id, 6)}`);
  }

  putInstallation(record: InstallationRecord): void {
    this.installationsMap.insert(`${record.hash}:${record.canister}`, record);
    this.view.installations = this.view.installations.filter((i) => !(i.hash === record.hash && i.canister === record.canister));
    this.view.installations.push(record);
    this.view.installations.sort((a, b) => a.seq - b.seq);
  }
}
