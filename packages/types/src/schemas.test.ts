import { describe, expect, it } from 'vitest';

import { canisterIdsFile, principalText, semver, sha256Hex } from './schemas.js';

describe('schemas', () => {
  it('accepts principals in textual form and names what is wrong otherwise', () => {
    expect(principalText.parse('aaaaa-aa')).toBe('aaaaa-aa');
    expect(principalText.parse('lxzze-o7777-77777-aaaaa-cai')).toBe('lxzze-o7777-77777-aaaaa-cai');
    expect(principalText.safeParse('LXZZE-o7777').success).toBe(false);
    expect(principalText.safeParse('abc-defgh').success).toBe(false);
    expect(principalText.safeParse('a'.repeat(64)).error?.issues[0]?.message).toMatch(/at most 63/);
  });

  it('parses versions into triples', () => {
    expect(semver.parse('1.20.3')).toEqual([1, 20, 3]);
    expect(semver.safeParse('1.2').success).toBe(false);
    expect(semver.safeParse('01.2.3').success).toBe(false);
  });

  it('checks sha256 digests and canister id files', () => {
    expect(sha256Hex.safeParse('ab'.repeat(32)).success).toBe(true);
    expect(sha256Hex.safeParse('AB'.repeat(32)).success).toBe(false);
    const ids = canisterIdsFile.safeParse({ registry: { local: 'not a principal!' } });
    expect(ids.success).toBe(false);
    expect(ids.error?.issues[0]?.path).toEqual(['registry', 'local']);
  });
});
