/**
 * What a backend answers to: its collection and token, fixed at spawn together with the dapp's
 * other canisters. An install argument that named another token would let a seller keep the
 * dapp after the sale (issue 11, attack 1), so an upgrade may repeat the configuration but never
 * change it.
 */

export interface DappConfig {
  nft: string;
  tokenId: bigint;
  manager: string;
  registry: string;
  asset: string | undefined;
}

/** The install argument's field for each part of the configuration. */
const FIELD: Record<keyof DappConfig, string> = { nft: 'nft', tokenId: 'token_id', manager: 'manager', registry: 'registry', asset: 'asset' };

/** Why `proposed` may not replace `stored` on upgrade, or undefined when it changes nothing. */
export function configChangeProblem(stored: DappConfig, proposed: DappConfig): string | undefined {
  const changed = (Object.keys(FIELD) as (keyof DappConfig)[]).filter((k) => stored[k] !== proposed[k]).map((k) => FIELD[k]);
  if (changed.length === 0) return undefined;
  return `the backend's ${changed.join(', ')} ${changed.length === 1 ? 'is' : 'are'} fixed at spawn; an upgrade cannot change ${changed.length === 1 ? 'it' : 'them'}`;
}
