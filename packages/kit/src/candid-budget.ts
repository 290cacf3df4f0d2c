/**
 * A bound on the work of decoding a Candid message, checked on the raw bytes before any decoder
 * runs. `@dfinity/candid` (inside every Azle canister) decodes values one at a time and has no
 * quota, and some values take no bytes at all: `vec null` of length 4,000,000 is 13 bytes on the
 * wire but four million decoding steps. On the IC the canister pays for those instructions, not
 * the caller, so every Lineage canister refuses a message whose decoding would take more steps
 * than a small multiple of its size (the Candid spec's own advice to decoders: "limit the amount
 * of work … relative to the message size").
 *
 * The walk follows the binary format of the Candid specification (magic `DIDL`, type table,
 * argument types, values); it checks structure only as far as it needs to count, and leaves
 * type checking against the method's signature to the real decoder.
 */

/** Decoding steps allowed per byte of message, plus a fixed allowance for small messages. */
export const STEPS_PER_BYTE = 8;
export const BASE_STEPS = 10_000;
/** Deeper nesting than this is refused (a recursive type without data would never end). */
export const MAX_DEPTH = 200;

const NULL = -1, BOOL = -2, NAT = -3, INT = -4, NAT8 = -5, NAT16 = -6, NAT32 = -7, NAT64 = -8;
const INT8 = -9, INT16 = -10, INT32 = -11, INT64 = -12, FLOAT32 = -13, FLOAT64 = -14, TEXT = -15;
const RESERVED = -16, EMPTY = -17, OPT = -18, VEC = -19, RECORD = -20, VARIANT = -21, FUNC = -22;
const SERVICE = -23, PRINCIPAL = -24;

const FIXED_WIDTH: Record<number, number> = {
  [BOOL]: 1, [NAT8]: 1, [NAT16]: 2, [NAT32]: 4, [NAT64]: 8, [INT8]: 1, [INT16]: 2, [INT32]: 4, [INT64]: 8,
  [FLOAT32]: 4, [FLOAT64]: 8,
};

type Entry =
  | { kind: 'opt' | 'vec'; inner: number }
  | { kind: 'record' | 'variant'; fields: number[] }
  | { kind: 'func' | 'service' };

class Stop extends Error {}

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.at >= this.bytes.length) throw new Stop('the message ends early');
    return this.bytes[this.at++]!;
  }

  skip(n: number): void {
    if (n > this.bytes.length - this.at) throw new Stop('the message ends early');
    this.at += n;
  }

  /** An unsigned LEB128, kept exact up to 2^53 (anything larger is refused as a length anyway). */
  uleb(): number {
    let value = 0, scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new Stop('a LEB128 number is too long');
    }
  }

  /** A signed LEB128 (type codes and type references are small). */
  sleb(): number {
    let value = 0, scale = 1, b: number;
    do {
      b = this.byte();
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (scale > 2 ** 56) throw new Stop('a type reference is too long');
    } while (b & 0x80);
    return b & 0x40 ? value - scale : value;
  }

  /** Skips a LEB128 number of any length (nat and int values). */
  skipLeb(): void {
    while (this.byte() & 0x80);
  }
}

/**
 * Why decoding `message` would take more work than allowed, or `undefined` when it is within the
 * bound. Malformed messages are left to the decoder, which rejects them quickly; only work is
 * judged here.
 *
 * @example
 * candidWorkProblem(IDL.encode([IDL.Vec(IDL.Null)], [new Array(4_000_000).fill(null)]));
 * // → 'the argument needs more than 10104 decoding steps (13 bytes)'
 */
export function candidWorkProblem(message: Uint8Array, limit = BASE_STEPS + STEPS_PER_BYTE * message.length): string | undefined {
  const r = new Reader(message);
  let steps = 0;
  const tooMuch = () => new Stop(`the argument needs more than ${limit} decoding steps (${message.length} bytes)`);
  const step = (n = 1) => {
    steps += n;
    if (steps > limit) throw tooMuch();
  };
  try {
    if (message.length < 4 || r.byte() !== 0x44 || r.byte() !== 0x49 || r.byte() !== 0x44 || r.byte() !== 0x4c) return undefined;
    const table: Entry[] = [];
    const count = r.uleb();
    for (let i = 0; i < count; i++) {
      step();
      const code = r.sleb();
      if (code === OPT || code === VEC) table.push({ kind: code === OPT ? 'opt' : 'vec', inner: r.sleb() });
      else if (code === RECORD || code === VARIANT) {
        const n = r.uleb();
        const fields: number[] = [];
        for (let f = 0; f < n; f++) {
          step();
          r.uleb();
          fields.push(r.sleb());
        }
        table.push({ kind: code === RECORD ? 'record' : 'variant', fields });
      } else if (code === FUNC) {
        for (let part = 0; part < 2; part++) for (let n = r.uleb(); n > 0; n--, step()) r.sleb();
        for (let n = r.uleb(); n > 0; n--, step()) r.byte();
        table.push({ kind: 'func' });
      } else if (code === SERVICE) {
        for (let n = r.uleb(); n > 0; n--, step()) {
          r.skip(r.uleb());
          r.sleb();
        }
        table.push({ kind: 'service' });
      } else return undefined; // not a type the spec defines: the decoder refuses it
    }
    const args: number[] = [];
    for (let n = r.uleb(); n > 0; n--, step()) args.push(r.sleb());

    const principal = () => {
      if (r.byte() === 1) r.skip(r.uleb());
    };
    const value = (type: number, depth: number): void => {
      step();
      if (depth > MAX_DEPTH) throw new Stop(`the argument nests deeper than ${MAX_DEPTH}`);
      if (type < 0) {
        if (type === NULL || type === RESERVED) return;
        if (type === NAT || type === INT) return r.skipLeb();
        if (type === TEXT) return r.skip(r.uleb());
        if (type === PRINCIPAL) return principal();
        if (type === EMPTY) throw new Stop('a value of type empty');
        const width = FIXED_WIDTH[type];
        if (width === undefined) throw new Stop(`unknown type ${type}`);
        return r.skip(width);
      }
      const entry = table[type];
      if (!entry) throw new Stop(`type reference ${type} is outside the table`);
      switch (entry.kind) {
        case 'opt':
          if (r.byte() === 1) value(entry.inner, depth + 1);
          return;
        case 'vec': {
          const n = r.uleb();
          // Each element is at least one step: a length beyond what is left of the budget fails now.
          if (n > limit - steps) throw tooMuch();
          const width = entry.inner < 0 ? FIXED_WIDTH[entry.inner] : undefined;
          if (width !== undefined) {
            // Fixed-width elements (a blob is `vec nat8`): their bytes bound them; skip at once.
            r.skip(n * width);
            return step(n);
          }
          for (let i = 0; i < n; i++) value(entry.inner, depth + 1);
          return;
        }
        case 'record':
          for (const field of entry.fields) value(field, depth + 1);
          return;
        case 'variant': {
          const index = r.uleb();
          const field = entry.fields[index];
          if (field === undefined) throw new Stop('a variant index is outside its type');
          return value(field, depth + 1);
        }
        case 'func':
          if (r.byte() === 1) {
            principal();
            r.skip(r.uleb());
          }
          return;
        case 'service':
          return principal();
      }
    };
    for (const type of args) value(type, 0);
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    // Only work is judged here: a message that is merely malformed is for the decoder to refuse.
    return error.message.startsWith('the argument') ? error.message : undefined;
  }
}
