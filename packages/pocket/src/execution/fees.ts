/**
 * Taking a fee from a canister's balance, and noting it in the instance's stats with what it paid
 * for, so that a benchmark can say what an operation cost in cycles and a test can check that the
 * fees noted add up to what left the balances.
 */
import type { Canister } from '../canister.js';
import type { CostModel } from '../costs.js';
import type { FeeKind } from '../stats.js';

/** Where fees are noted (the instance's `MessageStats`, through the execution environment). */
export interface FeeSink {
  recordFee?(canister: string, kind: FeeKind, cycles: bigint): void;
}

/**
 * Takes `cycles` from `canister` for `kind`, never below a zero balance, and notes what it took.
 *
 * @example chargeFee(canister, env, 'execution', env.cost.execution())
 */
export function chargeFee(canister: Canister, sink: FeeSink, kind: FeeKind, cycles: bigint): bigint {
  const paid = cycles < canister.cycles ? cycles : canister.cycles > 0n ? canister.cycles : 0n;
  canister.cycles -= paid;
  sink.recordFee?.(canister.idText, kind, paid);
  return paid;
}

/**
 * Takes the induction fee of an ingress message of `bytes` (method name and payload) from
 * `canister`: per message, then per byte (the replica scales their sum, so the bytes' part is the
 * rest), never below a zero balance.
 *
 * @example chargeIngressFee(canister, env, subnet.cost, BigInt(method.length + payload.length))
 */
export function chargeIngressFee(canister: Canister, sink: FeeSink, cost: CostModel, bytes: bigint): void {
  const fee = cost.ingress(bytes);
  const message = fee < cost.ingressMessage() ? fee : cost.ingressMessage();
  if (chargeFee(canister, sink, 'ingressMessage', message) === message) chargeFee(canister, sink, 'ingressBytes', fee - message);
}

/**
 * Runs `execution` with `prepaid` cycles out of the canister's balance: the replica prepays a
 * message's instructions, its whole limit's, before the message runs, and gives back what it did
 * not use when it ends (`prepay_execution_cycles`, `refund_unused_execution_cycles`). The canister
 * sees its balance without them meanwhile (`ic0.canister_cycle_balance128`, and what a call or
 * `msg_cycles_accept` can spend); they come back when it ends, and its instructions are charged
 * after (`chargeInstructions`).
 *
 * @example const r = withPrepaid(canister, env.cost.instructions(INSTRUCTION_LIMITS.message), () => execute(canister, env, request));
 */
export function withPrepaid<T>(canister: Canister, prepaid: bigint, execution: () => T): T {
  canister.cycles -= prepaid;
  try {
    return execution();
  } finally {
    canister.cycles += prepaid;
  }
}
