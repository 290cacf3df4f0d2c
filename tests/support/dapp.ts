/**
 * Shared fixtures of the dapp suites (`manager.*`, `backend.*`): a world with a registry where a DAO
 * published backend and manager versions, an NFT collection, and dapps spawned from it with the
 * sdk's `spawnDapp`, exactly as a user would; upgrading them and reading the manager's history.
 * Every canister is the real built Wasm. What the suites ask of the IC directly is in `./ic.ts`
 * (re-exported here).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Actor, PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { releaseModule } from '@lineage/canister-build';
import { publishWasm, spawnDapp, type CanisterDeployer, type SpawnedDapp } from '@lineage/sdk';
import {
  assetIdlFactory, backendIdl, managerIdl, managerInit, nftIdl, nftInit, registryIdl, registryInit,
  type AssetService, type BackendService, type ManagerService, type NftService, type RegistryService,
} from '@lineage/types';

import { clearChunkStore, hex } from './ic.js';

export * from './ic.js';

export { Principal };
export type Backend = Actor<BackendService>;
export type Manager = Actor<ManagerService>;
export type Registry = Actor<RegistryService>;
export type Nft = Actor<NftService>;
export type Asset = Actor<AssetService>;

const wasmPath = (name: string) => fileURLToPath(new URL(`../../canisters/${name}/dist/${name}.wasm`, import.meta.url));
const cache = new Map<string, Uint8Array>();
export function builtWasm(name: 'backend' | 'manager' | 'registry' | 'nft' | 'asset'): Uint8Array {
  if (!cache.has(name)) cache.set(name, new Uint8Array(readFileSync(wasmPath(name))));
  return cache.get(name)!;
}

/**
 * A release of the built code as the DAO publishes it: stamped with a public custom section naming
 * it (so every release has its own hash) and gzipped (`releaseModule`).
 */
export function release(name: 'backend' | 'manager' | 'asset', label: string): Uint8Array {
  return releaseModule(builtWasm(name), label);
}

export const bytes = (b: Uint8Array | number[]) => Uint8Array.from(b);

/** A self-authenticating user principal derived from a name. */
export function user(name: string): Principal {
  return Principal.selfAuthenticating(new Uint8Array(createHash('sha256').update(`lineage dapp test user ${name}`).digest()));
}

/**
 * The cast: `dao` publishes versions and runs the registry; `deployer` spawns dapps and is the
 * collection's minting authority; `alice` and `bob` buy and sell dapps; `stranger` owns nothing;
 * `outsider` is a controller that changes a canister behind the manager's back.
 */
export const who = {
  dao: user('dao'),
  deployer: user('deployer'),
  alice: user('alice'),
  bob: user('bob'),
  stranger: user('stranger'),
  outsider: user('outsider'),
  anonymous: Principal.anonymous(),
} as const;

export const TYPES = { backend: 'org.lineage.backend', manager: 'org.lineage.manager' } as const;
export const ASSET_TYPE = 'org.lineage.asset';

type Result<T, E> = { Ok: T } | { Err: E };
const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? hex(x) : x));

/** The `Ok` of a result, failing the test with the error otherwise. */
export function ok<T, E>(result: Result<T, E>): T {
  if ('Ok' in result) return result.Ok;
  throw new Error(`expected Ok, got Err ${show(result.Err)}`);
}

/** The error of a result, failing the test if it succeeded. */
export function err<T, E>(result: Result<T, E>): E {
  if ('Err' in result) return result.Err;
  throw new Error(`expected an Err, got Ok ${show(result.Ok)}`);
}

/** The name of a variant (`{ Busy: … }` → `'Busy'`). */
export const variant = (v: object) => Object.keys(v)[0]!;
export { show };

// ---- the deployer, on pic ------------------------------------------------------------------

/** The sdk's deployer interface over pic's management calls, as `sender`. */
export function picDeployer(pic: PocketIc, sender: Principal): CanisterDeployer {
  return {
    principal: sender as never,
    createCanister: async () => (await pic.createCanister({ sender })) as never,
    installCode: async (canister, wasm, arg) => {
      await pic.installCode({ canisterId: canister as never, wasm, arg, sender });
      // pic installs a large module through the canister's chunk store and leaves the chunks
      // there; a dapp starts clean, so that an empty store after an upgrade says something.
      await clearChunkStore(pic, canister as never, sender);
    },
    setControllers: async (canister, controllers) => {
      await pic.updateCanisterSettings({ canisterId: canister as never, controllers: controllers as never, sender });
    },
  };
}

// ---- a world: registry, published versions, collection --------------------------------------

export interface PublishedVersion {
  hash: Uint8Array;
  hex: string;
  version: [bigint, bigint, bigint];
  wasm: Uint8Array;
}

export interface World {
  pic: PocketIc;
  registryId: Principal;
  nftId: Principal;
  registry(as?: Principal): Registry;
  nft(as?: Principal): Nft;
  backend: { v1: PublishedVersion; v2: PublishedVersion; v3: PublishedVersion };
  manager: { v1: PublishedVersion; v2: PublishedVersion };
  /** Asset canister 1.0.0 → 1.1.0, when the world was set up `withAsset`. */
  asset: { v1: PublishedVersion; v2: PublishedVersion } | undefined;
  publish(namespace: string, version: [number, number, number], wasm: Uint8Array, previous?: PublishedVersion, options?: PublishOptions): Promise<PublishedVersion>;
}

/** `metadata`: the version's ICRC-16 metadata (the manager reads `lineage:*` keys from it). */
export interface PublishOptions {
  declareChunkHashes?: boolean;
  metadata?: [string, { Text: string } | { Nat: bigint } | { Bool: boolean }][];
}

const registryFactory = registryIdl as unknown as IDL.InterfaceFactory;
const nftFactory = nftIdl as unknown as IDL.InterfaceFactory;
const backendFactory = backendIdl as unknown as IDL.InterfaceFactory;
const managerFactory = managerIdl as unknown as IDL.InterfaceFactory;

export interface RegistryFixture {
  registryId: Principal;
  registry(as?: Principal): Registry;
  /** Publishes `wasm` as `version` of `namespace` (as the DAO), after `previous` if given. */
  publish: World['publish'];
}

/** The registry's actors (as the DAO by default) and the DAO's `publish`, for the registry `registryId`. */
function registryActors(pic: PocketIc, registryId: Principal): Pick<RegistryFixture, 'registry' | 'publish'> {
  const registry = (as: Principal = who.dao): Registry => {
    const a = pic.createActor<RegistryService>(registryFactory, registryId);
    a.setPrincipal(as);
    return a;
  };
  // Per-chunk hashes are declared only where a suite needs them: the registry hashes every byte
  // twice then, and these are 4 MB modules hashed in QuickJS.
  const publish: World['publish'] = async (namespace, version, wasm, previous, options = {}) => {
    const result = await publishWasm(registry() as never, {
      canisterType: namespace, version, wasm, previousHash: previous?.hash, description: `${namespace} ${version.join('.')}`,
      declareChunkHashes: options.declareChunkHashes ?? false, ...(options.metadata ? { metadata: options.metadata as never } : {}),
    });
    return { hash: bytes(result.hash), hex: hex(result.hash), version: version.map(BigInt) as [bigint, bigint, bigint], wasm };
  };
  return { registry, publish };
}

/**
 * Installs the registry, administered by the DAO, with the backend and manager canister types (and
 * any `extraTypes`), all controlled by the DAO.
 */
export async function installRegistry(pic: PocketIc, extraTypes: string[] = []): Promise<RegistryFixture> {
  const registryId = await pic.createCanister({ sender: who.dao });
  await pic.installCode({
    canisterId: registryId, wasm: builtWasm('registry'), sender: who.dao,
    arg: new Uint8Array(IDL.encode(registryInit({ IDL } as never) as unknown as IDL.Type[], [[{ admins: [who.dao], open_type_creation: false }]])),
  });
  const { registry, publish } = registryActors(pic, registryId);
  for (const namespace of [...Object.values(TYPES), ...extraTypes]) {
    const [created] = await registry().icrc118_create_canister_type([{
      canister_type_namespace: namespace, canister_type_name: namespace.split('.').pop()!, controllers: [[who.dao as never]],
      description: `Lineage ${namespace}`, repo: 'https://github.com/lineage-dapps/lineage', metadata: [], forked_from: [],
    }]);
    ok(created as never);
  }
  return { registryId, registry, publish };
}

/**
 * Installs the registry (administered by the DAO) and the collection (minted by the deployer),
 * and publishes backend 1.0.0 → 2.0.0 → 3.0.0 and manager 1.0.0 → 1.1.0.
 */
export async function setupWorld(pic: PocketIc, options: { withAsset?: boolean } = {}): Promise<World> {
  const { registryId, publish } = await installRegistry(pic, options.withAsset ? [ASSET_TYPE] : []);
  const nftId = await pic.createCanister({ sender: who.dao });
  await pic.installCode({
    canisterId: nftId, wasm: builtWasm('nft'), sender: who.dao,
    arg: new Uint8Array(IDL.encode(nftInit({ IDL } as never) as unknown as IDL.Type[], [[{
      minting_authority: who.deployer, symbol: 'DAPP', name: 'Lineage dapps', description: [], logo: [], supply_cap: [], tx_window: [], permitted_drift: [],
    }]])),
  });
  const b1 = await publish(TYPES.backend, [1, 0, 0], release('backend', '1.0.0'));
  const b2 = await publish(TYPES.backend, [2, 0, 0], release('backend', '2.0.0'), b1);
  const b3 = await publish(TYPES.backend, [3, 0, 0], release('backend', '3.0.0'), b2);
  const m1 = await publish(TYPES.manager, [1, 0, 0], release('manager', '1.0.0'));
  const m2 = await publish(TYPES.manager, [1, 1, 0], release('manager', '1.1.0'), m1);
  let asset: World['asset'];
  if (options.withAsset) {
    const a1 = await publish(ASSET_TYPE, [1, 0, 0], release('asset', '1.0.0'));
    asset = { v1: a1, v2: await publish(ASSET_TYPE, [1, 1, 0], release('asset', '1.1.0'), a1) };
  }
  return worldOf(pic, { registryId, nftId, backend: { v1: b1, v2: b2, v3: b3 }, manager: { v1: m1, v2: m2 }, asset });
}

/** What identifies a world apart from its instance: canister ids and the published versions. */
export type WorldParts = Pick<World, 'registryId' | 'nftId' | 'backend' | 'manager' | 'asset'>;

/** The world `parts` describe, on `pic` (where those canisters are installed). */
export function worldOf(pic: PocketIc, parts: WorldParts): World {
  const nft = (as: Principal = who.deployer): Nft => {
    const a = pic.createActor<NftService>(nftFactory, parts.nftId);
    a.setPrincipal(as);
    return a;
  };
  const { registry, publish } = registryActors(pic, parts.registryId);
  return { pic, ...parts, registry, nft, publish };
}

// ---- dapps ---------------------------------------------------------------------------------

export interface Dapp extends SpawnedDapp {
  /** The backend and manager ids as pic's `Principal` (the sdk names `@dfinity/principal`'s). */
  backendId: Principal;
  managerId: Principal;
  assetId: Principal | undefined;
  backendAs(who: Principal): Backend;
  managerAs(who: Principal): Manager;
}

let nextToken = 1n;

/** Spawns a dapp from the world's registry with the sdk, owned by `owner`. */
export async function spawn(world: World, owner: Principal, options: {
  backend?: PublishedVersion; manager?: PublishedVersion; watchIntervalSeconds?: bigint; withAsset?: boolean; assetArg?: Uint8Array;
} = {}): Promise<Dapp> {
  const tokenId = nextToken++;
  const spawned = await spawnDapp({
    deployer: picDeployer(world.pic, who.deployer),
    registry: world.registry(who.deployer) as never,
    registryId: world.registryId as never,
    nft: world.nft(who.deployer) as never,
    nftId: world.nftId as never,
    tokenId,
    owner: owner as never,
    types: { backend: TYPES.backend, manager: TYPES.manager, ...(options.withAsset ? { asset: ASSET_TYPE } : {}) },
    versions: {
      backend: (options.backend ?? world.backend.v1).hex, manager: (options.manager ?? world.manager.v1).hex,
      ...(options.withAsset && world.asset ? { asset: world.asset.v1.hex } : {}),
    },
    watchIntervalSeconds: options.watchIntervalSeconds ?? 3600n,
    ...(options.assetArg ? { assetArg: options.assetArg } : {}),
  });
  const backendAs = (as: Principal): Backend => {
    const a = world.pic.createActor<BackendService>(backendFactory, spawned.backend as never);
    a.setPrincipal(as);
    return a;
  };
  const managerAs = (as: Principal): Manager => {
    const a = world.pic.createActor<ManagerService>(managerFactory, spawned.manager as never);
    a.setPrincipal(as);
    return a;
  };
  return {
    ...spawned, backendId: Principal.fromText(spawned.backend.toText()), managerId: Principal.fromText(spawned.manager.toText()),
    assetId: spawned.asset ? Principal.fromText(spawned.asset.toText()) : undefined, backendAs, managerAs,
  };
}

/** The manager's install (or upgrade) argument. */
export function managerArg(o: { registry: Principal; managed: { canister: Principal; label: string }[]; watchIntervalSeconds: bigint; snapshotsKept?: number }): Uint8Array {
  return new Uint8Array(IDL.encode(managerInit({ IDL } as never) as unknown as IDL.Type[], [[{
    registry: o.registry, managed: o.managed, watch_interval_seconds: [o.watchIntervalSeconds], snapshots_kept: o.snapshotsKept === undefined ? [] : [o.snapshotsKept],
  }]]));
}

/**
 * A manager of its own, outside any dapp: installed by `controller` (which stays a controller, as
 * the backend is in a dapp) and controlling itself, watching `managed` every `watchIntervalSeconds`.
 */
export async function installManager(pic: PocketIc, o: {
  controller: Principal; registry: Principal; managed: { canister: Principal; label: string }[]; watchIntervalSeconds: bigint; canister?: Principal;
}): Promise<{ managerId: Principal; managerAs(who: Principal): Manager }> {
  const managerId = o.canister ?? await pic.createCanister({ sender: o.controller });
  await pic.installCode({ canisterId: managerId, wasm: builtWasm('manager'), sender: o.controller, arg: managerArg(o) });
  await pic.updateCanisterSettings({ canisterId: managerId, controllers: [o.controller, managerId], sender: o.controller });
  const managerAs = (as: Principal): Manager => {
    const a = pic.createActor<ManagerService>(managerFactory, managerId);
    a.setPrincipal(as);
    return a;
  };
  return { managerId, managerAs };
}

/** The dapp's asset canister, called as `as`. */
export function assetOf(pic: PocketIc, dapp: Dapp, as: Principal): Asset {
  const a = pic.createActor<AssetService>(assetIdlFactory as unknown as IDL.InterfaceFactory, dapp.assetId!);
  a.setPrincipal(as);
  return a;
}

/** The dapp's asset canister's three permission lists, as principal texts. */
export async function permissionsOf(pic: PocketIc, dapp: Dapp): Promise<Record<'Commit' | 'Prepare' | 'ManagePermissions', string[]>> {
  const asset = assetOf(pic, dapp, who.stranger);
  const list = async (permission: string) => (await asset.list_permitted({ permission: { [permission]: null } as never })).map((p) => p.toText());
  return { Commit: await list('Commit'), Prepare: await list('Prepare'), ManagePermissions: await list('ManagePermissions') };
}

/** Runs rounds until the manager's operation `id` has ended (a scheduled self-upgrade of the backend). */
export async function settle(world: World, dapp: Dapp, id: bigint, rounds = 200): Promise<void> {
  const manager = dapp.managerAs(who.anonymous);
  for (let i = 0; i < rounds; i++) {
    const [op] = await manager.operation(id);
    if (op && ('Completed' in op.state || 'Failed' in op.state)) return;
    await world.pic.tick();
  }
  throw new Error(`operation ${id} did not finish in ${rounds} rounds`);
}

// ---- upgrading a dapp ------------------------------------------------------------------------

export type Role = 'Backend' | 'Manager' | 'Asset';
export type Operation = NonNullable<Awaited<ReturnType<Manager['operation']>>[0]>;
export type UpgradeReply = Awaited<ReturnType<Backend['request_upgrade']>>;

/** The backend's `request_upgrade` argument for `role` and the version `to`. */
export function upgradeTo(role: Role, to: PublishedVersion | Uint8Array): Parameters<Backend['request_upgrade']>[0] {
  return { canister: { [role]: null } as never, to: to instanceof Uint8Array ? to : to.hash, arg: [] };
}

/**
 * Asks the backend, as `owner`, to upgrade `role` to `to`; when the manager scheduled the work
 * (the backend's own upgrade), runs rounds until it ended. Answers the reply and, when there was
 * an operation, its final record.
 */
export async function upgradeDapp(world: World, dapp: Dapp, owner: Principal, role: Role, to: PublishedVersion | Uint8Array): Promise<{ reply: UpgradeReply; operation: Operation | undefined }> {
  const reply = await dapp.backendAs(owner).request_upgrade(upgradeTo(role, to));
  if ('Err' in reply) return { reply, operation: undefined };
  await settle(world, dapp, reply.Ok.operation);
  const [operation] = await dapp.managerAs(who.anonymous).operation(reply.Ok.operation);
  return { reply, operation };
}

// ---- the manager's history -----------------------------------------------------------------

export type HistoryEntry = Awaited<ReturnType<Manager['deployment_history']>>['entries'][number];
export type HistoryRequest = Parameters<Manager['deployment_history']>[0];

/** A history request; unset fields take the manager's defaults. */
export function historyRequest(r: { canister?: Principal; prev?: bigint; take?: bigint; descending?: boolean } = {}): HistoryRequest {
  const o = <T>(v: T | undefined): [] | [T] => (v === undefined ? [] : [v]);
  return { canister: o(r.canister) as never, prev: o(r.prev), take: o(r.take), descending: o(r.descending) };
}

/** Every entry of the manager's history (of one canister, if given), oldest first, read page by page. */
export async function fullHistory(manager: Manager, canister?: Principal): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  for (;;) {
    const page = await manager.deployment_history(historyRequest({ canister, prev: out.at(-1)?.index, take: 100n }));
    out.push(...page.entries);
    if (page.entries.length === 0 || BigInt(out.length) >= page.total) return out;
  }
}

/** The event of an entry as `[variant, fields]`. */
export function eventOf(entry: HistoryEntry): [string, Record<string, unknown>] {
  const name = variant(entry.event);
  return [name, (entry.event as Record<string, Record<string, unknown>>)[name]!];
}

type Deployment = Extract<HistoryEntry['event'], { Deployed: unknown }>['Deployed'];
type DeploymentFailure = Extract<HistoryEntry['event'], { DeployFailed: unknown }>['DeployFailed'];

/** The `Deployed` events of a history, with their entries. */
export function deployments(entries: HistoryEntry[]): { entry: HistoryEntry; event: Deployment }[] {
  return entries.flatMap((entry) => ('Deployed' in entry.event ? [{ entry, event: entry.event.Deployed }] : []));
}

/** The `DeployFailed` events of a history, with their entries. */
export function failures(entries: HistoryEntry[]): { entry: HistoryEntry; event: DeploymentFailure }[] {
  return entries.flatMap((entry) => ('DeployFailed' in entry.event ? [{ entry, event: entry.event.DeployFailed }] : []));
}

/** Deprecates a version in the registry, as the DAO. */
export async function deprecate(world: World, version: PublishedVersion): Promise<void> {
  const result = await world.registry().icrc118_deprecate({ hash: version.hash, deprecation_flag: [true] });
  if ('Error' in result) throw new Error(`deprecating ${version.hex} failed: ${show(result.Error)}`);
}

export type SettingsUpdate = Parameters<Backend['update_settings']>[0]['settings'];

/** A settings change for the backend's `update_settings`: only the given settings change. */
export function settingsUpdate(s: { controllers?: Principal[]; freezingThreshold?: bigint } = {}): SettingsUpdate {
  return {
    controllers: s.controllers === undefined ? [] : [s.controllers as never], compute_allocation: [], memory_allocation: [],
    freezing_threshold: s.freezingThreshold === undefined ? [] : [s.freezingThreshold], reserved_cycles_limit: [], log_visibility: [],
    wasm_memory_limit: [],
  };
}
