import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { compareBytes, toHex, utf8 } from './bytes.js';
import { deletePath, insertPath, witnessPaths } from './cert-tree.js';
import { EMPTY_HASH, lookupLeaf, lookupSubtree, treeHash } from './hash-tree.js';
import { LabeledMap, leafChild } from './labeled-map.js';
import { hashStats } from './sha256.js';

const labelArb = fc.string({ minLength: 0, maxLength: 6 });

function mapOf(entries: [string, string][]): LabeledMap {
  const m = new LabeledMap();
  for (const [k, v] of entries) m.set(utf8(k), leafChild(utf8(v)));
  return m;
}

describe('a labeled map with a canonical shape', () => {
  it('has the hash of the empty tree when empty', () => {
    expect(new LabeledMap().hash).toEqual(EMPTY_HASH);
  });

  it('gives the same root whatever the order of insertions and deletions', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.tuple(labelArb, fc.string()), { selector: ([k]) => k, maxLength: 40 }), fc.array(labelArb, { maxLength: 20 }), fc.nat(), (entries, extra, seed) => {
      const shuffled = [...entries].sort((a, b) => ((a[0].length * 31 + seed) % 7) - ((b[0].length * 31 + seed) % 7));
      const a = mapOf(entries);
      const b = mapOf(shuffled);
      // b also gets extra labels that it deletes again.
      for (const x of extra) if (!entries.some(([k]) => k === x)) b.set(utf8(x), leafChild(utf8('tmp')));
      for (const x of extra) if (!entries.some(([k]) => k === x)) b.delete(utf8(x));
      expect(toHex(b.hash)).toBe(toHex(a.hash));
      expect(b.size).toBe(entries.length);
      // The hash is the hash of the tree the map stands for.
      expect(toHex(treeHash(a.tree()))).toBe(toHex(a.hash));
      // Built at once from the sorted entries, it is the same map.
      const sorted = [...entries].map(([k, v]) => [utf8(k), utf8(v)] as const).sort((x, y) => compareBytes(x[0], y[0]));
      const bulk = LabeledMap.fromSorted(sorted.map(([k, v]) => [k, leafChild(v)]));
      expect(toHex(bulk.hash)).toBe(toHex(a.hash));
      expect(bulk.size).toBe(entries.length);
    }));
  });

  it('keeps entries in label order and finds them', () => {
    const m = mapOf([['b', '2'], ['a', '1'], ['c', '3']]);
    expect(m.entries().map(([l]) => new TextDecoder().decode(l))).toEqual(['a', 'b', 'c']);
    expect(m.get(utf8('b'))).toMatchObject({ kind: 'leaf' });
    expect(m.get(utf8('d'))).toBeUndefined();
  });

  it('proves presence and absence with small witnesses', () => {
    fc.assert(fc.property(fc.uniqueArray(labelArb, { maxLength: 60 }), fc.array(labelArb, { minLength: 1, maxLength: 4 }), (labels, asked) => {
      const m = mapOf(labels.map((l) => [l, `v${l}`]));
      const w = witnessPaths(m, asked.map((a) => [utf8(a)]));
      expect(toHex(treeHash(w))).toBe(toHex(m.hash));
      for (const a of asked) {
        const r = lookupSubtree([a], w);
        expect(r.status).toBe(labels.includes(a) ? 'found' : 'absent');
        if (labels.includes(a)) expect(lookupLeaf([a], w)).toEqual(utf8(`v${a}`));
      }
    }));
  });
});

describe('nested paths', () => {
  it('removes maps a deletion leaves empty, so the root is the same as never inserting', () => {
    const a = new LabeledMap();
    insertPath(a, [utf8('x'), utf8('1')], utf8('one'));
    const before = toHex(a.hash);
    insertPath(a, [utf8('y'), utf8('deep'), utf8('er')], utf8('two'));
    expect(toHex(a.hash)).not.toBe(before);
    deletePath(a, [utf8('y'), utf8('deep'), utf8('er')]);
    expect(toHex(a.hash)).toBe(before);
    expect(a.get(utf8('y'))).toBeUndefined();
  });

  it('updates nested hashes in place', () => {
    // `look`: the hash is read after that operation, so stale marks and settled hashes interleave.
    fc.assert(fc.property(fc.array(fc.tuple(fc.array(fc.constantFrom('a', 'b', 'c', ''), { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean()), { maxLength: 40 }), (ops) => {
      const live = new LabeledMap();
      const state = new Map<string, string[]>();
      for (const [path, insert, look] of ops) {
        const key = path.join('/');
        const labels = path.map(utf8);
        // A path may not run through a leaf: skip operations that would.
        const clashes = [...state.keys()].some((k) => k !== key && (k.startsWith(`${key}/`) || key.startsWith(`${k}/`)));
        if (clashes) continue;
        if (insert) {
          insertPath(live, labels, utf8(key));
          state.set(key, path);
        } else {
          deletePath(live, labels);
          state.delete(key);
        }
        if (look) {
          const fresh = new LabeledMap();
          for (const [k, p] of state) insertPath(fresh, p.map(utf8), utf8(k));
          expect(toHex(live.hash)).toBe(toHex(fresh.hash));
        }
      }
      const fresh = new LabeledMap();
      for (const [key, path] of state) insertPath(fresh, path.map(utf8), utf8(key));
      expect(toHex(live.hash)).toBe(toHex(fresh.hash));
    }));
  });
});

describe('lazy hashing', () => {
  const labels = (from: number, n: number) => Array.from({ length: n }, (_, i) => utf8(`/page${from + i}.html`));
  const callsFor = (fn: () => void) => {
    const before = hashStats.calls;
    fn();
    return hashStats.calls - before;
  };

  it('hashes what many changes made stale once, when the hash is next read', () => {
    const existing = LabeledMap.fromSorted(labels(0, 1000).sort(compareBytes).map((l) => [l, leafChild(l)]));
    void existing.hash;
    const once = callsFor(() => {
      for (const l of labels(5000, 100)) existing.set(l, leafChild(l));
      void existing.hash;
    });
    const eager = LabeledMap.fromSorted(labels(0, 1000).sort(compareBytes).map((l) => [l, leafChild(l)]));
    void eager.hash;
    const each = callsFor(() => {
      for (const l of labels(5000, 100)) {
        eager.set(l, leafChild(l));
        void eager.hash;
      }
    });
    expect(toHex(existing.hash)).toBe(toHex(eager.hash));
    // Reading after each change recomputes the path above it every time; read once, the shared
    // upper part of those paths is hashed once.
    expect(once).toBeLessThan(each * 0.6);
    // Nothing changed since: reading again hashes nothing.
    expect(callsFor(() => void existing.hash)).toBe(0);
  });
});
