/**
 * Shared fixtures of the NFT suites (`nft.*.spec.ts`): installing the built collection with an init
 * argument, the cast of principals, accounts, Candid result helpers, and an independent ICRC-3
 * block hash and tip-certificate check (written from the standards, not taken from the canister).
 * Nothing here depends on the emulator: the suites run unchanged on a real PocketIC server.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Actor, PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import {
  nftIdl, nftInit,
  type Account, type Icrc3Value, type MintArg, type MintResult, type NftInitArgs, type NftMetadata, type NftService, type TransferArg,
  type TransferResult,
} from '@lineage/types';
import { expect } from 'vitest';

import { field } from './icrc3.js';

export { Principal };
export type Nft = Actor<NftService>;

// ---- the module under test ----------------------------------------------------------------

export const NFT_WASM_PATH = fileURLToPath(new URL('../../canisters/nft/dist/nft.wasm', import.meta.url));
export const NFT_DID_PATH = fileURLToPath(new URL('../../canisters/nft/dist/nft.did', import.meta.url));
export const NFT_CONTRACT_PATH = fileURLToPath(new URL('../../canisters/nft/nft.did', import.meta.url));

let cachedWasm: Uint8Array | undefined;
export function nftWasm(): Uint8Array {
  cachedWasm ??= new Uint8Array(readFileSync(NFT_WASM_PATH));
  return cachedWasm;
}

/** The collection's limits, as its README documents them. */
export const LIMITS = {
  maxQueryBatch: 100n,
  maxUpdateBatch: 20n,
  defaultTake: 100n,
  maxTake: 1000n,
  maxMemo: 32n,
  maxMetadataBytes: 16n * 1024n,
  txWindow: 86_400n,
  permittedDrift: 120n,
  maxBlocksPerReply: 100n,
} as const;

// ---- principals and accounts ----------------------------------------------------------------

/** A self-authenticating user principal derived from a name. */
export function user(name: string): Principal {
  return Principal.selfAuthenticating(new Uint8Array(createHash('sha256').update(`lineage nft test user ${name}`).digest()));
}

/**
 * The cast: `controller` installs and controls the canister (but does not mint), `authority` is the
 * minting authority named in the init argument, `alice` and `bob` hold tokens, `stranger` holds
 * nothing.
 */
export const who = {
  controller: user('controller'),
  authority: user('authority'),
  alice: user('alice'),
  bob: user('bob'),
  stranger: user('stranger'),
  anonymous: Principal.anonymous(),
} as const;
export type Role = keyof typeof who;

/** A 32-byte subaccount whose last byte is `n`. */
export function sub(n: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes[31] = n;
  return bytes;
}

/**
 * The principal type of `@lineage/types` (`@dfinity/principal`'s) for one of `@icp-sdk/core`'s,
 * which pic's actors use: the same class, declared in two packages.
 */
export const typed = (p: Principal): Account['owner'] => p as unknown as Account['owner'];

/** An account: the owner's default account, or the subaccount `sub(n)` / the given bytes. */
export function acct(owner: Principal, subaccount?: number | Uint8Array): Account {
  if (subaccount === undefined) return { owner: typed(owner), subaccount: [] };
  return { owner: typed(owner), subaccount: [typeof subaccount === 'number' ? sub(subaccount) : subaccount] };
}

/** An account in a comparable form: owner text and subaccount hex (absent for the default). */
export function showAccount(a: Account | undefined): string | undefined {
  if (!a) return undefined;
  const s = a.subaccount[0];
  return s === undefined ? a.owner.toText() : `${a.owner.toText()}.${hex(s)}`;
}

// ---- Candid --------------------------------------------------------------------------------

export const bytes = (b: Uint8Array | number[]) => Uint8Array.from(b);
export const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
export const some = <T>(v: T | undefined): [] | [T] => (v === undefined ? [] : [v]);
export const opt = <T>(o: [] | [T]): T | undefined => (o.length === 0 ? undefined : o[0]);

export function initArgs(extra: Partial<Omit<NftInitArgs, 'minting_authority'>> & { minting_authority?: Principal } = {}): NftInitArgs {
  const { minting_authority, ...rest } = extra;
  return {
    minting_authority: typed(minting_authority ?? who.authority),
    symbol: 'LDAPP',
    name: 'Lineage dapps',
    description: ['One token per Lineage dapp instance: its holder owns the dapp'],
    logo: ['data:image/svg+xml;base64,PHN2Zy8+'],
    supply_cap: [],
    tx_window: [],
    permitted_drift: [],
    ...rest,
  };
}

/** The collection's `(opt InitArgs)`; `null` encodes `null` (no argument record). */
export function nftInitArg(args: NftInitArgs | null): Uint8Array {
  return new Uint8Array(IDL.encode(nftInit({ IDL } as never) as unknown as IDL.Type[], [args === null ? [] : [args]]));
}

/** The collection's service factory in the `IDL` flavour pic uses. */
export const nftFactory = nftIdl as unknown as IDL.InterfaceFactory;

const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? hex(x) : x));

type Result<T, E> = { Ok: T } | { Err: E };

/** The `Ok` of a result, failing the test with the error otherwise. */
export function ok<T, E>(result: Result<T, E> | undefined): T {
  if (result === undefined) throw new Error('expected a result, got null (not processed)');
  if ('Ok' in result) return result.Ok;
  throw new Error(`expected Ok, got Err ${show(result.Err)}`);
}

/** The error of a result, failing the test if it succeeded. */
export function err<T, E>(result: Result<T, E> | undefined): E {
  if (result === undefined) throw new Error('expected a result, got null (not processed)');
  if ('Err' in result) return result.Err;
  throw new Error(`expected an Err, got Ok ${show(result.Ok)}`);
}

/** The name of a result's error variant (`'Unauthorized'`…), or `'Ok'`. */
export function outcome(result: Result<unknown, object> | undefined): string {
  if (result === undefined) return 'null';
  return 'Ok' in result ? 'Ok' : Object.keys(result.Err)[0]!;
}

export function mintArg(tokenId: bigint, to: Account, metadata: NftMetadata = tokenMetadata(tokenId)): MintArg {
  return { token_id: tokenId, to, metadata };
}

/** Metadata of a dapp instance's token, as Lineage mints them. */
export function tokenMetadata(tokenId: bigint): NftMetadata {
  return [
    ['icrc7:name', { Text: `dapp #${tokenId}` }],
    ['lineage:backend', { Blob: user(`backend ${tokenId}`).toUint8Array() }],
    ['lineage:instance', { Nat: tokenId }],
  ];
}

/** Mints one token (as the authority), expecting success; returns its block index. */
export async function mint(actor: Nft, tokenId: bigint, to: Account, metadata?: NftMetadata): Promise<bigint> {
  const [result] = await actor.lineage_mint([mintArg(tokenId, to, metadata)]);
  return ok<bigint, unknown>(result as MintResult);
}

export function transferArg(tokenId: bigint, to: Account, extra: Partial<TransferArg> = {}): TransferArg {
  return { from_subaccount: [], to, token_id: tokenId, memo: [], created_at_time: [], ...extra };
}

/** One transfer; answers its result (the first element of the reply). */
export async function transfer(actor: Nft, tokenId: bigint, to: Account, extra: Partial<TransferArg> = {}): Promise<TransferResult | undefined> {
  const reply = await actor.icrc7_transfer([transferArg(tokenId, to, extra)]);
  expect(reply).toHaveLength(1);
  return opt(reply[0]!);
}

/** The instance's time in nanoseconds (what the canister sees as `time()`). */
export async function nowNanos(pic: PocketIc): Promise<bigint> {
  return BigInt(Math.round(await pic.getTime())) * 1_000_000n;
}

// ---- ICRC-3 --------------------------------------------------------------------------------

export { allBlocks, field, icrc3Hash, logLength, verifyChain, verifyTip } from './icrc3.js';

export const fieldNames = (value: Icrc3Value | undefined) => {
  if (!value || !('Map' in value)) throw new Error('not a map');
  return value.Map.map(([k]) => k).sort();
};

/** ICRC-3's value of an account: the owner's bytes, then the subaccount unless default. */
export function accountValue(owner: Principal, subaccount?: Uint8Array): Icrc3Value {
  return { Array: subaccount === undefined ? [{ Blob: owner.toUint8Array() }] : [{ Blob: owner.toUint8Array() }, { Blob: subaccount }] };
}

/** Normalises a value for comparison (blobs as plain byte arrays). */
export function plain(value: Icrc3Value): unknown {
  return JSON.parse(show(value));
}

// ---- setting up ----------------------------------------------------------------------------

export interface NftFixture {
  canisterId: Principal;
  /** Actors calling as each role. */
  as: Record<Role, Nft>;
  /** An actor calling as any principal. */
  actorFor(principal: Principal): Nft;
}

/** Installs the built collection, controlled by `who.controller`, with the given init argument. */
export async function setupNft(pic: PocketIc, args: NftInitArgs | null = initArgs()): Promise<NftFixture> {
  const { canisterId } = await pic.setupCanister<NftService>({
    idlFactory: nftFactory,
    wasm: nftWasm(),
    arg: nftInitArg(args),
    sender: who.controller,
  });
  const actorFor = (principal: Principal): Nft => {
    const actor = pic.createActor<NftService>(nftFactory, canisterId);
    actor.setPrincipal(principal);
    return actor;
  };
  const as = Object.fromEntries(Object.entries(who).map(([role, p]) => [role, actorFor(p)])) as Record<Role, Nft>;
  return { canisterId, as, actorFor };
}

/** Upgrades the collection (as its controller) with the given argument (`null`: none). */
export async function upgradeNft(pic: PocketIc, canisterId: Principal, args: NftInitArgs | null = null): Promise<void> {
  await pic.upgradeCanister({ canisterId, wasm: nftWasm(), arg: nftInitArg(args), sender: who.controller });
}
