/**
 * Spawning a dapp instance from the registry (seed 000's "replicable"): create its canisters,
 * install each from a verified registry version, report the installations, wire the controller
 * ring, and mint the NFT that makes the buyer its owner.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { assetTypes, backendInit, managerInit, type NftService, type RegistryService, type Wasm } from '@lineage/types';

import { fromHex, toHex } from '../bytes.js';
import { fetchWasm } from '../registry/fetch.js';
import type { CanisterDeployer } from './deployer.js';
import { latestVersion } from './latest.js';

export type SpawnRegistry = Pick<RegistryService, 'icrc118_get_wasms' | 'icrc118_get_wasm_chunk' | 'lineage_report_installation'>;

/** The canister types a dapp is made of, by registry namespace. */
export interface DappTypes {
  backend: string;
  manager: string;
  /** The frontend; a dapp without one has no asset canister. */
  asset?: string;
}

export interface SpawnOptions {
  deployer: CanisterDeployer;
  registry: SpawnRegistry;
  registryId: Principal;
  /** The collection, called by its minting authority. */
  nft: Pick<NftService, 'lineage_mint'>;
  nftId: Principal;
  tokenId: bigint;
  /** Who buys the dapp: the token is minted to them. */
  owner: Principal;
  types: DappTypes;
  /** Module hashes (hex) to install instead of each type's latest version. */
  versions?: Partial<Record<keyof DappTypes, string>>;
  /**
   * The asset canister's Candid-encoded install argument; default: every permission list empty,
   * so that nobody but the controllers (backend, manager) may change the frontend until its
   * holder calls `authorize_uploads` (the spawner keeps no `Commit`).
   */
  assetArg?: Uint8Array;
  /** Seconds between the manager's reads of `canister_info`; default 300. */
  watchIntervalSeconds?: bigint;
  onProgress?: (step: string) => void;
}

export interface SpawnedVersion {
  hash: string;
  version: [bigint, bigint, bigint];
}

export interface SpawnedDapp {
  backend: Principal;
  manager: Principal;
  asset: Principal | undefined;
  tokenId: bigint;
  versions: Partial<Record<keyof DappTypes, SpawnedVersion>>;
}

/** A spawn that stopped half-way: `created` lists the canisters that exist, for cleaning up. */
export class SpawnError extends Error {
  constructor(message: string, readonly created: Principal[]) {
    super(message);
    this.name = 'SpawnError';
  }
}

/** The controllers of every canister of a dapp: the backend and the manager control each other and the frontend. */
export function controllerRing(backend: Principal, manager: Principal): Principal[] {
  return [backend, manager];
}

/** `(opt variant { Init = record { set_permissions = opt record { commit = vec {}; … } } })`. */
function assetArgWithoutPermissions(): Uint8Array {
  const args = assetTypes(IDL as never).AssetCanisterArgs as unknown as IDL.Type;
  const empty = { commit: [], prepare: [], manage_permissions: [] };
  return new Uint8Array(IDL.encode([IDL.Opt(args)], [[{ Init: { set_permissions: [empty], history_length: [] } }]]));
}

async function chooseVersion(registry: SpawnRegistry, namespace: string, hash: string | undefined): Promise<Wasm> {
  if (hash !== undefined) {
    const [found] = await registry.icrc118_get_wasms({ filter: [[{ hash: fromHex(hash) }]], prev: [], take: [1n] });
    if (!found || found.canister_type_namespace !== namespace) throw new Error(`version ${hash} is not a version of ${namespace}`);
    if (found.deprecated) throw new Error(`version ${hash} of ${namespace} is deprecated`);
    return found;
  }
  const latest = await latestVersion(registry, namespace);
  if (!latest) throw new Error(`the registry has no verified, non-deprecated version of ${namespace}`);
  return latest;
}

/**
 * Creates a new dapp instance owned by `owner`.
 *
 * @example
 * const dapp = await spawnDapp({
 *   deployer, registry, registryId, nft, nftId, tokenId: 7n, owner: alice,
 *   types: { backend: 'org.lineage.backend', manager: 'org.lineage.manager', asset: 'org.lineage.asset' },
 * });
 */
export async function spawnDapp(o: SpawnOptions): Promise<SpawnedDapp> {
  const say = o.onProgress ?? (() => undefined);
  const roles = (['backend', 'manager', 'asset'] as const).filter((r) => o.types[r] !== undefined);
  const chosen = new Map<string, { wasm: Wasm; bytes: Uint8Array }>();
  for (const role of roles) {
    const wasm = await chooseVersion(o.registry, o.types[role]!, o.versions?.[role]);
    say(`fetching ${role} ${wasm.version_number.join('.')} (${toHex(wasm.hash).slice(0, 12)}…) from the registry`);
    chosen.set(role, { wasm, bytes: await fetchWasm(o.registry, wasm.hash) });
  }

  const created: Principal[] = [];
  const create = async (role: string): Promise<Principal> => {
    try {
      const id = await o.deployer.createCanister();
      created.push(id);
      say(`created ${role} ${id.toText()}`);
      return id;
    } catch (error) {
      throw new SpawnError(`creating the ${role} canister failed: ${(error as Error).message}`, created);
    }
  };
  const backend = await create('backend');
  const manager = await create('manager');
  const asset = o.types.asset === undefined ? undefined : await create('asset');

  const managed = [
    { canister: backend, label: 'backend' }, { canister: manager, label: 'manager' },
    ...(asset ? [{ canister: asset, label: 'asset' }] : []),
  ];
  const args: Record<string, Uint8Array> = {
    manager: new Uint8Array(IDL.encode(managerInit({ IDL }), [[{
      registry: o.registryId, managed, watch_interval_seconds: o.watchIntervalSeconds === undefined ? [] : [o.watchIntervalSeconds], snapshots_kept: [],
    }]])),
    backend: new Uint8Array(IDL.encode(backendInit({ IDL }), [[{
      nft: o.nftId, token_id: o.tokenId, manager, registry: o.registryId, asset: asset ? [asset] : [],
    }]])),
    asset: o.assetArg ?? assetArgWithoutPermissions(),
  };
  const ids: Record<string, Principal | undefined> = { backend, manager, asset };
  const versions: SpawnedDapp['versions'] = {};
  for (const role of roles) {
    const { wasm, bytes } = chosen.get(role)!;
    try {
      await o.deployer.installCode(ids[role]!, bytes, args[role]!);
    } catch (error) {
      throw new SpawnError(`installing the ${role} failed: ${(error as Error).message}`, created);
    }
    versions[role] = { hash: toHex(wasm.hash), version: wasm.version_number };
    say(`installed ${role} ${wasm.version_number.join('.')}`);
    // The deployer still controls the canister, so the registry can confirm the report.
    const report = await o.registry.lineage_report_installation({ canister: ids[role]!, hash: wasm.hash });
    if ('Error' in report) say(`the registry did not record the ${role} installation: ${Object.keys(report.Error)[0]}`);
  }

  const ring = controllerRing(backend, manager);
  for (const id of created) {
    try {
      await o.deployer.setControllers(id, ring);
    } catch (error) {
      throw new SpawnError(`wiring the controller ring on ${id.toText()} failed: ${(error as Error).message}`, created);
    }
  }
  say('wired the controller ring: backend and manager control every canister of the dapp');

  // The token names its dapp, so whoever holds it can find the canisters it owns.
  const metadata: [string, { Text: string }][] = [
    ['lineage:backend', { Text: backend.toText() }], ['lineage:manager', { Text: manager.toText() }],
    ...(asset ? [['lineage:asset', { Text: asset.toText() }] as [string, { Text: string }]] : []),
  ];
  const [minted] = await o.nft.lineage_mint([{ token_id: o.tokenId, to: { owner: o.owner, subaccount: [] }, metadata }]);
  if (!minted || 'Err' in minted) {
    throw new SpawnError(`minting token ${o.tokenId} failed: ${minted ? Object.keys(minted.Err)[0] : 'no reply'}`, created);
  }
  say(`minted token ${o.tokenId} to ${o.owner.toText()}`);
  return { backend, manager, asset, tokenId: o.tokenId, versions };
}
