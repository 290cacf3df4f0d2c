/**
 * Query calls in non-replicated mode, including composite queries and their call graphs
 * (IC interface spec § Query call, § Composite query helper). Nothing a query does persists.
 */
import type { Canister } from '../canister.js';
import { principalText } from '../ids.js';
import { LIMITS } from '../constants.js';
import { fromCanister } from '../errors.js';
import type { CallResult } from '../messages.js';
import type { OutgoingCall, Response as ExecutionResponse } from '../system-api/context.js';
import { execute, type ExecutionEnvironment } from './execute.js';
import { didNotReply, methodNotFound, noWasmModule, notRunning, reject, rejectFrom } from './requests.js';

export interface QueryHost {
  /** The time queries see: the certified state's. */
  readonly time: bigint;
  environment(canister: Canister): ExecutionEnvironment;
  canister(id: Uint8Array): Canister | undefined;
  sameSubnet(a: Canister, b: Uint8Array): boolean;
  /** The data certificate for `canister`, signed by its subnet. */
  dataCertificate(canister: Canister): Uint8Array;
}

function resultOf(response: ExecutionResponse | undefined, canister: Canister): CallResult {
  if (!response) return didNotReply(canister);
  return response.kind === 'reply' ? { kind: 'reply', data: response.data } : reject('CanisterRejectedMessage', response.message);
}

/** Runs query `method` of `canister` for `caller`; only the target of the query call gets a certificate. */
export function runQuery(host: QueryHost, canister: Canister, method: string, arg: Uint8Array, caller: Uint8Array): CallResult {
  return evaluate(host, canister, method, arg, caller, 0, [canister], true);
}

function evaluate(host: QueryHost, canister: Canister, method: string, arg: Uint8Array, caller: Uint8Array, depth: number, stack: Canister[], root: boolean): CallResult {
  const module = canister.module;
  if (!module) return noWasmModule(canister);
  // The replica still answers queries while a canister is stopping; only stopped ones refuse.
  if (canister.status === 'stopped') return notRunning(canister);
  canister.queryStats.calls += 1n;
  canister.queryStats.requestBytes += BigInt(arg.length);
  const env = host.environment(canister);
  const dataCertificate = root ? () => host.dataCertificate(canister) : undefined;
  if (module.queries.has(method)) {
    const r = execute(canister, env, {
      kind: 'NRQ', entry: { export: `canister_query ${method}` }, caller, arg, time: host.time,
      replicated: false, canRespond: true, dataCertificate, transaction: 'query',
    });
    if (r.trap) return rejectFrom(r.trap.toIcError(canister.idText));
    const result = resultOf(r.response, canister);
    if (result.kind === 'reply') canister.queryStats.responseBytes += BigInt(result.data.length);
    return result;
  }
  if (!module.compositeQueries.has(method)) return methodNotFound(canister, 'query', method);

  // A composite query keeps its own state across its callbacks, then discards all of it.
  const instance = canister.instance!;
  instance.begin();
  canister.stable.begin();
  try {
    let r = execute(canister, env, {
      kind: 'CQ', entry: { export: `canister_composite_query ${method}` }, caller, arg, time: host.time,
      replicated: false, canRespond: true, dataCertificate, transaction: 'none',
    });
    if (r.trap) return rejectFrom(r.trap.toIcError(canister.idText));
    let response = r.response;
    // Calls are evaluated one at a time, depth first: calls made by a callback go first.
    const pending: OutgoingCall[] = [...r.calls];
    while (pending.length > 0) {
      const call = pending.shift()!;
      const result = callFromQuery(host, canister, call, depth, stack);
      const isReply = result.kind === 'reply';
      r = execute(canister, env, {
        kind: isReply ? 'CRy' : 'CRt',
        entry: { callback: isReply ? call.reply : call.reject },
        caller,
        arg: result.kind === 'reply' ? result.data : undefined,
        rejectCode: result.kind === 'reject' ? result.code : 0,
        rejectMessage: result.kind === 'reject' ? result.message : undefined,
        time: host.time, replicated: false, canRespond: response === undefined, transaction: 'none',
      });
      if (r.trap) {
        let failure = r.trap;
        if (call.cleanup) {
          const c = execute(canister, env, {
            kind: 'CC', entry: { callback: call.cleanup }, caller, time: host.time, replicated: false,
            canRespond: false, rejectCode: result.kind === 'reject' ? result.code : 0, transaction: 'none',
          });
          if (c.trap) failure = r.trap.withCleanupFailure(c.trap);
        }
        if (response === undefined && pending.length === 0) return rejectFrom(failure.toIcError(canister.idText));
        continue;
      }
      response ??= r.response;
      pending.unshift(...r.calls);
    }
    const result = resultOf(response, canister);
    if (result.kind === 'reply') canister.queryStats.responseBytes += BigInt(result.data.length);
    return result;
  } finally {
    instance.rollback();
    canister.stable.rollback();
  }
}

function callFromQuery(host: QueryHost, caller: Canister, call: OutgoingCall, depth: number, stack: Canister[]): CallResult {
  if (call.callee.length === 0) {
    return reject('CanisterRejectedMessage', `Composite query cannot call the management canister (method ${call.method}).`);
  }
  const callee = host.canister(call.callee);
  if (!callee) return reject('CanisterNotFound', `Canister ${principalText(call.callee)} not found`);
  if (!host.sameSubnet(caller, call.callee)) {
    return reject('CanisterContractViolation', fromCanister(caller.idText, `Composite query cannot be used to call canisters on other subnets (${callee.idText}).`, ''));
  }
  if (stack.includes(callee)) {
    return reject('QueryCallGraphLoopDetected', `Loop detected. MessageId ${callee.idText}:${call.method} was already on the call stack.`);
  }
  if (depth + 1 >= LIMITS.maxCompositeQueryDepth) {
    return reject('QueryCallGraphTooDeep', `Composite query call exceeded the maximum call depth of ${LIMITS.maxCompositeQueryDepth}.`);
  }
  const payload = new Uint8Array(call.payloadSize);
  let at = 0;
  for (const part of call.payload) {
    payload.set(part, at);
    at += part.length;
  }
  return evaluate(host, callee, call.method, payload, caller.idBytes, depth + 1, [...stack, callee], false);
}
