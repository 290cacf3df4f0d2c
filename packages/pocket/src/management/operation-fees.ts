/**
 * Management operations the replica charges as the execution of the instructions it counts for
 * them (`upload_chunk`, the snapshot operations; see `MANAGEMENT_INSTRUCTIONS`): each charge's fee is
 * checked in turn against what the canister holds above its freezing threshold (the replica's
 * `can_withdraw_cycles`), and nothing is charged unless all of them can be paid.
 */
import type { Canister } from '../canister.js';
import type { IcError } from '../errors.js';
import { chargeFee } from '../execution/fees.js';
import type { FeeKind } from '../stats.js';
import type { MethodContext } from './methods.js';

/**
 * The fees of charges of `instructions` each, or `outOfCycles` with the cycles the canister lacks
 * (what a controller is told to top up) for the first it cannot pay.
 *
 * @example const fees = operationFees(ctx, canister, [MANAGEMENT_INSTRUCTIONS.uploadChunk], (short) => chunkStoreError(…));
 */
export function operationFees(ctx: MethodContext, canister: Canister, instructions: bigint[], outOfCycles: (shortfall: bigint) => IcError): bigint[] {
  const limit = ctx.host.environment(canister).freezingLimit(canister);
  let due = 0n;
  return instructions.map((n) => {
    const fee = ctx.call.subnet.cost.managementOperation(n);
    due += fee;
    if (canister.cycles < due + limit) throw outOfCycles(due + limit - canister.cycles);
    return fee;
  });
}

/** Charges fees `operationFees` allowed. */
export function payOperationFees(ctx: MethodContext, canister: Canister, kind: FeeKind, fees: bigint[]): void {
  for (const fee of fees) chargeFee(canister, ctx.host.environment(canister), kind, fee);
}
