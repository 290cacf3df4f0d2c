import { describe, expect, it } from 'vitest';

import { formatVersion, toVersion } from './version.js';

describe('versions', () => {
  it('read text, number and bigint triples', () => {
    expect(toVersion('1.2.3')).toEqual([1n, 2n, 3n]);
    expect(toVersion('v10.0.12')).toEqual([10n, 0n, 12n]);
    expect(toVersion([1, 2, 3])).toEqual([1n, 2n, 3n]);
    expect(toVersion([1n, 2n, 3n])).toEqual([1n, 2n, 3n]);
  });

  it('refuse anything else', () => {
    expect(() => toVersion('1.2')).toThrow(RangeError);
    expect(() => toVersion('1.2.3-beta')).toThrow(RangeError);
    expect(() => toVersion([1, -2, 3])).toThrow(RangeError);
    expect(() => toVersion([1, 2] as unknown as [number, number, number])).toThrow(RangeError);
  });

  it('format as major.minor.patch', () => {
    expect(formatVersion([1n, 2n, 3n])).toBe('1.2.3');
  });
});
