/**
 * Plain words for what the canisters answer in Candid: an owner without technical skills reads
 * these, so no variant names, no operation numbers, no 64-digit hashes in a sentence. The full
 * values stay one hover or one click away (the `Hash` component).
 */
import { MAX_CHUNK_BYTES, type DappRoleName } from '@lineage/sdk/browser';

/**
 * A long hex value shortened for a sentence or a table cell (the full value goes in a tooltip).
 *
 * @example
 * shortHash('5c1e…64 hex digits…09ab'); // '5c1e2f3a…09ab'
 */
export function shortHash(hex: string): string {
  return hex.length > 16 ? `${hex.slice(0, 8)}…${hex.slice(-4)}` : hex;
}

/** What each part of a dapp is, in one line. */
export const ROLE_WORDS: Record<DappRoleName, { name: string; what: string }> = {
  backend: { name: 'App', what: 'the dapp itself: its code and its data' },
  manager: { name: 'Manager', what: 'the part that installs upgrades' },
  asset: { name: 'Website', what: 'the website (the frontend people open in a browser)' },
};

/**
 * The role of a canister in one line: `Manager — the part that installs upgrades`.
 *
 * @example
 * roleLine('asset'); // 'Website — the website (the frontend people open in a browser)'
 */
export function roleLine(role: string): string {
  const r = ROLE_WORDS[role as DappRoleName];
  return r ? `${r.name} — ${r.what}` : role;
}

/** The name of a Candid variant as `describeVariant` writes it (`NoPath`, `DeprecatedStep 12ab…`). */
const variantName = (text: string) => /^([A-Z][A-Za-z]*)\b/.exec(text.trim())?.[1];

/**
 * Why the registry offers no path between two versions, from its `UpgradePathError` (as the sdk
 * describes it) to a sentence. `from` names the starting version ("the running version").
 *
 * @example
 * pathRefusal('NoPath'); // 'no approved upgrade path from the running version'
 */
export function pathRefusal(described: string, from = 'the running version', names: Map<string, string> = new Map()): string {
  const step = () => {
    const prefix = /([0-9a-f]{6,})/.exec(described)?.[1];
    const name = prefix ? [...names].find(([hash]) => hash.startsWith(prefix))?.[1] : undefined;
    return name ? `version ${name}` : 'a version on the way';
  };
  switch (variantName(described)) {
    case 'NoPath': return `no approved upgrade path from ${from}`;
    case 'UnknownCanisterType': return 'the registry does not know this kind of canister';
    case 'UnknownTarget': return 'the registry has no such version';
    case 'TargetDeprecated': return 'this version is withdrawn (deprecated): the registry offers no path to it';
    case 'TargetNotVerified': return 'this version\'s upload is not complete and checked yet';
    case 'DeprecatedStep': return `the only path goes through ${step()}, which is withdrawn (deprecated)`;
    case 'UnverifiedStep': return `the only path goes through ${step()}, whose upload is not complete and checked yet`;
    default: return described;
  }
}

/**
 * Why an upgrade failed, from the manager's `FailureKind` (as the sdk describes it) to a sentence.
 *
 * @example
 * failureWords('Unhealthy { rolled_back = true }'); // 'the new version did not pass its health check; the previous version was put back'
 */
export function failureWords(described: string): string {
  switch (variantName(described)) {
    case 'RegistryUnavailable': return 'the registry did not answer';
    case 'ChunkHashMismatch': return 'a piece of the new version did not match its published fingerprint';
    case 'ModuleHashMismatch': return 'the code installed is not the version that was asked for';
    case 'InstallRejected': return 'the Internet Computer refused to install the new version';
    case 'ManagementRejected': return 'the Internet Computer refused one of the steps';
    case 'StateChanged': return 'the dapp changed while it was being upgraded';
    case 'SnapshotFailed': return 'no snapshot of the current version could be saved, so nothing was changed';
    case 'Unhealthy': return /rolled_back = true/.test(described)
      ? 'the new version did not pass its health check; the previous version was put back'
      : 'the new version did not pass its health check';
    default: return described;
  }
}

/**
 * A backend refusal in plain words: the sdk's sentence, with any raw variant it fell back to
 * (`refused by the backend: NftUnavailable`) said in words.
 *
 * @example
 * refusalWords('refused by the backend: NftUnavailable'); // 'refused: the NFT collection did not answer; try again later'
 */
export function refusalWords(text: string): string {
  // The sdk names the caller; in the console the caller is whoever reads the page.
  const notOwner = /^refused: [a-z0-9-]+ does not hold this dapp's NFT(?: \(its holder is ([a-z0-9-]+)\))?$/.exec(text);
  if (notOwner) return `refused: you do not hold this dapp's NFT (any more)${notOwner[1] ? `; its owner now is ${notOwner[1]}` : ''}`;
  const raw = /^refused by the (?:backend|manager): (.*)$/.exec(text)?.[1];
  if (!raw) return text;
  switch (variantName(raw)) {
    case 'NftUnavailable': return 'refused: the NFT collection did not answer; try again later';
    case 'InvalidArgument': return 'refused: the request was not valid';
    case 'BreaksControllerRing': return 'refused: that change would let someone other than the dapp control its parts';
    case 'ManagementRejected': return 'refused: the Internet Computer refused the change';
    case 'ManagerUnavailable': return 'refused: the part that installs upgrades did not answer; try again later';
    default: return text;
  }
}

/**
 * A canister's size from its number of chunks (the registry stores modules in chunks of at most
 * 512 KiB, `MAX_CHUNK_BYTES`; it does not record the byte count).
 *
 * @example
 * sizeWords(3n); // 'at most 1.5 MiB (3 chunks)'
 */
export function sizeWords(chunks: bigint | number): string {
  const n = Number(chunks);
  return `at most ${(n * MAX_CHUNK_BYTES) / 1_048_576} MiB (${n} chunk${n === 1 ? '' : 's'})`;
}

/**
 * A path of `steps` versions in words.
 *
 * @example
 * stepsWords(1); // 'direct upgrade'
 */
export function stepsWords(steps: number): string {
  if (steps === 0) return 'already there';
  return steps === 1 ? 'direct upgrade' : `in ${steps} upgrades, one version after the other`;
}

/**
 * A sentence with every long hex run (hashes, roots, snapshot ids) shortened; the full sentence
 * is kept for the tooltip by the caller.
 *
 * @example
 * shortenHashes('root 153ec1fb…(64 digits) is certified'); // 'root 153ec1fb…f9f0 is certified'
 */
export function shortenHashes(text: string): string {
  return text.replace(/\b[0-9a-f]{24,}\b/g, (h) => shortHash(h));
}

/**
 * The label of a buyer's-check line (`controllers:manager`, `pending`…) in words.
 *
 * @example
 * checkLabel('controllers:asset'); // 'Who controls the website'
 */
export function checkLabel(check: string): string {
  const [kind, role] = check.split(':');
  const part = role ? (ROLE_WORDS[role as DappRoleName]?.name.toLowerCase() ?? role) : '';
  switch (kind) {
    case 'token': return 'The NFT';
    case 'holder': return 'The owner';
    case 'controllers': return `Who controls the ${part}`;
    case 'module': return `Version of the ${part}`;
    case 'permissions': return 'Who may upload the website';
    case 'pending': return 'Nothing half-done';
    case 'certificate': return 'Certificate';
    case 'certified-data': return 'Certified data';
    case 'tree': return 'Certified files';
    case 'history': return 'Earlier versions';
    case 'module-hash': return 'Website\'s code';
    default: return check;
  }
}
