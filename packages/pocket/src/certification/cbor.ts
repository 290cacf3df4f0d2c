/**
 * The subset of CBOR (RFC 8949) the IC uses: unsigned and negative integers, byte and text
 * strings, arrays, maps with text keys, tags (55799 "self-described CBOR"), booleans and null.
 * Maps decode to `Map`s so byte-string keys survive; integers above 2^53 decode as bigints.
 */

export class CborTag {
  constructor(readonly tag: number, readonly value: CborValue) {}
}

export type CborValue =
  | number | bigint | string | boolean | null | undefined | Uint8Array | CborTag
  | CborValue[] | Map<CborValue, CborValue> | { [key: string]: CborValue };

export const SELF_DESCRIBE_TAG = 55799;

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  head(major: number, value: number | bigint): void {
    const v = BigInt(value);
    this.ensure(9);
    const m = major << 5;
    if (v < 24n) this.buf[this.len++] = m | Number(v);
    else if (v < 0x100n) { this.buf[this.len++] = m | 24; this.buf[this.len++] = Number(v); }
    else if (v < 0x10000n) { this.buf[this.len++] = m | 25; this.buf[this.len++] = Number(v >> 8n); this.buf[this.len++] = Number(v & 0xffn); }
    else if (v < 0x100000000n) {
      this.buf[this.len++] = m | 26;
      new DataView(this.buf.buffer).setUint32(this.len, Number(v));
      this.len += 4;
    } else {
      this.buf[this.len++] = m | 27;
      new DataView(this.buf.buffer).setBigUint64(this.len, v);
      this.len += 8;
    }
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const textEncoder = new TextEncoder();

function write(w: Writer, value: CborValue): void {
  if (value === null || value === undefined) { w.head(7, 22); return; }
  if (value === false) { w.head(7, 20); return; }
  if (value === true) { w.head(7, 21); return; }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const v = BigInt(value);
    if (typeof value === 'number' && !Number.isInteger(value)) throw new Error('CBOR: floats are not supported');
    if (v >= 0n) w.head(0, v);
    else w.head(1, -1n - v);
    return;
  }
  if (typeof value === 'string') {
    const bytes = textEncoder.encode(value);
    w.head(3, bytes.length);
    w.bytes(bytes);
    return;
  }
  if (value instanceof Uint8Array) {
    w.head(2, value.length);
    w.bytes(value);
    return;
  }
  if (value instanceof CborTag) {
    w.head(6, value.tag);
    write(w, value.value);
    return;
  }
  if (Array.isArray(value)) {
    w.head(4, value.length);
    for (const item of value) write(w, item);
    return;
  }
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value).filter(([, v]) => v !== undefined);
  w.head(5, entries.length);
  for (const [k, v] of entries) {
    write(w, k as CborValue);
    write(w, v as CborValue);
  }
}

export function encodeCbor(value: CborValue): Uint8Array {
  const w = new Writer();
  write(w, value);
  return w.finish();
}

/** Encodes with the self-describe tag, as the IC tags certificates and envelopes. */
export function encodeTaggedCbor(value: CborValue): Uint8Array {
  return encodeCbor(new CborTag(SELF_DESCRIBE_TAG, value));
}

export class CborDecodeError extends Error {
  override name = 'CborDecodeError';
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes one CBOR item; the self-describe tag is dropped, other tags become `CborTag`s. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  let pos = 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new CborDecodeError('unexpected end of CBOR data');
  };
  const arg = (info: number): bigint => {
    if (info < 24) return BigInt(info);
    if (info === 24) { need(1); return BigInt(bytes[pos++]!); }
    if (info === 25) { need(2); const v = view.getUint16(pos); pos += 2; return BigInt(v); }
    if (info === 26) { need(4); const v = view.getUint32(pos); pos += 4; return BigInt(v); }
    if (info === 27) { need(8); const v = view.getBigUint64(pos); pos += 8; return v; }
    throw new CborDecodeError(`unsupported CBOR additional information ${info}`);
  };
  const small = (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const item = (depth: number): CborValue => {
    if (depth > 128) throw new CborDecodeError('CBOR nesting too deep');
    need(1);
    const initial = bytes[pos++]!;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info === 31 && (major === 2 || major === 3 || major === 4 || major === 5)) {
      throw new CborDecodeError('indefinite-length CBOR items are not supported');
    }
    switch (major) {
      case 0: return small(arg(info));
      case 1: { const v = -1n - arg(info); return v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v; }
      case 2: { const n = Number(arg(info)); need(n); const out = bytes.slice(pos, pos + n); pos += n; return out; }
      case 3: {
        const n = Number(arg(info));
        need(n);
        let s: string;
        try { s = textDecoder.decode(bytes.subarray(pos, pos + n)); } catch { throw new CborDecodeError('invalid UTF-8 in CBOR text'); }
        pos += n;
        return s;
      }
      case 4: { const n = Number(arg(info)); const out: CborValue[] = []; for (let i = 0; i < n; i++) out.push(item(depth + 1)); return out; }
      case 5: {
        const n = Number(arg(info));
        const out = new Map<CborValue, CborValue>();
        for (let i = 0; i < n; i++) { const k = item(depth + 1); out.set(k, item(depth + 1)); }
        return out;
      }
      case 6: {
        const tag = Number(arg(info));
        const inner = item(depth + 1);
        return tag === SELF_DESCRIBE_TAG ? inner : new CborTag(tag, inner);
      }
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        throw new CborDecodeError(`unsupported CBOR simple value ${info}`);
    }
  };
  const value = item(0);
  if (pos !== bytes.length) throw new CborDecodeError('trailing bytes after CBOR item');
  return value;
}
