/**
 * Byte helpers shared by the sdk. Candid blobs arrive as `Uint8Array` from `@dfinity/agent` and
 * `@icp-sdk/core` actors but may be plain `number[]` elsewhere, so every function here takes both.
 */
// Browser-safe: no Node built-ins here (the console bundles this module); @noble/hashes is the
// sha256 `@dfinity/agent` itself uses.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2';

import { bytesEqual as equal, compareBytes as compare, concatBytes as concat, fromHex as kitFromHex, toHex as kitToHex } from '@lineage/kit/bytes';

/** A blob as either Candid client hands it over. */
export type Bytes = Uint8Array | number[];

/**
 * Normalises a blob to a `Uint8Array` (a view is returned as is, an array is copied).
 *
 * @example
 * asBytes([1, 2, 3]); // Uint8Array [1, 2, 3]
 */
export function asBytes(bytes: Bytes): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
}

/**
 * Lowercase hex of `bytes`.
 *
 * @example
 * toHex(new Uint8Array([0xde, 0xad])); // 'dead'
 */
export function toHex(bytes: Bytes): string {
  return kitToHex(asBytes(bytes));
}

/**
 * Bytes of a hex string (upper or lower case, even length).
 *
 * @example
 * fromHex('dead'); // Uint8Array [0xde, 0xad]
 */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError(`not a hex string: ${JSON.stringify(hex)}`);
  return kitFromHex(hex.toLowerCase());
}

/**
 * A hash given as bytes or as hex, as bytes.
 *
 * @example
 * hashBytes('00ff'); // Uint8Array [0, 255]
 */
export function hashBytes(hash: Bytes | string): Uint8Array {
  return typeof hash === 'string' ? fromHex(hash) : asBytes(hash);
}

/**
 * Whether two blobs hold the same bytes.
 *
 * @example
 * bytesEqual([1, 2], new Uint8Array([1, 2])); // true
 */
export function bytesEqual(a: Bytes, b: Bytes): boolean {
  return equal(asBytes(a), asBytes(b));
}

/**
 * Lexicographic order of two byte strings (negative, zero or positive).
 *
 * @example
 * compareBytes([1], [1, 0]); // < 0
 */
export function compareBytes(a: Bytes, b: Bytes): number {
  return compare(asBytes(a), asBytes(b));
}

/**
 * The concatenation of `parts`.
 *
 * @example
 * concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]); // Uint8Array [1, 2, 3]
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return concat(...parts);
}

/**
 * SHA-256 of the concatenation of `parts` (@noble/hashes: runs in Node and in browsers).
 *
 * @example
 * toHex(sha256(new TextEncoder().encode('abc'))); // 'ba7816bf…'
 */
export function sha256(...parts: Bytes[]): Uint8Array {
  const h = nobleSha256.create();
  for (const p of parts) h.update(asBytes(p));
  return h.digest();
}

/**
 * A short hex form of a hash for messages: the first 8 bytes and an ellipsis.
 *
 * @example
 * shortHex(new Uint8Array(32)); // '0000000000000000…'
 */
export function shortHex(bytes: Bytes): string {
  const hex = toHex(bytes);
  return hex.length > 16 ? `${hex.slice(0, 16)}…` : hex;
}
