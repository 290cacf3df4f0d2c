/**
 * Judging an upgraded canister: after the install the manager confirms the module hash (already
 * done by `confirmModule`) and asks the version's health query. A version that declares no health
 * method is asked `lineage_health`; if its module does not export that either, the manager asks an
 * ordinary query every Azle, Motoko and Rust canister exports (`__get_candid_interface_tmp_hack`),
 * so the canister is at least running and serving its interface.
 */

export const FALLBACK_QUERY = '__get_candid_interface_tmp_hack';

/** What one health call came back with. */
export type HealthAnswer =
  | { kind: 'ok' }
  | { kind: 'err'; message: string }
  /** Any other reply (a method that answers something other than `variant { Ok; Err : text }`). */
  | { kind: 'malformed'; message: string }
  | { kind: 'rejected'; message: string }
  /** The module exports no such method (the IC's reject, before any code runs). */
  | { kind: 'no_method' };

export interface HealthVerdict {
  healthy: boolean;
  /** Which check decided it and what it said, for the history (`lineage_health: Ok`). */
  detail: string;
}

/** Whether a reject message is the IC's "the canister has no such method" (IC0536 / IC0302). */
export function isNoMethod(message: string): boolean {
  return /has no (update|query) method|method .* not found|IC0536|IC0302/i.test(message);
}

/**
 * The verdict of one health answer of `method`, given how long it took (nanoseconds) and the
 * deadline (seconds): an answer after the deadline is a time-out, whatever it says.
 *
 * @example
 * judge('lineage_health', { kind: 'err', message: 'notes index broken' }, 1n, 60n) // → { healthy: false, detail: 'lineage_health: Err notes index broken' }
 */
export function judge(method: string, answer: HealthAnswer, elapsedNanos: bigint, deadlineSeconds: bigint): HealthVerdict {
  if (elapsedNanos > deadlineSeconds * 1_000_000_000n) {
    return { healthy: false, detail: `${method}: no answer within the deadline of ${deadlineSeconds} s` };
  }
  switch (answer.kind) {
    case 'ok': return { healthy: true, detail: `${method}: Ok` };
    case 'err': return { healthy: false, detail: `${method}: Err ${answer.message}` };
    case 'malformed': return { healthy: false, detail: `${method}: ${answer.message}` };
    case 'rejected': return { healthy: false, detail: `${method} was rejected: ${answer.message}` };
    case 'no_method': return { healthy: false, detail: `${method}: the module has no such method` };
  }
}

/** The checks to run, in order, for a version that declares `declared` (or nothing). */
export function healthPlan(declared: string | undefined): { method: string; fallback: string | undefined } {
  return declared === undefined ? { method: 'lineage_health', fallback: FALLBACK_QUERY } : { method: declared, fallback: undefined };
}
