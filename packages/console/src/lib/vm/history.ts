/** The history table of a canister, as rows of text in the seed's layout (timestamp, change, details, origin). */
import { describeOrigin, describeRow, formatTimestamp, type CanisterHistory, type HistoryRow } from '@lineage/sdk/browser';

export interface HistoryLine {
  timestamp: string;
  change: string;
  details: string;
  origin: string;
  /** Who asked the manager for it (the NFT holder at the time). */
  requestedBy: string;
  sources: string;
  gap: boolean;
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
      details: details.join('; '),
      origin: describeOrigin(r, { principalName: (p) => names.get(p) }).replace('\n', ' '),
      requestedBy: r.requestedBy ? name(r.requestedBy) : '',
      sources: r.sources.join(' + '),
      gap: r.change === 'gap',
    };
  });
}
