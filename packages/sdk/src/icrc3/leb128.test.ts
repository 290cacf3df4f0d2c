import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeLeb128, leb128, sleb128 } from './leb128.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('leb128', () => {
  it('encodes the textbook examples', () => {
    expect(hex(leb128(0n))).toBe('00');
    expect(hex(leb128(127n))).toBe('7f');
    expect(hex(leb128(128n))).toBe('8001');
    expect(hex(leb128(624485n))).toBe('e58e26');
    expect(hex(leb128(2n ** 64n))).toBe('80808080808080808002');
  });

  it('refuses negative numbers', () => {
    expect(() => leb128(-1n)).toThrow(RangeError);
  });

  it('round-trips through decodeLeb128', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 130n }), (n) => decodeLeb128(leb128(n)) === n));
  });

  it('decodeLeb128 refuses truncated input and trailing bytes', () => {
    expect(() => decodeLeb128(new Uint8Array([0x80]))).toThrow(/truncated/);
    expect(() => decodeLeb128(new Uint8Array([]))).toThrow(/truncated/);
    expect(() => decodeLeb128(new Uint8Array([0x01, 0x00]))).toThrow(/ends at byte 0/);
  });
});

describe('sleb128', () => {
  it('encodes the textbook examples', () => {
    expect(hex(sleb128(0n))).toBe('00');
    expect(hex(sleb128(-1n))).toBe('7f');
    expect(hex(sleb128(63n))).toBe('3f');
    expect(hex(sleb128(64n))).toBe('c000');
    expect(hex(sleb128(-64n))).toBe('40');
    expect(hex(sleb128(-65n))).toBe('bf7f');
    expect(hex(sleb128(-42n))).toBe('56');
    expect(hex(sleb128(-123456n))).toBe('c0bb78');
  });

  it('decodes back to the number (two\'s complement sign extension)', () => {
    const decode = (bytes: Uint8Array) => {
      let value = 0n;
      let shift = 0n;
      for (const b of bytes) {
        value |= BigInt(b & 0x7f) << shift;
        shift += 7n;
      }
      return (bytes.at(-1)! & 0x40) !== 0 ? value - (1n << shift) : value;
    };
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }), (n) => decode(sleb128(n)) === n));
  });
});
