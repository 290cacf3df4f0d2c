/**
 * Plain-text rendering of histories, in the layout of the canister history proposal (seed 001:
 * `dfx canister history`): Timestamp | Change | Details | Origin, plus which record shows the row.
 */
import type { HistoryChange, HistoryRow } from './merge.js';

/** `2026-11-21 06:42:53` (UTC) from nanoseconds since the epoch. */
export function formatTimestamp(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString().replace('T', ' ').slice(0, 19);
}

/** A principal short enough for a table column: its first group and its last, e.g. `bkyz2-…-cai`. */
export function shortPrincipal(text: string): string {
  const groups = text.split('-');
  return groups.length <= 3 ? text : `${groups[0]}-…-${groups[groups.length - 1]}`;
}

/**
 * Renders rows as a table with a header and a rule; a cell may hold several lines. Columns are as
 * wide as their widest line.
 *
 * @example
 * renderTable(['Name', 'Id'], [['registry', 'lxzze-…-cai']]);
 */
export function renderTable(headers: string[], rows: string[][]): string {
  const cells = rows.map((row) => headers.map((_, i) => (row[i] ?? '').split('\n')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => Math.max(...row[i]!.map((line) => line.length)))));
  const line = (parts: string[]) => `| ${parts.map((p, i) => p.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`];
  for (const row of cells) {
    const height = Math.max(...row.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(line(row.map((c) => c[k] ?? '')));
  }
  return out.join('\n');
}

const CHANGE_NAMES: Record<HistoryChange, string> = {
  create: 'Create',
  install: 'Install',
  reinstall: 'Reinstall',
  upgrade: 'Upgrade',
  controllers: 'Controller Change',
  uninstall: 'Uninstall',
  'load-snapshot': 'Load Snapshot',
  'upgrade-failed': 'Upgrade failed',
  gap: 'Not seen',
  snapshot: 'Snapshot',
  health: 'Health check',
  rollback: 'Rolled back',
  restore: 'Restored',
  'trust-policy': 'Trust policy',
};

export interface HistoryTableOptions {
  /** The registry's name for a module hash (hex), e.g. `org.lineage.backend 2.0.0`. */
  versionName?: (hash: string) => string | undefined;
  /** Names for principals (`alice`, `manager`…), shown instead of the principal. */
  principalName?: (principal: string) => string | undefined;
  /** Show principals and hashes in full. */
  wide?: boolean;
  /** What verifiers said about a module hash (hex), e.g. `attested by alice, bob`, shown under its code line. */
  attestations?: (hash: string) => string | undefined;
}

/** The lines of the Details column of one row. */
export function describeRow(row: HistoryRow, options: HistoryTableOptions = {}): string[] {
  const who = (p: string) => options.principalName?.(p) ?? (options.wide ? p : shortPrincipal(p));
  const code = (hash: string) => {
    const name = options.versionName?.(hash);
    const shown = options.wide ? hash : `${hash.slice(0, 12)}…`;
    const said = options.attestations?.(hash);
    return `${name ? `Code: ${shown} (${name})` : `Code: ${shown}`}${said ? `\n${said}` : ''}`;
  };
  const lines: string[] = [];
  switch (row.change) {
    case 'create':
      lines.push(`Controllers: ${(row.controllers ?? []).map(who).join(', ')}`);
      break;
    case 'install': case 'reinstall': case 'upgrade':
      if (row.moduleHash) lines.push(...code(row.moduleHash).split('\n'));
      break;
    case 'controllers':
      if (row.added === undefined) lines.push(`Controllers: ${(row.controllers ?? []).map(who).join(', ')}`);
      if (row.added?.length) lines.push(`Added: ${row.added.map(who).join(', ')}`);
      if (row.removed?.length) lines.push(`Removed: ${row.removed.map(who).join(', ')}`);
      if (row.added && !row.added.length && !row.removed?.length) lines.push('(same controllers)');
      break;
    case 'upgrade-failed':
      if (row.moduleHash) lines.push(...`To ${code(row.moduleHash)}`.split('\n'));
      if (row.error) lines.push(`Error: ${row.error}`);
      break;
    case 'gap':
      lines.push(`${row.missed ?? '?'} change(s) happened while the manager was not watching`, 'and the IC no longer lists them');
      break;
    case 'snapshot':
      lines.push(`Snapshot ${row.snapshot ?? '?'} before the install`);
      break;
    case 'health':
      lines.push(`${row.ok ? 'Healthy' : 'Unhealthy'}: ${row.detail ?? ''}`);
      break;
    case 'rollback':
      if (row.moduleHash) lines.push(`Undid ${code(row.moduleHash)}`);
      if (row.error) lines.push(`Because: ${row.error}`);
      lines.push(row.ok ? `Loaded snapshot ${row.snapshot}; ${row.detail ?? ''}` : `Loading snapshot ${row.snapshot} FAILED: ${row.detail ?? ''}`);
      break;
    case 'restore':
      lines.push(row.ok ? `Loaded snapshot ${row.snapshot}; ${row.detail ?? ''}` : `Loading snapshot ${row.snapshot} FAILED: ${row.detail ?? ''}`);
    case 'trust-policy':
      lines.push(row.policy
        ? `Needs ${row.policy.threshold} of: ${row.policy.verifiers.map(who).join(', ')}`
        : 'Cleared: no attestations required');
      break;
    default:
      break;
  }
  if (row.operation) {
    const step = row.operation.steps > 1 ? ` step ${row.operation.step + 1}/${row.operation.steps}` : '';
    lines.push(`Operation ${row.operation.id}${step}`);
  }
  return lines;
}

/** The Origin column: who made the change (the manager, for upgrades the NFT holder asked for). */
export function describeOrigin(row: HistoryRow, options: HistoryTableOptions = {}): string {
  const who = (p: string) => options.principalName?.(p) ?? (options.wide ? p : shortPrincipal(p));
  const asked = row.requestedBy ? `for ${who(row.requestedBy)}` : undefined;
  if (row.origin) return asked ? `${who(row.origin.principal)}\n${asked}` : who(row.origin.principal);
  return asked ? `manager\n${asked}` : '';
}

/**
 * The history as a table: Timestamp | Change | Details | Origin | Record (`IC`, `manager` or both).
 *
 * @example
 * console.log(formatHistoryTable(mergeHistories({ ic, manager, canister }), { versionName }));
 */
export function formatHistoryTable(rows: HistoryRow[], options: HistoryTableOptions = {}): string {
  return renderTable(
    ['Timestamp', 'Change', 'Details', 'Origin', 'Record'],
    rows.map((row) => [
      formatTimestamp(row.timestampNanos),
      CHANGE_NAMES[row.change],
      describeRow(row, options).join('\n'),
      describeOrigin(row, options),
      row.sources.map((s) => (s === 'ic' ? 'IC' : 'manager')).join(' + '),
    ]),
  );
}
