/**
 * One canister's state: identity, controllers and settings, cycles, status, code and memories,
 * certified data, timer, history, chunk store, logs, and its open call contexts and callbacks.
 */
import type { Principal } from '@dfinity/principal';

import type { CanisterSnapshot } from './canister-snapshot.js';
import { DEFAULTS, LIMITS } from './constants.js';
import { StableMemory } from './state/stable-memory.js';
import { SystemApi } from './system-api/imports.js';
import type { PreparedModule } from './wasm/prepare.js';
import type { WasmInstance } from './wasm/instance.js';

export type CanisterStatus = 'running' | 'stopping' | 'stopped';

export type LogVisibility = { kind: 'controllers' } | { kind: 'public' } | { kind: 'allowed_viewers'; viewers: Principal[] };

export interface CanisterSettings {
  computeAllocation: bigint;
  memoryAllocation: bigint;
  freezingThreshold: bigint;
  reservedCyclesLimit: bigint;
  /** Fewest cycles a call from another canister must carry (ingress and self-calls are exempt). */
  minimumIncomingCanisterCallCycles: bigint;
  logVisibility: LogVisibility;
  snapshotVisibility: LogVisibility;
  statusVisibility: LogVisibility;
  logMemoryLimit: bigint;
  wasmMemoryLimit: bigint;
  wasmMemoryThreshold: bigint;
  environmentVariables: [string, string][];
}

export function defaultSettings(): CanisterSettings {
  return {
    computeAllocation: 0n,
    memoryAllocation: 0n,
    freezingThreshold: DEFAULTS.freezingThreshold,
    reservedCyclesLimit: DEFAULTS.reservedCyclesLimit,
    minimumIncomingCanisterCallCycles: 0n,
    logVisibility: { kind: 'controllers' },
    snapshotVisibility: { kind: 'controllers' },
    statusVisibility: { kind: 'controllers' },
    logMemoryLimit: BigInt(LIMITS.canisterLogBytes),
    wasmMemoryLimit: DEFAULTS.wasmMemoryLimit,
    wasmMemoryThreshold: 0n,
    environmentVariables: [],
  };
}

/** Who made a change recorded in the canister's history (IC spec § canister_info). */
export type ChangeOrigin =
  | { kind: 'user'; user: Principal }
  | { kind: 'canister'; canister: Principal; version: bigint | undefined };

export type ChangeDetails =
  | { kind: 'creation'; controllers: Principal[]; environmentVariablesHash: Uint8Array | undefined }
  | { kind: 'code_uninstall' }
  | { kind: 'code_deployment'; mode: 'install' | 'reinstall' | 'upgrade'; moduleHash: Uint8Array }
  | { kind: 'controllers_change'; controllers: Principal[] }
  | {
    kind: 'load_snapshot';
    /** The canister the snapshot belongs to, when it is not the one it was loaded onto. */
    fromCanister: Principal | undefined;
    snapshotId: Uint8Array;
    /** Version and time of the snapshot's canister when the snapshot was taken (or uploaded). */
    canisterVersion: bigint;
    takenAtTimestamp: bigint;
    source: 'taken_from_canister' | 'metadata_upload';
  };

export interface Change {
  timestampNanos: bigint;
  canisterVersion: bigint;
  origin: ChangeOrigin;
  details: ChangeDetails;
}

/** Where a call context came from, so its response can be delivered. */
export type CallOrigin =
  | { kind: 'ingress'; messageId: string; caller: Uint8Array }
  | { kind: 'canister'; caller: Uint8Array; callbackId: number; deadline: bigint }
  | { kind: 'system' };

export interface CallContext {
  id: number;
  origin: CallOrigin;
  method: string;
  needsToRespond: boolean;
  availableCycles: bigint;
  /** Callbacks of calls made from this context that have not run yet. */
  outstanding: number;
  deleted: boolean;
  /** Instructions executed in this context so far (`performance_counter(1)`). */
  instructions?: bigint;
}

export interface Callback {
  id: number;
  callContextId: number;
  callee: Uint8Array;
  reply: { fn: number; env: number | bigint };
  reject: { fn: number; env: number | bigint };
  cleanup: { fn: number; env: number | bigint } | undefined;
  cyclesSent: bigint;
  /** Bounded-wait calls: when the system stops waiting (0 for calls that wait for their response). */
  deadline: bigint;
  /** Set when the deadline passed and the caller got SYS_UNKNOWN; the real response is then dropped. */
  expired: boolean;
  /** Cycles set aside with the call for its response and callback (see `ic0.call_perform`), given back when it is answered. */
  reserved: bigint;
}

export interface LogRecord {
  idx: bigint;
  timestampNanos: bigint;
  content: Uint8Array;
}

/** What `Canister.lastInstall` keeps of one install. */
export interface InstallRecord {
  mode: 'install' | 'reinstall' | 'upgrade';
  skipPreUpgrade: boolean;
  /** `undefined`: the option was absent (the IC then replaces the Wasm memory). */
  wasmMemoryPersistence: 'keep' | 'replace' | undefined;
  moduleHash: string;
  at: bigint;
}

export class Canister {
  readonly idBytes: Uint8Array;
  readonly idText: string;
  controllers: Principal[];
  settings: CanisterSettings = defaultSettings();
  cycles: bigint;
  reservedCycles = 0n;
  status: CanisterStatus = 'running';
  version = 0n;
  module: PreparedModule | undefined;
  instance: WasmInstance | undefined;
  stable = new StableMemory();
  /** One System API per canister: its import object is bound to the canister's instance. */
  readonly api = new SystemApi();
  certifiedData: Uint8Array = new Uint8Array();
  globalTimer = 0n;
  history: Change[] = [];
  totalChanges = 0n;
  chunkStore = new Map<string, Uint8Array>();
  logs: LogRecord[] = [];
  nextLogIdx = 0n;
  callContexts = new Map<number, CallContext>();
  callbacks = new Map<number, Callback>();
  createdAt: bigint;
  /** When the canister was last charged for its memory and compute allocation (see idle-burn.ts). */
  lastResourceChargeAt: bigint;
  lastInstalledAt: bigint | undefined;
  /**
   * The last successful install as the management canister received it, upgrade options included.
   * Not part of any IC interface (`canister_info` records the mode only); read in process, so a test
   * can see that `skip_pre_upgrade` and `wasm_memory_persistence` reached the IC.
   */
  lastInstall: InstallRecord | undefined;
  queryStats = { calls: 0n, instructions: 0n, requestBytes: 0n, responseBytes: 0n };
  /** The canister's snapshots by hex id, oldest first (IC spec § take_canister_snapshot). */
  snapshots = new Map<string, CanisterSnapshot>();
  /** The local part of the next snapshot id (a per-canister counter, as the replica's). */
  nextSnapshotId = 0n;

  constructor(readonly id: Principal, readonly subnetId: Principal, controllers: Principal[], cycles: bigint, time: bigint) {
    this.idBytes = id.toUint8Array();
    this.idText = id.toText();
    this.controllers = controllers;
    this.cycles = cycles;
    this.createdAt = time;
    this.lastResourceChargeAt = time;
  }

  get isEmpty(): boolean {
    return this.module === undefined;
  }

  isController(principal: Principal | Uint8Array): boolean {
    const text = principal instanceof Uint8Array ? undefined : principal.toText();
    return this.controllers.some((c) => (text !== undefined ? c.toText() === text : bytesEq(c.toUint8Array(), principal as Uint8Array)));
  }

  /** Records a change, keeping the 20 most recent as the IC does (`total_num_changes` keeps counting). */
  recordChange(change: Change): void {
    this.history.push(change);
    this.totalChanges += 1n;
    if (this.history.length > LIMITS.canisterHistoryLength) this.history.splice(0, this.history.length - LIMITS.canisterHistoryLength);
  }

  appendLogs(time: bigint, contents: Uint8Array[]): void {
    if (contents.length === 0) return; // most messages log nothing: the log need not be measured
    for (const content of contents) {
      this.logs.push({ idx: this.nextLogIdx++, timestampNanos: time, content });
    }
    // The log is a ring buffer of `log_memory_limit` bytes: oldest records go first.
    let size = this.logs.reduce((n, r) => n + r.content.length, 0);
    const limit = Number(this.settings.logMemoryLimit);
    while (size > limit && this.logs.length > 0) size -= this.logs.shift()!.content.length;
  }

  /** Memory the canister uses, as `canister_status.memory_size` reports it. */
  get memorySize(): bigint {
    const heap = BigInt(this.instance?.heap.byteLength ?? 0);
    const stable = this.stable.byteLength;
    const module = BigInt(this.module?.size ?? 0);
    let chunks = 0n;
    for (const c of this.chunkStore.values()) chunks += BigInt(c.length);
    const history = BigInt(this.history.length * 100);
    return heap + stable + module + chunks + history + this.snapshotsSize;
  }

  /** Bytes held by the canister's snapshots (`memory_metrics.snapshots_size`). */
  get snapshotsSize(): bigint {
    let total = 0n;
    for (const s of this.snapshots.values()) total += s.size;
    return total;
  }
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
