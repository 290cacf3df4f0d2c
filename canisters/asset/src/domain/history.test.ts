import { describe, expect, it } from 'vitest';

import { toHex } from './bytes.js';
import { checkChain, entryHash, nextEntry, type HistoryEntry } from './history.js';
import { sha256 } from './sha256.js';

const root = (n: number) => sha256(Uint8Array.from([n]));

function chain(n: number): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = 0; i < n; i++) out.push(nextEntry(out[out.length - 1], root(i), 1000n + BigInt(i), i === 0 ? undefined : BigInt(i), BigInt(i * 2)));
  return out.reverse();
}

describe('the root history chain', () => {
  it('chains each entry to the one before', () => {
    const entries = chain(5);
    expect(checkChain(entries)).toEqual([]);
    expect(entries[4]!.previous).toBeUndefined();
    expect(toHex(entries[0]!.previous!)).toBe(toHex(entries[1]!.hash));
  });

  it('hashes the documented map (ICRC-3 value hash)', () => {
    // Recomputed by hand: sha256 over the sorted (sha256(key) · sha256(value)) pairs.
    const e = { index: 0n, root: new Uint8Array(32), time: 5n, assetCount: 0n };
    const pair = (k: string, v: Uint8Array) => [...sha256(new TextEncoder().encode(k)), ...sha256(v)];
    const pairs = [pair('index', Uint8Array.from([0])), pair('root', new Uint8Array(32)), pair('time', Uint8Array.from([5])), pair('assets', Uint8Array.from([0]))]
      .sort((a, b) => { for (let i = 0; i < 64; i++) if (a[i] !== b[i]) return a[i]! - b[i]!; return 0; });
    expect(toHex(entryHash(e))).toBe(toHex(sha256(Uint8Array.from(pairs.flat()))));
  });

  it.each([
    ['a rewritten root', (es: HistoryEntry[]) => { es[2] = { ...es[2]!, root: root(99) }; }],
    ['a rewritten time', (es: HistoryEntry[]) => { es[1] = { ...es[1]!, time: es[1]!.time + 1n }; }],
    ['a dropped entry', (es: HistoryEntry[]) => { es.splice(2, 1); }],
    ['a replaced entry, rehashed', (es: HistoryEntry[]) => {
      const forged = { ...es[2]!, root: root(77) };
      es[2] = { ...forged, hash: entryHash(forged) };
    }],
    ['swapped entries', (es: HistoryEntry[]) => { [es[1], es[2]] = [es[2]!, es[1]!]; }],
  ])('shows %s', (_, tamper) => {
    const entries = chain(5);
    tamper(entries);
    expect(checkChain(entries).length).toBeGreaterThan(0);
  });
});
