import type { Icrc3Value } from '@lineage/types';
import { describe, expect, it } from 'vitest';

import { hashValue } from './hash.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

/** The test vectors of the ICRC-3 standard (dfinity/ICRC-1, standards/ICRC-3/HASHINGVALUES.md). */
describe('hashValue: ICRC-3 test vectors', () => {
  it('Nat(42)', () => {
    expect(hex(hashValue({ Nat: 42n }))).toBe('684888c0ebb17f374298b65ee2807526c066094c701bcc7ebbe1c1095f494fc1');
  });

  it('Int(-42)', () => {
    expect(hex(hashValue({ Int: -42n }))).toBe('de5a6f78116eca62d7fc5ce159d23ae6b889b365a1739ad2cf36f925a140d0cc');
  });

  it('Text("Hello, World!")', () => {
    expect(hex(hashValue({ Text: 'Hello, World!' }))).toBe('dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f');
  });

  it('Blob(01 02 03 04)', () => {
    expect(hex(hashValue({ Blob: bytes('01020304') }))).toBe('9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a');
  });

  it('Array([Nat(3), Text("foo"), Blob(05 06)])', () => {
    const value: Icrc3Value = { Array: [{ Nat: 3n }, { Text: 'foo' }, { Blob: bytes('0506') }] };
    expect(hex(hashValue(value))).toBe('514a04011caa503990d446b7dec5d79e19c221ae607fb08b2848c67734d468d6');
  });

  it('Map of a transfer', () => {
    const value: Icrc3Value = {
      Map: [
        ['from', { Blob: bytes('00abcdef0012340056789a00bcdef000012345678900abcdef01') }],
        ['to', { Blob: bytes('00ab0def0012340056789a00bcdef000012345678900abcdef01') }],
        ['amount', { Nat: 42n }],
        ['created_at', { Nat: 1699218263n }],
        ['memo', { Nat: 0n }],
      ],
    };
    expect(hex(hashValue(value))).toBe('c56ece650e1de4269c5bdeff7875949e3e2033f85b2d193c2ff4f7f78bdcfc75');
  });
});

describe('hashValue: representation independence', () => {
  it('does not depend on the order of map entries', () => {
    const a: Icrc3Value = { Map: [['a', { Nat: 1n }], ['b', { Text: 'x' }], ['c', { Array: [] }]] };
    const b: Icrc3Value = { Map: [['c', { Array: [] }], ['a', { Nat: 1n }], ['b', { Text: 'x' }]] };
    expect(hex(hashValue(a))).toBe(hex(hashValue(b)));
  });

  it('takes blobs as Uint8Array or number[] alike', () => {
    expect(hex(hashValue({ Blob: [1, 2, 3, 4] }))).toBe(hex(hashValue({ Blob: bytes('01020304') })));
  });

  it('depends on the order of array elements', () => {
    expect(hex(hashValue({ Array: [{ Nat: 1n }, { Nat: 2n }] }))).not.toBe(hex(hashValue({ Array: [{ Nat: 2n }, { Nat: 1n }] })));
  });

  it('does not tag kinds, as the spec says: Nat(1), Int(1) and Blob(01) hash alike', () => {
    const blob = hex(hashValue({ Blob: [1] }));
    expect(hex(hashValue({ Nat: 1n }))).toBe(blob);
    expect(hex(hashValue({ Int: 1n }))).toBe(blob);
    expect(hex(hashValue({ Nat: 64n }))).not.toBe(hex(hashValue({ Int: 64n }))); // LEB128 40, SLEB128 c0 00
  });

  it('hashes an empty array and an empty map as sha256 of nothing', () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(hex(hashValue({ Array: [] }))).toBe(empty);
    expect(hex(hashValue({ Map: [] }))).toBe(empty);
  });
});
