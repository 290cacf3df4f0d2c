/** "My dapps": the dapps whose NFT the signed-in principal holds, each with its canisters and versions. */
import type { HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { dappCanisters, formatVersion, heldDapps, type DappCanister, type UpgradeProgress } from '@lineage/sdk/browser';
import type { DappInfo } from '@lineage/types';

export interface MyDapp {
  backend: string;
  tokenId: bigint;
  collection: string;
  info?: DappInfo;
  canisters: (DappCanister & { label: string })[];
  error?: string;
}

/** The label of a canister's running version. */
export function versionLabel(c: DappCanister): string {
  if (c.version) return `${formatVersion(c.version.version_number)}${c.version.deprecated ? ' (deprecated)' : ''}`;
  return c.moduleHash ? `${c.moduleHash.slice(0, 12)}… (not in the registry)` : 'no module';
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

/**
 * The words for an upgrade's progress.
 *
 * @example
 * progressText({ state: 'running', operation: 3n, step: 0, steps: 1 }); // 'operation 3: installing step 1 of 1'
 */
export function progressText(p: UpgradeProgress): string {
  switch (p.state) {
    case 'requested': return 'asking the backend…';
    case 'scheduled': return `operation ${p.operation}: scheduled (${p.steps} step(s)); the backend upgrades itself next`;
    case 'running': return `operation ${p.operation}: fetching chunks and installing step ${p.step + 1} of ${p.steps}`;
    case 'completed': return `operation ${p.operation}: completed (${p.steps} step(s)); history entr${p.entries.length === 1 ? 'y' : 'ies'} ${p.entries.join(', ')}`;
    case 'failed': return `${p.operation !== undefined ? `operation ${p.operation}: ` : ''}failed — ${p.reason}`;
  }
}
