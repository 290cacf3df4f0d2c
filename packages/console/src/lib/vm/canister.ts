/**
 * The "verify a canister" page as data: what the IC certifies (module hash, controllers), which
 * registry version that module is, the merged history, and which Lineage parts the canister has.
 */
import { Actor, Cbor, Certificate, LookupPathStatus, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { fromHex, readCanisterHistory, toHex, upgradeOptions, versionNamesOf, type CanisterHistory, type UpgradeOption } from '@lineage/sdk/browser';
import { assetIdlFactory, backendIdl, registryIdl, type AssetService, type BackendService, type DappInfo, type RegistryService, type Wasm } from '@lineage/types';

import { isUnreachable } from '../ic/network.js';
import { failed, info, reason, verified, type CheckLine } from './check.js';
import { shortHash } from './words.js';

export interface CanisterView {
  id: string;
  /** The certificate check of the `read_state` that gave module hash and controllers. */
  certified: CheckLine;
  moduleHash?: string;
  controllers?: string[];
  /** The registry version the module is, or why it is none. */
  version: CheckLine;
  wasm?: Wasm;
  /** The dapp the canister belongs to (it is its backend, or its backend controls it). */
  dapp?: DappInfo;
  /** Each Lineage part: present, or absent and why. */
  parts: CheckLine[];
  history?: CanisterHistory;
  upgrades: UpgradeOption[];
  /** Whether it answers as a Lineage asset canister (the frontend panel applies). */
  isAsset: boolean;
}

const utf8 = (t: string) => new TextEncoder().encode(t);

/**
 * Module hash and controllers from a certified `read_state`, the certificate verified against the
 * agent's root key here (not `CanisterStatus`, which reports a path it could not read as absent:
 * an unreachable network must never look like "no module installed").
 */
export async function certifiedState(agent: HttpAgent, id: Principal): Promise<{ line: CheckLine; moduleHash?: string; controllers?: string[] }> {
  const paths = [[utf8('canister'), id.toUint8Array(), utf8('module_hash')], [utf8('canister'), id.toUint8Array(), utf8('controllers')]];
  let certificate: Certificate;
  try {
    if (!agent.rootKey) throw new Error('the agent has no root key');
    const response = await agent.readState(id, { paths });
    certificate = await Certificate.create({ certificate: response.certificate, rootKey: new Uint8Array(agent.rootKey), canisterId: id });
  } catch (error) {
    if (isUnreachable(error)) throw error;
    return { line: failed('IC certificate', `not verified: ${reason(error)}`) };
  }
  const hash = certificate.lookup_path(paths[0]!);
  const controllers = certificate.lookup_path(paths[1]!);
  const moduleHash = hash.status === LookupPathStatus.Found && hash.value instanceof Uint8Array ? toHex(hash.value) : undefined;
  const list = controllers.status === LookupPathStatus.Found && controllers.value instanceof Uint8Array
    ? Cbor.decode<Uint8Array[]>(controllers.value).map((b) => Principal.fromUint8Array(Uint8Array.from(b)).toText())
    : undefined;
  if (!list) return { line: failed('IC certificate', 'the certificate verified but says nothing of this canister (does it exist on this network?)') };
  return {
    line: verified('IC certificate', `the Internet Computer's certificate verified against the network's root key: ${moduleHash ? `module ${shortHash(moduleHash)}` : 'no module installed'}, ${list.length} controller${list.length === 1 ? '' : 's'}`),
    ...(moduleHash ? { moduleHash } : {}), controllers: list,
  };
}

const backendOf = (agent: HttpAgent, id: Principal) => Actor.createActor<BackendService>(backendIdl as never, { agent, canisterId: id });

/** The dapp whose backend is `id`, or whose backend is one of `controllers`. */
async function findDapp(agent: HttpAgent, id: Principal, controllers: string[]): Promise<DappInfo | undefined> {
  for (const candidate of [id.toText(), ...controllers]) {
    try {
      const d = await backendOf(agent, Principal.fromText(candidate)).dapp();
      const roles = [d.backend.toText(), d.manager.toText(), d.asset[0]?.toText()];
      if (roles.includes(id.toText())) return d;
    } catch {
      // Not a Lineage backend: try the next one.
    }
  }
  return undefined;
}

/**
 * Loads the page of canister `id`. Throws only when the network does not answer at all (the
 * caller retries); every other problem becomes a red line.
 *
 * @example
 * const view = await loadCanister(agent, Principal.fromText(id), config.registry);
 */
export async function loadCanister(agent: HttpAgent, id: Principal, configRegistry?: string): Promise<CanisterView> {
  const state = await certifiedState(agent, id);
  const parts: CheckLine[] = [];
  const dapp = await findDapp(agent, id, state.controllers ?? []);
  parts.push(dapp
    ? info('Lineage dapp', `part of the dapp whose backend is ${dapp.backend.toText()} (token ${dapp.token_id} of ${dapp.nft.toText()})`)
    : failed('Lineage dapp', 'absent: neither this canister nor any of its controllers answers as a Lineage backend'));
  let isAsset = false;
  try {
    await Actor.createActor<AssetService>(assetIdlFactory as never, { agent, canisterId: id }).get_recent_hashes([1n]);
    isAsset = true;
    parts.push(info('Lineage asset canister', 'answers get_recent_hashes: its frontend history is below'));
  } catch (error) {
    parts.push(failed('Lineage asset canister', `absent: ${reason(error)}`));
  }
  const registryId = dapp?.registry.toText() ?? configRegistry;
  let version = info('Registry version', 'unknown: no registry is configured');
  let wasm: Wasm | undefined;
  if (state.line.status !== 'verified') version = failed('Registry version', 'unknown: the module hash could not be verified');
  else if (!state.moduleHash) version = failed('Registry version', 'the IC reports no module installed');
  else if (registryId) {
    try {
      const registry = Actor.createActor<RegistryService>(registryIdl as never, { agent, canisterId: Principal.fromText(registryId) });
      const [found] = await registry.icrc118_get_wasms({ filter: [[{ hash: fromHex(state.moduleHash) }]], prev: [], take: [1n] });
      if (found && toHex(found.hash) === state.moduleHash) {
        wasm = found;
        const names = await versionNamesOf(agent, Principal.fromText(registryId), [state.moduleHash]);
        version = (found.deprecated ? failed : verified)('Registry version',
          `${names.get(state.moduleHash) ?? found.canister_type_namespace} — the certified module hash is this registry version${found.deprecated ? ', which is deprecated' : ''}`);
      } else version = failed('Registry version', `module ${shortHash(state.moduleHash)} is no version in registry ${registryId}`);
    } catch (error) {
      version = failed('Registry version', `the registry ${registryId} did not answer: ${reason(error)}`);
    }
  }
  const history = await readCanisterHistory({
    agent, canister: id, ...(dapp ? { manager: dapp.manager } : {}), ...(registryId ? { registry: Principal.fromText(registryId) } : {}),
  }).catch(() => undefined);
  const upgrades = wasm && registryId ? await upgradeOptions(agent, Principal.fromText(registryId), wasm).catch(() => []) : [];
  return {
    id: id.toText(), certified: state.line, version, parts, upgrades, isAsset,
    ...(state.moduleHash ? { moduleHash: state.moduleHash } : {}),
    ...(state.controllers ? { controllers: state.controllers } : {}),
    ...(wasm ? { wasm } : {}), ...(dapp ? { dapp } : {}), ...(history ? { history } : {}),
  };
}

