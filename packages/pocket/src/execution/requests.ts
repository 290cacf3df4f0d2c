/**
 * What happens when a canister receives a request, a response, or runs a system task: call
 * contexts, callbacks, cleanup, and the "did not reply" rule (IC interface spec § Abstract
 * behavior: call contexts, callback invocation, starvation).
 */
import { Principal } from '@dfinity/principal';

import type { Canister, CallContext, CallOrigin } from '../canister.js';
import { HELP, fromCanister, rejectCodeOf, type ErrorCodeName, type IcError } from '../errors.js';
import type { CallResult, Request, Response } from '../messages.js';
import type { OutgoingCall, Response as ExecutionResponse } from '../system-api/context.js';
import { INSTRUCTION_LIMITS } from '../constants.js';
import { roundsAfterFirst } from './slices.js';
import { execute, reapplySetAside, type ExecutionEnvironment, type ExecutionResult } from './execute.js';
import { chargeFee, withPrepaid } from './fees.js';

/** What request handling needs from the instance. */
export interface Host {
  readonly time: bigint;
  environment(canister: Canister): ExecutionEnvironment;
  /** Delivers the response of a call context to whoever made the call. */
  deliver(canister: Canister, origin: CallOrigin, result: CallResult, refund: bigint): void;
  /** Sends a call made by `canister` from `context`. */
  send(canister: Canister, context: CallContext, call: OutgoingCall): void;
  /** Answers a request without running the callee (rejections before execution). */
  respond(request: Request, result: CallResult, refund: bigint): void;
  /** Holds `canister` in a long execution for `rounds` more rounds, then runs `complete`. */
  continueForRounds(canister: Canister, rounds: number, complete: () => void): void;
}

/**
 * Deterministic time slicing (IC: an update runs at most one slice of instructions per round and
 * continues in the next rounds): the execution ran at once here, but it completes, its changes
 * become the canister's (see `transaction: 'sliced'`), and its response and calls go out, only in
 * the round its last slice would have run in.
 */
function settleAfterSlices(host: Host, canister: Canister, r: ExecutionResult, settleNow: () => void): void {
  const rounds = roundsAfterFirst(r.instructions, INSTRUCTION_LIMITS.slice);
  const complete = () => {
    if (r.setAside) reapplySetAside(canister, r.setAside);
    if (r.heldLogs) canister.appendLogs(r.heldLogs.time, r.heldLogs.lines);
    // Replicated queries bump the version too, as the replica does (the spec's prose agrees).
    if (!r.trap) canister.version += 1n;
    settleNow();
  };
  if (rounds > 0) host.continueForRounds(canister, rounds, complete);
  else complete();
}

/** Charges the cycles of the instructions an execution used (the base fee is reserved apart). */
function chargeInstructions(canister: Canister, env: ExecutionEnvironment, r: ExecutionResult): void {
  chargeFee(canister, env, 'instructions', env.cost.instructions(r.instructions, canister.module?.memory64));
}

/**
 * The bytes of a response the caller pays transmission for (replica: `Payload::size_bytes`): a
 * reply's data, or a reject's message and its code (one byte).
 *
 * @example responseBytes({ kind: 'reply', data: new Uint8Array(100) }) // 100n
 */
export function responseBytes(result: CallResult): bigint {
  return result.kind === 'reply' ? BigInt(result.data.length) : 1n + BigInt(new TextEncoder().encode(result.message).length);
}

export function reject(errorCode: ErrorCodeName, message: string): CallResult {
  return { kind: 'reject', code: rejectCodeOf(errorCode), message, errorCode };
}

export function rejectFrom(error: IcError): CallResult {
  return { kind: 'reject', code: error.rejectCode, message: error.message, errorCode: error.errorCode };
}

function resultOf(response: ExecutionResponse): CallResult {
  return response.kind === 'reply'
    ? { kind: 'reply', data: response.data }
    : reject('CanisterRejectedMessage', response.message);
}

export function didNotReply(canister: Canister): CallResult {
  return reject('CanisterDidNotReply', `Canister ${canister.idText} did not reply to the call`);
}

export function notRunning(canister: Canister): CallResult {
  return canister.status === 'stopped'
    ? reject('CanisterStopped', `Canister ${canister.idText} is stopped`)
    : reject('CanisterStopping', `Canister ${canister.idText} is stopping`);
}

export function noWasmModule(canister: Canister): CallResult {
  return reject('CanisterWasmModuleNotFound', fromCanister(canister.idText, 'Attempted to execute a message, but the canister contains no Wasm module.', HELP.wasmModuleNotFound));
}

export function methodNotFound(canister: Canister, kind: 'update' | 'query', method: string): CallResult {
  return reject('CanisterMethodNotFound', fromCanister(canister.idText, `Canister has no ${kind} method '${method}'.`, HELP.methodNotFound));
}

let nextContextId = 1;

function openContext(canister: Canister, origin: CallOrigin, method: string, cycles: bigint, needsToRespond: boolean): CallContext {
  const context: CallContext = { id: nextContextId++, origin, method, needsToRespond, availableCycles: cycles, outstanding: 0, deleted: false };
  canister.callContexts.set(context.id, context);
  return context;
}

function callerOf(origin: CallOrigin): Uint8Array {
  return origin.kind === 'system' ? new Uint8Array() : origin.caller;
}

/** Responds on behalf of a call context and marks it answered. */
export function respond(host: Host, canister: Canister, context: CallContext, result: CallResult): void {
  const refund = context.availableCycles;
  context.availableCycles = 0n;
  context.needsToRespond = false;
  host.deliver(canister, context.origin, result, refund);
}

function closeIfDone(canister: Canister, context: CallContext): void {
  if (!context.needsToRespond && context.outstanding === 0) canister.callContexts.delete(context.id);
}

/** Applies the outcome of an execution to its call context: calls, response, or failure. */
function settle(host: Host, canister: Canister, context: CallContext, r: ExecutionResult, failure: () => CallResult): void {
  if (r.trap) {
    if (context.needsToRespond && context.outstanding === 0) respond(host, canister, context, failure());
  } else {
    context.availableCycles = r.cyclesAvailable;
    for (const call of r.calls) host.send(canister, context, call);
    if (r.response) respond(host, canister, context, resultOf(r.response));
    else if (context.needsToRespond && context.outstanding === 0) respond(host, canister, context, didNotReply(canister));
  }
  closeIfDone(canister, context);
}

/** A request from a user or canister to one of `canister`'s methods, in replicated mode. */
export function handleRequest(host: Host, canister: Canister, request: Request): void {
  const module = canister.module;
  if (!module) return host.respond(request, noWasmModule(canister), request.cycles);
  if (canister.status !== 'running') return host.respond(request, notRunning(canister), request.cycles);
  // `minimum_incoming_canister_call_cycles`: calls from other canisters must attach at least that
  // many cycles, or are rejected with CANISTER_ERROR and everything refunded (ingress messages and
  // self-calls are exempt; IC spec § create_canister settings).
  const minimum = canister.settings.minimumIncomingCanisterCallCycles;
  if (minimum > 0n && request.origin.kind !== 'ingress' && request.cycles < minimum && request.sender.toText() !== canister.idText) {
    return host.respond(request, reject('InsufficientCyclesInCall', `Canister ${canister.idText} requires calls from other canisters to attach at least ${minimum} cycles, but this call attached ${request.cycles}.`), request.cycles);
  }
  let kind: 'U' | 'RQ';
  if (module.updates.has(request.method)) kind = 'U';
  else if (module.queries.has(request.method)) kind = 'RQ';
  else if (module.compositeQueries.has(request.method)) {
    return host.respond(request, reject('CompositeQueryCalledInReplicatedMode', fromCanister(canister.idText, `Composite query cannot be called in replicated mode`, '')), request.cycles);
  } else return host.respond(request, methodNotFound(canister, 'update', request.method), request.cycles);

  const env = host.environment(canister);
  // The execution fee is reserved before the method runs: the base fee and the instructions of the
  // whole limit, out of the balance while it runs (`withPrepaid`; the replica's
  // `prepay_execution_cycles`); a canister that cannot reserve it above its freezing threshold
  // takes no calls.
  const fee = env.cost.execution();
  const prepaid = env.cost.instructions(kind === 'U' ? INSTRUCTION_LIMITS.message : INSTRUCTION_LIMITS.query, module.memory64);
  if (canister.cycles - env.freezingLimit(canister) < fee + prepaid) {
    return host.respond(request, reject('CanisterOutOfCycles', `Canister ${canister.idText} is out of cycles`), request.cycles);
  }
  chargeFee(canister, env, 'execution', fee);
  const origin: CallOrigin = request.origin.kind === 'ingress'
    ? { kind: 'ingress', messageId: request.origin.messageId, caller: request.sender.toUint8Array() }
    : { kind: 'canister', caller: request.sender.toUint8Array(), callbackId: request.origin.callbackId, deadline: request.origin.deadline };
  const context = openContext(canister, origin, request.method, request.cycles, true);
  const r = withPrepaid(canister, prepaid, () => execute(canister, env, {
    kind,
    entry: { export: kind === 'U' ? `canister_update ${request.method}` : `canister_query ${request.method}` },
    caller: request.sender.toUint8Array(),
    arg: request.payload,
    time: host.time,
    replicated: true,
    canRespond: true,
    cyclesAvailable: request.cycles,
    deadline: origin.kind === 'canister' ? origin.deadline : 0n,
    transaction: kind === 'U' ? 'sliced' : 'query',
  }));
  context.instructions = r.instructions;
  if (kind === 'RQ' && !r.trap) canister.cycles += r.cyclesAccepted; // a replicated query keeps only what it accepted
  chargeInstructions(canister, env, r);
  settleAfterSlices(host, canister, r, () => settle(host, canister, context, r, () => rejectFrom(r.trap!.toIcError(canister.idText))));
}

/** The response to a call `canister` made: runs its reply or reject callback (and cleanup on a trap). */
export function handleResponse(host: Host, canister: Canister, response: Response): void {
  const callback = canister.callbacks.get(response.callbackId);
  // A bounded-wait call whose deadline passed was answered with SYS_UNKNOWN; the callee's real
  // response arrives later and is dropped, cycles and all (IC spec § Call expiry).
  if (callback?.expired && !response.expiry) return;
  // Refunds always reach the balance, even when no callback can run (IC spec § Canister lifecycle).
  canister.cycles += response.refund;
  if (!callback) return;
  canister.callbacks.delete(callback.id);
  // What the call set aside for the largest response and a callback of the whole limit comes
  // back; the response's bytes are charged as they are, and the callback runs prepaid as any
  // message (the replica keeps the call's prepayment for it until it ends).
  canister.cycles += callback.reserved;
  const env = host.environment(canister);
  chargeFee(canister, env, 'replyBytes', env.cost.transmission(responseBytes(response.result)));
  const context = canister.callContexts.get(callback.callContextId);
  if (!context) return;
  context.outstanding -= 1;
  if (context.deleted || !canister.instance) {
    closeIfDone(canister, context);
    return;
  }
  // A callback is a message execution of its own: the base fee and its instructions.
  chargeFee(canister, env, 'execution', env.cost.execution());
  const isReply = response.result.kind === 'reply';
  const rejectCode = response.result.kind === 'reject' ? response.result.code : 0;
  const prepaid = env.cost.instructions(INSTRUCTION_LIMITS.message, canister.module?.memory64);
  const r = withPrepaid(canister, prepaid, () => execute(canister, env, {
    kind: isReply ? 'Ry' : 'Rt',
    entry: { callback: isReply ? callback.reply : callback.reject },
    caller: callerOf(context.origin),
    arg: response.result.kind === 'reply' ? response.result.data : undefined,
    rejectCode,
    rejectMessage: response.result.kind === 'reject' ? response.result.message : undefined,
    cyclesRefunded: response.refund,
    cyclesAvailable: context.availableCycles,
    time: host.time,
    replicated: true,
    canRespond: context.needsToRespond,
    deadline: context.origin.kind === 'canister' ? context.origin.deadline : 0n,
    transaction: 'sliced',
    callContextInstructions: context.instructions,
  }));
  context.instructions = (context.instructions ?? 0n) + r.instructions;
  chargeInstructions(canister, env, r);
  // A callback that trapped is followed by its cleanup, in the round its last slice ran in.
  settleAfterSlices(host, canister, r, () => {
    let failure = r.trap;
    const cleanup = callback.cleanup;
    if (r.trap && cleanup) {
      // The cleanup runs on the state before the callback, which the rollback restored.
      const c = withPrepaid(canister, prepaid, () => execute(canister, env, {
        kind: 'C', entry: { callback: cleanup }, caller: callerOf(context.origin), rejectCode,
        time: host.time, replicated: true, canRespond: false, transaction: 'message',
      }));
      chargeInstructions(canister, env, c);
      if (c.trap) failure = r.trap.withCleanupFailure(c.trap);
    }
    settle(host, canister, context, r, () => rejectFrom(failure!.toIcError(canister.idText)));
  });
}

/** A global timer or heartbeat: a call context nobody waits for (IC spec § Global timer, § Heartbeat). */
export function handleTask(host: Host, canister: Canister, task: 'timer' | 'heartbeat'): void {
  const exportName = task === 'timer' ? 'canister_global_timer' : 'canister_heartbeat';
  if (!canister.module?.system.has(exportName) || canister.status !== 'running') return;
  const env = host.environment(canister);
  // A task is charged as any message: the base fee and its instructions (replica: `execute_call_or_task`).
  // It first reserves them, the whole limit's, above the freezing threshold: a frozen canister runs
  // no task, and its global timer stays set (it is cleared only with the task's call context).
  const fee = env.cost.execution();
  const prepaid = env.cost.instructions(INSTRUCTION_LIMITS.message, canister.module.memory64);
  if (canister.cycles - env.freezingLimit(canister) < fee + prepaid) return;
  // The timer is one-shot: it is cleared when the call context is created, before the handler runs.
  if (task === 'timer') canister.globalTimer = 0n;
  const context = openContext(canister, { kind: 'system' }, exportName, 0n, false);
  chargeFee(canister, env, 'execution', fee);
  const r = withPrepaid(canister, prepaid, () => execute(canister, env, {
    kind: 'T', modeName: task === 'timer' ? 'global timer' : 'heartbeat', entry: { export: exportName },
    caller: new Uint8Array(), time: host.time, replicated: true, canRespond: false, transaction: 'sliced',
  }));
  context.instructions = r.instructions;
  chargeInstructions(canister, env, r);
  settleAfterSlices(host, canister, r, () => settle(host, canister, context, r, () => didNotReply(canister)));
}

/**
 * Answers every bounded-wait call of `canister` whose deadline has passed with SYS_UNKNOWN and no
 * refund (IC spec § Call expiry: "the system may expire it at any time after the deadline").
 */
export function expireDeadlines(canister: Canister, time: bigint, deliver: (response: Response) => void): void {
  for (const callback of canister.callbacks.values()) {
    if (callback.deadline === 0n || callback.expired || callback.deadline > time) continue;
    callback.expired = true;
    deliver({
      kind: 'response', receiver: canister.id, sender: principalFrom(callback.callee), callbackId: callback.id,
      result: reject('DeadlineExpired', 'Call deadline has expired.'), refund: 0n, expiry: true,
    });
  }
}

/** Registers the callback of a call `canister` makes and builds the request to send. */
export function registerCall(canister: Canister, context: CallContext, call: OutgoingCall, time: bigint, nextCallbackId: () => number): Request {
  const id = nextCallbackId();
  const deadline = call.timeoutSeconds === undefined ? 0n : time + BigInt(call.timeoutSeconds) * 1_000_000_000n;
  canister.callbacks.set(id, {
    id, callContextId: context.id, callee: call.callee, reply: call.reply, reject: call.reject,
    cleanup: call.cleanup, cyclesSent: call.cycles, deadline, expired: false, reserved: call.reserved ?? 0n,
  });
  context.outstanding += 1;
  const payload = new Uint8Array(call.payloadSize);
  let at = 0;
  for (const part of call.payload) {
    payload.set(part, at);
    at += part.length;
  }
  return {
    kind: 'request', sender: canister.id, receiver: principalFrom(call.callee), method: call.method, payload,
    cycles: call.cycles, origin: { kind: 'canister', callbackId: id, deadline },
  };
}

function principalFrom(bytes: Uint8Array): Principal {
  return Principal.fromUint8Array(bytes);
}
