import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Version } from './model.js';
import { atLeast, atMost, compareVersions, formatVersion, type VersionBound } from './versions.js';

const v = (a: number, b: number, c: number): Version => [BigInt(a), BigInt(b), BigInt(c)];
const bound = (a: number, b?: number, c?: number): VersionBound => [BigInt(a), b === undefined ? undefined : BigInt(b), c === undefined ? undefined : BigInt(c)];

/** Small components so equal parts are common; one huge value to check bigints beyond 2^64. */
const part = fc.oneof(fc.bigInt({ min: 0n, max: 4n }), fc.bigInt({ min: 0n, max: 2n ** 70n }));
const version = fc.tuple(part, part, part) as fc.Arbitrary<Version>;
const optPart = fc.option(part, { nil: undefined });

/** An independent reading of semver precedence: compare the triples as one number in a large base. */
const asNumber = (x: Version) => (x[0] << 256n) + (x[1] << 128n) + x[2];

describe('compareVersions', () => {
  it('orders by major, then minor, then patch', () => {
    expect(compareVersions(v(1, 0, 0), v(2, 0, 0))).toBe(-1);
    expect(compareVersions(v(1, 9, 9), v(2, 0, 0))).toBe(-1);
    expect(compareVersions(v(1, 2, 0), v(1, 10, 0))).toBe(-1);
    expect(compareVersions(v(1, 2, 10), v(1, 2, 9))).toBe(1);
    expect(compareVersions(v(3, 1, 4), v(3, 1, 4))).toBe(0);
    expect(formatVersion(v(3, 1, 4))).toBe('3.1.4');
  });

  it('is a total order agreeing with the numeric reading (sign only)', () => {
    fc.assert(
      fc.property(version, version, (a, b) => {
        const c = compareVersions(a, b);
        expect([-1, 0, 1]).toContain(c);
        expect(c).toBe(asNumber(a) < asNumber(b) ? -1 : asNumber(a) > asNumber(b) ? 1 : 0);
      }),
      { numRuns: 200 },
    );
  });

  it('is reflexive, antisymmetric and transitive', () => {
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(compareVersions(a, a)).toBe(0);
        expect(compareVersions(a, b) + compareVersions(b, a)).toBe(0);
        if (compareVersions(a, b) === 0) expect(a).toEqual(b);
        if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 200 },
    );
  });

  it('sorts consistently (sorting twice, or a permutation, gives the same order)', () => {
    fc.assert(
      fc.property(fc.array(version, { maxLength: 20 }), (list) => {
        const sorted = [...list].sort(compareVersions);
        for (let i = 1; i < sorted.length; i++) expect(compareVersions(sorted[i - 1]!, sorted[i]!)).toBeLessThanOrEqual(0);
        expect([...list].reverse().sort(compareVersions).map(formatVersion)).toEqual(sorted.map(formatVersion));
      }),
      { numRuns: 200 },
    );
  });
});

describe('version bounds', () => {
  it('max {1, none, none} admits every 1.x.y and earlier, not 2.0.0', () => {
    expect(atMost(v(1, 99, 3), bound(1))).toBe(true);
    expect(atMost(v(1, 0, 0), bound(1))).toBe(true);
    expect(atMost(v(0, 5, 5), bound(1))).toBe(true);
    expect(atMost(v(2, 0, 0), bound(1))).toBe(false);
  });

  it('max {1, 2, none} admits 1.2.y and earlier, not 1.3.0', () => {
    expect(atMost(v(1, 2, 999), bound(1, 2))).toBe(true);
    expect(atMost(v(1, 1, 5), bound(1, 2))).toBe(true);
    expect(atMost(v(1, 3, 0), bound(1, 2))).toBe(false);
    expect(atMost(v(2, 0, 0), bound(1, 2))).toBe(false);
  });

  it('max {1, 2, 3} is an ordinary upper bound', () => {
    expect(atMost(v(1, 2, 3), bound(1, 2, 3))).toBe(true);
    expect(atMost(v(1, 2, 4), bound(1, 2, 3))).toBe(false);
  });

  it('min {1, 2, none} admits 1.2.0 and later, not 1.1.9', () => {
    expect(atLeast(v(1, 2, 0), bound(1, 2))).toBe(true);
    expect(atLeast(v(1, 2, 7), bound(1, 2))).toBe(true);
    expect(atLeast(v(3, 0, 0), bound(1, 2))).toBe(true);
    expect(atLeast(v(1, 1, 9), bound(1, 2))).toBe(false);
  });

  it('min {1, none, none} admits 1.0.0 and later, not 0.99.99', () => {
    expect(atLeast(v(1, 0, 0), bound(1))).toBe(true);
    expect(atLeast(v(0, 99, 99), bound(1))).toBe(false);
  });

  it('min {1, 2, 3} is an ordinary lower bound', () => {
    expect(atLeast(v(1, 2, 3), bound(1, 2, 3))).toBe(true);
    expect(atLeast(v(1, 2, 2), bound(1, 2, 3))).toBe(false);
  });

  // Independent reading: a bound with wildcards stands for the set of versions it names; `atMost`
  // admits everything up to the largest of them, `atLeast` everything from the smallest.
  const matchesPrefix = (x: Version, b: VersionBound) => x[0] === b[0] && (b[1] === undefined || x[1] === b[1]) && (b[2] === undefined || x[2] === b[2]);
  // Well-formed bounds only: a patch is given only with a minor ({1, none, 3} has no evident meaning).
  const normalise = (b: VersionBound): VersionBound => (b[1] === undefined ? [b[0], undefined, undefined] : b);

  it('atMost(v, b) holds exactly when v precedes or matches the bound as a prefix', () => {
    fc.assert(
      fc.property(version, part, optPart, optPart, (x, major, minor, patch) => {
        const b = normalise([major, minor, patch]);
        const lowest: Version = [b[0], b[1] ?? 0n, b[2] ?? 0n];
        const expected = matchesPrefix(x, b) || compareVersions(x, lowest) < 0;
        expect(atMost(x, b)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('atLeast(v, b) holds exactly when v matches the bound as a prefix or follows it', () => {
    fc.assert(
      fc.property(version, part, optPart, optPart, (x, major, minor, patch) => {
        const b = normalise([major, minor, patch]);
        const lowest: Version = [b[0], b[1] ?? 0n, b[2] ?? 0n];
        const expected = matchesPrefix(x, b) || compareVersions(x, lowest) > 0;
        expect(atLeast(x, b)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('a full bound is the ordinary order, and min..max of the same full bound admits exactly it', () => {
    fc.assert(
      fc.property(version, version, (x, b) => {
        expect(atLeast(x, b)).toBe(compareVersions(x, b) >= 0);
        expect(atMost(x, b)).toBe(compareVersions(x, b) <= 0);
        expect(atLeast(x, b) && atMost(x, b)).toBe(compareVersions(x, b) === 0);
      }),
      { numRuns: 200 },
    );
  });

  it('partial bounds on both sides admit exactly the matching prefix', () => {
    fc.assert(
      fc.property(version, part, optPart, (x, major, minor) => {
        const b: VersionBound = [major, minor, undefined];
        expect(atLeast(x, b) && atMost(x, b)).toBe(matchesPrefix(x, b));
      }),
      { numRuns: 200 },
    );
  });
});
