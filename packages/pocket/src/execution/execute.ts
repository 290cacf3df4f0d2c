/**
 * Runs one message execution (an entry point, a callback, the start function) on a canister and
 * reports what it did. With `transaction: 'message'` the execution is atomic: a trap rolls back
 * the heap, globals, stable memory, cycles, certified data, timer, logs-to-be and calls
 * (IC interface spec § Entry points: "all changes … are discarded").
 */
import type { Canister } from '../canister.js';
import { INSTRUCTION_LIMITS, LIMITS } from '../constants.js';
import { Trap, trapFromEngineError, traps } from '../errors.js';
import { discardPendingCall } from '../system-api/calls.js';
import type { ExecutionRecord, FeeKind } from '../stats.js';
import type { CanisterFacts, ContextKind, CostFacts, ExecutionContext, OutgoingCall, Response } from '../system-api/context.js';
import type { StableChanges, StableMemory } from '../state/stable-memory.js';
import type { InstanceChanges, WasmInstance } from '../wasm/instance.js';
import { roundsAfterFirst } from './slices.js';

/** What an execution needs from the subnet it runs on. */
export interface ExecutionEnvironment {
  subnetId: Uint8Array;
  subnetSize: number;
  rootKey: Uint8Array;
  cost: CostFacts;
  /** Modules the subnet installed since its last checkpoint (see `Subnet.compiledWasms`). */
  compiledWasms?: Set<string>;
  sameSubnet(callee: Uint8Array): boolean;
  freezingLimit(canister: Canister): bigint;
  /** Canister debug output (PocketIC prints it on stderr). */
  debugPrint(canister: Canister, time: bigint, message: Uint8Array): void;
  /** Notes an execution and its instructions (benchmarks read them from `IcInstance.stats`). */
  recordExecution?(record: ExecutionRecord): void;
  /** Notes a fee charged to a canister (see `fees.ts`; benchmarks read them from `IcInstance.stats`). */
  recordFee?(canister: string, kind: FeeKind, cycles: bigint): void;
}

export type Entry = { export: string } | { callback: { fn: number; env: number | bigint } } | { start: true };

export interface ExecutionRequest {
  kind: ContextKind;
  modeName?: string;
  entry: Entry;
  caller: Uint8Array;
  arg?: Uint8Array;
  methodName?: string;
  rejectCode?: number;
  rejectMessage?: string;
  time: bigint;
  replicated: boolean;
  canRespond: boolean;
  cyclesAvailable?: bigint;
  cyclesRefunded?: bigint;
  deadline?: bigint;
  dataCertificate?: () => Uint8Array;
  /**
   * `message`: commit on success, roll back on a trap. `query`: always roll back. `none`: leave
   * the transaction to the caller (installs and composite queries span several executions).
   * `sliced`: as `message`, except that a successful execution long enough to be sliced (more than
   * one slice of instructions) leaves the canister's memories, certified data and timer as they
   * were and returns its changes (`ExecutionResult.setAside`), for the caller to make visible with
   * `reapplySetAside` when the last slice completes; a long one, trapped or not, also leaves its
   * log lines to the caller (`heldLogs`).
   */
  transaction: 'message' | 'query' | 'none' | 'sliced';
  /** Instructions this execution may use; by default the limit of its kind (`instructionLimitOf`). */
  instructionLimit?: bigint;
  /** Instructions of the call context before this execution (`performance_counter(1)`). */
  callContextInstructions?: bigint;
  /** Instructions of the same message that earlier executions used against the same limit. */
  instructionsBefore?: bigint;
}

/** The per-execution instruction limit of each kind of execution on an application subnet. */
export function instructionLimitOf(kind: ContextKind): bigint {
  switch (kind) {
    case 's': case 'I': case 'G': return INSTRUCTION_LIMITS.install;
    case 'RQ': case 'NRQ': case 'CQ': case 'CRy': case 'CRt': case 'CC': return INSTRUCTION_LIMITS.query;
    case 'F': return INSTRUCTION_LIMITS.inspectMessage;
    default: return INSTRUCTION_LIMITS.message;
  }
}

export interface ExecutionResult {
  trap: Trap | undefined;
  response: Response | undefined;
  calls: OutgoingCall[];
  /** Cycles still available to the call context after this execution. */
  cyclesAvailable: bigint;
  cyclesAccepted: bigint;
  balance: bigint;
  certifiedData: Uint8Array | undefined;
  globalTimer: bigint | undefined;
  messageAccepted: boolean;
  logs: Uint8Array[];
  /** Instructions the execution used (its limit when it trapped for exceeding it). */
  instructions: bigint;
  /** The changes of a long execution, not yet made (see `transaction: 'sliced'`). */
  setAside?: SetAside;
  /** The log lines of a long execution, for its last slice, and when it ran (see `transaction: 'sliced'`). */
  heldLogs?: { time: bigint; lines: Uint8Array[] };
}

/** What a long execution changed, held until its last slice completes. */
export interface SetAside {
  instance: WasmInstance;
  stable: StableMemory;
  instanceChanges: InstanceChanges;
  stableChanges: StableChanges;
  certifiedData: Uint8Array | undefined;
  globalTimer: bigint | undefined;
}

/**
 * What the System API may learn about the canister during one execution. A class, not an object
 * literal with getters and closures, so building one per execution allocates no functions; what
 * most executions never ask for (controllers, the freezing limit) is computed when first asked.
 */
class ExecutionFacts implements CanisterFacts {
  readonly id: Uint8Array;
  readonly idText: string;
  readonly subnetId: Uint8Array;
  readonly subnetSize: number;
  readonly status: CanisterFacts['status'];
  readonly version: bigint;
  readonly globalTimer: bigint;
  readonly envVars: [string, string][];
  readonly rootKey: Uint8Array;
  readonly cost: CanisterFacts['cost'];
  private controllersCache: Uint8Array[] | undefined;
  private freezingLimitCache: bigint | undefined;

  constructor(private readonly canister: Canister, private readonly env: ExecutionEnvironment) {
    this.id = canister.idBytes;
    this.idText = canister.idText;
    this.subnetId = env.subnetId;
    this.subnetSize = env.subnetSize;
    this.status = canister.status;
    this.version = canister.version;
    this.globalTimer = canister.globalTimer;
    this.envVars = canister.settings.environmentVariables;
    this.rootKey = env.rootKey;
    this.cost = env.cost;
  }

  get controllers(): Uint8Array[] {
    return (this.controllersCache ??= this.canister.controllers.map((c) => c.toUint8Array()));
  }

  get freezingLimit(): bigint {
    return (this.freezingLimitCache ??= this.env.freezingLimit(this.canister));
  }

  sameSubnet(callee: Uint8Array): boolean {
    return this.env.sameSubnet(callee);
  }
}

/** @example canisterFacts(canister, env).freezingLimit // cycles the canister must keep */
export function canisterFacts(canister: Canister, env: ExecutionEnvironment): CanisterFacts {
  return new ExecutionFacts(canister, env);
}

export function execute(canister: Canister, env: ExecutionEnvironment, req: ExecutionRequest): ExecutionResult {
  const instance = canister.instance;
  if (!instance) throw new Error(`internal: canister ${canister.idText} has no instance to execute on`);
  const ctx: ExecutionContext = {
    kind: req.kind,
    modeName: req.modeName,
    canister: canisterFacts(canister, env),
    heap: instance.heap,
    stable: canister.stable,
    time: req.time,
    replicated: req.replicated,
    caller: req.caller,
    arg: req.arg,
    methodName: req.methodName,
    rejectCode: req.rejectCode ?? 0,
    rejectMessage: req.rejectMessage,
    deadline: req.deadline ?? 0n,
    canRespond: req.canRespond,
    replyParts: [],
    replySize: 0,
    maxReplySize: req.replicated ? LIMITS.maxReplyReplicated : LIMITS.maxReplyQuery,
    response: undefined,
    cyclesAvailable: req.cyclesAvailable ?? 0n,
    cyclesAccepted: 0n,
    cyclesRefunded: req.cyclesRefunded ?? 0n,
    balance: canister.cycles,
    pendingCall: undefined,
    calls: [],
    certifiedData: undefined,
    globalTimer: undefined,
    messageAccepted: false,
    dataCertificate: req.dataCertificate,
    logs: [],
    meter: instance,
    callContextCounterBase: req.callContextInstructions ?? 0n,
  };
  const limit = req.instructionLimit ?? instructionLimitOf(req.kind);
  const before = req.instructionsBefore ?? 0n;
  instance.startMetering(limit, before);

  if (req.transaction !== 'none') {
    instance.begin();
    canister.stable.begin();
  }
  let trap: Trap | undefined;
  try {
    canister.api.run(ctx, () => {
      const entry = req.entry;
      if ('export' in entry) instance.invoke(entry.export);
      else if ('callback' in entry) instance.invokeTableFunction(entry.callback.fn, entry.callback.env);
      else instance.runStart();
    });
  } catch (error) {
    trap = trapFromEngineError(error);
  }
  // Blocks that are not re-entrant do not check the counter: the replica looks at it once more
  // when the execution ends.
  let instructions = instance.instructions();
  if (!trap && instructions + before > limit) trap = traps.instructionLimit(limit);
  if (trap?.errorCode === 'CanisterInstructionLimitExceeded') instructions = limit - before;
  discardPendingCall(ctx);
  env.recordExecution?.({
    canister: canister.idText, kind: req.kind, trapped: trap !== undefined, instructions,
    method: req.methodName ?? ('export' in req.entry ? req.entry.export : 'callback' in req.entry ? 'callback' : 'start'),
  });

  if (!trap && req.replicated && (req.kind === 'U' || req.kind === 'I' || req.kind === 'Ry' || req.kind === 'Rt' || req.kind === 'T')) {
    const limit = canister.settings.wasmMemoryLimit;
    const used = BigInt(instance.heap.byteLength);
    if (limit > 0n && used > limit) {
      trap = new Trap(
        'CanisterWasmMemoryLimitExceeded',
        `Canister exceeded its current Wasm memory limit of ${limit} bytes. The peak Wasm memory usage was ${used} bytes. If the canister reaches 4GiB, then it may stop functioning and may become unrecoverable. Please reach out to the canister owner to investigate the reason for the increased memory usage. It might be necessary to move data from the Wasm memory to the stable memory. If such high Wasm memory usage is expected and safe, then the developer can increase the Wasm memory limit in the canister settings`,
        '',
      );
    }
  }

  for (const line of ctx.logs) env.debugPrint(canister, req.time, line);
  if (trap) {
    const line = new TextEncoder().encode(trap.logLine());
    env.debugPrint(canister, req.time, line);
    ctx.logs.push(line);
  }
  // A long execution's logs come with its other changes, at its last slice (see `transaction: 'sliced'`),
  // also when it trapped.
  const long = req.transaction === 'sliced' && roundsAfterFirst(instructions, INSTRUCTION_LIMITS.slice) > 0;
  const setsAside = long && !trap;
  if (req.replicated && req.transaction !== 'none' && !long) canister.appendLogs(req.time, ctx.logs);

  let setAside: SetAside | undefined;
  if (req.transaction !== 'none') {
    if (trap || req.transaction === 'query') {
      instance.rollback();
      canister.stable.rollback();
    } else if (setsAside) {
      // The replica keeps a paused execution's changes apart from the canister's state until its
      // last slice: queries meanwhile see the state before it. Cycles are not held back: the
      // replica takes the execution's cost up front.
      const stable = canister.stable;
      setAside = {
        instance, stable, instanceChanges: instance.setAside(), stableChanges: stable.setAside(),
        certifiedData: ctx.certifiedData, globalTimer: ctx.globalTimer,
      };
      canister.cycles = ctx.balance;
    } else {
      instance.commit();
      canister.stable.commit();
      applyEffects(canister, ctx);
    }
  }
  return {
    trap,
    response: trap ? undefined : ctx.response,
    calls: trap ? [] : ctx.calls,
    cyclesAvailable: trap ? (req.cyclesAvailable ?? 0n) : ctx.cyclesAvailable,
    cyclesAccepted: trap ? 0n : ctx.cyclesAccepted,
    balance: ctx.balance,
    certifiedData: ctx.certifiedData,
    globalTimer: ctx.globalTimer,
    messageAccepted: !trap && ctx.messageAccepted,
    logs: ctx.logs,
    instructions,
    setAside,
    heldLogs: long ? { time: req.time, lines: ctx.logs } : undefined,
  };
}

/**
 * Makes a long execution's changes (see `transaction: 'sliced'`) part of the canister, unless its
 * memories were replaced meanwhile (uninstalled for lack of cycles).
 *
 * @example if (r.setAside) reapplySetAside(canister, r.setAside); // in the round of its last slice
 */
export function reapplySetAside(canister: Canister, changes: SetAside): void {
  if (canister.instance !== changes.instance || canister.stable !== changes.stable) return;
  changes.instance.reapply(changes.instanceChanges);
  changes.stable.reapply(changes.stableChanges);
  if (changes.certifiedData) canister.certifiedData = changes.certifiedData;
  if (changes.globalTimer !== undefined) canister.globalTimer = changes.globalTimer;
}

/** Commits an execution's effects on the canister's system state. */
export function applyEffects(canister: Canister, result: { balance: bigint; certifiedData: Uint8Array | undefined; globalTimer: bigint | undefined }): void {
  canister.cycles = result.balance;
  if (result.certifiedData) canister.certifiedData = result.certifiedData;
  if (result.globalTimer !== undefined) canister.globalTimer = result.globalTimer;
}
