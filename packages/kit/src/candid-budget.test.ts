import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BASE_STEPS, candidWorkProblem, STEPS_PER_BYTE } from './candid-budget.js';

const encode = (types: IDL.Type[], values: unknown[]) => new Uint8Array(IDL.encode(types, values));

describe('candidWorkProblem', () => {
  it('refuses a vec of zero-sized values whose length outruns its bytes (13 bytes, four million steps)', () => {
    const bytes = encode([IDL.Vec(IDL.Null)], [new Array(4_000_000).fill(null)]);
    expect(bytes.length).toBeLessThan(16);
    expect(candidWorkProblem(bytes)).toMatch(/needs more than \d+ decoding steps/);
  });

  it('refuses the same trick hidden in an extra argument, an empty record and a reserved vector', () => {
    const trailing = encode([IDL.Text, IDL.Vec(IDL.Null)], ['hi', new Array(1_000_000).fill(null)]);
    expect(candidWorkProblem(trailing)).toMatch(/decoding steps/);
    expect(candidWorkProblem(encode([IDL.Vec(IDL.Record({}))], [new Array(100_000).fill({})]))).toMatch(/decoding steps/);
    expect(candidWorkProblem(encode([IDL.Vec(IDL.Reserved)], [new Array(100_000).fill(null)]))).toMatch(/decoding steps/);
    // A record of many nulls repeated: few bytes, width × length steps.
    const wide = IDL.Record(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, IDL.Null])));
    expect(candidWorkProblem(encode([IDL.Vec(wide)], [new Array(1_000).fill(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, null])))]))).toMatch(/decoding steps/);
  });

  it('refuses a recursive type nested past the depth bound', () => {
    const List = IDL.Rec();
    List.fill(IDL.Opt(IDL.Record({ next: List })));
    let v: unknown = [];
    for (let i = 0; i < 300; i++) v = [{ next: v }];
    expect(candidWorkProblem(encode([List], [v]))).toMatch(/nests deeper/);
  });

  it('accepts the messages Lineage sends: blobs of 2 MiB, texts, records, variants, principals', () => {
    const chunk = new Uint8Array(2 * 1024 * 1024).fill(7);
    expect(candidWorkProblem(encode([IDL.Record({ chunk: IDL.Vec(IDL.Nat8), n: IDL.Nat })], [{ chunk, n: 5n }]))).toBeUndefined();
    const T = IDL.Variant({ A: IDL.Record({ p: IDL.Principal, t: IDL.Text, o: IDL.Opt(IDL.Vec(IDL.Nat64)) }), B: IDL.Null });
    const p = Principal.fromText('aaaaa-aa');
    expect(candidWorkProblem(encode([IDL.Vec(T)], [[{ A: { p, t: 'x', o: [[1n, 2n]] } }, { B: null }]]))).toBeUndefined();
    expect(candidWorkProblem(encode([], []))).toBeUndefined();
    expect(candidWorkProblem(encode([IDL.Vec(IDL.Null)], [new Array(100).fill(null)]))).toBeUndefined();
  });

  it('leaves malformed messages to the decoder', () => {
    expect(candidWorkProblem(new Uint8Array())).toBeUndefined();
    expect(candidWorkProblem(Uint8Array.from([1, 2, 3, 4, 5]))).toBeUndefined();
    expect(candidWorkProblem(Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 5]))).toBeUndefined();
  });

  it('bounds work linearly in the size for any well-formed message (property)', () => {
    const leaf = fc.constantFrom<[IDL.Type, fc.Arbitrary<unknown>]>(
      [IDL.Nat, fc.bigInt({ min: 0n, max: 2n ** 70n })], [IDL.Text, fc.string()], [IDL.Null, fc.constant(null)],
      [IDL.Nat8, fc.integer({ min: 0, max: 255 })], [IDL.Bool, fc.boolean()],
    );
    fc.assert(fc.property(leaf.chain(([t, arb]) => fc.tuple(fc.constant(t), fc.array(arb, { maxLength: 200 }))), ([type, values]) => {
      const bytes = encode([IDL.Vec(type)], [values]);
      // 200 elements are always within the allowance; the check must not refuse honest messages.
      expect(candidWorkProblem(bytes)).toBeUndefined();
      expect(BASE_STEPS + STEPS_PER_BYTE * bytes.length).toBeGreaterThan(values.length);
    }));
  });
});
