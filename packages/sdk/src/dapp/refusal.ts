/**
 * A backend's refusal in words: what `request_upgrade`, `authorize_uploads` and the other holder
 * methods answer when they will not act (not the holder any more, busy, no path, deprecated…).
 * Shared by the console and the command line so both say the same thing.
 */
import type { BackendError, UpgradeError } from '@lineage/types';

import { toHex } from '../bytes.js';

/**
 * A Candid variant in one line: `NotOwner { caller = …; owner = … }`, principals as text, blobs as short hex.
 *
 * @example
 * describeVariant({ Busy: { operation: 3n } }); // 'Busy { operation = 3 }'
 */
export function describeVariant(value: unknown): string {
  const show = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return toHex(v).length > 16 ? `${toHex(v).slice(0, 12)}…` : toHex(v);
    if (typeof (v as { toText?: unknown }).toText === 'function') return (v as { toText(): string }).toText();
    if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(show).join(', ');
    const entries = Object.entries(v as object);
    return `{ ${entries.map(([k, x]) => `${k} = ${show(x)}`).join('; ')} }`;
  };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [[name, inner]] = Object.entries(value as object) as [[string, unknown]];
    return inner === null ? name : `${name} ${show(inner)}`;
  }
  return show(value);
}

function upgradeRefusal(u: UpgradeError): string {
  if ('NoUpgradePath' in u) return `no upgrade path: ${u.NoUpgradePath.reason}`;
  if ('Busy' in u) return `the canister is busy with operation ${u.Busy.operation}; wait for it to finish`;
  if ('Deprecated' in u) return `the version ${toHex(u.Deprecated).slice(0, 12)}… is deprecated`;
  if ('VersionNotFound' in u) return `the registry has no version ${toHex(u.VersionNotFound).slice(0, 12)}…`;
  if ('AlreadyAtVersion' in u) return 'the canister already runs this version';
  if ('Failed' in u) return `the upgrade failed at ${u.Failed.failed.version.join('.')}: ${u.Failed.message}`;
  return `refused by the manager: ${describeVariant(u)}`;
}

/**
 * What a backend error says, in a sentence (`caller` is who asked).
 *
 * @example
 * describeBackendError({ NotOwner: { caller, owner: [bob] } }, 'aaaa-aa');
 * // 'refused: aaaa-aa does not hold this dapp's NFT (its holder is …)'
 */
export function describeBackendError(err: BackendError, caller: string): string {
  if ('NotOwner' in err) {
    const owner = err.NotOwner.owner[0]?.toText();
    return `refused: ${caller} does not hold this dapp's NFT${owner ? ` (its holder is ${owner})` : ''}`;
  }
  if ('Upgrade' in err) return `refused: ${upgradeRefusal(err.Upgrade)}`;
  return `refused by the backend: ${describeVariant(err)}`;
}
