/**
 * The dapp page (`#/dapp/<backend>`) as data: the buyer's check (the sdk's `checkDapp`), the
 * dapp's canisters with their versions, the owner, and the backend's merged history.
 */
import type { HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { checkDapp, readCanisterHistory, type CanisterHistory, type DappVerdict } from '@lineage/sdk/browser';

import { failed, verified, type CheckLine } from './check.js';
import { checkLabel } from './words.js';

export interface DappView {
  backend: string;
  verdict: DappVerdict;
  /** The buyer's check, one line per invariant. */
  checks: CheckLine[];
  /** Passed and failed counts, for the summary line. */
  passed: number;
  holder?: string;
  manager?: string;
  registry?: string;
  nft?: string;
  asset?: string;
  canisters: { role: string; id: string; version: string }[];
  history?: CanisterHistory;
}

/** Checks that rest on the certified state tree (controllers, module hashes) versus signed query answers. */
const CERTIFIED = /^(controllers|module):/;

/**
 * The buyer's check as lines. A passing check is green; its detail says whether it rests on the
 * certificate (controllers, modules: `read_state`) or on the canisters' signed query answers.
 *
 * @example
 * buyerLines(verdict).filter((l) => l.status === 'failed');
 */
export function buyerLines(verdict: DappVerdict): CheckLine[] {
  return verdict.checks.map((c) => (c.ok
    ? verified(checkLabel(c.check), `${c.detail}${CERTIFIED.test(c.check) ? '' : ' (answered by the canisters, replies signed by the subnet)'}`)
    : failed(checkLabel(c.check), c.detail)));
}

/**
 * Loads the dapp whose backend is `backend`.
 *
 * @example
 * const view = await loadDapp(agent, Principal.fromText(id));
 */
export async function loadDapp(agent: HttpAgent, backend: Principal): Promise<DappView> {
  // The buyer's check turns every failure into a failed line; a silent network must be retried instead.
  await agent.status();
  const verdict = await checkDapp({ agent, backend });
  const f = verdict.facts;
  const config = 'error' in f.config ? undefined : f.config;
  const checks = buyerLines(verdict);
  if (!config) checks.unshift(failed('The dapp', `not a Lineage dapp backend: ${(f.config as { error: string }).error}`));
  const history = config ? await readCanisterHistory({
    agent, canister: backend, manager: Principal.fromText(config.manager), registry: Principal.fromText(config.registry),
  }).catch(() => undefined) : undefined;
  const holder = typeof f.holder === 'string' ? f.holder : undefined;
  return {
    backend: backend.toText(), verdict, checks, passed: verdict.checks.filter((c) => c.ok).length,
    ...(holder ? { holder } : {}),
    ...(config ? { manager: config.manager, registry: config.registry, nft: config.nft, ...(config.asset ? { asset: config.asset } : {}) } : {}),
    canisters: f.canisters.map((c) => ({
      role: c.role, id: c.id,
      version: c.version && !('error' in c.version) ? `${c.version.label}${c.version.deprecated ? ' (deprecated)' : ''}` : typeof c.moduleHash === 'string' ? `${c.moduleHash.slice(0, 12)}… (not in the registry)` : 'unknown',
    })),
    ...(history ? { history } : {}),
  };
}
