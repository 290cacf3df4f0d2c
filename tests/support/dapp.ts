/**
 * Shared fixtures of the dapp suites (`manager.*`, `backend.*`): a world with a registry where a DAO
 * published backend and manager versions, an NFT collection, and dapps spawned from it with the
 * sdk's `spawnDapp`, exactly as a user would. Every canister is the real built Wasm.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Actor, PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { setCustomSection } from '@lineage/canister-build';
import { publishWasm, spawnDapp, type CanisterDeployer, type SpawnedDapp } from '@lineage/sdk';
import {
  backendIdl, managerIdl, nftIdl, nftInit, registryIdl, registryInit,
  type BackendService, type ManagerService, type NftService, type RegistryService,
} from '@lineage/types';
import wabtInit from 'wabt';

export { Principal };
export type Backend = Actor<BackendService>;
export type Manager = Actor<ManagerService>;
export type Registry = Actor<RegistryService>;
export type Nft = Actor<NftService>;

const wasmPath = (name: string) => fileURLToPath(new URL(`../../canisters/${name}/dist/${name}.wasm`, import.meta.url));
const cache = new Map<string, Uint8Array>();
export function builtWasm(name: 'backend' | 'manager' | 'registry' | 'nft' | 'asset'): Uint8Array {
  if (!cache.has(name)) cache.set(name, new Uint8Array(readFileSync(wasmPath(name))));
  return cache.get(name)!;
}

/** A distinct build of the same code: a public custom section names the release. */
export function release(name: 'backend' | 'manager' | 'asset', label: string): Uint8Array {
  return setCustomSection(builtWasm(name), 'icp:public lineage:release', new TextEncoder().encode(label));
}

export const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
export const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
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
  publish(namespace: string, version: [number, number, number], wasm: Uint8Array, previous?: PublishedVersion, options?: { declareChunkHashes?: boolean }): Promise<PublishedVersion>;
}

const registryFactory = registryIdl as unknown as IDL.InterfaceFactory;
const nftFactory = nftIdl as unknown as IDL.InterfaceFactory;
const backendFactory = backendIdl as unknown as IDL.InterfaceFactory;
const managerFactory = managerIdl as unknown as IDL.InterfaceFactory;

/**
 * Installs the registry (administered by the DAO) and the collection (minted by the deployer),
 * and publishes backend 1.0.0 → 2.0.0 → 3.0.0 and manager 1.0.0 → 1.1.0.
 */
export async function setupWorld(pic: PocketIc): Promise<World> {
  const registryId = await pic.createCanister({ sender: who.dao });
  await pic.installCode({
    canisterId: registryId, wasm: builtWasm('registry'), sender: who.dao,
    arg: new Uint8Array(IDL.encode(registryInit({ IDL } as never) as unknown as IDL.Type[], [[{ admins: [who.dao], open_type_creation: false }]])),
  });
  const nftId = await pic.createCanister({ sender: who.dao });
  await pic.installCode({
    canisterId: nftId, wasm: builtWasm('nft'), sender: who.dao,
    arg: new Uint8Array(IDL.encode(nftInit({ IDL } as never) as unknown as IDL.Type[], [[{
      minting_authority: who.deployer, symbol: 'DAPP', name: 'Lineage dapps', description: [], logo: [], supply_cap: [], tx_window: [], permitted_drift: [],
    }]])),
  });
  const registry = (as: Principal = who.dao): Registry => {
    const a = pic.createActor<RegistryService>(registryFactory, registryId);
    a.setPrincipal(as);
    return a;
  };
  const nft = (as: Principal = who.deployer): Nft => {
    const a = pic.createActor<NftService>(nftFactory, nftId);
    a.setPrincipal(as);
    return a;
  };
  for (const namespace of Object.values(TYPES)) {
    const [created] = await registry().icrc118_create_canister_type([{
      canister_type_namespace: namespace, canister_type_name: namespace.split('.').pop()!, controllers: [[who.dao as never]],
      description: `Lineage ${namespace}`, repo: 'https://github.com/lineage-dapps/lineage', metadata: [], forked_from: [],
    }]);
    ok(created as never);
  }
  // Per-chunk hashes are declared only where a suite needs them: the registry hashes every byte
  // twice then, and these are 4 MB modules hashed in QuickJS.
  const publish: World['publish'] = async (namespace, version, wasm, previous, options = {}) => {
    const result = await publishWasm(registry() as never, {
      canisterType: namespace, version, wasm, previousHash: previous?.hash, description: `${namespace} ${version.join('.')}`,
      declareChunkHashes: options.declareChunkHashes ?? false,
    });
    return { hash: bytes(result.hash), hex: hex(result.hash), version: version.map(BigInt) as [bigint, bigint, bigint], wasm };
  };
  const b1 = await publish(TYPES.backend, [1, 0, 0], release('backend', '1.0.0'));
  const b2 = await publish(TYPES.backend, [2, 0, 0], release('backend', '2.0.0'), b1);
  const b3 = await publish(TYPES.backend, [3, 0, 0], release('backend', '3.0.0'), b2);
  const m1 = await publish(TYPES.manager, [1, 0, 0], release('manager', '1.0.0'));
  const m2 = await publish(TYPES.manager, [1, 1, 0], release('manager', '1.1.0'), m1);
  return { pic, registryId, nftId, registry, nft, backend: { v1: b1, v2: b2, v3: b3 }, manager: { v1: m1, v2: m2 }, publish };
}

// ---- dapps ---------------------------------------------------------------------------------

export interface Dapp extends SpawnedDapp {
  backendAs(who: Principal): Backend;
  managerAs(who: Principal): Manager;
}

let nextToken = 1n;

/** Spawns a dapp from the world's registry with the sdk, owned by `owner`. */
export async function spawn(world: World, owner: Principal, options: { backend?: PublishedVersion; manager?: PublishedVersion; watchIntervalSeconds?: bigint } = {}): Promise<Dapp> {
  const tokenId = nextToken++;
  const spawned = await spawnDapp({
    deployer: picDeployer(world.pic, who.deployer),
    registry: world.registry(who.deployer) as never,
    registryId: world.registryId as never,
    nft: world.nft(who.deployer) as never,
    nftId: world.nftId as never,
    tokenId,
    owner: owner as never,
    types: { backend: TYPES.backend, manager: TYPES.manager },
    versions: { backend: (options.backend ?? world.backend.v1).hex, manager: (options.manager ?? world.manager.v1).hex },
    watchIntervalSeconds: options.watchIntervalSeconds ?? 3600n,
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
  return { ...spawned, backendAs, managerAs };
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

/** The module hash a canister runs now, in hex (`undefined` when empty), asked as a controller. */
export async function moduleHashOf(pic: PocketIc, canister: Principal, sender: Principal): Promise<string | undefined> {
  const status = await pic.canisterStatus({ canisterId: canister, sender });
  return status.moduleHash ? hex(status.moduleHash) : undefined;
}

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;
/** A Wasm module from WAT text (for versions that misbehave on purpose). */
export async function watModule(text: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const parsed = wabt.parseWat('fixture.wat', text);
  return new Uint8Array(parsed.toBinary({}).buffer);
}
