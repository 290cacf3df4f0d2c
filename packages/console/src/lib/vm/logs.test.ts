import { describe, expect, it } from 'vitest';

import { logWords } from './logs.js';

describe('a verified log in words', () => {
  it('counts entries and names the certified latest one, hash shortened', () => {
    expect(logWords(28, 27n, 'fc62a22d2f1c6e75'.repeat(4))).toBe('28 entries, each linked to the one before; the latest (number 27, fc62a22d…6e75) is certified by the Internet Computer (certificate checked against the network\'s key)');
    expect(logWords(1, 0n)).toMatch(/^1 entry, .*latest \(number 0\)/);
    expect(logWords(0)).toMatch(/^empty/);
  });
});
