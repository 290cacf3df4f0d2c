/**
 * Charging canisters for the resources they hold over time (IC interface spec § Cycles: "the
 * canister is charged for … storage and compute allocation"; the replica's scheduler charges every
 * canister "for resource allocation and usage" once `duration_between_allocation_charges`, 10 s,
 * has passed since its last charge, for the whole time elapsed).
 *
 * The fee is the cost model's idle burn rate (`idle_cycles_burned_per_day` of `canister_status`) for
 * the canister's memory (its memory allocation when that is larger) and compute allocation, pro
 * rata over the elapsed time; a `Free` cost schedule burns nothing. A canister that cannot pay is
 * uninstalled as the replica does it: code, Wasm and stable memory, certified data and timer are
 * dropped, its open call contexts are rejected, its remaining balance is burnt, and no change is
 * recorded in its history (`AddCanisterChangeToHistory::No`).
 */
import type { Canister } from '../canister.js';
import type { CostModel } from '../costs.js';
import type { CallResult } from '../messages.js';
import { dropCodeAndState } from './install.js';

/** The replica's `duration_between_allocation_charges`. */
export const ALLOCATION_CHARGE_INTERVAL_NANOS = 10n * 1_000_000_000n;
const DAY_NANOS = 86_400n * 1_000_000_000n;

export interface IdleBurnHost {
  costOf(canister: Canister): CostModel;
  /** Notes the cycles a canister paid for its storage and compute allocation (or lost for lack of them). */
  recordFee?(canister: string, kind: 'storage', cycles: bigint): void;
  rejectCallContexts(canister: Canister, result: CallResult): void;
}

/** The reject every open call context of a canister uninstalled for lack of cycles gets. */
export const OUT_OF_CYCLES_REJECT: CallResult = { kind: 'reject', code: 4, message: 'Canister has been uninstalled.', errorCode: 'CanisterRejectedMessage' };

/**
 * Cycles `canister` burns per day while idle: its memory, or its memory allocation when that is
 * larger, and its compute allocation (replica: `idle_cycles_burned_rate`). The freezing threshold
 * is this rate times `freezing_threshold` seconds.
 * @example idleBurnPerDay(canister, subnet.cost) * canister.settings.freezingThreshold / 86_400n
 */
export function idleBurnPerDay(canister: Canister, cost: CostModel): bigint {
  const memory = canister.memorySize > canister.settings.memoryAllocation ? canister.memorySize : canister.settings.memoryAllocation;
  return cost.idleBurnPerDay(memory, canister.settings.computeAllocation);
}

/**
 * Charges each canister whose last charge is at least 10 s before `now` for the time since.
 * Returns the canisters uninstalled because they could not pay.
 * @example chargeIdleBurn(canisters, now, { costOf: (c) => subnet.cost, rejectCallContexts })
 */
export function chargeIdleBurn(canisters: Iterable<Canister>, now: bigint, host: IdleBurnHost): Canister[] {
  const uninstalled: Canister[] = [];
  for (const canister of canisters) {
    const elapsed = now - canister.lastResourceChargeAt;
    if (elapsed < ALLOCATION_CHARGE_INTERVAL_NANOS) continue;
    canister.lastResourceChargeAt = now;
    const perDay = idleBurnPerDay(canister, host.costOf(canister));
    const fee = (perDay * elapsed) / DAY_NANOS;
    if (fee === 0n) continue;
    if (fee <= canister.cycles) {
      canister.cycles -= fee;
      host.recordFee?.(canister.idText, 'storage', fee);
      continue;
    }
    host.recordFee?.(canister.idText, 'storage', canister.cycles);
    uninstallOutOfCycles(canister, host);
    uninstalled.push(canister);
  }
  return uninstalled;
}

function uninstallOutOfCycles(canister: Canister, host: IdleBurnHost): void {
  host.rejectCallContexts(canister, OUT_OF_CYCLES_REJECT);
  dropCodeAndState(canister);
  canister.cycles = 0n;
}
