import { describe, expect, it } from 'vitest';

import { CborTag, decodeCbor, encodeCbor, encodeTaggedCbor } from './cbor.js';

describe('CBOR', () => {
  it('round-trips the values the IC uses', () => {
    const value = new Map<unknown, unknown>([
      ['tree', [1, [2, Uint8Array.from([1, 2]), [3, Uint8Array.from([9])]], [0]]],
      ['big', 2n ** 64n - 1n],
      ['neg', -5],
      ['text', 'héllo'],
      ['flags', [true, false, null]],
    ]);
    expect(decodeCbor(encodeCbor(value as never))).toEqual(value);
  });

  it('drops the self-describe tag and keeps others', () => {
    expect(decodeCbor(encodeTaggedCbor([1]))).toEqual([1]);
    expect(decodeCbor(encodeCbor(new CborTag(42, 'x')))).toEqual(new CborTag(42, 'x'));
  });

  it('refuses truncated or trailing data', () => {
    const bytes = encodeCbor('hello');
    expect(() => decodeCbor(bytes.subarray(0, 3))).toThrow(/unexpected end/);
    expect(() => decodeCbor(Uint8Array.from([...bytes, 0]))).toThrow(/trailing/);
  });
});
