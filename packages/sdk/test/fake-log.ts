/**
 * An in-memory ICRC-3 log with a tip certificate signed by a BLS12-381 "root subnet" key, built with
 * the emulator's certification code (`packages/pocket/src/certification`, imported read-only), so
 * `@dfinity/agent`'s `Certificate.create` verifies it exactly as it verifies the IC's.
 */
import { Principal } from '@dfinity/principal';
import type { Icrc3DataCertificate, Icrc3GetBlocksResult, Icrc3Value } from '@lineage/types';

import { encodeTaggedCbor } from '../../pocket/src/certification/cbor.js';
import { makeCertificate } from '../../pocket/src/certification/certificate.js';
import { labeledTree, leb128, node, reconstruct, treeToCbor } from '../../pocket/src/certification/hash-tree.js';
import { SubnetKey } from '../../pocket/src/certification/keys.js';
import { hashValue } from '../src/icrc3/hash.js';

export const CANISTER_ID = Principal.fromText('rrkah-fqaaa-aaaaa-aaaaq-cai');
export const ROOT_KEY = new SubnetKey(new TextEncoder().encode('sdk tests root'));
export const OTHER_KEY = new SubnetKey(new TextEncoder().encode('sdk tests impostor'));

/** `n` registry-like blocks, each linked to its parent by `phash`. */
export function makeChain(n: number): Icrc3Value[] {
  const blocks: Icrc3Value[] = [];
  for (let i = 0; i < n; i++) {
    const fields: [string, Icrc3Value][] = [
      ['btype', { Text: i % 2 === 0 ? '118update' : '118chunk' }],
      ['ts', { Nat: 1_700_000_000_000_000_000n + BigInt(i) }],
      ['tx', { Map: [['op', { Text: 'update_wasm' }], ['n', { Int: BigInt(-i) }], ['hash', { Blob: new Uint8Array(32).fill(i) }], ['version', { Array: [{ Nat: 1n }, { Nat: BigInt(i) }, { Nat: 0n }] }]] }],
    ];
    if (i > 0) fields.unshift(['phash', { Blob: hashValue(blocks[i - 1]!) }]);
    blocks.push({ Map: fields });
  }
  return blocks;
}

export interface TipOptions {
  /** Certified last index and hash (default: the chain's last block). */
  index?: bigint;
  hash?: Uint8Array;
  /** Signing key (default `ROOT_KEY`). */
  key?: SubnetKey;
  /** Certificate time in ns (default now). */
  timeNs?: bigint;
  /** certified_data to put in the certificate (default: the root of the hash tree). */
  certifiedData?: Uint8Array;
  canisterId?: Principal;
}

/** A tip certificate for `blocks` as an ICRC-3 canister would serve it. */
export function tipCertificate(blocks: Icrc3Value[], options: TipOptions = {}): Icrc3DataCertificate {
  const index = options.index ?? BigInt(blocks.length - 1);
  const hash = options.hash ?? hashValue(blocks[Number(index)]!);
  const tree = labeledTree(node([['last_block_index', leb128(index)], ['last_block_hash', hash]]));
  const certifiedData = options.certifiedData ?? reconstruct(tree);
  const stateTree = labeledTree(node([
    ['canister', node([[(options.canisterId ?? CANISTER_ID).toUint8Array(), node([['certified_data', certifiedData]])]])],
    ['time', leb128(options.timeNs ?? BigInt(Date.now()) * 1_000_000n)],
  ]));
  return { certificate: makeCertificate(stateTree, options.key ?? ROOT_KEY), hash_tree: encodeTaggedCbor(treeToCbor(tree)) };
}

/** A log serving `blocks` at most `maxPerCall` at a time, and `tip` (or a correct tip certificate). */
export function fakeLog(blocks: Icrc3Value[], options: { maxPerCall?: number; tip?: Icrc3DataCertificate | null } = {}) {
  const calls: { start: bigint; length: bigint }[] = [];
  return {
    calls,
    blocks,
    async icrc3_get_blocks(args: { start: bigint; length: bigint }[]): Promise<Icrc3GetBlocksResult> {
      const out: { id: bigint; block: Icrc3Value }[] = [];
      for (const { start, length } of args) {
        calls.push({ start, length });
        const n = BigInt(Math.min(Number(length), options.maxPerCall ?? Infinity));
        for (let id = start; id < start + n && id < BigInt(blocks.length); id++) out.push({ id, block: blocks[Number(id)]! });
      }
      return { log_length: BigInt(blocks.length), blocks: out, archived_blocks: [] };
    },
    async icrc3_get_tip_certificate(): Promise<[] | [Icrc3DataCertificate]> {
      if (options.tip === null || blocks.length === 0) return [];
      return [options.tip ?? tipCertificate(blocks)];
    },
  };
}
