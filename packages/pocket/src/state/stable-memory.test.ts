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

  it('rolls back many scattered writes of any size (the journal grows past its first chunks) and commits keep them', () => {
    let seed = 20261203;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => random(256));
    for (let trial = 0; trial < 6; trial++) {
      const initial = bytes(5 * 65_536);
      const m = StableMemory.fromBytes(initial);
      m.begin();
      const model = initial.slice();
      for (let w = 0; w < 60; w++) {
        const data = bytes(1 + random(9_000));
        const offset = random(initial.length - data.length);
        m.write(BigInt(offset), data);
        model.set(data, offset);
      }
      expect(Buffer.compare(m.toBytes(), model)).toBe(0);
      if (trial % 2 === 0) {
        m.rollback();
        expect(Buffer.compare(m.toBytes(), initial)).toBe(0);
      } else {
        m.commit();
        m.begin();
        m.write(0n, Uint8Array.from([1, 2, 3]));
        m.rollback();
        expect(Buffer.compare(m.toBytes(), model)).toBe(0);
      }
    }
  });

  it("sets a message's writes and growth aside, reading as before it, and puts them back", () => {
    const memory = new StableMemory();
    memory.grow(2n);
    memory.write(10n, new Uint8Array([1, 2, 3]));
    memory.commit();
    memory.begin();
    memory.write(11n, new Uint8Array([9, 9]));           // a chunk of an older page
    memory.grow(1n);
    memory.write(2n * 65536n + 5n, new Uint8Array([7])); // a page the message created
    const changes = memory.setAside();
    expect(memory.pages).toBe(2);
    expect(memory.read(10n, 3)).toEqual(new Uint8Array([1, 2, 3]));
    memory.reapply(changes);
    expect(memory.pages).toBe(3);
    expect(memory.read(10n, 3)).toEqual(new Uint8Array([1, 9, 9]));
    expect(memory.read(2n * 65536n + 5n, 1)).toEqual(new Uint8Array([7]));
    memory.begin();
    memory.write(10n, new Uint8Array([4]));
    memory.rollback(); // reapplied changes are committed: a later rollback keeps them
    expect(memory.read(10n, 3)).toEqual(new Uint8Array([1, 9, 9]));
    expect(memory.pages).toBe(3);
  });

  it('round-trips whole contents, sized to pages', () => {
    const m = StableMemory.fromBytes(Uint8Array.from([5, 6, 7]));
    expect(m.pages).toBe(1);
    expect(m.toBytes().subarray(0, 4)).toEqual(Uint8Array.from([5, 6, 7, 0]));
  });
});
