import { createHash, randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { toHex } from './bytes.js';
import { sha256, sha256Final, sha256Init, sha256Update, type Sha256State } from './sha256.js';

const reference = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** What stable memory keeps: the state's fields as plain JSON data, read back into a state. */
function throughJson(state: Sha256State): Sha256State {
  const text = JSON.stringify({ h: state.h, length: state.length, pending: Array.from(state.pending) });
  const plain = JSON.parse(text) as { h: number[]; length: number; pending: number[] };
  return { h: plain.h, length: plain.length, pending: Uint8Array.from(plain.pending) };
}

/** Cuts `data` at the given offsets (any order, duplicates allowed: empty updates). */
function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [0, ...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length];
  const parts: Uint8Array[] = [];
  for (let i = 1; i < points.length; i++) parts.push(data.subarray(points[i - 1]!, points[i]!));
  return parts;
}

describe('sha256 against node:crypto', () => {
  const lengths = [
    0, 1, 2, 3, 31, 32, 33, 55, 56, 57, 63, 64, 65, 111, 112, 119, 120, 127, 128, 129, 191, 192, 255, 256, 1000,
    4095, 4096, 4097, 65535, 65536, 65537, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1,
  ];

  it.each(lengths)('hashes %i bytes in one go', (length) => {
    const data = new Uint8Array(randomBytes(length));
    expect(toHex(sha256(data))).toBe(reference(data));
  });

  it('knows the FIPS 180-4 examples', () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(toHex(sha256(text('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(text('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(text('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))))
      .toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('hashes every length from 0 to 300 bytes, one byte at a time and in one go', () => {
    const data = new Uint8Array(randomBytes(300));
    let state = sha256Init();
    for (let length = 0; length <= 300; length++) {
      const prefix = data.subarray(0, length);
      expect(toHex(sha256(prefix))).toBe(reference(prefix));
      expect(toHex(sha256Final(state))).toBe(reference(prefix));
      if (length < 300) state = sha256Update(state, data.subarray(length, length + 1));
    }
  });

  it('hashes 1 MiB absorbed in chunks of 64 KiB + 7 bytes, saving the state between chunks', () => {
    const data = new Uint8Array(randomBytes(1024 * 1024));
    let state = sha256Init();
    for (let at = 0; at < data.length; at += 65543) state = throughJson(sha256Update(state, data.subarray(at, at + 65543)));
    expect(state.length).toBe(data.length);
    expect(toHex(sha256Final(state))).toBe(reference(data));
  });
});

describe('sha256 state across messages', () => {
  it('gives the same digest for any split of the data into updates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(), { maxLength: 12 }), (data, cuts) => {
        let state = sha256Init();
        for (const part of split(data, cuts)) state = sha256Update(state, part);
        expect(state.length).toBe(data.length);
        expect(toHex(sha256Final(state))).toBe(reference(data));
      }),
      { numRuns: 200 },
    );
  });

  it('survives a JSON round trip of its fields between any two updates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(), { maxLength: 12 }), (data, cuts) => {
        let state = throughJson(sha256Init());
        for (const part of split(data, cuts)) {
          state = throughJson(sha256Update(state, part));
          // The saved state is plain data: 8 words, a length, fewer than 64 pending bytes.
          expect(state.h).toHaveLength(8);
          expect(state.h.every((x) => Number.isInteger(x))).toBe(true);
          expect(state.pending.length).toBeLessThan(64);
          expect(state.pending.length).toBe(state.length % 64);
        }
        expect(toHex(sha256Final(state))).toBe(reference(data));
        expect(toHex(sha256Final(throughJson(state)))).toBe(reference(data));
      }),
      { numRuns: 200 },
    );
  });

  it('does not change the state it is given, nor the data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (first, second) => {
        const state = sha256Update(sha256Init(), first);
        const before = JSON.stringify({ h: state.h, length: state.length, pending: Array.from(state.pending) });
        const copy = Uint8Array.from(second);
        const next = sha256Update(state, second);
        sha256Final(next);
        sha256Final(state);
        expect(JSON.stringify({ h: state.h, length: state.length, pending: Array.from(state.pending) })).toBe(before);
        expect(second).toEqual(copy);
        // Both branches stay usable: a state is a value.
        expect(toHex(sha256Final(state))).toBe(reference(first));
        expect(toHex(sha256Final(next))).toBe(reference(Buffer.concat([first, second])));
      }),
      { numRuns: 200 },
    );
  });

  it('accepts views into larger buffers and Buffer subclasses as input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 50 }), fc.nat({ max: 50 }), (data, before, after) => {
        const big = new Uint8Array(before + data.length + after).fill(0xaa);
        big.set(data, before);
        const view = big.subarray(before, before + data.length);
        expect(toHex(sha256(view))).toBe(reference(data));
        expect(toHex(sha256(Buffer.from(data)))).toBe(reference(data));
        // A restored state whose pending bytes are a view into a larger buffer.
        const state = sha256Update(sha256Init(), data);
        const padded = new Uint8Array(state.pending.length + 10);
        padded.set(state.pending, 5);
        const restored = { h: [...state.h], length: state.length, pending: padded.subarray(5, 5 + state.pending.length) };
        expect(toHex(sha256Final(sha256Update(restored, Uint8Array.of(1, 2, 3)))))
          .toBe(reference(Buffer.concat([data, Uint8Array.of(1, 2, 3)])));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the generated compression function', () => {
  it('is what scripts/gen-sha256-compress.mjs writes (regenerate after editing the script)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const script = new URL('../scripts/gen-sha256-compress.mjs', import.meta.url);
    const generated = execFileSync(process.execPath, [script.pathname], { encoding: 'utf8' });
    expect(generated).toBe(readFileSync(new URL('./sha256-compress.ts', import.meta.url), 'utf8'));
  });
});
