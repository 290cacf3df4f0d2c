/** Inter-canister calls (IC interface spec § Inter-canister method calls). */
import { LIMITS } from '../constants.js';
import { Principal } from '@dfinity/principal';
import { traps } from '../errors.js';
import type { ExecutionContext } from './context.js';
import { liquidBalance } from './cycles.js';
import { decodeLossy, readFromCanister, u128 } from './memory-access.js';

/** A callback's env: 32 bits, or 64 bits for a wasm64 module (kept whole, see memory64.ts). */
const env = (value: number | bigint) => (typeof value === 'bigint' ? BigInt.asUintN(64, value) : value >>> 0);

function building(c: ExecutionContext, api: string) {
  if (!c.pendingCall) throw traps.toolchain(`${api} called when no call is under construction.`);
  return c.pendingCall;
}

function addCycles(c: ExecutionContext, api: string, amount: bigint): void {
  const call = building(c, api);
  const liquid = liquidBalance(c);
  if (amount > liquid) {
    throw traps.contract(`${api}: canister ${c.canister.idText} cannot attach ${amount} cycles to a call, its liquid balance is ${liquid}`, '');
  }
  c.balance -= amount;
  call.cycles += amount;
}

/** Drops the call being built, giving its cycles back (on `call_new` and at the end of execution). */
export function discardPendingCall(c: ExecutionContext): void {
  if (c.pendingCall) c.balance += c.pendingCall.cycles;
  c.pendingCall = undefined;
}

export function callImports(ctx: () => ExecutionContext) {
  return {
    call_new: (calleeSrc: number, calleeSize: number, nameSrc: number, nameSize: number, replyFn: number, replyEnv: number | bigint, rejectFn: number, rejectEnv: number | bigint) => {
      const c = ctx();
      discardPendingCall(c);
      const callee = readFromCanister(c, 'ic0.call_new callee', calleeSrc, calleeSize);
      if ((nameSize >>> 0) > LIMITS.maxMethodNameLength) {
        throw traps.contract(`Size of method_name ${nameSize >>> 0} exceeds the allowed limit of ${LIMITS.maxMethodNameLength}.`, '');
      }
      const method = decodeLossy(readFromCanister(c, 'ic0.call_new method_name', nameSrc, nameSize));
      c.pendingCall = {
        callee, method,
        reply: { fn: replyFn >>> 0, env: env(replyEnv) },
        reject: { fn: rejectFn >>> 0, env: env(rejectEnv) },
        cleanup: undefined, payload: [], payloadSize: 0, cycles: 0n, timeoutSeconds: undefined,
      };
    },
    call_on_cleanup: (fn: number, cleanupEnv: number | bigint) => {
      const c = ctx();
      const call = building(c, 'ic0.call_on_cleanup');
      if (call.cleanup) throw traps.toolchain('ic0.call_on_cleanup can be called at most once between `ic0.call_new` and `ic0.call_perform`');
      call.cleanup = { fn: fn >>> 0, env: env(cleanupEnv) };
    },
    call_data_append: (src: number, size: number) => {
      const c = ctx();
      const call = building(c, 'ic0.call_data_append');
      const data = readFromCanister(c, 'ic0.call_data_append', src, size);
      const limit = c.canister.sameSubnet(call.callee) ? LIMITS.maxSameSubnetPayload : LIMITS.maxCrossSubnetPayload;
      if (call.payloadSize + data.length > limit) {
        const callee = Principal.fromUint8Array(call.callee).toText();
        throw traps.contract(`Request to ${callee}:${call.method} has a payload size of ${call.payloadSize + data.length}, which exceeds the allowed limit of ${limit}.`, '');
      }
      call.payload.push(data);
      call.payloadSize += data.length;
    },
    call_with_best_effort_response: (timeoutSeconds: number) => {
      const c = ctx();
      const call = building(c, 'ic0.call_with_best_effort_response');
      if (call.timeoutSeconds !== undefined) {
        throw traps.toolchain('ic0.call_with_best_effort_response can be called at most once between `ic0.call_new` and `ic0.call_perform`');
      }
      call.timeoutSeconds = Math.min(timeoutSeconds >>> 0, LIMITS.maxCallTimeoutSeconds);
    },
    call_cycles_add: (amount: bigint) => addCycles(ctx(), 'ic0_call_cycles_add', BigInt.asUintN(64, amount)),
    call_cycles_add128: (high: bigint, low: bigint) => addCycles(ctx(), 'ic0_call_cycles_add128', u128(high, low)),
    call_perform: () => {
      const c = ctx();
      const call = building(c, 'ic0.call_perform');
      // The caller pays for the call and its request's bytes (method name and argument; replica:
      // `Request::payload_size_bytes`) when the call is made, and sets aside what the largest
      // response's bytes and a callback of the whole limit would cost; when the response comes,
      // that comes back and the response's bytes and its callback are charged as they are
      // (requests.ts; replica: `withdraw_request_cycles`, `refund_for_response_transmission`,
      // `prepayment_for_response_execution`). Without enough liquid cycles for all of it the call
      // is not made and the canister learns it from the error code (IC spec: 2 = SYS_FATAL).
      const methodBytes = BigInt(new TextEncoder().encode(call.method).length);
      const fees = {
        call: c.canister.cost.callMessage(),
        bytes: c.canister.cost.transmission(methodBytes + BigInt(call.payloadSize)),
      };
      const reservation = c.canister.cost.callReservation(methodBytes, BigInt(call.payloadSize));
      if (liquidBalance(c) < reservation) {
        discardPendingCall(c);
        return 2;
      }
      c.balance -= reservation;
      call.fees = fees;
      call.reserved = reservation - fees.call - fees.bytes;
      c.calls.push(call);
      c.pendingCall = undefined;
      return 0;
    },
  };
}
