/**
 * The audit log as an ICRC-3 block chain: values and their representation-independent hash
 * (ICRC-3 § Value, § Hash), blocks that carry their parent's hash, and the tip's hash tree
 * whose root is the canister's certified data (ICRC-3 § icrc3_get_tip_certificate).
 */
import { concatBytes, leb128, utf8 } from './bytes.js';
import { sha256 } from './sha256.js';

export type Value =
  | { Blob: Uint8Array } | { Text: string } | { Nat: bigint } | { Int: bigint }
  | { Array: Value[] } | { Map: [string, Value][] };

/** Unsigned LEB128 (ICRC-3 hashes `Nat` values by it). */
export function uleb128(value: bigint): Uint8Array {
  return leb128(value);
}

export function sleb128(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return Uint8Array.from(out);
    }
    out.push(b | 0x80);
  }
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** ICRC-3's hash of a value. */
export function hashValue(value: Value): Uint8Array {
  if ('Blob' in value) return sha256(value.Blob);
  if ('Text' in value) return sha256(utf8(value.Text));
  if ('Nat' in value) return sha256(uleb128(value.Nat));
  if ('Int' in value) return sha256(sleb128(value.Int));
  if ('Array' in value) return sha256(concatBytes(...value.Array.map(hashValue)));
  const pairs = value.Map.map(([k, v]) => concatBytes(sha256(utf8(k)), hashValue(v)));
  pairs.sort(compare);
  return sha256(concatBytes(...pairs));
}

/** Candid size of a value, rounded up (for keeping replies of blocks under the IC's limits). */
export function valueBytes(value: Value): number {
  if ('Blob' in value) return value.Blob.length + 6;
  if ('Text' in value) return value.Text.length * 3 + 6;
  if ('Nat' in value || 'Int' in value) return 12;
  if ('Array' in value) return value.Array.reduce((n, v) => n + valueBytes(v), 6);
  return value.Map.reduce((n, [k, v]) => n + k.length * 3 + 6 + valueBytes(v), 6);
}

/** A block: `btype`, `ts`, the parent's hash (`phash`, absent on the first block) and `tx`. */
export function makeBlock(btype: string, ts: bigint, phash: Uint8Array | undefined, tx: [string, Value][]): Value {
  const fields: [string, Value][] = [['btype', { Text: btype }], ['ts', { Nat: ts }]];
  if (phash) fields.push(['phash', { Blob: phash }]);
  fields.push(['tx', { Map: tx }]);
  return { Map: fields };
}

// ---- the tip's hash tree (IC spec § Certification: hash trees) ------------------------------

function domain(s: string): Uint8Array {
  const bytes = utf8(s);
  return concatBytes(Uint8Array.from([bytes.length]), bytes);
}

const FORK = domain('ic-hashtree-fork');
const LABELED = domain('ic-hashtree-labeled');
const LEAF = domain('ic-hashtree-leaf');

/** CBOR head of major type `major` with length/value `n` (n < 2^32). */
function head(major: number, n: number): number[] {
  const m = major << 5;
  if (n < 24) return [m | n];
  if (n < 0x100) return [m | 24, n];
  if (n < 0x10000) return [m | 25, n >> 8, n & 0xff];
  return [m | 26, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

function cborBytes(b: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.from(head(2, b.length)), b);
}

/**
 * The hash tree `{ last_block_hash: hash, last_block_index: leb128(index) }`: its root is what
 * the canister certifies, its CBOR what `icrc3_get_tip_certificate` returns beside the certificate.
 */
export function tipTree(lastIndex: bigint, lastHash: Uint8Array): { root: Uint8Array; cbor: Uint8Array } {
  const index = uleb128(lastIndex);
  const hashLabel = utf8('last_block_hash');
  const indexLabel = utf8('last_block_index');
  const labeledHash = sha256(concatBytes(LABELED, hashLabel, sha256(concatBytes(LEAF, lastHash))));
  const labeledIndex = sha256(concatBytes(LABELED, indexLabel, sha256(concatBytes(LEAF, index))));
  const root = sha256(concatBytes(FORK, labeledHash, labeledIndex));
  // [1, [2, "last_block_hash", [3, hash]], [2, "last_block_index", [3, leb128]]], self-describe tagged.
  const cbor = concatBytes(
    Uint8Array.from([0xd9, 0xd9, 0xf7]),
    Uint8Array.from([...head(4, 3), ...head(0, 1)]),
    Uint8Array.from([...head(4, 3), ...head(0, 2)]), cborBytes(hashLabel), Uint8Array.from([...head(4, 2), ...head(0, 3)]), cborBytes(lastHash),
    Uint8Array.from([...head(4, 3), ...head(0, 2)]), cborBytes(indexLabel), Uint8Array.from([...head(4, 2), ...head(0, 3)]), cborBytes(index),
  );
  return { root, cbor };
}
