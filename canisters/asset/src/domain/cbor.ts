/**
 * The small part of CBOR (RFC 8949) the certification headers need: unsigned integers, byte and
 * text strings, arrays, maps and tags, definite lengths only. Encoding is canonical (shortest
 * heads); `IC-Certificate`'s `tree` and `expr_path` carry the self-describe tag 55799.
 */
import { concatBytes, fromUtf8, utf8 } from './bytes.js';

export type CborValue = bigint | number | Uint8Array | string | CborValue[] | CborMap | CborTagged;
export type CborMap = Map<CborValue, CborValue>;
export interface CborTagged {
  tag: number;
  value: CborValue;
}

export const SELF_DESCRIBE_TAG = 55799;
const SELF_DESCRIBE = Uint8Array.from([0xd9, 0xd9, 0xf7]);

function head(major: number, n: number | bigint): Uint8Array {
  const m = major << 5;
  const v = BigInt(n);
  if (v < 24n) return Uint8Array.from([m | Number(v)]);
  if (v < 0x100n) return Uint8Array.from([m | 24, Number(v)]);
  if (v < 0x10000n) return Uint8Array.from([m | 25, Number(v >> 8n), Number(v & 0xffn)]);
  if (v < 0x100000000n) {
    const x = Number(v);
    return Uint8Array.from([m | 26, (x >>> 24) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff]);
  }
  const out = new Uint8Array(9);
  out[0] = m | 27;
  let w = v;
  for (let i = 8; i >= 1; i--) {
    out[i] = Number(w & 0xffn);
    w >>= 8n;
  }
  return out;
}

/** Encodes a value; `Uint8Array` is a byte string, `string` a text string, arrays and maps nest. */
export function cborEncode(value: CborValue): Uint8Array {
  const parts: Uint8Array[] = [];
  const walk = (v: CborValue): void => {
    if (typeof v === 'number' || typeof v === 'bigint') {
      if (BigInt(v) < 0n) throw new Error('negative integers are not needed here');
      parts.push(head(0, v));
    } else if (v instanceof Uint8Array) {
      parts.push(head(2, v.length), v);
    } else if (typeof v === 'string') {
      const b = utf8(v);
      parts.push(head(3, b.length), b);
    } else if (Array.isArray(v)) {
      parts.push(head(4, v.length));
      for (const x of v) walk(x);
    } else if (v instanceof Map) {
      parts.push(head(5, v.size));
      for (const [k, x] of v) {
        walk(k);
        walk(x);
      }
    } else {
      parts.push(head(6, v.tag));
      walk(v.value);
    }
  };
  walk(value);
  return concatBytes(...parts);
}

/** `value` with the self-describe tag in front. */
export function cborEncodeSelfDescribing(value: CborValue): Uint8Array {
  return concatBytes(SELF_DESCRIBE, cborEncode(value));
}

/** Decodes one CBOR item (the whole input); the self-describe tag is dropped. */
export function cborDecode(bytes: Uint8Array): CborValue {
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new Error('CBOR: unexpected end of input');
  };
  const readArg = (info: number): bigint => {
    if (info < 24) return BigInt(info);
    const width = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (width === 0) throw new Error(`CBOR: unsupported additional information ${info}`);
    need(width);
    let v = 0n;
    for (let i = 0; i < width; i++) v = (v << 8n) | BigInt(bytes[at++]!);
    return v;
  };
  const small = (v: bigint): number => {
    if (v > BigInt(bytes.length)) throw new Error('CBOR: length beyond the input');
    return Number(v);
  };
  const item = (depth: number): CborValue => {
    if (depth > 256) throw new Error('CBOR: nested too deeply');
    need(1);
    const first = bytes[at++]!;
    const major = first >> 5;
    const arg = readArg(first & 31);
    switch (major) {
      case 0:
        return arg <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(arg) : arg;
      case 2: {
        const n = small(arg);
        need(n);
        const out = bytes.slice(at, at + n);
        at += n;
        return out;
      }
      case 3: {
        const n = small(arg);
        need(n);
        const text = fromUtf8(bytes.subarray(at, at + n));
        if (text === undefined) throw new Error('CBOR: text string is not UTF-8');
        at += n;
        return text;
      }
      case 4: {
        const n = small(arg);
        const out: CborValue[] = [];
        for (let i = 0; i < n; i++) out.push(item(depth + 1));
        return out;
      }
      case 5: {
        const n = small(arg);
        const out: CborMap = new Map();
        for (let i = 0; i < n; i++) {
          const k = item(depth + 1);
          out.set(k, item(depth + 1));
        }
        return out;
      }
      case 6: {
        const value = item(depth + 1);
        return Number(arg) === SELF_DESCRIBE_TAG ? value : { tag: Number(arg), value };
      }
      default:
        throw new Error(`CBOR: unsupported major type ${major}`);
    }
  };
  const value = item(0);
  if (at !== bytes.length) throw new Error('CBOR: trailing bytes');
  return value;
}
