/**
 * Verifying an ICRC-3 block log end to end: every block's hash, the `phash` links between blocks,
 * and the tip against the canister's certified data in a certificate signed under the root key.
 */
import { Certificate, LookupPathStatus } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import type { Icrc3DataCertificate, Icrc3GetBlocksResult, Icrc3Value } from '@lineage/types';

import { asBytes, bytesEqual, shortHex, type Bytes } from '../bytes.js';
import { decodeHashTree, hashTreeRoot, lookupLeaf, type HashTree } from './hash-tree.js';
import { hashValue } from './hash.js';
import { decodeLeb128 } from './leb128.js';
import { getField, valueKind } from './value.js';

/** The two ICRC-3 methods the verifier calls (any actor of a canister with an ICRC-3 log has them). */
export interface Icrc3Log {
  icrc3_get_blocks(args: { start: bigint; length: bigint }[]): Promise<Icrc3GetBlocksResult>;
  icrc3_get_tip_certificate(): Promise<[] | [Icrc3DataCertificate]>;
}

export interface VerifyIcrc3LogOptions {
  /** The log's canister: the certificate must certify its `certified_data`. */
  canisterId: Principal | string;
  /** The IC root key, DER-encoded (`agent.rootKey`; the mainnet key for mainnet). */
  rootKey: Bytes;
  /** Blocks asked for per `icrc3_get_blocks` call. Default 100. */
  pageSize?: number;
  /** Skip the certificate's freshness check (for an old certificate, or a clock known to be off). Default false. */
  disableTimeVerification?: boolean;
  /** How old the certificate may be when time is verified. Default: `@dfinity/agent`'s (5 minutes). */
  maxCertificateAgeMinutes?: number;
}

/** The checks `verifyIcrc3Log` makes, as named in its failures. */
export type Icrc3Check =
  /** `icrc3_get_blocks` answered blocks out of sequence. */
  | 'block-id'
  /** A block is not a `Map`. */
  | 'block-format'
  /** A `phash` link is broken: the named block's hash is not what its successor records (or block 0 has a `phash`). */
  | 'phash'
  /** The log has fewer blocks than it claims or than the certificate certifies. */
  | 'log-length'
  /** Some blocks are archived in other canisters, which this verifier does not follow. */
  | 'archived'
  /** Blocks exist but `icrc3_get_tip_certificate` returned none. */
  | 'certificate-missing'
  /** The certificate's signature, delegation or time does not verify under the root key. */
  | 'certificate'
  /** The certificate's `certified_data` for the canister differs from the root of `hash_tree`, or is absent. */
  | 'certified-data'
  /** The `hash_tree` is malformed or lacks `last_block_index` / `last_block_hash`. */
  | 'hash-tree'
  /** The certified `last_block_index` is not the log's last block. */
  | 'tip-index'
  /** The certified `last_block_hash` is not the hash of the block it names. */
  | 'tip-hash';

export interface Icrc3Failure {
  check: Icrc3Check;
  /** The block the failure concerns, if it concerns one. */
  blockId?: bigint;
  message: string;
}

export interface Icrc3Verdict {
  /** True when every check passed. */
  ok: boolean;
  /** How many blocks were read and hashed. */
  blocks: number;
  /** Index of the last block read (undefined for an empty log). */
  tipIndex: bigint | undefined;
  /** Computed hash of that block. */
  tipHash: Uint8Array | undefined;
  failures: Icrc3Failure[];
}

/**
 * Reads the whole log (paging `icrc3_get_blocks`), recomputes every block's hash, checks that each
 * block's `phash` is its predecessor's hash (block 0 has none), then fetches the tip certificate and
 * checks that it verifies under `rootKey` for `canisterId` (signature, delegation, and by default
 * freshness), that the canister's certified data in it is the root of the returned `hash_tree`, and
 * that the tree's `last_block_index` (LEB128) and `last_block_hash` are the last block's index and
 * computed hash (ICRC-3 § Blocks Verification). If the log grew between reading it and fetching the
 * certificate, the new blocks are read too.
 *
 * Verification failures do not throw: they are listed in the verdict, each naming its check and,
 * where one is to blame, the block. A changed block shows as a `phash` failure naming it (or a
 * `tip-hash` failure if it is the last block). Transport errors (a rejected call) do throw.
 *
 * @example
 * const verdict = await verifyIcrc3Log(registry, { canisterId, rootKey: agent.rootKey });
 * if (!verdict.ok) for (const f of verdict.failures) console.error(f.check, f.blockId, f.message);
 */
export async function verifyIcrc3Log(log: Icrc3Log, options: VerifyIcrc3LogOptions): Promise<Icrc3Verdict> {
  const pageSize = BigInt(options.pageSize ?? 100);
  if (pageSize < 1n) throw new RangeError(`pageSize must be positive, got ${pageSize}`);
  const canisterId = Principal.from(options.canisterId);
  const failures: Icrc3Failure[] = [];
  const fail = (check: Icrc3Check, message: string, blockId?: bigint) => {
    failures.push(blockId === undefined ? { check, message } : { check, blockId, message });
  };

  // The chain as read so far.
  const hashes: Uint8Array[] = [];
  let next = 0n;
  let stopped = false;

  /** Reads blocks from `next` until the log's end, or at least until `until` (exclusive). */
  const walk = async (until?: bigint) => {
    let logLength: bigint | undefined;
    while (!stopped) {
      const end = until !== undefined && (logLength === undefined || until > logLength) ? until : logLength;
      if (end !== undefined && next >= end) return;
      const result = await log.icrc3_get_blocks([{ start: next, length: pageSize }]);
      logLength = result.log_length;
      if (result.blocks.length === 0) {
        if (next >= logLength && (until === undefined || next >= until)) return;
        if (result.archived_blocks.length > 0) {
          fail('archived', `blocks from ${next} are archived in other canisters; following archives is not supported`);
        } else {
          fail('log-length', `the log ${next < logLength ? `claims ${logLength} blocks` : `is certified up to block ${until! - 1n}`} but returns none from block ${next}`);
        }
        stopped = true;
        return;
      }
      for (const { id, block } of result.blocks) {
        if (id !== next) {
          fail('block-id', `expected block ${next}, the log returned block ${id}`, id);
          stopped = true;
          return;
        }
        checkBlock(id, block);
        next++;
      }
    }
  };

  const checkBlock = (id: bigint, block: Icrc3Value) => {
    const hash = hashValue(block);
    if (valueKind(block) !== 'Map') fail('block-format', `block ${id} is a ${valueKind(block)}, not a Map`, id);
    const phash = getField(block, 'phash');
    if (id === 0n) {
      if (phash !== undefined) fail('phash', 'block 0 has a phash but the first block has no parent', 0n);
    } else if (phash === undefined || !('Blob' in phash)) {
      fail('phash', `block ${id} has ${phash === undefined ? 'no phash' : `a ${valueKind(phash)} phash`}; it must be the Blob hash of block ${id - 1n}`, id);
    } else {
      const parent = hashes[Number(id - 1n)]!;
      if (!bytesEqual(phash.Blob, parent)) {
        fail('phash', `block ${id - 1n} hashes to ${shortHex(parent)} but block ${id} records phash ${shortHex(phash.Blob)}: block ${id - 1n} (or block ${id}'s phash) was changed`, id - 1n);
      }
    }
    hashes.push(hash);
  };

  await walk();

  // The tip certificate.
  const [tip] = await log.icrc3_get_tip_certificate();
  if (!tip) {
    if (next > 0n) fail('certificate-missing', `the log has ${next} blocks but no tip certificate`);
    return verdict(hashes, failures);
  }

  let tree: HashTree | undefined;
  try {
    tree = decodeHashTree(tip.hash_tree);
  } catch (e) {
    fail('hash-tree', `the tip certificate's hash_tree does not decode: ${(e as Error).message}`);
  }

  try {
    const certificate = await Certificate.create({
      certificate: asBytes(tip.certificate),
      rootKey: asBytes(options.rootKey),
      canisterId,
      disableTimeVerification: options.disableTimeVerification ?? false,
      ...(options.maxCertificateAgeMinutes === undefined ? {} : { maxAgeInMinutes: options.maxCertificateAgeMinutes }),
    });
    const certified = certificate.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']);
    if (certified.status !== LookupPathStatus.Found) {
      fail('certified-data', `the certificate holds no certified_data for canister ${canisterId.toText()}`);
    } else if (tree && !bytesEqual(certified.value, hashTreeRoot(tree))) {
      fail('certified-data', `the certified data ${shortHex(certified.value)} is not the root ${shortHex(hashTreeRoot(tree))} of the returned hash_tree`);
    }
  } catch (e) {
    fail('certificate', `the tip certificate does not verify: ${(e as Error).message}`);
  }

  if (tree) await checkTip(tree);
  return verdict(hashes, failures);

  async function checkTip(tree: HashTree) {
    const indexLeaf = lookupLeaf(tree, ['last_block_index']);
    const hashLeaf = lookupLeaf(tree, ['last_block_hash']);
    if (indexLeaf.status !== 'found' || hashLeaf.status !== 'found') {
      if (next > 0n || indexLeaf.status === 'found' || hashLeaf.status === 'found') {
        fail('hash-tree', 'the hash_tree lacks last_block_index or last_block_hash');
      }
      return;
    }
    let index: bigint;
    try {
      index = decodeLeb128(indexLeaf.value);
    } catch (e) {
      fail('hash-tree', `last_block_index is not LEB128: ${(e as Error).message}`);
      return;
    }
    if (stopped) return; // the chain is broken already; the tip cannot be matched against it
    if (index >= next) await walk(index + 1n); // the log grew since it was read
    const last = next - 1n;
    if (index !== last) {
      fail('tip-index', index < last
        ? `the certificate certifies block ${index} as the last, but the log has blocks up to ${last}: blocks ${index + 1n}–${last} are not certified`
        : `the certificate certifies block ${index} as the last, but the log ends at block ${last}`, index < last ? index + 1n : undefined);
    }
    if (index <= last) {
      const computed = hashes[Number(index)]!;
      if (!bytesEqual(computed, hashLeaf.value)) {
        fail('tip-hash', `block ${index} hashes to ${shortHex(computed)} but the certificate's last_block_hash is ${shortHex(hashLeaf.value)}: block ${index} was changed`, index);
      }
    }
  }
}

function verdict(hashes: Uint8Array[], failures: Icrc3Failure[]): Icrc3Verdict {
  const tipIndex = hashes.length > 0 ? BigInt(hashes.length - 1) : undefined;
  return { ok: failures.length === 0, blocks: hashes.length, tipIndex, tipHash: hashes.at(-1), failures };
}
