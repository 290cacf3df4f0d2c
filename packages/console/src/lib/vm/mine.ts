/** "My dapps": the dapps whose NFT the signed-in principal holds, each with its canisters and versions. */
import type { HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { dappCanisters, formatVersion, heldDapps, type DappCanister, type UpgradePhase, type UpgradeProgress } from '@lineage/sdk/browser';
import type { DappInfo } from '@lineage/types';

import { failureWords, refusalWords, shortHash } from './words.js';

export interface MyDapp {
  backend: string;
  tokenId: bigint;
  collection: string;
  info?: DappInfo;
  canisters: (DappCanister & { label: string })[];
  error?: string;
  /** Opened by its id rather than found among the caller's dapps. */
  opened?: boolean;
  /** Who holds the dapp's NFT (asked when it was opened by id; absent: nobody does). */
  holder?: string;
}

/**
 * What a dapp opened by id says to someone who does not hold its NFT (undefined for its holder):
 * the buttons stay, since the dapp itself refuses, but nobody should be surprised by it.
 *
 * @example
 * holderNotice('abc', 'me'); // "You do not hold this dapp's NFT: abc does. Only the holder can upgrade it, hand it over or take the upload rights; the dapp refuses anyone else."
 */
export function holderNotice(holder: string | undefined, me: string): string | undefined {
  if (holder === me) return undefined;
  const who = holder === undefined ? 'nobody does (the token is not held)' : `${holder} does`;
  return `You do not hold this dapp's NFT: ${who}. Only the holder can upgrade it, hand it over or take the upload rights; the dapp refuses anyone else.`;
}

/** The label of a canister's running version. */
export function versionLabel(c: DappCanister): string {
  if (c.version) return `${formatVersion(c.version.version_number)}${c.version.deprecated ? ' (deprecated)' : ''}`;
  return c.moduleHash ? `a version the registry does not know (code ${shortHash(c.moduleHash)})` : 'nothing installed';
}

/**
 * Loads the dapps `owner` holds in the configured collections.
 *
 * @example
 * const dapps = await loadMyDapps(agent, config.collections, me);
 */
export async function loadMyDapps(agent: HttpAgent, collections: string[], owner: Principal): Promise<MyDapp[]> {
  const held = await heldDapps(agent, collections, owner);
  const out: MyDapp[] = [];
  for (const h of held) {
    if (!h.backend) {
      out.push({ backend: '', tokenId: h.tokenId, collection: h.collection, canisters: [], error: 'the token names no dapp backend' });
      continue;
    }
    try {
      const { info, canisters } = await dappCanisters(agent, h.backend);
      out.push({ backend: h.backend, tokenId: h.tokenId, collection: h.collection, info, canisters: canisters.map((c) => ({ ...c, label: versionLabel(c) })) });
    } catch (error) {
      out.push({ backend: h.backend, tokenId: h.tokenId, collection: h.collection, canisters: [], error: (error as Error).message.split('\n')[0]! });
    }
  }
  return out;
}

export type { UpgradePhase };

/** An upgrade's progress as the sdk reports it (the running state names the manager's phase). */
export type Progress = UpgradeProgress;

const PHASE_WORDS: Record<UpgradePhase, string> = {
  snapshot: 'saving a snapshot of the current version',
  fetching: 'fetching the new version from the registry',
  installing: 'installing',
  starting: 'starting',
  health: 'checking that it works',
  rollback: 'putting the previous version back',
};

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * An upgrade's progress in plain words (no operation numbers, no history entry numbers).
 *
 * @example
 * progressText({ state: 'running', operation: 3n, step: 0, steps: 1, phase: 'health' }); // 'Checking that it works…'
 */
export function progressText(p: Progress): string {
  switch (p.state) {
    case 'requested': return 'Asking the dapp to upgrade…';
    case 'scheduled': return p.steps > 1
      ? `Accepted: the upgrade starts in a moment (${p.steps} versions, one after the other)`
      : 'Accepted: the upgrade starts in a moment';
    case 'running': {
      const of = p.steps > 1 ? `Version ${p.step + 1} of ${p.steps}: ` : '';
      const doing = p.phase && PHASE_WORDS[p.phase] ? PHASE_WORDS[p.phase] : 'upgrading';
      return `${of}${of ? doing : capital(doing)}…`;
    }
    case 'completed': return 'Done: the new version is running, and the change is recorded in the dapp\'s history';
    case 'failed': return p.operation === undefined ? notDone(p.reason) : `The upgrade failed: ${failedReason(p.reason)}`;
  }
}

/**
 * A refusal after "Not done": the reason alone ("Not done: you do not hold…", not "Not done: refused: you do not hold…").
 *
 * @example
 * notDone('refused by the backend: NftUnavailable'); // 'Not done: the NFT collection did not answer; try again later'
 */
export function notDone(reason: string): string {
  return `Not done: ${refusalWords(reason).replace(/^refused: /, '')}`;
}

/**
 * The sdk writes a failed operation as `step N: <manager's message> (<FailureKind>)`: the kind in
 * words first, the manager's own message after it.
 */
function failedReason(reason: string): string {
  const m = /^step \d+: ([\s\S]*) \(([A-Z][\s\S]*)\)$/.exec(reason);
  if (!m) return reason;
  const words = failureWords(m[2]!);
  return words === m[2] ? `${m[1]}` : `${words} (${m[1]})`;
}
