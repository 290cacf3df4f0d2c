/**
 * Lineage's cost table in markdown: one row per operation, from a `CostSummary`, with cycles in
 * USD at a stated rate and the rows where a message uses more than a quarter of its limit
 * marked (issue 14: such operations are to be reworked). Every package's `bench/costs.ts` prints
 * its rows with these functions and saves them, so that the root `pnpm bench` can print the
 * whole table at once (`bench/cost-table.ts` at the root).
 */
import { writeFileSync } from 'node:fs';

import { cyclesToUsd, type CostSummary, type FeeTotals } from './cost-report.js';

/** USD per XDR (IMF rate of late 2025, rounded); 1 XDR = 10^12 cycles. */
export const USD_PER_XDR = 1.36;
/** Rows whose heaviest message uses more than this share of its limit are marked. */
export const MARK_PERCENT = 25;

/**
 * One operation measured: its summary, and fees the IC would charge that the measurement could not
 * see (a dapp's canisters are created by the test's provisional calls, free, where mainnet charges
 * the creation fee): added to the cycles, named in the breakdown.
 */
export interface CostRow {
  operation: string;
  summary: CostSummary;
  extra?: { label: string; cycles: bigint };
  /** Names of the canisters by id text, to say whose method the heaviest message ran. */
  names?: Record<string, string>;
}

/** What a row file holds: the markdown rows of one package, and when and where they were measured. */
export interface SavedCostRows {
  package: string;
  measuredAt: string;
  rows: string[];
}

const KIND_NAMES: Record<string, string> = {
  U: 'update', RQ: 'replicated query', Ry: 'callback', Rt: 'callback', C: 'cleanup', T: 'timer', I: 'install', s: 'install', G: 'install', compile: 'install',
  NRQ: 'query', CQ: 'composite query', CRy: 'composite query', CRt: 'composite query', F: 'inspect_message',
};

/** 35.61 B, 58.2 M, 0: instructions and cycles at a glance. */
function amount(n: bigint): string {
  const x = Number(n);
  if (x >= 1e12) return `${(x / 1e12).toFixed(2)} T`;
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} B`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)} M`;
  return x.toLocaleString('en');
}

export const COST_TABLE_HEADER = [
  '| operation | heaviest message: instructions (kind, method) | % of its limit (and the message closest to its limit, if another) | instructions in total | messages | cycles | of which: execution · per message · per byte (· other fees) | USD |',
  '| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |',
];

/**
 * The cycles of a row by what they paid for: execution (base fees and instructions), the fees per
 * message (ingress induction, inter-canister calls), per byte (ingress, requests and replies
 * between canisters), then any other fee by name; `–` when there were none (queries).
 *
 * @example feeBreakdown(summary.fees) // 'exec 10.6 M · msg 1.2 M · bytes 300,000'
 */
export function feeBreakdown(fees: FeeTotals, extra?: { label: string; cycles: bigint }): string {
  const { storage: _overTime, ...paid } = fees;
  // Queries only: nothing to break down.
  if (!extra && Object.values(paid).every((cycles) => cycles === 0n)) return '–';
  const parts = [
    `exec ${amount(fees.execution + fees.instructions)}`,
    `msg ${amount(fees.ingressMessage + fees.callMessage)}`,
    `bytes ${amount(fees.ingressBytes + fees.requestBytes + fees.replyBytes)}`,
  ];
  const others: [string, bigint][] = [['creation', fees.creation], ['snapshots', fees.snapshot], ['chunk uploads', fees.uploadChunk], ['HTTPS outcalls', fees.httpOutcall]];
  if (extra) others.push([extra.label, extra.cycles]);
  for (const [label, cycles] of others) if (cycles > 0n) parts.push(`${label} ${amount(cycles)}`);
  return parts.join(' · ');
}

/**
 * One markdown row. A row with a message over `MARK_PERCENT` of its limit is marked `⚠`, the share in bold.
 *
 * @example
 * costTableRow({ operation: 'fetch 1 MiB', summary: summarizeCosts(ic.stats) });
 */
export function costTableRow(row: CostRow, usdPerXdr = USD_PER_XDR): string {
  const s = row.summary;
  const what = (kind: string, canister: string, method: string) =>
    // `canister_update commit_batch` → `commit_batch`.
    `${KIND_NAMES[kind] ?? kind}, ${[row.names?.[canister], method.split(' ').at(-1)].filter(Boolean).join(' ')}`;
  const share = (percent: number, limit: bigint) => `${percent.toFixed(percent < 1 ? 2 : 1)}% of ${Number(limit) / 1e9} B`;
  const c = s.closest;
  const over = c.percentOfLimit > MARK_PERCENT;
  let percent = share(s.percentOfLimit, s.limit);
  // Another message comes closer to its own limit: say which.
  if (c.percentOfLimit > s.percentOfLimit) percent += `; ${what(c.kind, c.canister, c.method)}: ${amount(c.instructions)}, ${share(c.percentOfLimit, c.limit)}`;
  const cycles = s.cycles + (row.extra?.cycles ?? 0n);
  return `| ${over ? '⚠ ' : ''}${row.operation} | ${amount(s.heaviest)} (${what(s.heaviestKind, s.heaviestCanister, s.heaviestMethod)}) | ${over ? `**${percent}**` : percent} | ${amount(s.total)} | ${s.executions} | ${amount(cycles)} | ${feeBreakdown(s.fees, row.extra)} | $${cyclesToUsd(cycles, usdPerXdr).toFixed(4)} |`;
}

/** The table's header and `rows`, as lines. */
export function costTable(rows: string[]): string {
  return [...COST_TABLE_HEADER, ...rows].join('\n');
}

/** The notes under the table: the rate, the fee schedule, what the marks mean. */
export function costTableNotes(usdPerXdr = USD_PER_XDR): string {
  return [
    `Instructions as the replica meters them (the emulator's metering); T = 10^12, B = 10^9, M = 10^6. Cycles: every fee the canisters paid for the operation,`,
    `as the emulator charged them on a 13-node application subnet, at 1 XDR = 10^12 cycles = $${usdPerXdr}: exec = execution (5 M per replicated message, callbacks and`,
    `timers included, + 1 per instruction; queries are free); msg = 1.2 M per ingress message + 260 K per inter-canister call; bytes = 2,000 per ingress byte`,
    `(the whole signed request) + 1,000 per byte of a call's request (method name and argument) and of its reply, both paid by the caller; other fees by name`,
    `(creation 500 B per canister; snapshots and chunk uploads as the execution of the instructions the replica counts for them: 2 B + 1 per byte for taking a`,
    `snapshot, 200 M per chunk uploaded; HTTPS outcalls). Storage over time is no operation's cost and is left out.`,
    `Limits per message: update, callback or timer 40 B, query (also called by a canister) 5 B, install or upgrade 300 B (pre-upgrade, compiling the module, start and post-upgrade together).`,
    `⚠: a message uses more than ${MARK_PERCENT}% of its limit.`,
  ].join('\n');
}

/**
 * Prints `rows` as a table under `title` and saves them in `file` (JSON, for the root's combined table).
 *
 * @example
 * reportCosts('asset', new URL('./costs.json', import.meta.url), rows);
 */
export function reportCosts(pkg: string, file: URL | string, rows: CostRow[], usdPerXdr = USD_PER_XDR): void {
  const lines = rows.map((r) => costTableRow(r, usdPerXdr));
  console.log(`\n${pkg} cost table\n\n${costTable(lines)}\n\n${costTableNotes(usdPerXdr)}\n`);
  const saved: SavedCostRows = { package: pkg, measuredAt: new Date().toISOString(), rows: lines };
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
}
