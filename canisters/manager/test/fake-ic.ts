/**
 * An in-memory IC for the unit tests of `steps.ts`: a registry that serves chunks, chunk stores
 * that compute real sha256 (Node's), stop/start state, and an `install_chunked_code` that checks
 * what the IC checks (the listed chunks exist in the store canister, their concatenation hashes
 * to `wasm_module_hash`, upgrade needs an installed module) and leaves the module unchanged when
 * it refuses or when the new code's `post_upgrade` traps.
 *
 * Every call is written to `effects`, so tests assert the order; faults are injected per method.
 */
import { DEFAULT_POLICY, EffectError, type IcEffects, type RegistryVersion } from '../src/domain/index.js';
import { sha, v } from './fixtures.js';

/** The management canister's limit for one `upload_chunk` (IC interface specification). */
const MAX_CHUNK_BYTES = 1024 * 1024;

export type Status = 'running' | 'stopping' | 'stopped';

interface Canister {
  module: Uint8Array | undefined;
  status: Status;
  store: Map<string, Uint8Array>;
}

interface Published {
  chunks: Uint8Array[];
  /** What `icrc118_get_wasm_chunk` answers as `chunk_hash`, per chunk. */
  declared: (string | undefined)[];
}

export type Method =
  | 'icrc118_get_wasm_chunk' | 'clear_chunk_store' | 'upload_chunk' | 'stop_canister' | 'start_canister'
  | 'install_chunked_code' | 'canister_status';

export interface InstallCall {
  target: string;
  store: string;
  chunkHashes: string[];
  moduleHash: string;
  arg: Uint8Array;
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

export class FakeIc implements IcEffects {
  readonly effects: string[] = [];
  readonly installs: InstallCall[] = [];
  /** Module hashes whose `post_upgrade` traps: the IC rolls the install back. */
  readonly trapsOnUpgrade = new Set<string>();
  /** When a stop is rejected, whether the canister was left `stopping` (a stop that timed out). */
  stopRejectionLeavesStopping = false;

  private readonly canisters = new Map<string, Canister>();
  private readonly published = new Map<string, Published>();
  private readonly rejections = new Map<Method, number>();
  private readonly hooks = new Map<Method, () => void>();

  /** A canister running `module`. */
  addCanister(id: string, module: Uint8Array | undefined): this {
    this.canisters.set(id, { module, status: 'running', store: new Map() });
    return this;
  }

  /**
   * Publishes a module split into `chunks` and answers its registry record. `declare` says where
   * the per-chunk hashes are declared: in each chunk reply, only in the version record, or nowhere.
   */
  publish(chunks: Uint8Array[], declare: 'reply' | 'version' | 'none', extra: Partial<RegistryVersion> = {}): RegistryVersion {
    const hashes = chunks.map(sha);
    const hash = sha(concat(chunks));
    this.published.set(hash, { chunks: [...chunks], declared: declare === 'reply' ? hashes : chunks.map(() => undefined) });
    return {
      hash, namespace: 'org.lineage.backend', version: v(1, 0, 0), previousHash: undefined, verified: true, deprecated: false,
      chunks: chunks.length, chunkHashes: declare === 'version' ? hashes : undefined, policy: DEFAULT_POLICY, ...extra,
    };
  }

  /** Makes the registry serve `bytes` as chunk `index` of `hash` (its declared hash unchanged). */
  tamper(hash: string, index: number, bytes: Uint8Array): void {
    this.published.get(hash)!.chunks[index] = bytes;
  }

  /** The next `times` calls of `method` are rejected. */
  reject(method: Method, times = Number.POSITIVE_INFINITY): this {
    this.rejections.set(method, times);
    return this;
  }

  /** Runs `hook` right after the next successful call of `method` (another controller acting meanwhile). */
  after(method: Method, hook: () => void): this {
    this.hooks.set(method, hook);
    return this;
  }

  /** Another controller installs `module` directly. */
  installOutside(id: string, module: Uint8Array | undefined): void {
    this.canister(id).module = module;
  }

  putInStore(id: string, bytes: Uint8Array): void {
    this.canister(id).store.set(sha(bytes), bytes);
  }

  moduleOf(id: string): string | undefined {
    const m = this.canister(id).module;
    return m && sha(m);
  }

  statusOf(id: string): Status {
    return this.canister(id).status;
  }

  storeSize(id: string): number {
    return this.canister(id).store.size;
  }

  private canister(id: string): Canister {
    const c = this.canisters.get(id);
    if (!c) throw new Error(`the fake IC has no canister ${id}`);
    return c;
  }

  private enter(method: Method, effect: string): void {
    this.effects.push(effect);
    const left = this.rejections.get(method) ?? 0;
    if (left > 0) {
      this.rejections.set(method, left - 1);
      throw new EffectError(method, `${method} rejected (injected by the test)`);
    }
  }

  private leave(method: Method): void {
    const hook = this.hooks.get(method);
    if (hook) {
      this.hooks.delete(method);
      hook();
    }
  }

  // ---- IcEffects ----------------------------------------------------------------------------

  async registryChunk(hash: string, index: number): Promise<{ bytes: Uint8Array; declared: string | undefined }> {
    this.enter('icrc118_get_wasm_chunk', `chunk ${index}`);
    const p = this.published.get(hash);
    if (!p || index >= p.chunks.length) throw new EffectError('icrc118_get_wasm_chunk', `chunk ${index} of ${hash}: NotFound`);
    this.leave('icrc118_get_wasm_chunk');
    return { bytes: p.chunks[index]!, declared: p.declared[index] };
  }

  async clearChunkStore(store: string): Promise<void> {
    this.enter('clear_chunk_store', `clear ${store}`);
    this.canister(store).store.clear();
    this.leave('clear_chunk_store');
  }

  async uploadChunk(store: string, bytes: Uint8Array): Promise<string> {
    this.enter('upload_chunk', `upload ${store}`);
    if (bytes.length > MAX_CHUNK_BYTES) throw new EffectError('upload_chunk', 'chunk larger than 1 MiB');
    const hash = sha(bytes);
    this.canister(store).store.set(hash, bytes);
    this.leave('upload_chunk');
    return hash;
  }

  async stop(id: string): Promise<void> {
    try {
      this.enter('stop_canister', `stop ${id}`);
    } catch (error) {
      if (this.stopRejectionLeavesStopping) this.canister(id).status = 'stopping';
      throw error;
    }
    this.canister(id).status = 'stopped';
    this.leave('stop_canister');
  }

  async start(id: string): Promise<void> {
    this.enter('start_canister', `start ${id}`);
    this.canister(id).status = 'running';
    this.leave('start_canister');
  }

  async installChunked(args: InstallCall): Promise<void> {
    const target = this.canister(args.target);
    this.enter('install_chunked_code', `install ${args.target} from ${args.store} (${target.status})`);
    this.installs.push({ ...args, chunkHashes: [...args.chunkHashes] });
    const store = this.canister(args.store).store;
    const parts = args.chunkHashes.map((hash) => {
      const bytes = store.get(hash);
      if (!bytes) throw new EffectError('install_chunked_code', `chunk ${hash} is not in the chunk store of ${args.store}`);
      return bytes;
    });
    const module = concat(parts);
    if (sha(module) !== args.moduleHash) throw new EffectError('install_chunked_code', `the module hashes to ${sha(module)}, not ${args.moduleHash}`);
    if (target.module === undefined) throw new EffectError('install_chunked_code', 'upgrade mode needs an installed module');
    if (this.trapsOnUpgrade.has(args.moduleHash)) throw new EffectError('install_chunked_code', 'Canister called `ic0.trap` in post_upgrade');
    target.module = module;
    this.leave('install_chunked_code');
  }

  async moduleHash(id: string): Promise<string | undefined> {
    this.enter('canister_status', `status ${id}`);
    const hash = this.moduleOf(id);
    this.leave('canister_status');
    return hash;
  }
}
