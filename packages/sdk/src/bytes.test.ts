import { describe, expect, it } from 'vitest';

import { asBytes, bytesEqual, compareBytes, concatBytes, fromHex, hashBytes, sha256, shortHex, toHex } from './bytes.js';

describe('bytes', () => {
  it('convert between blobs, arrays and hex', () => {
    expect(asBytes([1, 2])).toEqual(new Uint8Array([1, 2]));
    expect(toHex([0xde, 0xad])).toBe('dead');
    expect(fromHex('DEad')).toEqual(new Uint8Array([0xde, 0xad]));
    expect(() => fromHex('abc')).toThrow(TypeError);
    expect(() => fromHex('zz')).toThrow(TypeError);
    expect(hashBytes('00ff')).toEqual(new Uint8Array([0, 255]));
    expect(hashBytes([1])).toEqual(new Uint8Array([1]));
    expect(shortHex(new Uint8Array(4))).toBe('00000000');
    expect(shortHex(new Uint8Array(9))).toBe('0000000000000000…');
  });

  it('compare and concatenate', () => {
    expect(bytesEqual([1, 2], new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual([1, 2], [1, 3])).toBe(false);
    expect(bytesEqual([1], [1, 0])).toBe(false);
    expect(compareBytes([1], [1, 0])).toBeLessThan(0);
    expect(compareBytes([2], [1, 9])).toBeGreaterThan(0);
    expect(compareBytes([1, 2], [1, 2])).toBe(0);
    expect(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])])).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('sha256 of several parts is the sha256 of their concatenation', () => {
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256([0x61], [0x62, 0x63]))).toBe(toHex(sha256(new TextEncoder().encode('abc'))));
  });
});
