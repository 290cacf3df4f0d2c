/**
 * Shared fixtures of the registry suites (`registry.*.spec.ts`): installing the built registry with
 * an init argument, the principals of the authorisation model, publishing a module in chunks
 * (sha256 by node:crypto), fetching it back, Candid result helpers, and an independent ICRC-3
 * block hash and tip-certificate check. Nothing here depends on the emulator: the suites run
 * unchanged on a real PocketIC server.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Actor, PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import type { Principal as ContractPrincipal } from '@dfinity/principal';
import {
  registryIdl, registryInit,
  type CanisterType as ContractCanisterType, type CreateCanisterType as ContractCreateCanisterType, type Icrc3Value,
  type Installation as ContractInstallation, type RegistryService as ContractService,
  type UpdateWasmRequest as ContractUpdateWasmRequest, type Version, type Wasm as ContractWasm,
} from '@lineage/types';

import { wat } from './api.js';
import { relayArg } from './relay.js';
import { allBlocks, logLength } from './icrc3.js';

export { Principal };

/**
 * The contract's types (`@lineage/types`) name `@dfinity/principal`'s Principal; the suites use
 * `@icp-sdk/core`'s, as pic does (the two are the same at run time). `Swap` retypes a contract type.
 */
export type Swap<T> =
  T extends ContractPrincipal ? Principal
    : T extends Uint8Array ? T
      : T extends (...args: infer A) => Promise<infer R> ? (...args: Swap<A>) => Promise<Swap<R>>
        : T extends object ? { [K in keyof T]: Swap<T[K]> }
          : T;

export type RegistryService = Swap<ContractService>;
export type CreateCanisterType = Swap<ContractCreateCanisterType>;
export type UpdateWasmRequest = Swap<ContractUpdateWasmRequest>;
export type UploadResult = Awaited<ReturnType<RegistryService['icrc118_upload_wasm_chunk']>>;
export type Wasm = Swap<ContractWasm>;
export type CanisterType = Swap<ContractCanisterType>;
export type Installation = Swap<ContractInstallation>;
export type { Icrc3Value, Version };
export type Registry = Actor<RegistryService>;

// ---- the module under test ----------------------------------------------------------------

export const REGISTRY_WASM_PATH = fileURLToPath(new URL('../../canisters/registry/dist/registry.wasm', import.meta.url));
export const REGISTRY_DID_PATH = fileURLToPath(new URL('../../canisters/registry/dist/registry.did', import.meta.url));
export const REGISTRY_CONTRACT_PATH = fileURLToPath(new URL('../../canisters/registry/registry.did', import.meta.url));

let cachedWasm: Uint8Array | undefined;
export function registryWasm(): Uint8Array {
  cachedWasm ??= new Uint8Array(readFileSync(REGISTRY_WASM_PATH));
  return cachedWasm;
}

/** The registry's limits, as its contract documents them. */
export const MiB = 1024 * 1024;
export const MAX_CHUNK_BYTES = MiB / 2;

// ---- principals ----------------------------------------------------------------------------

/** A self-authenticating user principal derived from a name. */
export function user(name: string): Principal {
  return Principal.selfAuthenticating(new Uint8Array(createHash('sha256').update(`lineage test user ${name}`).digest()));
}

/**
 * The cast of the authorisation model: `owner` controls the registry canister (an admin by being
 * a controller), `admin` is an admin named in the init argument, `publisher` controls canister
 * types but administers nothing, `stranger` is an authenticated nobody.
 */
export const who = {
  owner: user('owner'),
  admin: user('admin'),
  publisher: user('publisher'),
  stranger: user('stranger'),
  anonymous: Principal.anonymous(),
} as const;
export type Role = keyof typeof who;

// ---- Candid --------------------------------------------------------------------------------

export interface InitOptions {
  admins?: Principal[];
  open_type_creation?: boolean;
}

/** The registry's `(opt InitArgs)`; `null` encodes `null` (no argument record). */
export function registryInitArg(options: InitOptions | null = {}): Uint8Array {
  const value = options === null ? [] : [{ admins: options.admins ?? [who.admin], open_type_creation: options.open_type_creation ?? false }];
  return new Uint8Array(IDL.encode(registryInit({ IDL } as never) as unknown as IDL.Type[], [value]));
}

/** The registry's service factory in the `IDL` flavour pic uses. */
export const registryFactory = registryIdl as unknown as IDL.InterfaceFactory;

type Result<T, E> = { Ok: T } | { Error: E };

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? hex(x) : x));

/** The `Ok` of a result, failing the test with the error otherwise. */
export function ok<T, E>(result: Result<T, E>): T {
  if ('Ok' in result) return result.Ok;
  throw new Error(`expected Ok, got Error ${show(result.Error)}`);
}

/** The `Error` of a result, failing the test if it succeeded. */
export function err<T, E>(result: Result<T, E>): E {
  if ('Error' in result) return result.Error;
  throw new Error(`expected an Error, got Ok ${show(result.Ok)}`);
}

/** The name of the error variant of a result (`'Unauthorized'`…), or `'Ok'`. */
export function outcome(result: Result<unknown, object>): string {
  if ('Ok' in result) return 'Ok';
  return Object.keys(result.Error)[0]!;
}

export const bytes = (b: Uint8Array | number[]) => Uint8Array.from(b);
export const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
export const some = <T>(v: T | undefined): [] | [T] => (v === undefined ? [] : [v]);
export const opt = <T>(o: [] | [T]): T | undefined => (o.length === 0 ? undefined : o[0]);
export const texts = (ps: { toText(): string }[]) => ps.map((p) => p.toText()).sort();

// ---- modules -------------------------------------------------------------------------------

export const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

/** `size` deterministic pseudo-random bytes named by `label` (distinct labels give distinct modules). */
export function moduleBytes(label: string, size: number): Uint8Array {
  return new Uint8Array(createHash('shake256', { outputLength: size }).update(`lineage module ${label}`).digest());
}

export function chunksOf(data: Uint8Array, chunkSize: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += chunkSize) out.push(data.subarray(at, Math.min(at + chunkSize, data.length)));
  return out;
}

export function typeRequest(namespace: string, extra: Partial<CreateCanisterType> = {}): CreateCanisterType {
  return {
    controllers: [],
    canister_type_namespace: namespace,
    canister_type_name: `the ${namespace} canister`,
    description: `test type ${namespace}`,
    repo: `https://example.org/${namespace}`,
    metadata: [['kind', { Text: 'test' }]],
    forked_from: [],
    ...extra,
  };
}

/** Creates canister types (as `actor`'s principal) and returns their log indices. */
export async function createTypes(actor: Registry, ...requests: CreateCanisterType[]): Promise<bigint[]> {
  const results = await actor.icrc118_create_canister_type(requests);
  return results.map((r) => ok(r));
}

export interface ModuleSpec {
  namespace: string;
  version: Version;
  previous?: Uint8Array | undefined;
  data: Uint8Array;
  chunkSize?: number;
  /** Declare every chunk's sha256 at registration. */
  declareChunkHashes?: boolean;
  description?: string;
}

/** The registration request for a module (expected hash and chunk count computed here). */
export function updateRequest(spec: ModuleSpec): UpdateWasmRequest {
  const chunks = chunksOf(spec.data, spec.chunkSize ?? MAX_CHUNK_BYTES);
  return {
    canister_type: spec.namespace,
    version_number: spec.version,
    description: spec.description ?? `${spec.namespace} ${spec.version.join('.')}`,
    repo: `https://example.org/${spec.namespace}`,
    metadata: [['build', { Text: spec.version.join('.') }]],
    previous_hash: some(spec.previous),
    expected_hash: sha256(spec.data),
    expected_chunks: BigInt(chunks.length),
    chunk_hashes: spec.declareChunkHashes ? [chunks.map(sha256)] : [],
  };
}

export interface Published {
  hash: Uint8Array;
  data: Uint8Array;
  chunks: Uint8Array[];
  version: Version;
}

/** Registers a module and returns what is needed to upload it (expects the registration to succeed). */
export async function register(actor: Registry, spec: ModuleSpec): Promise<Published> {
  const request = updateRequest(spec);
  ok(await actor.icrc118_update_wasm(request));
  return { hash: bytes(request.expected_hash), data: spec.data, chunks: chunksOf(spec.data, spec.chunkSize ?? MAX_CHUNK_BYTES), version: spec.version };
}

export async function uploadChunk(actor: Registry, hash: Uint8Array, chunkId: number, chunk: Uint8Array): Promise<UploadResult> {
  return actor.icrc118_upload_wasm_chunk({ hash, chunk_id: BigInt(chunkId), wasm_chunk: chunk });
}

/** Uploads chunks (all of them, in order, unless `ids` says which and in what order); expects each to be accepted. */
export async function uploadChunks(actor: Registry, published: Published, ids?: number[]): Promise<void> {
  for (const id of ids ?? published.chunks.map((_, i) => i)) ok(await uploadChunk(actor, published.hash, id, published.chunks[id]!));
}

/**
 * Waits until the registry has verified `hash`: chunks that arrived out of order are hashed by
 * timers in later messages, so rounds (and a little time) may be needed.
 */
export async function waitVerified(pic: PocketIc, actor: Registry, hash: Uint8Array, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const status = opt(await actor.lineage_upload_status(hash));
    if (status === undefined) throw new Error(`the registry does not know ${hex(hash)}`);
    if (status.calculated_hash.length > 0) return;
    if (status.failure.length > 0) throw new Error(`verification of ${hex(hash)} failed: ${status.failure[0]}`);
    await pic.advanceTime(1);
    await pic.tick();
  }
  throw new Error(`${hex(hash)} was not verified after ${rounds} rounds`);
}

/** Registers, uploads every chunk and waits for verification. */
export async function publish(pic: PocketIc, actor: Registry, spec: ModuleSpec): Promise<Published> {
  const published = await register(actor, spec);
  await uploadChunks(actor, published);
  await waitVerified(pic, actor, published.hash);
  return published;
}

/** Fetches every chunk of a verified module with `icrc118_get_wasm_chunk`. */
export async function fetchModule(actor: Registry, hash: Uint8Array): Promise<Uint8Array> {
  const first = ok(await actor.icrc118_get_wasm_chunk({ hash, chunk_id: 0n }));
  const parts = [bytes(first.wasm_chunk)];
  for (let id = 1n; id < first.total_chunks; id++) parts.push(bytes(ok(await actor.icrc118_get_wasm_chunk({ hash, chunk_id: id })).wasm_chunk));
  return Buffer.concat(parts);
}

/** The blocks appended by `action`, checking nothing else changed the log meanwhile. */
export async function blocksAppendedBy(actor: Registry, action: () => Promise<unknown>): Promise<{ id: bigint; block: Icrc3Value }[]> {
  const before = await logLength(actor);
  await action();
  const after = await logLength(actor);
  if (after === before) return [];
  return (await actor.icrc3_get_blocks([{ start: before, length: after - before }])).blocks;
}

// ---- deployed canisters -----------------------------------------------------------------------

/** A tiny valid canister module (WAT compiled with wabt), distinct for each label. */
export function canisterModule(label: string): Promise<Uint8Array> {
  return wat(`(module (memory 1) (data (i32.const 0) "lineage ${label}") (func (export "canister_query label") (unreachable)))`);
}

/** Creates a canister controlled by `controllers[0]` (and the others), optionally installing `module` as that controller. */
export async function deployTarget(pic: PocketIc, controllers: Principal[], module?: Uint8Array): Promise<Principal> {
  const sender = controllers[0]!;
  const canisterId = await pic.createCanister({ sender, controllers });
  if (module) await pic.installCode({ canisterId, wasm: module, sender });
  return canisterId;
}

export { relayArg, relayModule } from './relay.js';

/** Calls `method` of the registry through the relay canister `relay` and decodes the reply. */
export async function callThroughRelay<M extends keyof RegistryService>(
  pic: PocketIc, relay: Principal, sender: Principal, registryId: Principal, method: M, args: Parameters<RegistryService[M]>,
): Promise<Awaited<ReturnType<RegistryService[M]>>> {
  const service = registryFactory({ IDL });
  const func = service._fields.find(([name]) => name === method)![1];
  const payload = new Uint8Array(IDL.encode(func.argTypes, args as unknown[]));
  const reply = await pic.updateCall({ canisterId: relay, method: 'relay', arg: relayArg(registryId, method, payload), sender });
  return IDL.decode(func.retTypes, reply)[0] as Awaited<ReturnType<RegistryService[M]>>;
}

// ---- ICRC-3 --------------------------------------------------------------------------------

export { allBlocks, btypeOf, field, icrc3Hash, logLength, txOf, verifyTip } from './icrc3.js';

// ---- setting up ----------------------------------------------------------------------------

export interface RegistryFixture {
  canisterId: Principal;
  /** Actors calling as each role. */
  as: Record<Role, Registry>;
  /** An actor calling as any principal. */
  actorFor(principal: Principal): Registry;
}

/** Installs the built registry, controlled by `who.owner`, with the given init argument. */
export async function setupRegistry(pic: PocketIc, init: InitOptions | null = {}): Promise<RegistryFixture> {
  const { canisterId } = await pic.setupCanister<RegistryService>({
    idlFactory: registryFactory,
    wasm: registryWasm(),
    arg: registryInitArg(init),
    sender: who.owner,
  });
  const actorFor = (principal: Principal): Registry => {
    const actor = pic.createActor<RegistryService>(registryFactory, canisterId);
    actor.setPrincipal(principal);
    return actor;
  };
  const as = Object.fromEntries(Object.entries(who).map(([role, p]) => [role, actorFor(p)])) as Record<Role, Registry>;
  return { canisterId, as, actorFor };
}
