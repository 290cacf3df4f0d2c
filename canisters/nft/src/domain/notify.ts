/**
 * Which canister hears of a token's new holder. A Lineage token names its dapp's backend in its
 * metadata (`lineage:backend`, set at spawn); the collection tells that backend at once when the
 * token is minted or transferred, so the sale hands the dapp over at the sale itself, not at the
 * buyer's first request (issue 11). A token without it notifies nobody.
 */
import type { Value } from '@lineage/kit';

export const BACKEND_KEY = 'lineage:backend';

/** The backend to notify for a token, as principal text, from its metadata. */
export function notifiedBackend(metadata: [string, Value][] | undefined): string | undefined {
  const entry = metadata?.find(([key]) => key === BACKEND_KEY);
  const value = entry?.[1];
  return value && 'Text' in value ? value.Text : undefined;
}
