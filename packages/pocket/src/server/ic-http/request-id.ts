/**
 * The representation-independent hash of structured data (IC interface spec § "Representation-
 * independent hashing of structured data", § "Request ids"): a request id is `hash_of_map` of an
 * envelope's `content` map.
 *
 * Values are hashed as the spec says:
 * - blobs as-is, text as UTF-8;
 * - natural numbers as unsigned LEB128, negative integers as signed LEB128;
 * - arrays as the hash of the concatenation of their elements' hashes;
 * - maps recursively with `hash_of_map`: for every present field, `H(key) · H(value)`, sorted,
 *   concatenated and hashed. Absent fields (`undefined`, and CBOR `null`, which is how the IC
 *   serialises an absent optional such as a delegation's `targets`) are omitted.
 *
 * Input values are those `decodeCbor` produces (numbers, bigints, strings, `Uint8Array`s, arrays,
 * `Map`s with text keys) or plain objects, so a decoded envelope's content hashes as it arrived.
 */
import { createHash } from 'node:crypto';

import { CborTag, type CborValue } from '../../certification/cbor.js';
import { leb128 } from '../../certification/hash-tree.js';

export class RequestIdError extends Error {
  override name = 'RequestIdError';
}

/** A value that can be hashed: what `decodeCbor` yields, plus plain objects and principals. */
export type HashableValue = CborValue | { toUint8Array(): Uint8Array; _isPrincipal: true };

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

const textEncoder = new TextEncoder();

/** Shortest-form unsigned LEB128 of a natural number. */
export function uleb128(value: bigint | number): Uint8Array {
  const v = BigInt(value);
  if (v < 0n) throw new RequestIdError(`cannot encode negative number ${v} as unsigned LEB128`);
  return leb128(v);
}

/** Shortest-form signed LEB128 of an integer (the spec's encoding of `int` values). */
export function sleb128(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const signBit = (b & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(b);
      return Uint8Array.from(out);
    }
    out.push(b | 0x80);
  }
}

function isPrincipalLike(value: unknown): value is { toUint8Array(): Uint8Array } {
  return typeof value === 'object' && value !== null && (value as { _isPrincipal?: unknown })._isPrincipal === true &&
    typeof (value as { toUint8Array?: unknown }).toUint8Array === 'function';
}

function bignumFromBytes(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** The hash of one field value (a blob, text, number, array or nested map). */
export function hashValue(value: HashableValue): Uint8Array {
  if (typeof value === 'string') return sha256(textEncoder.encode(value));
  if (value instanceof Uint8Array) return sha256(value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new RequestIdError(`cannot hash non-integer number ${value}`);
    return sha256(value >= 0 ? uleb128(value) : sleb128(value));
  }
  if (typeof value === 'bigint') return sha256(value >= 0n ? uleb128(value) : sleb128(value));
  if (Array.isArray(value)) return sha256(...value.map((v) => hashValue(v)));
  if (value instanceof CborTag) {
    // RFC 8949 bignums (tags 2 and 3), which the spec allows for nats that exceed 64 bits.
    if (value.tag === 2 && value.value instanceof Uint8Array) return hashValue(bignumFromBytes(value.value));
    if (value.tag === 3 && value.value instanceof Uint8Array) return hashValue(-1n - bignumFromBytes(value.value));
    throw new RequestIdError(`cannot hash a value with CBOR tag ${value.tag}`);
  }
  if (isPrincipalLike(value)) return sha256(value.toUint8Array());
  if (value instanceof Map) return hashOfMap(value);
  if (typeof value === 'object' && value !== null) return hashOfMap(value as Record<string, CborValue>);
  throw new RequestIdError(`cannot hash a value of type ${value === null ? 'null' : typeof value}`);
}

/** `hash_of_map` of a map with text keys; `undefined` and `null` fields are treated as absent. */
export function hashOfMap(map: Map<CborValue, CborValue> | Record<string, HashableValue>): Uint8Array {
  const entries: [unknown, HashableValue][] = map instanceof Map ? [...map.entries()] : Object.entries(map);
  const pairs: Uint8Array[] = [];
  for (const [key, value] of entries) {
    if (typeof key !== 'string') throw new RequestIdError('map keys must be text to be hashed');
    if (value === undefined || value === null) continue;
    const keyHash = sha256(textEncoder.encode(key));
    const valueHash = hashValue(value);
    const pair = new Uint8Array(64);
    pair.set(keyHash);
    pair.set(valueHash, 32);
    pairs.push(pair);
  }
  pairs.sort((a, b) => Buffer.compare(a, b));
  return sha256(...pairs);
}

/** The request id of an envelope's `content` map: `hash_of_map(content)`, 32 bytes. */
export function requestId(content: Map<CborValue, CborValue> | Record<string, HashableValue>): Uint8Array {
  return hashOfMap(content);
}

/** The spec's recommended text form of a request id: `0x` and lowercase hex. */
export function requestIdToText(id: Uint8Array): string {
  return '0x' + Buffer.from(id).toString('hex');
}
