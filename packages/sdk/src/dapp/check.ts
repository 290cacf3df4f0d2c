/**
 * The buyer's check, over the network: what the IC certifies about each of a dapp's canisters
 * (controllers and module hash from `read_state`, checked against the network's root key by the
 * agent), what the collection says about the token, and what the dapp's own canisters say. Any
 * caller may run it, the anonymous one included; it changes nothing except that reading the asset
 * canister's permission lists is an update call, as in DFINITY's asset canister.
 */
import { Actor, CanisterStatus, type Agent, type HttpAgent } from '@dfinity/agent';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import {
  assetIdlFactory, backendIdl, managerIdl, nftIdl, registryIdl,
  type AssetService, type BackendService, type ManagerService, type NftService, type RegistryService,
} from '@lineage/types';

import { fromHex, toHex } from '../bytes.js';
import { tokenHolder } from './owner.js';
import { judgeDapp, type CanisterFacts, type DappCheck, type DappFacts, type DappRoleName, type PermissionFacts, type Unknown } from './judge.js';

export interface CheckDappOptions {
  /** An agent for the network (its root key fetched on a local network). */
  agent: HttpAgent;
  backend: Principal;
}

export interface DappVerdict {
  ok: boolean;
  checks: DappCheck[];
  facts: DappFacts;
}

const reason = (error: unknown): Unknown => ({ error: (error as Error)?.message?.split('\n')[0] ?? String(error) });

async function settle<T>(work: () => Promise<T>): Promise<T | Unknown> {
  try {
    return await work();
  } catch (error) {
    return reason(error);
  }
}

function actor<T>(factory: unknown, agent: Agent, id: Principal): T {
  return Actor.createActor(factory as IDL.InterfaceFactory, { agent, canisterId: id }) as T;
}

/** Controllers and module hash of a canister, from the certified state tree. */
async function certifiedState(agent: HttpAgent, id: Principal): Promise<{ controllers: string[] | Unknown; moduleHash: string | undefined | Unknown }> {
  try {
    const status = await CanisterStatus.request({ agent, canisterId: id, paths: ['controllers', 'module_hash'] });
    const controllers = status.get('controllers');
    const moduleHash = status.get('module_hash');
    return {
      controllers: Array.isArray(controllers) ? (controllers as Principal[]).map((p) => p.toText()).sort() : { error: 'no controllers in the certificate' },
      moduleHash: typeof moduleHash === 'string' ? moduleHash : undefined,
    };
  } catch (error) {
    return { controllers: reason(error), moduleHash: reason(error) };
  }
}

/**
 * Everything the buyer's check looks at, as plain data (each fact either learnt or the reason it
 * could not be).
 *
 * @example
 * const facts = await collectDappFacts({ agent, backend: Principal.fromText('…') });
 */
export async function collectDappFacts(o: CheckDappOptions): Promise<DappFacts> {
  const { agent } = o;
  const backend = actor<BackendService>(backendIdl, agent, o.backend);
  const config = await settle(async () => {
    const d = await backend.dapp();
    return {
      nft: d.nft.toText(), tokenId: d.token_id, manager: d.manager.toText(), registry: d.registry.toText(), asset: d.asset[0]?.toText(),
    };
  });
  const ownership = await settle(async () => {
    const o = await backend.ownership();
    return { holder: o.holder[0]?.toText(), handedOver: o.handed_over, handedOverTo: o.handed_over_to[0]?.toText() };
  });
  const facts: DappFacts = {
    backend: o.backend.toText(), config, holder: { error: 'unknown dapp' }, tokenBackend: { error: 'unknown dapp' }, ownership,
    canisters: [], permissions: undefined, pending: { error: 'unknown dapp' },
  };
  if ('error' in config) return facts;

  const nft = actor<NftService>(nftIdl, agent, Principal.fromText(config.nft));
  facts.holder = await settle(() => tokenHolder(agent, config.nft, config.tokenId));
  facts.tokenBackend = await settle(async () => {
    const metadata = (await nft.icrc7_token_metadata([config.tokenId]))[0]?.[0] ?? [];
    const entry = metadata.find(([key]) => key === 'lineage:backend')?.[1];
    return entry && 'Text' in entry ? entry.Text : undefined;
  });

  const registry = actor<RegistryService>(registryIdl, agent, Principal.fromText(config.registry));
  const roles: [DappRoleName, string][] = [['backend', o.backend.toText()], ['manager', config.manager], ...(config.asset ? [['asset', config.asset] as [DappRoleName, string]] : [])];
  for (const [role, id] of roles) {
    const state = await certifiedState(agent, Principal.fromText(id));
    const hash = state.moduleHash;
    const version: CanisterFacts['version'] = typeof hash === 'string'
      ? await settle(async () => {
          const [found] = await registry.icrc118_get_wasms({ filter: [[{ hash: fromHex(hash) }]], prev: [], take: [1n] });
          return found && toHex(Uint8Array.from(found.hash)) === hash
            ? { label: `${found.canister_type_namespace} ${found.version_number.join('.')}`, deprecated: found.deprecated }
            : undefined;
        })
      : undefined;
    facts.canisters.push({ role, id, controllers: state.controllers, moduleHash: hash, version });
  }

  if (config.asset) {
    const asset = actor<AssetService>(assetIdlFactory, agent, Principal.fromText(config.asset));
    facts.permissions = await settle(async () => {
      const lists: PermissionFacts = { Commit: [], Prepare: [], ManagePermissions: [] };
      for (const permission of Object.keys(lists) as (keyof PermissionFacts)[]) {
        lists[permission] = (await asset.list_permitted({ permission: { [permission]: null } as never })).map((p) => p.toText()).sort();
      }
      return lists;
    });
  }

  const manager = actor<ManagerService>(managerIdl, agent, Principal.fromText(config.manager));
  facts.pending = await settle(async () => (await manager.pending_operations()).map((op) => ({
    operation: op.id, canister: op.canister.toText(), state: Object.keys(op.state)[0]!.toLowerCase(),
  })));
  return facts;
}

/**
 * The buyer's check: is this dapp clean to buy? One line per check (the token the backend answers
 * to, the holder and the hand-over, controllers and module of each canister, the frontend's
 * permission lists, the manager's pending operations); `ok` only when every check passed.
 *
 * @example
 * const verdict = await checkDapp({ agent, backend: Principal.fromText('…') });
 * for (const c of verdict.checks) console.log(c.ok ? '✔' : '✘', c.check, c.detail);
 */
export async function checkDapp(o: CheckDappOptions): Promise<DappVerdict> {
  const facts = await collectDappFacts(o);
  const checks = judgeDapp(facts);
  return { ok: checks.every((c) => c.ok), checks, facts };
}
