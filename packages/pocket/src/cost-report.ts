/**
 * What a batch of executions cost as the IC counts it: the heaviest message's instructions and the
 * share of its limit, the instructions in total, and the cycles charged on a 13-node application
 * subnet (base fee per replicated execution plus 0.4 cycles per instruction; queries are free).
 * For benchmarks' cost tables; read the records from `IcInstance.stats.executions`.
 */
import { INSTRUCTION_LIMITS } from './constants.js';
import type { ExecutionRecord } from './stats.js';

export interface CostSummary {
  executions: number;
  heaviest: bigint;
  heaviestKind: string;
  /** The heaviest execution's share of its kind's limit, in percent. */
  percentOfLimit: number;
  total: bigint;
  cycles: bigint;
}

const QUERY_KINDS = new Set(['NRQ', 'CQ', 'CRy', 'CRt', 'CC', 'F']);

function limitOf(kind: string): bigint {
  if (kind === 's' || kind === 'I' || kind === 'G') return INSTRUCTION_LIMITS.install;
  if (kind === 'RQ' || QUERY_KINDS.has(kind)) return kind === 'F' ? INSTRUCTION_LIMITS.inspectMessage : INSTRUCTION_LIMITS.query;
  return INSTRUCTION_LIMITS.message;
}

/**
 * Summarizes `records` (optionally those of one canister).
 *
 * @example
 * ic.stats.reset(); await publish(); const s = summarizeCosts(ic.stats.executions, registryId.toText());
 */
export function summarizeCosts(records: readonly ExecutionRecord[], canister?: string): CostSummary {
  let heaviest = 0n;
  let heaviestKind = '';
  let total = 0n;
  let cycles = 0n;
  let executions = 0;
  for (const r of records) {
    if (canister !== undefined && r.canister !== canister) continue;
    executions += 1;
    total += r.instructions;
    if (r.instructions > heaviest) {
      heaviest = r.instructions;
      heaviestKind = r.kind;
    }
    // Execution fee (13 nodes): 5M per replicated execution, 4 cycles per 10 instructions.
    if (!QUERY_KINDS.has(r.kind)) cycles += 5_000_000n + (r.instructions * 4n) / 10n;
  }
  const percentOfLimit = heaviestKind === '' ? 0 : (Number(heaviest) / Number(limitOf(heaviestKind))) * 100;
  return { executions, heaviest, heaviestKind, percentOfLimit, total, cycles };
}

/** USD of `cycles` at 1 XDR = 10^12 cycles and `usdPerXdr`. */
export function cyclesToUsd(cycles: bigint, usdPerXdr: number): number {
  return (Number(cycles) / 1e12) * usdPerXdr;
}
