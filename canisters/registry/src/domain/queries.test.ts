import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { installation, typeRecord, v, viewOf, wasmRecord } from '../../test/fixtures.js';
import { descendants } from './graph.js';
import { DEFAULT_TAKE, MAX_REPLY_BYTES, MAX_TAKE, type RegistryView, type WasmRecord } from './model.js';
import { estimateWasmBytes, queryTypes, queryWasms, type TypeFilter, type WasmFilter } from './queries.js';
import { atLeast, atMost, type VersionBound } from './versions.js';

const BACKEND = 'org.lineage.backend';
const FRONTEND = 'org.lineage.frontend';
const OTHER = 'com.other.app';

/**
 * backend:  b1 1.0.0 ← b2 1.1.0 ← b3 2.0.0          (controllers alice)
 * frontend: f1 1.0.0 ← f2 1.2.0                       (controllers bob)
 * other:    o1 0.1.0                                  (controllers alice, carol)
 * installed: c-1 runs b1 then b2; c-2 runs f1.
 */
function registry(): RegistryView {
  return viewOf(
    [typeRecord(BACKEND, ['alice']), typeRecord(FRONTEND, ['bob']), typeRecord(OTHER, ['alice', 'carol'])],
    [
      wasmRecord('b1', BACKEND, v(1, 0, 0), { seq: 0 }),
      wasmRecord('f1', FRONTEND, v(1, 0, 0), { seq: 1 }),
      wasmRecord('b2', BACKEND, v(1, 1, 0), { seq: 2, previousHash: 'b1' }),
      wasmRecord('o1', OTHER, v(0, 1, 0), { seq: 3 }),
      wasmRecord('f2', FRONTEND, v(1, 2, 0), { seq: 4, previousHash: 'f1' }),
      wasmRecord('b3', BACKEND, v(2, 0, 0), { seq: 5, previousHash: 'b2' }),
    ],
    [installation('c-1', 'b1', 0), installation('c-2', 'f1', 1), installation('c-1', 'b2', 2)],
  );
}

const hashes = (ws: WasmRecord[]) => ws.map((w) => w.hash);
const q = (filters: WasmFilter[], prev?: string, take?: bigint) => hashes(queryWasms(registry(), filters, prev, take));
const bound = (a: number, b?: number, c?: number): VersionBound => [BigInt(a), b === undefined ? undefined : BigInt(b), c === undefined ? undefined : BigInt(c)];

describe('queryWasms filters', () => {
  it('without filters lists every version in registration order', () => {
    expect(q([])).toEqual(['b1', 'f1', 'b2', 'o1', 'f2', 'b3']);
  });

  it('hash: alone, OR-ed, unknown', () => {
    expect(q([{ kind: 'hash', hash: 'b2' }])).toEqual(['b2']);
    expect(q([{ kind: 'hash', hash: 'b3' }, { kind: 'hash', hash: 'f1' }])).toEqual(['f1', 'b3']);
    expect(q([{ kind: 'hash', hash: 'nope' }])).toEqual([]);
  });

  it('canister_type: alone, OR-ed', () => {
    expect(q([{ kind: 'canister_type', namespace: BACKEND }])).toEqual(['b1', 'b2', 'b3']);
    expect(q([{ kind: 'canister_type', namespace: OTHER }, { kind: 'canister_type', namespace: FRONTEND }])).toEqual(['f1', 'o1', 'f2']);
    // A type filter names a type exactly, not a prefix.
    expect(q([{ kind: 'canister_type', namespace: 'org.lineage' }])).toEqual([]);
  });

  it('version_min: partial bounds, OR-ed', () => {
    expect(q([{ kind: 'version_min', bound: bound(1, 1) }])).toEqual(['b2', 'f2', 'b3']);
    expect(q([{ kind: 'version_min', bound: bound(2) }])).toEqual(['b3']);
    // OR: the looser bound wins.
    expect(q([{ kind: 'version_min', bound: bound(2) }, { kind: 'version_min', bound: bound(1, 2) }])).toEqual(['f2', 'b3']);
  });

  it('version_max: partial bounds, OR-ed', () => {
    expect(q([{ kind: 'version_max', bound: bound(1) }])).toEqual(['b1', 'f1', 'b2', 'o1', 'f2']);
    expect(q([{ kind: 'version_max', bound: bound(1, 0) }])).toEqual(['b1', 'f1', 'o1']);
    expect(q([{ kind: 'version_max', bound: bound(0) }, { kind: 'version_max', bound: bound(1, 1, 0) }])).toEqual(['b1', 'f1', 'b2', 'o1']);
  });

  it('version_min AND version_max make a range', () => {
    expect(q([{ kind: 'version_min', bound: bound(1, 1) }, { kind: 'version_max', bound: bound(1) }])).toEqual(['b2', 'f2']);
  });

  it('controllers: of the version\'s type, any principal of any filter', () => {
    expect(q([{ kind: 'controllers', principals: ['alice'] }])).toEqual(['b1', 'b2', 'o1', 'b3']);
    expect(q([{ kind: 'controllers', principals: ['carol'] }])).toEqual(['o1']);
    expect(q([{ kind: 'controllers', principals: ['bob', 'carol'] }])).toEqual(['f1', 'o1', 'f2']);
    expect(q([{ kind: 'controllers', principals: ['bob'] }, { kind: 'controllers', principals: ['carol'] }])).toEqual(['f1', 'o1', 'f2']);
    expect(q([{ kind: 'controllers', principals: [] }])).toEqual([]);
    expect(q([{ kind: 'controllers', principals: ['mallory'] }])).toEqual([]);
  });

  it('previous_hash: every transitive descendant, not the version itself; OR-ed', () => {
    expect(q([{ kind: 'previous_hash', hash: 'b1' }])).toEqual(['b2', 'b3']);
    expect(q([{ kind: 'previous_hash', hash: 'b2' }])).toEqual(['b3']);
    expect(q([{ kind: 'previous_hash', hash: 'b3' }])).toEqual([]);
    expect(q([{ kind: 'previous_hash', hash: 'b2' }, { kind: 'previous_hash', hash: 'f1' }])).toEqual(['f2', 'b3']);
    expect(q([{ kind: 'previous_hash', hash: 'nope' }])).toEqual([]);
  });

  it('canister: versions recorded as installed there; OR-ed', () => {
    expect(q([{ kind: 'canister', canister: 'c-1' }])).toEqual(['b1', 'b2']);
    expect(q([{ kind: 'canister', canister: 'c-2' }])).toEqual(['f1']);
    expect(q([{ kind: 'canister', canister: 'c-1' }, { kind: 'canister', canister: 'c-2' }])).toEqual(['b1', 'f1', 'b2']);
    expect(q([{ kind: 'canister', canister: 'c-3' }])).toEqual([]);
  });

  it('AND across kinds', () => {
    expect(q([{ kind: 'canister_type', namespace: BACKEND }, { kind: 'version_min', bound: bound(1, 1) }])).toEqual(['b2', 'b3']);
    expect(q([{ kind: 'controllers', principals: ['alice'] }, { kind: 'previous_hash', hash: 'b1' }, { kind: 'version_max', bound: bound(1) }])).toEqual(['b2']);
    expect(q([{ kind: 'canister', canister: 'c-1' }, { kind: 'hash', hash: 'f1' }])).toEqual([]);
    expect(q([
      { kind: 'canister', canister: 'c-1' }, { kind: 'canister', canister: 'c-2' },
      { kind: 'canister_type', namespace: FRONTEND }, { kind: 'canister_type', namespace: OTHER },
    ])).toEqual(['f1']);
  });

  it('any combination of filters is OR within a kind and AND across kinds (random filters)', () => {
    const view = registry();
    const all = [...view.wasms.keys(), 'nope'];
    const filter: fc.Arbitrary<WasmFilter> = fc.oneof(
      fc.constantFrom(...all).map((hash) => ({ kind: 'hash' as const, hash })),
      fc.constantFrom(BACKEND, FRONTEND, OTHER, 'x').map((namespace) => ({ kind: 'canister_type' as const, namespace })),
      fc.tuple(fc.nat({ max: 2 }), fc.option(fc.nat({ max: 2 }), { nil: undefined })).map(([a, b]) => ({ kind: 'version_min' as const, bound: bound(a, b) })),
      fc.tuple(fc.nat({ max: 2 }), fc.option(fc.nat({ max: 2 }), { nil: undefined })).map(([a, b]) => ({ kind: 'version_max' as const, bound: bound(a, b) })),
      fc.subarray(['alice', 'bob', 'carol', 'mallory']).map((principals) => ({ kind: 'controllers' as const, principals })),
      fc.constantFrom(...all).map((hash) => ({ kind: 'previous_hash' as const, hash })),
      fc.constantFrom('c-1', 'c-2', 'c-3').map((canister) => ({ kind: 'canister' as const, canister })),
    );
    const matches = (w: WasmRecord, f: WasmFilter): boolean => {
      switch (f.kind) {
        case 'hash': return w.hash === f.hash;
        case 'canister_type': return w.namespace === f.namespace;
        case 'version_min': return atLeast(w.version, f.bound);
        case 'version_max': return atMost(w.version, f.bound);
        case 'controllers': return view.types.get(w.namespace)!.controllers.some((c) => f.principals.includes(c));
        case 'previous_hash': return descendants(view, f.hash).has(w.hash);
        case 'canister': return view.installations.some((i) => i.canister === f.canister && i.hash === w.hash);
      }
    };
    fc.assert(
      fc.property(fc.array(filter, { maxLength: 6 }), (filters) => {
        const kinds = new Set(filters.map((f) => f.kind));
        const expected = [...view.wasms.values()]
          .filter((w) => [...kinds].every((k) => filters.filter((f) => f.kind === k).some((f) => matches(w, f))))
          .sort((a, b) => a.seq - b.seq)
          .map((w) => w.hash);
        expect(hashes(queryWasms(view, filters, undefined, undefined))).toEqual(expected);
        // Order of the filters does not matter.
        expect(hashes(queryWasms(view, [...filters].reverse(), undefined, undefined))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});

/** `n` versions of one type, registered in order, seq 0..n-1, with an optional description size. */
function many(n: number, describe = (_i: number) => ''): RegistryView {
  const wasms = Array.from({ length: n }, (_, i) => wasmRecord(`w${i}`, BACKEND, v(1, i, 0), { seq: i, description: describe(i) }));
  return viewOf([typeRecord(BACKEND)], wasms);
}

describe('queryWasms pages', () => {
  it('take defaults to 100 and is capped at 1000', () => {
    const view = many(1200);
    expect(DEFAULT_TAKE).toBe(100);
    expect(MAX_TAKE).toBe(1000);
    expect(queryWasms(view, [], undefined, undefined)).toHaveLength(DEFAULT_TAKE);
    expect(queryWasms(view, [], undefined, 1000n)).toHaveLength(1000);
    expect(queryWasms(view, [], undefined, 5000n)).toHaveLength(MAX_TAKE);
    expect(queryWasms(view, [], undefined, 2n ** 70n)).toHaveLength(MAX_TAKE);
    expect(queryWasms(view, [], undefined, 0n)).toEqual([]);
    expect(hashes(queryWasms(view, [], undefined, 3n))).toEqual(['w0', 'w1', 'w2']);
  });

  it('prev continues after the given hash; unknown prev or the last hash give an empty page', () => {
    expect(q([], 'b2', 2n)).toEqual(['o1', 'f2']);
    expect(q([], 'f2')).toEqual(['b3']);
    expect(q([], 'b3')).toEqual([]);
    expect(q([], 'nope')).toEqual([]);
    // With a filter, prev is the last hash of the previous (filtered) page.
    expect(q([{ kind: 'canister_type', namespace: BACKEND }], 'b1')).toEqual(['b2', 'b3']);
    expect(q([{ kind: 'canister_type', namespace: BACKEND }], 'b3')).toEqual([]);
    // A prev that does not match the filter still positions the page in registration order.
    expect(q([{ kind: 'canister_type', namespace: BACKEND }], 'f1')).toEqual(['b2', 'b3']);
    expect(q([{ kind: 'canister_type', namespace: BACKEND }], 'f2')).toEqual(['b3']);
    expect(q([{ kind: 'canister_type', namespace: FRONTEND }], 'b3')).toEqual([]);
  });

  it('walking pages with prev = last hash of each page lists everything exactly once, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 25 }), fc.array(fc.nat({ max: 59 }), { maxLength: 8 }), (n, take, picked) => {
        const view = many(n);
        const filters: WasmFilter[] = picked.map((i) => ({ kind: 'hash', hash: `w${i}` }));
        const everything = hashes(queryWasms(view, filters, undefined, 10_000n));
        const walked: string[] = [];
        let prev: string | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const page = hashes(queryWasms(view, filters, prev, BigInt(take)));
          expect(page.length).toBeLessThanOrEqual(take);
          if (page.length === 0) break;
          walked.push(...page);
          prev = page[page.length - 1];
        }
        expect(walked).toEqual(everything);
      }),
      { numRuns: 200 },
    );
  });

  it('stops a page early to stay under the reply limit, always returning at least one record', () => {
    // Each description is estimated at 3 bytes a character: 400 000 characters ≈ 1.2 MB a record.
    const view = many(5, () => 'x'.repeat(400_000));
    expect(hashes(queryWasms(view, [], undefined, undefined))).toEqual(['w0']);
    expect(hashes(queryWasms(view, [], 'w0', undefined))).toEqual(['w1']);
    // A single record larger than the limit is still returned, alone.
    const huge = many(3, (i) => (i === 1 ? 'y'.repeat(1_000_000) : ''));
    expect(estimateWasmBytes(huge.wasms.get('w1')!)).toBeGreaterThan(MAX_REPLY_BYTES);
    expect(hashes(queryWasms(huge, [], undefined, undefined))).toEqual(['w0']);
    expect(hashes(queryWasms(huge, [], 'w0', undefined))).toEqual(['w1']);
    expect(hashes(queryWasms(huge, [], 'w1', undefined))).toEqual(['w2']);
  });

  it('a page of several records stays within the reply limit (random description sizes)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 900_000 }), { minLength: 1, maxLength: 12 }), fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }), (sizes, take) => {
        const view = many(sizes.length, (i) => 'z'.repeat(sizes[i]!));
        const page = queryWasms(view, [], undefined, take === undefined ? undefined : BigInt(take));
        expect(page.length).toBeGreaterThanOrEqual(1);
        const total = page.reduce((n, w) => n + estimateWasmBytes(w), 0);
        if (page.length > 1) expect(total).toBeLessThanOrEqual(MAX_REPLY_BYTES);
        // The page stops only when the next record would not fit (or take is reached).
        const next = view.wasms.get(`w${page.length}`);
        if (next && page.length < (take ?? DEFAULT_TAKE)) expect(total + estimateWasmBytes(next)).toBeGreaterThan(MAX_REPLY_BYTES);
        // The estimate is never below the UTF-8 size of the description.
        for (const w of page) expect(estimateWasmBytes(w)).toBeGreaterThanOrEqual(Buffer.byteLength(w.description));
      }),
      { numRuns: 200 },
    );
  });

  it('the size estimate covers descriptions of any characters', () => {
    // Any code points, lone surrogates included.
    const anyText = fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 200 }).map((cps) => cps.map((c) => String.fromCodePoint(c)).join(''));
    fc.assert(
      fc.property(anyText, anyText, (description, repo) => {
        const w = wasmRecord('w', BACKEND, v(1, 0, 0), { description, repo });
        expect(estimateWasmBytes(w)).toBeGreaterThanOrEqual(Buffer.byteLength(description) + Buffer.byteLength(repo));
      }),
      { numRuns: 200 },
    );
  });
});

describe('queryTypes', () => {
  const types = () => viewOf(
    [
      typeRecord('org.lineage.frontend', ['bob']), typeRecord('org.lineage.backend', ['alice']),
      typeRecord('org.lineagex', ['alice']), typeRecord('com.other.app', ['alice', 'carol']), typeRecord('org.zeta', ['dave']),
    ],
    [],
  );
  const t = (filters: TypeFilter[], prev?: string, take?: bigint) => queryTypes(types(), filters, prev, take).map((x) => x.namespace);

  it('lists types in namespace order', () => {
    expect(t([])).toEqual(['com.other.app', 'org.lineage.backend', 'org.lineage.frontend', 'org.lineagex', 'org.zeta']);
  });

  it('namespace filters match prefixes, OR-ed', () => {
    expect(t([{ kind: 'namespace', prefix: 'org.lineage.' }])).toEqual(['org.lineage.backend', 'org.lineage.frontend']);
    expect(t([{ kind: 'namespace', prefix: 'org.lineage' }])).toEqual(['org.lineage.backend', 'org.lineage.frontend', 'org.lineagex']);
    expect(t([{ kind: 'namespace', prefix: 'org.lineage.backend' }])).toEqual(['org.lineage.backend']);
    expect(t([{ kind: 'namespace', prefix: 'com.' }, { kind: 'namespace', prefix: 'org.z' }])).toEqual(['com.other.app', 'org.zeta']);
    expect(t([{ kind: 'namespace', prefix: 'net.' }])).toEqual([]);
  });

  it('controller filters, OR-ed, AND-ed with namespace filters', () => {
    expect(t([{ kind: 'controller', principal: 'alice' }])).toEqual(['com.other.app', 'org.lineage.backend', 'org.lineagex']);
    expect(t([{ kind: 'controller', principal: 'bob' }, { kind: 'controller', principal: 'dave' }])).toEqual(['org.lineage.frontend', 'org.zeta']);
    expect(t([{ kind: 'controller', principal: 'alice' }, { kind: 'namespace', prefix: 'org.' }])).toEqual(['org.lineage.backend', 'org.lineagex']);
    expect(t([{ kind: 'controller', principal: 'bob' }, { kind: 'namespace', prefix: 'com.' }])).toEqual([]);
  });

  it('pages by namespace with prev and take', () => {
    expect(t([], undefined, 2n)).toEqual(['com.other.app', 'org.lineage.backend']);
    expect(t([], 'org.lineage.backend', 2n)).toEqual(['org.lineage.frontend', 'org.lineagex']);
    expect(t([], 'org.zeta')).toEqual([]);
    expect(t([], undefined, 0n)).toEqual([]);
    expect(t([{ kind: 'controller', principal: 'alice' }], 'com.other.app')).toEqual(['org.lineage.backend', 'org.lineagex']);
  });

  it('a page of types stays under the reply limit when types have many versions', () => {
    // A type's reply carries its versions (convert.ts typeToCandid: hash and calculated_hash blobs
    // and the version triple each): at least 64 bytes a version. Three types of 20 000 versions
    // are at least 3 × 1 280 000 bytes, more than MAX_REPLY_BYTES and than the IC's 3 MiB query
    // reply limit: one page cannot hold them all.
    const names = ['org.a', 'org.b', 'org.c'];
    const wasms = names.flatMap((n) => Array.from({ length: 20_000 }, (_, i) => wasmRecord(`${n}-${i}`, n, v(1, i, 0), { seq: i })));
    const view = viewOf(names.map((n) => typeRecord(n)), wasms);
    const page = queryTypes(view, [], undefined, undefined);
    expect(page.length).toBeGreaterThanOrEqual(1);
    const atLeastBytes = page.reduce((n, t) => n + [...view.wasms.values()].filter((w) => w.namespace === t.namespace).length * 64, 0);
    expect(atLeastBytes).toBeLessThanOrEqual(MAX_REPLY_BYTES);
  });

  it('walking pages lists every matching type once', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-c]{1,3}(\.[a-c]{1,2})?$/), { maxLength: 30 }), fc.integer({ min: 1, max: 7 }), (names, take) => {
        const view = viewOf(names.map((n) => typeRecord(n)), []);
        const walked: string[] = [];
        let prev: string | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const page = queryTypes(view, [], prev, BigInt(take)).map((x) => x.namespace);
          if (page.length === 0) break;
          walked.push(...page);
          prev = page[page.length - 1];
        }
        expect(walked).toEqual([...names].sort());
      }),
      { numRuns: 200 },
    );
  });
});
