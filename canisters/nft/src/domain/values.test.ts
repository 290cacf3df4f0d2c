import { describe, expect, it } from 'vitest';

import { metadataSize, utf8Length, valueSize } from './values.js';

describe('valueSize', () => {
  it('counts blobs and texts by their bytes', () => {
    expect(valueSize({ Blob: new Uint8Array(100) })).toBe(101);
    expect(valueSize({ Text: 'abc' })).toBe(4);
    expect(valueSize({ Text: 'é' })).toBe(3);
  });

  it('counts numbers by their LEB128 length', () => {
    expect(valueSize({ Nat: 0n })).toBe(2);
    expect(valueSize({ Nat: 127n })).toBe(3);
    expect(valueSize({ Nat: 2n ** 64n })).toBe(1 + 10);
    expect(valueSize({ Int: -(2n ** 64n) })).toBe(1 + 10);
  });

  it('adds up arrays and maps', () => {
    const inner = { Blob: new Uint8Array(10) };
    expect(valueSize({ Array: [inner, inner] })).toBe(2 + 22);
    expect(valueSize({ Map: [['k', inner]] })).toBe(1 + metadataSize([['k', inner]]));
    expect(metadataSize([['key', { Text: 'v' }]])).toBe(1 + 1 + 3 + 2);
    expect(metadataSize([])).toBe(1);
  });
});

describe('utf8Length', () => {
  it('agrees with the UTF-8 encoding', () => {
    for (const s of ['', 'abc', 'é', '€uro', '😀', 'a😀b', 'lineage:backend', '\u{10ffff}', 'x\ud800y']) {
      expect(utf8Length(s), s).toBe(new TextEncoder().encode(s).length);
    }
  });
});
