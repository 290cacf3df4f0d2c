import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { base64, compareBytes, fromBase64, fromHex, fromUtf8, leb128, readU64be, toHex, u64be, utf8 } from './bytes.js';

describe('bytes', () => {
  it('encodes UTF-8 exactly as TextEncoder does, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const s of ['', 'ascii', 'é', '€', '𝄞', 'a\ud800b', '\udc00', 'x\ud83d']) expect(utf8(s)).toEqual(encoder.encode(s));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
      expect(utf8(s)).toEqual(encoder.encode(s));
    }));
  });

  it('decodes UTF-8, and refuses what is not', () => {
    expect(fromUtf8(utf8('héllo 𝄞'))).toBe('héllo 𝄞');
    expect(fromUtf8(Uint8Array.from([0xc3]))).toBeUndefined();
  });

  it('round-trips hex and base64 like Node does', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      expect(fromHex(toHex(bytes).toUpperCase())).toEqual(bytes);
      expect(base64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(fromBase64(base64(bytes))).toEqual(bytes);
    }));
    expect(() => fromHex('abc')).toThrow(/not hex/);
    expect(() => fromBase64('a')).toThrow(/not base64/);
  });

  it('orders byte strings lexicographically, a prefix first', () => {
    expect(compareBytes(Uint8Array.from([1, 2]), Uint8Array.from([1, 2, 0]))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.from([2]), Uint8Array.from([1, 9]))).toBeGreaterThan(0);
    expect(compareBytes(Uint8Array.from([3]), Uint8Array.from([3]))).toBe(0);
  });

  it('encodes LEB128 and big-endian u64 keys that sort as numbers', () => {
    expect(leb128(0)).toEqual(Uint8Array.from([0]));
    expect(leb128(624485n)).toEqual(Uint8Array.from([0xe5, 0x8e, 0x26]));
    expect(() => leb128(-1)).toThrow();
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (a, b) => {
      expect(readU64be(u64be(a))).toBe(a);
      expect(Math.sign(compareBytes(u64be(a), u64be(b)))).toBe(a < b ? -1 : a > b ? 1 : 0);
    }));
  });
});
