/**
 * What a batch of executions cost as the IC counts it: the heaviest message with its share of its
 * limit, the message that comes closest to its limit (a 2 M `canister_inspect_message` is nearer
 * its 200 M limit than a 90 M update its 40 B), the instructions in total, and the cycles the
 * canisters paid, as the emulator charged them on its fee schedule (a 13-node application subnet
 * by default): execution (base fee per replicated message and per instruction; queries are free),
 * ingress induction and inter-canister calls (per message and per byte, the caller paying for
 * the request's bytes and the reply's), canister creation, snapshots, HTTPS outcalls. Storage over
 * time is counted apart: it is no operation's cost. For benchmarks' cost tables; read the records
 * from `IcInstance.stats` (`executions`, `fees`).
 */
import { INSTRUCTION_LIMITS } from './constants.js';
import type { ExecutionRecord, FeeKind, FeeRecord, MintRecord } from './stats.js';

/** The records a summary reads: `IcInstance.stats` has both. */
export interface CostRecords {
  executions: readonly ExecutionRecord[];
  fees: readonly FeeRecord[];
}

/** Cycles by what they paid for (see `FeeKind`). */
export type FeeTotals = Record<FeeKind, bigint>;

const FEE_KINDS: FeeKind[] = ['execution', 'instructions', 'ingressMessage', 'ingressBytes', 'callMessage', 'requestBytes', 'replyBytes', 'creation', 'snapshot', 'uploadChunk', 'httpOutcall', 'storage'];

export interface CostSummary {
  /** Messages: an install or upgrade counts once (start, init / pre- and post-upgrade together). */
  executions: number;
  /** The message with the most instructions. */
  heaviest: bigint;
  heaviestKind: string;
  /** Its canister and entry point (`canister_post_upgrade`, `canister_update commit_batch`, `callback`…). */
  heaviestCanister: string;
  heaviestMethod: string;
  /** The heaviest message's share of its kind's limit, in percent. */
  percentOfLimit: number;
  /** The limit it is measured against. */
  limit: bigint;
  /** The message with the largest share of its limit (often the heaviest; then the same figures). */
  closest: { instructions: bigint; kind: string; canister: string; method: string; percentOfLimit: number; limit: bigint };
  total: bigint;
  /** Every cycle the operation cost: all fees but storage. */
  cycles: bigint;
  /** The same cycles by what they paid for; `storage` (over time, not in `cycles`) apart. */
  fees: FeeTotals;
}

/**
 * Totals with nothing paid yet, every kind at zero.
 *
 * @example feeBreakdown(noFees()) // '–'
 */
export function noFees(): FeeTotals {
  return Object.fromEntries(FEE_KINDS.map((k) => [k, 0n])) as FeeTotals;
}

const QUERY_KINDS = new Set(['NRQ', 'CQ', 'CRy', 'CRt', 'CC', 'F']);
const INSTALL_KINDS = new Set(['s', 'I', 'G', 'compile']);

function limitOf(kind: string): bigint {
  if (INSTALL_KINDS.has(kind)) return INSTRUCTION_LIMITS.install;
  if (kind === 'F') return INSTRUCTION_LIMITS.inspectMessage;
  if (kind === 'RQ' || QUERY_KINDS.has(kind)) return INSTRUCTION_LIMITS.query;
  return INSTRUCTION_LIMITS.message;
}

interface Message { canister: string; kind: string; method: string; instructions: bigint }

/**
 * The messages of `records`: `install_code` runs `canister_pre_upgrade`, compiles the new module
 * (a `compile` record), runs the start function and `canister_init` / `canister_post_upgrade` as
 * one message under one limit (the replica carries the instructions used from one stage to the
 * next), so consecutive install stages of one canister are summed; an install's heaviest hook
 * names it.
 */
function messagesOf(records: readonly ExecutionRecord[]): Message[] {
  const out: Message[] = [];
  let open: Message | undefined;
  for (const r of records) {
    const method = r.method ?? '';
    if (!INSTALL_KINDS.has(r.kind)) {
      open = undefined;
      out.push({ canister: r.canister, kind: r.kind, method, instructions: r.instructions });
      continue;
    }
    // A pre-upgrade starts an install. Compiling continues a pre-upgrade, else starts one; a start
    // continues either of them; an init continues any stage before it (all of the same canister).
    const same = open !== undefined && open.canister === r.canister;
    const continues = same && (
      r.kind === 'compile' ? open!.kind === 'G'
        : r.kind === 's' ? open!.kind === 'G' || open!.kind === 'compile'
          : r.kind === 'I');
    if (continues) {
      open!.instructions += r.instructions;
      if (r.kind === 'I') open!.method = method;
      open!.kind = r.kind === 'compile' ? 'compile' : 'I';
    } else {
      open = { canister: r.canister, kind: r.kind, method, instructions: r.instructions };
      out.push(open);
    }
  }
  return out;
}

/**
 * Summarizes `records` (optionally those of one canister: its executions and the fees it paid).
 *
 * @example
 * ic.stats.reset(); await publish(); const s = summarizeCosts(ic.stats, registryId.toText());
 */
export function summarizeCosts(records: CostRecords, canister?: string): CostSummary {
  const summary: CostSummary = {
    executions: 0, heaviest: 0n, heaviestKind: '', heaviestCanister: '', heaviestMethod: '', percentOfLimit: 0, limit: 0n, total: 0n, cycles: 0n,
    closest: { instructions: 0n, kind: '', canister: '', method: '', percentOfLimit: 0, limit: 0n },
    fees: noFees(),
  };
  for (const fee of records.fees) {
    if (canister !== undefined && fee.canister !== canister) continue;
    summary.fees[fee.kind] += fee.cycles;
    if (fee.kind !== 'storage') summary.cycles += fee.cycles;
  }
  const executions = records.executions;
  for (const m of messagesOf(canister === undefined ? executions : executions.filter((r) => r.canister === canister))) {
    summary.executions += 1;
    summary.total += m.instructions;
    const limit = limitOf(m.kind);
    const percent = (Number(m.instructions) / Number(limit)) * 100;
    if (summary.heaviestKind === '' || m.instructions > summary.heaviest) {
      Object.assign(summary, { heaviest: m.instructions, heaviestKind: m.kind, heaviestCanister: m.canister, heaviestMethod: m.method, percentOfLimit: percent, limit });
    }
    if (summary.closest.kind === '' || percent > summary.closest.percentOfLimit) {
      summary.closest = { instructions: m.instructions, kind: m.kind, canister: m.canister, method: m.method, percentOfLimit: percent, limit };
    }
  }
  return summary;
}

/**
 * The cycles balance of each canister, by id text, to compare before and after an operation.
 *
 * @example const before = cycleBalances(ic.canistersInOrder());
 */
export function cycleBalances(canisters: Iterable<{ idText: string; cycles: bigint }>): Map<string, bigint> {
  return new Map([...canisters].map((c) => [c.idText, c.cycles]));
}

/**
 * Cycles that left the balances between `before` and `after` (a canister created in between
 * started at zero) and that no fee record accounts for, storage included, once the cycles minted
 * meanwhile (provisional creation and top-ups) are counted in: zero when every cycle the canisters
 * lost is a fee the emulator noted. Cycles sent between canisters cancel out; cycles still
 * attached to a call in flight, burnt by `ic0.cycles_burn128` or lost with a deleted canister do not.
 *
 * @example
 * ic.stats.reset(); const before = cycleBalances(ic.canistersInOrder()); await op();
 * unaccountedCycles(ic.stats, before, cycleBalances(ic.canistersInOrder())) // 0n
 */
export function unaccountedCycles(
  records: { fees: readonly FeeRecord[]; minted?: readonly MintRecord[] },
  before: ReadonlyMap<string, bigint>,
  after: ReadonlyMap<string, bigint>,
): bigint {
  let drop = 0n;
  for (const [id, cycles] of before) drop += cycles - (after.get(id) ?? 0n);
  for (const [id, cycles] of after) if (!before.has(id)) drop -= cycles;
  for (const mint of records.minted ?? []) drop += mint.cycles;
  for (const fee of records.fees) drop -= fee.cycles;
  return drop;
}

/** What `measureCosts` needs of an instance (`IcInstance` has it). */
export interface MeasuredInstance {
  stats: CostRecords & { minted: readonly MintRecord[]; reset(): void };
  canistersInOrder(): Iterable<{ idText: string; cycles: bigint }>;
}

/**
 * Runs `operation` on `ic` with fresh stats, then checks that the fees noted account for every
 * cycle that left the canisters' balances, and throws naming `label` if they do not. Read the
 * costs from `ic.stats` after it.
 *
 * @example
 * await measureCosts(ic, 'nft: transfer', () => nft.icrc7_transfer([t]));
 * rows.push({ operation: 'nft: transfer', summary: summarizeCosts(ic.stats, nftId.toText()) });
 */
export async function measureCosts<T>(ic: MeasuredInstance, label: string, operation: () => Promise<T>): Promise<T> {
  ic.stats.reset();
  const before = cycleBalances(ic.canistersInOrder());
  const result = await operation();
  const unaccounted = unaccountedCycles(ic.stats, before, cycleBalances(ic.canistersInOrder()));
  if (unaccounted !== 0n) throw new Error(`${label}: ${unaccounted} cycles left the canisters' balances without a fee noted for them`);
  return result;
}

/** USD of `cycles` at 1 XDR = 10^12 cycles and `usdPerXdr`. */
export function cyclesToUsd(cycles: bigint, usdPerXdr: number): number {
  return (Number(cycles) / 1e12) * usdPerXdr;
}
