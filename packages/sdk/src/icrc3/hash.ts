/**
 * The representation-independent hash of ICRC-3 values (ICRC-3 § Value Hash, and its
 * HASHINGVALUES.md pseudocode): the hash that links blocks (`phash`) and that the tip certifies.
 */
import type { Icrc3Value } from '@lineage/types';

import { compareBytes, concatBytes, sha256 } from '../bytes.js';
import { leb128, sleb128 } from './leb128.js';

const utf8 = new TextEncoder();

/**
 * sha256-based hash of `value`:
 * `Nat` → sha256(LEB128), `Int` → sha256(SLEB128), `Text` → sha256(UTF-8), `Blob` → sha256(bytes),
 * `Array` → sha256 of the concatenated element hashes, `Map` → sha256 of the concatenated
 * (hash(key) ‖ hash(value)) pairs sorted lexicographically.
 *
 * @example
 * toHex(hashValue({ Nat: 42n })); // '684888c0ebb17f374298b65ee2807526c066094c701bcc7ebbe1c1095f494fc1'
 */
export function hashValue(value: Icrc3Value): Uint8Array {
  if ('Nat' in value) return sha256(leb128(value.Nat));
  if ('Int' in value) return sha256(sleb128(value.Int));
  if ('Text' in value) return sha256(utf8.encode(value.Text));
  if ('Blob' in value) return sha256(value.Blob);
  if ('Array' in value) return sha256(...value.Array.map(hashValue));
  if ('Map' in value) {
    const pairs = value.Map.map(([k, v]) => concatBytes([sha256(utf8.encode(k)), hashValue(v)]));
    pairs.sort(compareBytes);
    return sha256(...pairs);
  }
  throw new TypeError(`not an ICRC-3 value: ${Object.keys(value as object).join(', ')}`);
}
