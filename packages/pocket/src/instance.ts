/**
 * One emulated Internet Computer instance (a PocketIC "instance"): its subnets, canisters, clock,
 * ingress history and scheduler, and the operations the PocketIC REST protocol exposes.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { Canister, defaultSettings, type CallContext, type CallOrigin } from './canister.js';
import { makeCertificate } from './certification/certificate.js';
import { encodeCbor } from './certification/cbor.js';
import { labeledTree, leb128, node } from './certification/hash-tree.js';
import { AWAIT_MAX_ROUNDS, GENESIS_TIME_NANOS, LIMITS, MAX_INGRESS_TTL_NS } from './constants.js';
import { IcError } from './errors.js';
import { execute, type ExecutionEnvironment } from './execution/execute.js';
import { runQuery } from './execution/query.js';
import { expireDeadlines, handleRequest, handleResponse, handleTask, registerCall, reject, rejectFrom, respond, type Host } from './execution/requests.js';
import { canisterNumber, principalText } from './ids.js';
import type { CreateCanisterOptions, ManagementHost } from './management/host.js';
import { CanisterIdRecord, CanisterInfoArgs, CanisterInfoResult, CanisterStatusResult, FetchLogsResult } from './management/idl.js';
import * as SnapshotIdl from './management/snapshot-idl.js';
import { canisterInfo, canisterStatus } from './management/methods.js';
import { environmentVariablesHashOf, mayView } from './management/settings.js';
import { checkManagementIngress, effectiveCanisterId, executeManagement, ingressFeePayer } from './management/index.js';
import { mergeSettings } from './management/settings.js';
import { rawFromResult, type CallResult, type Message, type RawResult, type Request, type Response } from './messages.js';
import { Scheduler } from './scheduler.js';
import type { MessageStats } from './stats.js';
import { captureCanister, loadState, restoreFields, saveState, type InstanceRecord } from './state/snapshot.js';
import { StableMemory } from './state/stable-memory.js';
import { WasmInstance } from './wasm/instance.js';
import { prepareModule } from './wasm/prepare.js';
import { chargeIdleBurn, idleBurnPerDay, type IdleBurnHost } from './execution/idle-burn.js';
import { chargeIngressFee } from './execution/fees.js';
import { pocketIcEnvelopeBytes } from './ingress-envelope.js';
import { HttpOutcalls, settleOutcall, validRejectCode, type MockedResponse } from './management/http-outcalls.js';
import type { OutgoingCall } from './system-api/context.js';
import { allocationBlock, buildSubnets, mainnetSubnetKind, Subnet, type SubnetSpec, type TopologyRequest } from './subnet.js';

/** An error of the emulator's API itself (bad routing, unknown canister…): PocketIC's 400 `{message}`. */
export class PocketError extends Error {
  override name = 'PocketError';
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** A canister snapshot as `list_canister_snapshots` describes it. */
export interface SnapshotInfo {
  id: Uint8Array;
  takenAtTimestamp: bigint;
  totalSize: bigint;
}

export type EffectivePrincipal = { kind: 'none' } | { kind: 'subnet'; id: Principal } | { kind: 'canister'; id: Principal };

/** What a client of the IC HTTP interface sent: its request id (base64), expiry (ns) and size in bytes. */
export interface IngressEnvelope {
  messageId: string;
  expiry: bigint;
  bytes: number;
}

export interface InstanceOptions {
  topology: TopologyRequest;
  /** Seed for keys, subnet ids and randomness, so an instance is reproducible. */
  seed: string;
  disableIngressValidation?: boolean;
  /** Where canister debug output goes (PocketIC writes it to stderr). */
  onCanisterLog?: (line: string) => void;
}

interface IngressRecord {
  id: string;
  sender: Principal;
  receiver: Principal;
  method: string;
  subnet: Subnet;
  result: RawResult | undefined;
  /** The instance time at which the result was set (or the message was left out, `dropped`). */
  completedAt?: bigint;
  /** Expired before a round could induct it: never executed, its status unknown. */
  dropped?: boolean;
  /**
   * Where it is before it completes (IC spec § Request status): `received` once a round inducted
   * it, `processing` once it began to execute; unset before induction (its status is unknown).
   */
  state?: 'received' | 'processing';
}

const MANAGEMENT = Principal.managementCanister();

export class IcInstance {
  readonly subnets: Subnet[];
  private nextAllocationBlock: number;
  readonly rootSubnet: Subnet;
  private readonly canisters = new Map<string, Canister>();
  private sortedCache: Canister[] | undefined;
  private readonly deletedIds = new Set<string>();
  private readonly ingress = new Map<string, IngressRecord>();
  /** Completed ingress messages in the order they completed, from `completedFrom` on: the ones to forget. */
  private completedIngress: string[] = [];
  private completedFrom = 0;
  private readonly scheduler: Scheduler;
  private readonly host: Host & ManagementHost;
  /** HTTPS outcalls waiting for `mock_canister_http`. */
  readonly httpOutcalls = new HttpOutcalls();
  private readonly environments = new Map<Subnet, ExecutionEnvironment>();
  private readonly environmentOf = new WeakMap<Canister, ExecutionEnvironment>();
  private readonly certificates = new Map<string, Uint8Array>();
  private readonly delegations = new Map<Subnet, { subnetId: Uint8Array; certificate: Uint8Array; time: bigint }>();
  private nextCallbackIdValue = 1;
  private nextMessageNonce = 0n;
  private messageIdPrefix: string | undefined;
  private randomCounter = 0n;
  /** The time the next round will use. */
  private currentTime = GENESIS_TIME_NANOS;
  private lastRoundTime = 0n;
  /** The time of the latest certified state, which queries see. */
  private certified = GENESIS_TIME_NANOS;

  constructor(readonly options: InstanceOptions) {
    const layout = buildSubnets(options.topology, options.seed);
    this.subnets = layout.subnets;
    this.nextAllocationBlock = layout.nextBlock;
    if (this.subnets.length === 0) throw new PocketError('At least one subnet must be configured.');
    this.rootSubnet = this.subnets.find((s) => s.kind === 'NNS') ?? this.subnets[0]!;
    const ic = this;
    this.host = {
      get time() { return ic.currentTime; },
      environment: (c) => this.environment(c),
      deliver: (c, origin, result, refund) => this.deliver(c, origin, result, refund),
      send: (c, context, call) => this.send(c, context, call),
      respond: (request, result, refund) => this.respondToRequest(request, result, refund),
      continueForRounds: (c, rounds, complete, install?: boolean) => this.scheduler.continueForRounds(c, rounds, complete, install),
      canister: (id) => this.canister(id),
      createCanister: (o) => this.createCanister(o),
      deleteCanister: (c) => this.deleteCanister(c),
      subnetOf: (id) => this.subnetOf(id),
      rejectCallContexts: (c, result) => this.rejectCallContexts(c, result),
      awaitStopped: (c, done, cancelled) => this.scheduler.awaitStopped(c, done, cancelled),
      cancelStops: (c) => this.scheduler.cancelStops(c),
      nextRound: (action) => this.scheduler.nextRound(action),
      randomBytes: (n) => this.randomBytes(n),
      httpOutcalls: this.httpOutcalls,
      recordFee: (id, kind, cycles) => this.scheduler.stats.recordFee(id, kind, cycles),
      recordMinted: (id, cycles) => this.scheduler.stats.recordMinted(id, cycles),
    };
    this.scheduler = new Scheduler({
      canistersInOrder: () => this.canistersInOrder(),
      canisterByText: (id) => this.canisters.get(id),
      handleRequest: (c, r) => {
        this.startIngress(r);
        handleRequest(this.host, c, r);
      },
      handleResponse: (c, r) => handleResponse(this.host, c, r),
      handleTask: (c, t) => handleTask(this.host, c, t),
      handleManagement: (r, s) => {
        this.startIngress(r);
        this.runManagement(r, s);
      },
      handleUndeliverable: (m) => this.undeliverable(m),
      handleExpiredIngress: (messageId) => this.completeIngress(messageId, rawFromResult(reject(
        'IngressMessageTimeout', `Ingress message ${Buffer.from(messageId, 'base64').toString('hex')} timed out waiting to start executing.`,
      ), true)),
      expireDeadlines: (c) => expireDeadlines(c, this.currentTime, (response) => this.scheduler.enqueue(c.id, response)),
      managementTarget: (r) => effectiveCanisterId(r.method, r.payload)?.toText(),
      get time() { return ic.currentTime; },
    });
    // PocketIC executes a round on every subnet while creating the instance.
    this.tick();
  }

  // ---- saving and restoring (PocketIC's state_dir) ------------------------------------------

  /** Rounds to run, at most, so that no message is in flight when the state is saved. */
  static readonly SAVE_DRAIN_ROUNDS = 500;

  /**
   * Writes the instance's state to `dir` (see `state/snapshot.ts`). Rounds run first until no
   * message is in flight; call contexts still open after that are not saved. Returns how many
   * were dropped.
   */
  saveTo(dir: string): { droppedContexts: number } {
    for (let round = 0; round < IcInstance.SAVE_DRAIN_ROUNDS && this.scheduler.busy; round++) this.tick();
    let droppedContexts = 0;
    for (const c of this.canisters.values()) droppedContexts += [...c.callContexts.values()].filter((x) => !x.deleted).length;
    const record: InstanceRecord = {
      seed: this.options.seed,
      topology: this.options.topology,
      disableIngressValidation: this.options.disableIngressValidation ?? false,
      subnets: this.subnets.map((s) => ({
        spec: { ...s.spec }, ranges: s.ranges, allocation: s.allocation, seedMaterial: s.seedMaterial, allocationCursor: s.allocationCursor,
      })),
      nextAllocationBlock: this.nextAllocationBlock,
      deletedIds: [...this.deletedIds],
      counters: { nextCallbackId: this.nextCallbackIdValue, nextMessageNonce: this.nextMessageNonce, randomCounter: this.randomCounter },
      time: { current: this.currentTime, lastRound: this.lastRoundTime, certified: this.certified },
    };
    saveState(dir, record, this.canistersInOrder().map(captureCanister));
    return { droppedContexts };
  }

  /** An instance as `saveTo(dir)` left it: same subnets and keys, canisters, memories and time. */
  static restoreFrom(dir: string, options: Pick<InstanceOptions, 'onCanisterLog'> = {}): IcInstance {
    const { instance: saved, canisters } = loadState(dir);
    const ic = new IcInstance({
      topology: saved.topology as TopologyRequest, seed: saved.seed,
      disableIngressValidation: saved.disableIngressValidation, onCanisterLog: options.onCanisterLog,
    });
    // Subnets added after creation (for mainnet canister ids) come back in the same order.
    for (const s of saved.subnets.slice(ic.subnets.length)) {
      ic.subnets.push(new Subnet(s.spec as SubnetSpec, s.ranges, s.allocation, s.seedMaterial));
    }
    saved.subnets.forEach((s, k) => { ic.subnets[k]!.allocationCursor = s.allocationCursor; });
    ic.nextAllocationBlock = saved.nextAllocationBlock;
    for (const id of saved.deletedIds) ic.deletedIds.add(id);
    ic.nextCallbackIdValue = saved.counters.nextCallbackId;
    ic.nextMessageNonce = saved.counters.nextMessageNonce;
    ic.randomCounter = saved.counters.randomCounter;
    ic.currentTime = saved.time.current;
    ic.lastRoundTime = saved.time.lastRound;
    ic.certified = saved.time.certified;
    for (const c of canisters) {
      const id = Principal.fromText(c.record.id);
      // Created "at" the saved time: a state saved before resource charges were recorded is charged from then on.
      const canister = new Canister(id, Principal.fromText(c.record.subnetId), [], 0n, saved.time.current);
      restoreFields(canister, c.record, c.snapshots);
      canister.stable = StableMemory.fromPages(c.record.stable.size, c.record.stable.pages.map((n, k) => [n, c.stablePages[k]!]));
      if (c.wasm && c.record.code) {
        canister.module = prepareModule(c.wasm);
        canister.instance = WasmInstance.create(canister.module, canister.api.imports);
        canister.instance.restore(c.heap ?? new Uint8Array(), c.record.code.globals);
      }
      ic.canisters.set(c.record.id, canister);
    }
    ic.sortedCache = undefined;
    return ic;
  }

  /** Messages carried and bytes moved between canisters since the last reset (for benchmarks). */
  get stats(): MessageStats {
    return this.scheduler.stats;
  }

  // ---- time ------------------------------------------------------------------------------

  /** The time the next round will use. */
  get time(): bigint {
    return this.currentTime;
  }

  /** The time of the latest certified state (what queries see). */
  get certifiedTime(): bigint {
    return this.certified;
  }

  setTime(nanos: bigint): void {
    if (nanos < this.currentTime) throw new PocketError(`SettingTimeIntoPast((${this.currentTime}, ${nanos}))`);
    this.currentTime = nanos;
  }

  /** Sets the time and certifies the current state at it, so queries see it at once. */
  setCertifiedTime(nanos: bigint): void {
    this.setTime(nanos);
    this.certified = nanos;
    this.lastRoundTime = nanos;
  }

  /** Executes one round on every subnet. */
  tick(): void {
    // Block time strictly increases: a round at an unchanged time is 1 ns later.
    const roundTime = this.currentTime > this.lastRoundTime ? this.currentTime : this.lastRoundTime + 1n;
    this.currentTime = roundTime;
    this.lastRoundTime = roundTime;
    this.forgetIngress(roundTime);
    this.chargeResources();
    this.scheduler.runRound();
    for (const subnet of this.subnets) subnet.endRound();
    this.certified = roundTime;
  }

  /** Charges every canister for the resources it held since its last charge (see idle-burn.ts). */
  private chargeResources(): void {
    chargeIdleBurn(this.canistersInOrder(), this.currentTime, this.idleBurnHost);
  }

  private readonly idleBurnHost: IdleBurnHost = {
    costOf: (c) => (this.subnetOf(c.id) ?? this.rootSubnet).cost,
    recordFee: (id, kind, cycles) => this.scheduler.stats.recordFee(id, kind, cycles),
    rejectCallContexts: (c, result) => this.rejectCallContexts(c, result),
  };

  // ---- topology and canisters --------------------------------------------------------------

  subnetOf(id: Principal | Uint8Array): Subnet | undefined {
    return this.subnets.find((s) => s.contains(id));
  }

  subnetById(id: Principal): Subnet | undefined {
    const text = id.toText();
    return this.subnets.find((s) => s.id.toText() === text);
  }

  /** The first range start of the first application subnet (PocketIC's default effective canister id). */
  get defaultEffectiveCanisterId(): Principal {
    const order = ['Application', 'VerifiedApplication', 'System'];
    const subnet = order.map((k) => this.subnets.find((s) => s.kind === k)).find(Boolean) ?? this.subnets[0]!;
    return Principal.fromUint8Array(subnetStart(subnet));
  }

  canister(id: Principal | Uint8Array | string): Canister | undefined {
    const text = typeof id === 'string' ? id : principalText(id instanceof Uint8Array ? id : id.toUint8Array());
    return this.canisters.get(text);
  }

  /** The canister, or the REST error PocketIC gives for a missing one. */
  requireCanister(id: Principal): Canister {
    const canister = this.canister(id);
    if (!canister) throw new PocketError(`CanisterNotFound(CanisterId(${id.toText()}))`);
    return canister;
  }

  canistersInOrder(): Canister[] {
    this.sortedCache ??= [...this.canisters.values()].sort((a, b) => Buffer.compare(Buffer.from(a.idBytes), Buffer.from(b.idBytes)));
    return this.sortedCache;
  }

  private createCanister(options: CreateCanisterOptions): Canister {
    const { settings } = mergeSettings(defaultSettings(), options.settings ?? emptySettings());
    let id = options.specifiedId;
    if (id) {
      const owner = this.subnetOf(id);
      if (!owner) throw new IcError('CanisterNotHostedBySubnet', `Specified CanisterId ${id.toText()} does not belong to any subnet.`);
      const n = canisterNumber(id)!;
      // Ids PocketIC generates itself are not for the taking (PocketIC's `validate_specified_id`).
      if (this.subnets.some((s) => s.allocation.start <= n && n <= s.allocation.end)) {
        throw new IcError('InvalidManagementPayload', `The \`specified_id\` ${id.toText()} is invalid because it belongs to the canister allocation ranges of the test environment.\nUse a \`specified_id\` that matches a canister ID on the ICP mainnet and a test environment that supports canister creation with \`specified_id\` (e.g., PocketIC).`);
      }
      if (this.canisters.has(id.toText())) throw new IcError('CanisterIdAlreadyExists', `Canister ${id.toText()} is already installed.`);
    } else {
      id = options.subnet.allocate((candidate) => this.canisters.has(candidate.toText()) || this.deletedIds.has(candidate.toText()));
      if (!id) throw new IcError('MaxNumberOfCanistersReached', `Subnet ${options.subnet.id.toText()} has no more canister ids to allocate.`);
    }
    const subnet = this.subnetOf(id) ?? options.subnet;
    const canister = new Canister(id, subnet.id, options.controllers, options.cycles, this.currentTime);
    canister.settings = settings;
    // The creation record carries the environment variables' hash when they were given (IC spec § canister_info).
    const env = options.settings?.environment_variables[0];
    const environmentVariablesHash = env ? environmentVariablesHashOf(env) : undefined;
    canister.recordChange({
      timestampNanos: this.currentTime, canisterVersion: 0n, origin: options.origin,
      details: { kind: 'creation', controllers: options.controllers, environmentVariablesHash },
    });
    this.canisters.set(id.toText(), canister);
    this.sortedCache = undefined;
    return canister;
  }

  private deleteCanister(canister: Canister): void {
    this.canisters.delete(canister.idText);
    this.deletedIds.add(canister.idText);
    this.sortedCache = undefined;
  }

  // ---- execution environment -------------------------------------------------------------

  environment(canister: Canister): ExecutionEnvironment {
    // A canister never changes subnet: its environment is looked up once (every message asks).
    const known = this.environmentOf.get(canister);
    if (known) return known;
    const subnet = this.subnetOf(canister.id) ?? this.rootSubnet;
    let env = this.environments.get(subnet);
    if (!env) {
      env = {
        subnetId: subnet.id.toUint8Array(),
        subnetSize: subnet.size,
        rootKey: this.rootSubnet.key.der,
        cost: subnet.cost,
        compiledWasms: subnet.compiledWasms,
        sameSubnet: (callee) => this.subnetOf(callee) === subnet,
        freezingLimit: (c) => (idleBurnPerDay(c, subnet.cost) * c.settings.freezingThreshold) / 86_400n,
        debugPrint: (c, time, message) => this.canisterLog(c, time, message),
        recordExecution: (record) => this.scheduler.stats.recordExecution(record),
        recordFee: (id, kind, cycles) => this.scheduler.stats.recordFee(id, kind, cycles),
      };
      this.environments.set(subnet, env);
    }
    this.environmentOf.set(canister, env);
    return env;
  }

  private canisterLog(canister: Canister, time: bigint, message: Uint8Array): void {
    if (!this.options.onCanisterLog) return;
    const date = new Date(Number(time / 1_000_000n)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
    const nanos = String(time % 1_000_000_000n).padStart(9, '0');
    this.options.onCanisterLog(`${date}.${nanos} UTC: [Canister ${canister.idText}] ${new TextDecoder().decode(message)}`);
  }

  // ---- message routing ---------------------------------------------------------------------

  /** Delivers the response of a call context to its origin. */
  private deliver(callee: Canister, origin: CallOrigin, result: CallResult, refund: bigint): void {
    if (origin.kind === 'ingress') {
      this.completeIngress(origin.messageId, rawFromResult(result, true));
    } else if (origin.kind === 'canister') {
      const receiver = Principal.fromUint8Array(origin.caller);
      this.route(callee.id, receiver, { kind: 'response', receiver, sender: callee.id, callbackId: origin.callbackId, result, refund });
    }
  }

  private respondToRequest(request: Request, result: CallResult, refund: bigint): void {
    if (request.origin.kind === 'ingress') {
      this.completeIngress(request.origin.messageId, rawFromResult(result, true));
    } else {
      const sender = request.receiver;
      this.route(sender, request.sender, { kind: 'response', receiver: request.sender, sender, callbackId: request.origin.callbackId, result, refund });
    }
  }

  /** Sends a call a canister made. Same-subnet messages run this round; others in the next. */
  private send(canister: Canister, context: CallContext, call: OutgoingCall): void {
    // Paid from the execution's balance by `ic0.call_perform`; noted now that the call is made.
    if (call.fees) {
      this.scheduler.stats.recordFee(canister.idText, 'callMessage', call.fees.call);
      this.scheduler.stats.recordFee(canister.idText, 'requestBytes', call.fees.bytes);
    }
    const request = registerCall(canister, context, call, this.currentTime, () => this.nextCallbackIdValue++);
    if (request.receiver.toUint8Array().length === 0) {
      const subnet = this.subnetOf(canister.id) ?? this.rootSubnet;
      this.scheduler.enqueueManagement(request, subnet);
      return;
    }
    if (!this.subnetOf(request.receiver) || !this.canister(request.receiver)) {
      this.respondToRequest(request, reject('CanisterNotFound', `Canister ${request.receiver.toText()} not found`), request.cycles);
      return;
    }
    this.route(canister.id, request.receiver, request);
  }

  private route(from: Principal, to: Principal, message: Message): void {
    const fromSubnet = from.toUint8Array().length === 0 ? undefined : this.subnetOf(from);
    const toSubnet = this.subnetOf(to);
    if (fromSubnet && toSubnet && fromSubnet !== toSubnet) {
      this.scheduler.nextRound(() => this.scheduler.enqueue(to, message));
    } else {
      this.scheduler.enqueue(to, message);
    }
  }

  private undeliverable(message: Message): void {
    if (message.kind === 'request') {
      this.respondToRequest(message, reject('CanisterNotFound', `Canister ${message.receiver.toText()} not found`), message.cycles);
    }
    // A response for a deleted canister is dropped with its cycles.
  }

  private rejectCallContexts(canister: Canister, result: CallResult): void {
    for (const context of canister.callContexts.values()) {
      if (context.needsToRespond) respond(this.host, canister, context, result);
      context.deleted = true;
    }
    canister.callContexts.clear();
    // Their responses will find no callback: what the calls set aside for them comes back now.
    for (const callback of canister.callbacks.values()) canister.cycles += callback.reserved;
    canister.callbacks.clear();
  }

  private runManagement(request: Request, subnet: Subnet): void {
    const sender = request.sender;
    executeManagement(this.host, {
      method: request.method, payload: request.payload, sender,
      senderIsCanister: canisterNumber(sender) !== undefined, cycles: request.cycles, subnet,
    }, (result, refund) => {
      if (request.origin.kind === 'ingress') {
        this.completeIngress(request.origin.messageId, rawFromResult(result, true));
      } else {
        const response: Response = { kind: 'response', receiver: sender, sender: MANAGEMENT, callbackId: request.origin.callbackId, result, refund };
        this.scheduler.enqueue(sender, response);
      }
    });
  }

  private randomBytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      const block = createHash('sha256').update(this.options.seed).update('/random/').update(String(this.randomCounter++)).digest();
      out.set(block.subarray(0, Math.min(32, n - at)), at);
    }
    return out;
  }

  // ---- ingress ---------------------------------------------------------------------------

  /**
   * Routes a call to a subnet as PocketIC does (../../shared/pocketic-rest.md §6), or throws the
   * 400 error PocketIC gives.
   */
  routeCall(canisterId: Principal, method: string, payload: Uint8Array, effective: EffectivePrincipal): Subnet {
    if (effective.kind === 'subnet') {
      const subnet = this.subnetById(effective.id);
      if (!subnet) throw new PocketError(`BadIngressMessage("Subnet with ID ${effective.id.toText()} not found")`);
      return subnet;
    }
    let target: Principal;
    if (effective.kind === 'canister') target = effective.id;
    else if (canisterId.toUint8Array().length > 0) target = canisterId;
    else if (method === 'provisional_create_canister_with_cycles') {
      const specified = decodeSpecifiedId(payload);
      target = specified ?? this.defaultEffectiveCanisterId;
    } else {
      // PocketIC reads `canister_id` only: install_chunked_code (`target_canister`) needs an
      // explicit effective canister id, which pic sends.
      const decoded = decodeCanisterIdField(payload);
      if (!decoded) throw new PocketError(`Error decoding candid: the ${method} payload has no canister_id field from which to route the call; give an effective canister id`);
      target = decoded;
    }
    if (target.toUint8Array().length === 0 && method === 'provisional_create_canister_with_cycles') {
      target = this.defaultEffectiveCanisterId;
    }
    const subnet = this.subnetOf(target) ?? (method === 'provisional_create_canister_with_cycles' && canisterId.toUint8Array().length === 0 ? this.subnetForMainnetId(target) : undefined);
    if (!subnet) throw new PocketError(`Canister ${target.toText()} does not belong to any subnet.`);
    return subnet;
  }

  /**
   * Creating a canister at a mainnet id that no subnet covers adds a subnet holding that id's
   * mainnet range (of 2^20 ids), as PocketIC does, so mainnet canister ids can be reproduced.
   */
  private subnetForMainnetId(target: Principal): Subnet {
    const n = canisterNumber(target);
    if (n === undefined || n >> 20n >= 1024n) throw new PocketError(`The effective canister ID ${target.toText()} is not a mainnet canister ID and does not belong to any subnet of this instance.`);
    const kind = mainnetSubnetKind(n);
    if (kind === 'NNS' || kind === 'II') {
      throw new PocketError(`The effective canister ID ${target.toText()} belongs to the ${kind} subnet on the IC mainnet for which PocketIC provides a \`SubnetKind\`: please set up your PocketIC instance with a subnet of that \`SubnetKind\`.`);
    }
    const range = { start: (n >> 20n) << 20n, end: ((n >> 20n) << 20n) + (1n << 20n) - 1n };
    const allocation = allocationBlock(this.nextAllocationBlock++);
    const spec = { kind: kind ?? 'Application', instructionConfig: 'Production', costSchedule: 'Normal' } as const;
    const subnet = new Subnet(spec, [range, allocation], allocation, `${this.options.seed}/${spec.kind}/${this.subnets.length}`);
    this.subnets.push(subnet);
    this.tick();
    return subnet;
  }

  /**
   * Submits an ingress message: validated and queued, executed by a later round. Returns the
   * message id, or the reject the IC gives at submission. A client of the IC HTTP interface gives
   * its request's `envelope` (id, expiry, and size in bytes, which the induction fee and the size
   * limit count); without one (PocketIC's REST API), the message gets the envelope PocketIC's state
   * machine would build (`pocketIcEnvelopeBytes`), expiring after the longest time a client may ask for.
   *
   * @example ic.submitIngress(Principal.anonymous(), id, 'greet', arg, { kind: 'none' })
   */
  submitIngress(sender: Principal, canisterId: Principal, method: string, payload: Uint8Array, effective: EffectivePrincipal, envelope?: IngressEnvelope):
    { ok: { subnet: Subnet; messageId: string } } | { err: RawResult } {
    const subnet = this.routeCall(canisterId, method, payload, effective);
    const expiry = envelope?.expiry ?? this.currentTime + MAX_INGRESS_TTL_NS;
    const bytes = envelope?.bytes ?? pocketIcEnvelopeBytes({
      sender: sender.toUint8Array().length, canisterId: canisterId.toUint8Array().length, method: Buffer.byteLength(method), arg: payload.length, expiry,
    });
    if (bytes > LIMITS.maxIngressPayload) {
      throw new PocketError(`Request ${envelope?.messageId ?? ''} is too large. Message byte size ${bytes} is larger than the max allowed ${LIMITS.maxIngressPayload}.`, 413);
    }
    const rejected = this.checkIngress(sender, canisterId, method, payload, bytes);
    if (rejected) return { err: rawFromResult(rejected, false) };

    const id = envelope?.messageId ?? this.newMessageId();
    const existing = this.ingress.get(id);
    if (existing) return { ok: { subnet: existing.subnet, messageId: id } };
    const record: IngressRecord = { id, sender, receiver: canisterId, method, subnet, result: undefined };
    this.ingress.set(id, record);
    const origin = { kind: 'ingress', messageId: id, expiry } as const;
    const request: Request = { kind: 'request', sender, receiver: canisterId, method, payload, cycles: 0n, origin };
    this.scheduler.induct(() => {
      if (expiry < this.currentTime) {
        this.dropIngress(record);
        return;
      }
      if (canisterId.toUint8Array().length === 0) {
        const payer = ingressFeePayer(method, payload);
        const paying = payer && this.canister(payer);
        if (paying) this.chargeIngress(paying, bytes);
        record.state = 'received';
        this.scheduler.enqueueManagement(request, subnet);
        return;
      }
      const canister = this.canister(canisterId);
      if (!canister) {
        this.completeIngress(id, rawFromResult(reject('CanisterNotFound', `Canister ${canisterId.toText()} not found`), true));
        return;
      }
      this.chargeIngress(canister, bytes);
      record.state = 'received';
      this.scheduler.enqueue(canisterId, request);
    });
    return { ok: { subnet, messageId: id } };
  }

  /**
   * A fresh 32-byte message id for an ingress message submitted without one (clients of the IC
   * HTTP interface bring their request id): 24 bytes derived from the instance's seed, then the
   * instance's message counter, so ids never repeat within an instance or its saved successors.
   * (Hashing each message's content instead cost a few microseconds of every update.)
   */
  private newMessageId(): string {
    // Base64 of 24 bytes is 32 characters without padding: the prefix's text is computed once and
    // the counter's 8 bytes appended as text (no buffer allocated per message).
    this.messageIdPrefix ??= createHash('sha256').update(`${this.options.seed}/ingress-message-ids`).digest().subarray(0, 24).toString('base64');
    return this.messageIdPrefix + base64OfU64(this.nextMessageNonce++);
  }

  /**
   * Charges `canister` the induction fee of an ingress message: the canister receiving it pays, or,
   * for the management canister, the canister it is about (`ingressFeePayer`).
   */
  private chargeIngress(canister: Canister, bytes: number): void {
    const cost = (this.subnetOf(canister.id) ?? this.rootSubnet).cost;
    chargeIngressFee(canister, this.environment(canister), cost, BigInt(bytes));
  }

  /**
   * The ingress filter's balance check: a canister that cannot pay the induction fee without
   * dipping below its freezing threshold refuses the message (replica: `CanisterOutOfCyclesError`,
   * which tells a controller how much to top up).
   */
  private canPayIngress(canister: Canister, sender: Principal, bytes: number): CallResult | undefined {
    const fee = (this.subnetOf(canister.id) ?? this.rootSubnet).cost.ingress(BigInt(bytes));
    const threshold = this.environment(canister).freezingLimit(canister);
    if (canister.cycles >= threshold + fee) return undefined;
    const topUp = canister.isController(sender) ? `: please top up the canister with at least ${threshold + fee - canister.cycles} additional cycles` : '';
    return reject('CanisterOutOfCycles', `Canister ${canister.idText} is out of cycles${topUp}`);
  }

  /** What the IC refuses before queuing an ingress message. */
  private checkIngress(sender: Principal, canisterId: Principal, method: string, payload: Uint8Array, bytes: number): CallResult | undefined {
    if (canisterId.toUint8Array().length === 0) {
      return checkManagementIngress(this.host, sender, method, payload, (payer) => this.canPayIngress(payer, sender, bytes));
    }
    const canister = this.canister(canisterId);
    if (!canister) return reject('CanisterNotFound', `Canister ${canisterId.toText()} not found`);
    if (!canister.module) return reject('CanisterWasmModuleNotFound', 'Requested canister has no wasm module');
    if (canister.status === 'stopped') return reject('CanisterStopped', `Canister ${canister.idText} is stopped`);
    if (canister.status === 'stopping') return reject('CanisterStopping', `Canister ${canister.idText} is stopping`);
    const unpaid = this.canPayIngress(canister, sender, bytes);
    if (unpaid) return unpaid;
    if (!canister.module.system.has('canister_inspect_message')) return undefined;
    const result = this.inspect(canister, sender, method, payload);
    return result;
  }

  private inspect(canister: Canister, sender: Principal, method: string, payload: Uint8Array): CallResult | undefined {
    const r = executeInspect(this, canister, sender, method, payload);
    if (r.trap) return rejectFrom(r.trap.toIcError(canister.idText));
    if (!r.messageAccepted) return reject('CanisterRejectedMessage', `Error from Canister ${canister.idText}: Canister rejected the message`);
    return undefined;
  }

  /**
   * Leaves out a message that expired before a round could induct it, as the block maker's ingress
   * selector does (dfinity/ic `IngressManager`: a message is valid for a block only until its
   * `ingress_expiry`). It is never executed and never paid for; its status stays unknown, and the
   * record goes with the history's completed ones (an `awaitIngress` of it gives up after its rounds,
   * as PocketIC's does).
   */
  private dropIngress(record: IngressRecord): void {
    record.dropped = true;
    record.completedAt = this.currentTime;
    this.completedIngress.push(record.id);
  }

  /** Notes that an ingress message begins to execute (its status is `processing` until it completes). */
  private startIngress(request: Request): void {
    if (request.origin.kind !== 'ingress') return;
    const record = this.ingress.get(request.origin.messageId);
    if (record) record.state = 'processing';
  }

  private completeIngress(messageId: string, result: RawResult): void {
    const record = this.ingress.get(messageId);
    if (record && !record.result) {
      record.result = result;
      record.completedAt = this.currentTime;
      this.completedIngress.push(messageId);
    }
  }

  /**
   * Deletes the statuses of ingress messages that completed more than `MAX_INGRESS_TTL` before
   * `now`, as the replica prunes its ingress history (so a long-running instance does not keep every
   * reply forever). Their ids can no longer be replayed: an envelope's expiry lies at most that far
   * ahead, so any copy of it has expired too.
   */
  private forgetIngress(now: bigint): void {
    const queue = this.completedIngress;
    let at = this.completedFrom;
    while (at < queue.length) {
      const record = this.ingress.get(queue[at]!);
      if (record?.completedAt !== undefined && record.completedAt + MAX_INGRESS_TTL_NS >= now) break;
      this.ingress.delete(queue[at]!);
      at++;
    }
    if (at > 1024 && at * 2 > queue.length) {
      this.completedIngress = queue.slice(at);
      at = 0;
    }
    this.completedFrom = at;
  }

  /** The result of an ingress message, or undefined while it is unknown or still running. */
  ingressStatus(messageId: string, caller?: Principal): RawResult | undefined {
    const record = this.ingress.get(messageId);
    if (!record) return undefined;
    if (caller && caller.toText() !== record.sender.toText()) {
      throw new PocketError(`The user tries to access Request ID not signed by the caller.`, 403);
    }
    return record.result;
  }

  /**
   * Who sent an ingress message, its result so far, and where it is until it has one (for
   * `read_state` of `request_status`; `state` undefined: not yet inducted, so unknown to the IC).
   *
   * @example ic.ingressRecord(id)?.state // 'processing' while a long update holds its canister
   */
  ingressRecord(messageId: string): { sender: Principal; receiver: Principal; result: RawResult | undefined; state: 'received' | 'processing' | undefined } | undefined {
    const record = this.ingress.get(messageId);
    return record && !record.dropped ? { sender: record.sender, receiver: record.receiver, result: record.result, state: record.state } : undefined;
  }

  /** Runs rounds until the message completes (PocketIC gives up after 100 rounds). */
  awaitIngress(messageId: string): RawResult {
    const record = this.ingress.get(messageId);
    if (!record) throw new PocketError(`BadIngressMessage("Failed to answer to ingress ${messageId}: the message is unknown.")`);
    for (let round = 0; round < AWAIT_MAX_ROUNDS && !record.result; round++) this.tick();
    if (!record.result) throw new PocketError(`BadIngressMessage("Failed to answer to ingress ${messageId} after ${AWAIT_MAX_ROUNDS} rounds.")`);
    return record.result;
  }

  // ---- queries -----------------------------------------------------------------------------

  /** A query call in non-replicated mode on the latest certified state. */
  query(sender: Principal, canisterId: Principal, method: string, payload: Uint8Array, effective: EffectivePrincipal): RawResult {
    this.routeCall(canisterId, method, payload, effective);
    if (canisterId.toUint8Array().length === 0) return rawFromResult(this.managementQuery(sender, method, payload), false);
    const canister = this.canister(canisterId);
    if (!canister) return rawFromResult(reject('CanisterNotFound', `Canister ${canisterId.toText()} not found`), false);
    if (canister.status === 'stopped') {
      return rawFromResult(reject('CanisterStopped', `Canister ${canister.idText} is stopped and therefore does not have a CallContextManager`), false);
    }
    const result = runQuery({
      time: this.certified,
      environment: (c) => this.environment(c),
      canister: (id) => this.canister(id),
      sameSubnet: (a, b) => this.subnetOf(a.id) === this.subnetOf(b),
      dataCertificate: (c) => this.dataCertificate(c),
    }, canister, method, payload, sender.toUint8Array());
    return rawFromResult(result, false);
  }

  // ---- HTTPS outcalls (see management/http-outcalls.ts) ---------------------------------------

  /**
   * Answers a pending outcall with one mocked response per node (or one for all), applying the
   * transform; the canister sees the result after the next round. Throws a 400 `PocketError` for an
   * unknown request, a bad reject code or a wrong number of responses, changing nothing.
   */
  mockHttpsOutcall(subnetId: Principal, requestId: bigint, response: MockedResponse, additional: MockedResponse[]): void {
    const subnet = this.subnetById(subnetId);
    if (!subnet) throw new PocketError(`Subnet ${subnetId.toText()} does not exist.`);
    const pending = this.httpOutcalls.list().find((o) => o.subnetId.toText() === subnetId.toText() && o.requestId === requestId);
    if (!pending) throw new PocketError(`Could not find pending canister HTTP request ${requestId} on subnet ${subnetId.toText()}.`);
    const responses = [response, ...additional];
    for (const r of responses) {
      if (r.kind === 'reject' && !validRejectCode(r.code)) throw new PocketError(`Invalid reject code ${r.code}.`);
    }
    if (additional.length > 0 && !pending.replicated) {
      throw new PocketError(`A non-replicated outcall (is_replicated = false) takes a single response, got ${responses.length}.`);
    }
    if (additional.length > 0 && responses.length !== subnet.size) {
      throw new PocketError(`Expected either zero or ${subnet.size - 1} additional responses, got ${additional.length}.`);
    }
    this.httpOutcalls.take(subnetId, requestId);
    const transform = pending.transform;
    const result = settleOutcall(pending, responses, (arg) => {
      const canister = transform && this.canister(transform.canister);
      if (!transform || !canister) return reject('CanisterNotFound', `Canister ${transform?.canister.toText()} not found`);
      // The system calls the transform, as a query from the management canister.
      return runQuery({
        time: this.certified,
        environment: (c) => this.environment(c),
        canister: (id) => this.canister(id),
        sameSubnet: (a, b) => this.subnetOf(a.id) === this.subnetOf(b),
        dataCertificate: (c) => this.dataCertificate(c),
      }, canister, transform.method, arg, MANAGEMENT.toUint8Array());
    });
    pending.reply(result, pending.refund);
  }

  private managementQuery(sender: Principal, method: string, payload: Uint8Array): CallResult {
    if (method === 'canister_info') return this.canisterInfoQuery(payload);
    if (method === 'canister_status') return this.canisterStatusQuery(sender, payload);
    if (method !== 'fetch_canister_logs') {
      return reject('CanisterMethodNotFound', `Management canister has no query method '${method}'`);
    }
    const id = effectiveCanisterId('canister_status', payload);
    const canister = id && this.canister(id);
    if (!canister) return reject('CanisterNotFound', `Canister ${id?.toText() ?? '?'} not found`);
    const visibility = canister.settings.logVisibility;
    const allowed = visibility.kind === 'public' || canister.isController(sender) ||
      (visibility.kind === 'allowed_viewers' && visibility.viewers.some((v) => v.toText() === sender.toText()));
    if (!allowed) {
      return reject('CanisterRejectedMessage', `Caller ${sender.toText()} is not allowed to read the logs of canister ${canister.idText}.`);
    }
    const records = canister.logs.map((r) => ({ idx: r.idx, timestamp_nanos: r.timestampNanos, content: r.content }));
    return { kind: 'reply', data: new Uint8Array(IDL.encode([FetchLogsResult], [{ canister_log_records: records }])) };
  }

  /**
   * `canister_status` as a query (the current spec annotates it `query`): whoever
   * `status_visibility` lets see the status may ask without going through consensus.
   */
  private canisterStatusQuery(sender: Principal, payload: Uint8Array): CallResult {
    const id = effectiveCanisterId('canister_status', payload);
    if (!id) return reject('InvalidManagementPayload', 'Error decoding candid: the argument is not a canister_status_args record (ic00 method canister_status)');
    const canister = this.canister(id);
    if (!canister) return reject('CanisterNotFound', `Canister ${id.toText()} not found`);
    if (!mayView(canister, canister.settings.statusVisibility, sender)) {
      const controllers = canister.controllers.map((c) => c.toText()).sort().join(' ');
      return reject('CanisterInvalidController', `Only the controllers of the canister ${canister.idText} can control it.\nCanister's controllers: ${controllers}\nSender's ID: ${sender.toText()}`);
    }
    const subnet = this.subnetOf(canister.id) ?? this.rootSubnet;
    return { kind: 'reply', data: new Uint8Array(IDL.encode([CanisterStatusResult], [canisterStatus(canister, subnet)])) };
  }

  /**
   * `canister_info` as a query: the current interface specification annotates the method `query`
   * and lets anyone call it that way (the older text allowed only canisters); a canister's history
   * is public either way.
   */
  private canisterInfoQuery(payload: Uint8Array): CallResult {
    let args: { canister_id: Principal; num_requested_changes: [] | [bigint] };
    try {
      args = IDL.decode([CanisterInfoArgs], payload)[0] as unknown as typeof args;
    } catch (error) {
      return reject('InvalidManagementPayload', `Error decoding candid: ${(error as Error).message} (ic00 method canister_info)`);
    }
    const canister = this.canister(args.canister_id);
    if (!canister) return reject('CanisterNotFound', `Canister ${args.canister_id.toText()} not found`);
    const info = canisterInfo(canister, args.num_requested_changes[0]);
    return { kind: 'reply', data: new Uint8Array(IDL.encode([CanisterInfoResult], [info])) };
  }

  // ---- canister snapshots (in process) -----------------------------------------------------

  /**
   * Calls the management canister as `sender` by ingress, runs rounds until it answers, and
   * decodes the reply as `result`; a reject is thrown as an `IcError` with the IC's wording.
   *
   * @example
   * const status = ic.managementCall(user, 'canister_status', CanisterIdRecord, { canister_id: id }, CanisterStatusResult);
   */
  managementCall<T>(sender: Principal, method: string, argType: IDL.Type, arg: unknown, result?: IDL.Type): T {
    const payload = new Uint8Array(IDL.encode([argType], [arg]));
    const submitted = this.submitIngress(sender, MANAGEMENT, method, payload, { kind: 'none' });
    const raw = 'err' in submitted ? submitted.err : this.awaitIngress(submitted.ok.messageId);
    if ('Err' in raw) throw new IcError(raw.Err.error_code, raw.Err.reject_message, raw.Err.reject_code);
    return (result ? IDL.decode([result], raw.Ok)[0] : undefined) as T;
  }

  /**
   * Takes a snapshot of `canisterId` (IC spec § take_canister_snapshot) as `sender`, a controller.
   *
   * @example
   * const { id } = ic.takeCanisterSnapshot(user, canisterId);
   * ic.loadCanisterSnapshot(user, canisterId, id);
   */
  takeCanisterSnapshot(sender: Principal, canisterId: Principal, options: { replaceSnapshot?: Uint8Array; uninstallCode?: boolean } = {}): SnapshotInfo {
    const s = this.managementCall<{ id: Uint8Array; taken_at_timestamp: bigint; total_size: bigint }>(sender, 'take_canister_snapshot', SnapshotIdl.TakeSnapshotArgs, {
      canister_id: canisterId, replace_snapshot: options.replaceSnapshot ? [options.replaceSnapshot] : [],
      uninstall_code: options.uninstallCode === undefined ? [] : [options.uninstallCode], sender_canister_version: [],
    }, SnapshotIdl.Snapshot);
    return { id: new Uint8Array(s.id), takenAtTimestamp: s.taken_at_timestamp, totalSize: s.total_size };
  }

  /**
   * Loads snapshot `snapshotId` onto `canisterId` (the snapshot may be another canister's on the
   * same subnet, if `sender` controls both).
   *
   * @example
   * ic.loadCanisterSnapshot(user, canisterId, ic.listCanisterSnapshots(user, canisterId)[0].id);
   */
  loadCanisterSnapshot(sender: Principal, canisterId: Principal, snapshotId: Uint8Array): void {
    this.managementCall(sender, 'load_canister_snapshot', SnapshotIdl.LoadSnapshotArgs, { canister_id: canisterId, snapshot_id: snapshotId, sender_canister_version: [] });
  }

  /**
   * The snapshots of `canisterId`, oldest first.
   *
   * @example
   * const sizes = ic.listCanisterSnapshots(user, canisterId).map((s) => s.totalSize);
   */
  listCanisterSnapshots(sender: Principal, canisterId: Principal): SnapshotInfo[] {
    const list = this.managementCall<{ id: Uint8Array; taken_at_timestamp: bigint; total_size: bigint }[]>(
      sender, 'list_canister_snapshots', CanisterIdRecord, { canister_id: canisterId }, IDL.Vec(SnapshotIdl.Snapshot));
    return list.map((s) => ({ id: new Uint8Array(s.id), takenAtTimestamp: s.taken_at_timestamp, totalSize: s.total_size }));
  }

  /**
   * Deletes one of `canisterId`'s snapshots.
   *
   * @example
   * ic.deleteCanisterSnapshot(user, canisterId, snapshot.id);
   */
  deleteCanisterSnapshot(sender: Principal, canisterId: Principal, snapshotId: Uint8Array): void {
    this.managementCall(sender, 'delete_canister_snapshot', SnapshotIdl.SnapshotRef, { canister_id: canisterId, snapshot_id: snapshotId });
  }

  // ---- certification -----------------------------------------------------------------------

  /**
   * A certificate of `/canister/<id>/certified_data` and `/time` for a query, signed by the
   * canister's subnet (with the root subnet's delegation when that is another subnet).
   */
  dataCertificate(canister: Canister): Uint8Array {
    const subnet = this.subnetOf(canister.id) ?? this.rootSubnet;
    const key = `${canister.idText}/${Buffer.from(canister.certifiedData).toString('hex')}/${this.certified}`;
    let cert = this.certificates.get(key);
    if (!cert) {
      const tree = labeledTree(node([
        ['canister', node([[canister.idBytes, node([['certified_data', canister.certifiedData]])]])],
        ['time', leb128(this.certified)],
      ]));
      cert = makeCertificate(tree, subnet.key, this.delegationFor(subnet));
      if (this.certificates.size > 256) this.certificates.clear();
      this.certificates.set(key, cert);
    }
    return cert;
  }

  /** The root subnet's certificate of `subnet`'s key and ranges, for certificates `subnet` signs. */
  delegationFor(subnet: Subnet): { subnetId: Uint8Array; certificate: Uint8Array } | undefined {
    if (subnet === this.rootSubnet) return undefined;
    const cached = this.delegations.get(subnet);
    if (cached) return cached;
    const ranges = subnet.rangesAsPrincipals().map(([a, b]) => [a.toUint8Array(), b.toUint8Array()]);
    const rangesCbor = encodeCbor(ranges);
    const subnetId = subnet.id.toUint8Array();
    // Ranges appear both where older agents look (/subnet/<id>/canister_ranges) and in the
    // sharded form newer ones read (/canister_ranges/<id>/<first range start>).
    const tree = labeledTree(node([
      ['canister_ranges', node([[subnetId, node([[ranges[0]![0]!, rangesCbor]])]])],
      ['subnet', node([[subnetId, node([['public_key', subnet.key.der], ['canister_ranges', rangesCbor]])]])],
      ['time', leb128(this.certified)],
    ]));
    const delegation = { subnetId, certificate: makeCertificate(tree, this.rootSubnet.key), time: this.certified };
    this.delegations.set(subnet, delegation);
    return delegation;
  }

  // ---- direct state access (PocketIC's test-only endpoints) --------------------------------

  addCycles(id: Principal, amount: bigint): bigint {
    const canister = this.requireCanister(id);
    canister.cycles += amount;
    this.scheduler.stats.recordMinted(canister.idText, amount);
    return canister.cycles;
  }

  nextCallbackId(): number {
    return this.nextCallbackIdValue++;
  }
}

function subnetStart(subnet: Subnet): Uint8Array {
  const start = subnet.allocation.start;
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setBigUint64(0, start);
  bytes[8] = 1;
  bytes[9] = 1;
  return bytes;
}

function emptySettings() {
  return {
    controllers: [], compute_allocation: [], memory_allocation: [], freezing_threshold: [], reserved_cycles_limit: [],
    minimum_incoming_canister_call_cycles: [], log_visibility: [], snapshot_visibility: [], status_visibility: [],
    log_memory_limit: [], wasm_memory_limit: [], wasm_memory_threshold: [], environment_variables: [],
  } as Parameters<typeof mergeSettings>[1];
}

function decodeSpecifiedId(payload: Uint8Array): Principal | undefined {
  try {
    const [arg] = IDL.decode([IDL.Record({ specified_id: IDL.Opt(IDL.Principal) })], payload) as unknown as [{ specified_id: [] | [Principal] }];
    return arg.specified_id[0];
  } catch {
    return undefined;
  }
}

function decodeCanisterIdField(payload: Uint8Array): Principal | undefined {
  try {
    const [arg] = IDL.decode([IDL.Record({ canister_id: IDL.Principal })], payload) as unknown as [{ canister_id: Principal }];
    return arg.canister_id;
  } catch {
    return undefined;
  }
}

function executeInspect(ic: IcInstance, canister: Canister, sender: Principal, method: string, payload: Uint8Array) {
  return execute(canister, ic.environment(canister), {
    kind: 'F', entry: { export: 'canister_inspect_message' }, caller: sender.toUint8Array(), arg: payload, methodName: method,
    time: ic.certifiedTime, replicated: false, canRespond: false, transaction: 'query',
  });
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 of `n` as 8 big-endian bytes (12 characters, one `=`), as `Buffer` would write it. */
function base64OfU64(n: bigint): string {
  const hi = Number(BigInt.asUintN(64, n) >> 32n);
  const lo = Number(BigInt.asUintN(32, n));
  const b = [hi >>> 24, (hi >>> 16) & 255, (hi >>> 8) & 255, hi & 255, lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255];
  let text = '';
  for (let i = 0; i < 6; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    text += BASE64[v >>> 18]! + BASE64[(v >>> 12) & 63]! + BASE64[(v >>> 6) & 63]! + BASE64[v & 63]!;
  }
  const v = (b[6]! << 16) | (b[7]! << 8);
  return text + BASE64[v >>> 18]! + BASE64[(v >>> 12) & 63]! + BASE64[(v >>> 6) & 63]! + '=';
}
