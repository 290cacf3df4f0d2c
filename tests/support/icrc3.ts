/**
 * An independent ICRC-3 checker for the suites: the representation-independent hash of values,
 * block fields, and the tip certificate, written here from the standards (ICRC-3, the IC
 * interface specification § Certification) rather than taken from `@lineage/kit` or the sdk, so a
 * mistake in the canisters' own code cannot hide behind the same mistake in the test.
 */
import { createHash } from 'node:crypto';
import { Cbor, Certificate, lookup_path, lookupResultToBuffer, reconstruct, type HashTree } from '@dfinity/agent';
import type { PocketIc } from '@dfinity/pic';
import type { Principal } from '@icp-sdk/core/principal';
import type { Icrc3DataCertificate, Icrc3GetBlocksResult, Icrc3Value } from '@lineage/types';
import { expect } from 'vitest';

const bytes = (b: Uint8Array | number[]) => Uint8Array.from(b);
const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

function leb128(n: bigint): Uint8Array {
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) b |= 0x80;
    out.push(b);
  } while (n !== 0n);
  return Uint8Array.from(out);
}

function sleb128(n: bigint): Uint8Array {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) return Uint8Array.from([...out, b]);
    out.push(b | 0x80);
  }
}

/** ICRC-3's representation-independent hash of a value. */
export function icrc3Hash(value: Icrc3Value): Uint8Array {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  if ('Blob' in value) return sha256(bytes(value.Blob));
  if ('Text' in value) return sha256(utf8(value.Text));
  if ('Nat' in value) return sha256(leb128(value.Nat));
  if ('Int' in value) return sha256(sleb128(value.Int));
  if ('Array' in value) return sha256(concat(...value.Array.map(icrc3Hash)));
  const pairs = value.Map.map(([k, v]) => concat(sha256(utf8(k)), icrc3Hash(v)));
  pairs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return sha256(concat(...pairs));
}

/** A field of a `Map` value (a block, a `tx`). */
export function field(value: Icrc3Value | undefined, name: string): Icrc3Value | undefined {
  if (!value || !('Map' in value)) throw new Error(`not a map: ${JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x))}`);
  return value.Map.find(([k]) => k === name)?.[1];
}

export const btypeOf = (block: Icrc3Value) => {
  const v = field(block, 'btype');
  return v && 'Text' in v ? v.Text : undefined;
};

export const txOf = (block: Icrc3Value) => field(block, 'tx')!;

/** What a canister with an ICRC-3 log offers (the registry, the collection, the manager). */
export interface Icrc3Log {
  icrc3_get_blocks(args: { start: bigint; length: bigint }[]): Promise<Pick<Icrc3GetBlocksResult, 'log_length' | 'blocks'>>;
  icrc3_get_tip_certificate(): Promise<[] | [Icrc3DataCertificate]>;
}

export async function logLength(actor: Icrc3Log): Promise<bigint> {
  return (await actor.icrc3_get_blocks([{ start: 0n, length: 0n }])).log_length;
}

/** Every block of the log, in order, however many replies it takes. */
export async function allBlocks(actor: Icrc3Log): Promise<{ id: bigint; block: Icrc3Value }[]> {
  const out: { id: bigint; block: Icrc3Value }[] = [];
  for (;;) {
    const reply = await actor.icrc3_get_blocks([{ start: BigInt(out.length), length: 1000n }]);
    out.push(...reply.blocks);
    if (reply.blocks.length === 0 || BigInt(out.length) >= reply.log_length) return out;
  }
}

/**
 * Checks `icrc3_get_tip_certificate` against the subnet's root key: the certificate verifies, its
 * `certified_data` is the root of the returned hash tree, and the tree names the log's last block
 * and its hash. Returns the certified tip.
 */
export async function verifyTip(pic: PocketIc, actor: Icrc3Log, canisterId: Principal): Promise<{ index: bigint; hash: Uint8Array }> {
  const [tip] = await actor.icrc3_get_tip_certificate();
  if (!tip) throw new Error('no tip certificate');
  const subnet = await pic.getCanisterSubnetId(canisterId);
  if (!subnet) throw new Error(`${canisterId.toText()} has no subnet`);
  const rootKey = await pic.getPubKey(subnet);
  const certificate = await Certificate.create({
    certificate: bytes(tip.certificate),
    rootKey: bytes(rootKey),
    canisterId: canisterId as never,
    disableTimeVerification: true,
  });
  const certified = lookupResultToBuffer(certificate.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']));
  const tree = Cbor.decode<HashTree>(bytes(tip.hash_tree));
  expect(certified).toBeDefined();
  expect(hex(await reconstruct(tree))).toBe(hex(certified!));
  const lastHash = lookupResultToBuffer(lookup_path(['last_block_hash'], tree));
  const lastIndex = lookupResultToBuffer(lookup_path(['last_block_index'], tree));
  if (!lastHash || !lastIndex) throw new Error('the tip tree lacks last_block_hash or last_block_index');
  let index = 0n;
  lastIndex.forEach((b, i) => (index |= BigInt(b & 0x7f) << BigInt(7 * i)));
  return { index, hash: bytes(lastHash) };
}

/**
 * Checks the whole chain: ids are 0…n-1, the first block has no `phash`, every other block's
 * `phash` is the ICRC-3 hash of its parent, and the certified tip names the last block. Returns
 * the blocks.
 */
export async function verifyChain(pic: PocketIc, actor: Icrc3Log, canisterId: Principal): Promise<{ id: bigint; block: Icrc3Value }[]> {
  const blocks = await allBlocks(actor);
  blocks.forEach(({ id, block }, i) => {
    expect(id).toBe(BigInt(i));
    const phash = field(block, 'phash');
    if (i === 0) expect(phash).toBeUndefined();
    else expect(phash && 'Blob' in phash ? hex(phash.Blob) : undefined).toBe(hex(icrc3Hash(blocks[i - 1]!.block)));
  });
  const tip = await verifyTip(pic, actor, canisterId);
  expect(tip.index).toBe(BigInt(blocks.length - 1));
  expect(hex(tip.hash)).toBe(hex(icrc3Hash(blocks[blocks.length - 1]!.block)));
  return blocks;
}
