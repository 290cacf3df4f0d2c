import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { DEFAULT_PAGE, MAX_PAGE, pagePositions } from './pages.js';

/** The page as a naive reading of its contract: filter by prev, sort, cut at take (capped). */
function naive(indexes: bigint[], prev: bigint | undefined, take: number, descending: boolean): bigint[] {
  const positions = indexes.map((index, n) => ({ index, n: BigInt(n) }));
  const kept = positions.filter(({ index }) => prev === undefined || (descending ? index < prev : index > prev));
  kept.sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0) * (descending ? -1 : 1));
  return kept.slice(0, Math.max(0, Math.min(take, MAX_PAGE))).map(({ n }) => n);
}

const page = (indexes: bigint[], prev: bigint | undefined, take: number, descending: boolean) =>
  pagePositions(BigInt(indexes.length), (n) => indexes[Number(n)]!, prev, take, descending);

/** Strictly increasing log indexes (a canister's entries among the whole log), sometimes more than MAX_PAGE. */
const increasing = fc
  .oneof(
    { weight: 4, arbitrary: fc.array(fc.bigInt({ min: 1n, max: 5n }), { maxLength: 40 }) },
    { weight: 1, arbitrary: fc.array(fc.bigInt({ min: 1n, max: 3n }), { minLength: MAX_PAGE - 5, maxLength: MAX_PAGE + 200 }) },
  )
  .chain((gaps) =>
    fc.bigInt({ min: 0n, max: 10n }).map((start) => {
      let at = start - 1n;
      return gaps.map((g) => (at += g));
    }),
  );

/** prev: absent, an index, just below or above one, between two, below the first, above the last. */
function prevFor(indexes: bigint[]): fc.Arbitrary<bigint | undefined> {
  const options: fc.Arbitrary<bigint | undefined>[] = [fc.constant(undefined), fc.constant(0n), fc.bigInt({ min: 0n, max: 1000n })];
  if (indexes.length > 0) {
    const some = fc.constantFrom(...indexes);
    options.push(some, some.map((i) => i + 1n), some.map((i) => (i > 0n ? i - 1n : 0n)), fc.constant(indexes[indexes.length - 1]! + 10n));
  }
  return fc.oneof(...options);
}

const take = fc.oneof(fc.constantFrom(0, 1, 2, DEFAULT_PAGE, MAX_PAGE, MAX_PAGE + 1, 1_000_000), fc.integer({ min: -3, max: 50 }));

describe('pagePositions', () => {
  it('answers the example of its doc comment', () => {
    expect(pagePositions(10n, (n) => n * 2n, 7n, 3, false)).toEqual([4n, 5n, 6n]);
  });

  it('pages forward and backward through the whole log', () => {
    const all = (n: bigint) => n;
    expect(pagePositions(5n, all, undefined, 2, false)).toEqual([0n, 1n]);
    expect(pagePositions(5n, all, 1n, 2, false)).toEqual([2n, 3n]);
    expect(pagePositions(5n, all, 3n, 2, false)).toEqual([4n]);
    expect(pagePositions(5n, all, 4n, 2, false)).toEqual([]);
    expect(pagePositions(5n, all, undefined, 2, true)).toEqual([4n, 3n]);
    expect(pagePositions(5n, all, 3n, 2, true)).toEqual([2n, 1n]);
    expect(pagePositions(5n, all, 1n, 2, true)).toEqual([0n]);
    expect(pagePositions(5n, all, 0n, 2, true)).toEqual([]);
  });

  it('uses prev between, below and above the indexes of a filtered log', () => {
    const indexes = [3n, 8n, 9n, 20n];
    expect(page(indexes, 5n, 10, false)).toEqual([1n, 2n, 3n]);
    expect(page(indexes, 5n, 10, true)).toEqual([0n]);
    expect(page(indexes, 0n, 10, false)).toEqual([0n, 1n, 2n, 3n]);
    expect(page(indexes, 0n, 10, true)).toEqual([]);
    expect(page(indexes, 99n, 10, false)).toEqual([]);
    expect(page(indexes, 99n, 10, true)).toEqual([3n, 2n, 1n, 0n]);
    expect(page(indexes, 9n, 10, false)).toEqual([3n]);
    expect(page(indexes, 9n, 10, true)).toEqual([1n, 0n]);
  });

  it('answers nothing for take 0, an empty log, or a negative take', () => {
    expect(pagePositions(5n, (n) => n, undefined, 0, false)).toEqual([]);
    expect(pagePositions(5n, (n) => n, undefined, 0, true)).toEqual([]);
    expect(pagePositions(0n, (n) => n, undefined, 10, false)).toEqual([]);
    expect(pagePositions(5n, (n) => n, undefined, -1, false)).toEqual([]);
  });

  it('caps a large take at MAX_PAGE', () => {
    expect(pagePositions(10_000n, (n) => n, undefined, 1_000_000, false)).toHaveLength(MAX_PAGE);
    expect(pagePositions(10_000n, (n) => n, undefined, 1_000_000, true)[0]).toBe(9_999n);
    expect(pagePositions(10_000n, (n) => n, 100n, MAX_PAGE + 1, false)).toEqual(Array.from({ length: MAX_PAGE }, (_, i) => BigInt(101 + i)));
  });

  it('reads only O(log n) indexes to find the first position of a page', () => {
    let reads = 0;
    pagePositions(1_000_000n, (n) => { reads++; return n * 3n; }, 1_500_000n, 1, false);
    expect(reads).toBeLessThanOrEqual(25);
  });

  it('agrees with the naive reading over random increasing indexes', () => {
    fc.assert(
      fc.property(
        increasing.chain((indexes) => fc.tuple(fc.constant(indexes), prevFor(indexes), take, fc.boolean())),
        ([indexes, prev, n, descending]) => {
          expect(page(indexes, prev, n, descending)).toEqual(naive(indexes, prev, n, descending));
        },
      ),
      { numRuns: 300 },
    );
  });
});
