import { describe, expect, it } from 'vitest';

import { StableMemory } from './stable-memory.js';

describe('stable memory', () => {
  it('grows in pages up to a limit and reads zeros where nothing was written', () => {
    const m = new StableMemory();
    expect(m.grow(2n, 3)).toBe(0n);
    expect(m.grow(2n, 3)).toBe(-1n);
    expect(m.read(70_000n, 4)).toEqual(new Uint8Array(4));
  });

  it('writes across page boundaries and rolls back writes and growth', () => {
    const m = new StableMemory();
    m.grow(1n);
    m.write(10n, Uint8Array.from([1, 2, 3]));
    m.commit();
    m.begin();
    m.grow(1n);
    m.write(65_534n, Uint8Array.from([7, 8, 9, 10]));
    m.write(10n, Uint8Array.from([0]));
    expect(m.read(65_534n, 4)).toEqual(Uint8Array.from([7, 8, 9, 10]));
    m.rollback();
    expect(m.pages).toBe(1);
    expect(m.read(10n, 3)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(m.read(65_534n, 2)).toEqual(new Uint8Array(2));
  });

  it('round-trips whole contents, sized to pages', () => {
    const m = StableMemory.fromBytes(Uint8Array.from([5, 6, 7]));
    expect(m.pages).toBe(1);
    expect(m.toBytes().subarray(0, 4)).toEqual(Uint8Array.from([5, 6, 7, 0]));
  });
});
