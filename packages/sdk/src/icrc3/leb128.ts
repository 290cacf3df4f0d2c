/** LEB128 and SLEB128, the integer encodings ICRC-3 hashes `Nat` and `Int` values with. */

/**
 * Unsigned LEB128 of a natural number.
 *
 * @example
 * leb128(624485n); // Uint8Array [0xe5, 0x8e, 0x26]
 */
export function leb128(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError(`LEB128 encodes natural numbers, got ${v}`);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

/**
 * Signed LEB128 of an integer.
 *
 * @example
 * sleb128(-123456n); // Uint8Array [0xc0, 0xbb, 0x78]
 */
export function sleb128(value: bigint | number): Uint8Array {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift: keeps the sign
    const signBit = (byte & 0x40) !== 0;
    if ((v === 0n && !signBit) || (v === -1n && signBit)) {
      out.push(byte);
      return Uint8Array.from(out);
    }
    out.push(byte | 0x80);
  }
}

/**
 * Decodes unsigned LEB128 that spans all of `bytes` (trailing bytes or a truncated number throw).
 *
 * @example
 * decodeLeb128(new Uint8Array([0xe5, 0x8e, 0x26])); // 624485n
 */
export function decodeLeb128(bytes: Uint8Array | number[]): bigint {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) {
      if (i !== bytes.length - 1) throw new RangeError(`LEB128 number ends at byte ${i} of ${bytes.length}`);
      return value;
    }
  }
  throw new RangeError('truncated LEB128 number');
}
