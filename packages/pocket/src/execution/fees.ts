/**
 * Taking a fee from a canister's balance, and noting it in the instance's stats with what it paid
 * for, so that a benchmark can say what an operation cost in cycles and a test can check that the
 * fees noted add up to what left the balances.
 */
import type { Canister } from '../canister.js';
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
