/** The history table of a canister, as rows of text in the seed's layout (timestamp, change, details, origin). */
import { describeOrigin, describeRow, formatTimestamp, type CanisterHistory, type HistoryRow } from '@lineage/sdk/browser';

import { shortenHashes } from './words.js';

export interface HistoryLine {
  timestamp: string;
  /** The sdk's name of the change (`upgrade`, `gap`…), kept for attributes and tests. */
  change: string;
  /** The change in words (`Upgraded`, `Changed outside Lineage`…). */
  what: string;
  details: string;
  origin: string;
  /** Who asked the manager for it (the NFT holder at the time). */
  requestedBy: string;
  sources: string;
  gap: boolean;
}

/** Each kind of change in words. */
const CHANGE_WORDS: Record<string, string> = {
  create: 'Created', install: 'First version installed', reinstall: 'Reinstalled (data wiped)', upgrade: 'Upgraded',
  controllers: 'Who controls it changed', uninstall: 'Code removed', 'load-snapshot': 'Snapshot put back',
  'upgrade-failed': 'Upgrade failed, nothing changed', gap: 'Changed outside Lineage (not recorded by the manager)',
  snapshot: 'Snapshot saved before upgrading', health: 'Health check', rollback: 'Previous version put back',
  restore: 'Snapshot restored on request', 'trust-policy': 'Trust policy changed',
};

/**
 * The sdk's details without internal numbering (`Operation 3`) and with long hex runs shortened.
 *
 * @example
 * plainDetails('Healthy: lineage_health: Ok; Operation 1'); // 'Healthy: lineage_health: Ok'
 */
export function plainDetails(text: string): string {
  return shortenHashes(text.replace(/(;\s*)?\bOperation \d+\b(;\s*)?/g, (_m, a, b) => (a && b ? '; ' : ''))).trim();
}

/**
 * Table lines of a merged history, newest first, with version names and principals named by `names`.
 *
 * @example
 * historyLines(history, new Map([[alice, 'you']]));
 */
export function historyLines(h: CanisterHistory, names: Map<string, string> = new Map()): HistoryLine[] {
  const name = (p: string) => names.get(p) ?? p;
  return [...h.rows].reverse().map((r: HistoryRow & { version?: string }) => {
    const details = describeRow(r, { versionName: (hash) => (hash === r.moduleHash ? r.version : undefined), principalName: (p) => names.get(p) });
    return {
      timestamp: r.timestampNanos > 0n ? formatTimestamp(r.timestampNanos) : '—',
      change: r.change,
      what: CHANGE_WORDS[r.change] ?? r.change,
      details: plainDetails(details.join('; ')),
      origin: describeOrigin(r, { principalName: (p) => names.get(p) }).replace('\n', ' '),
      requestedBy: r.requestedBy ? name(r.requestedBy) : '',
      sources: r.sources.join(' + '),
      gap: r.change === 'gap',
    };
  });
}
