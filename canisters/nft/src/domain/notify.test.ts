import { describe, expect, it } from 'vitest';

import { notifiedBackend } from './notify.js';

describe('notifiedBackend', () => {
  it('is the backend a Lineage token names', () => {
    expect(notifiedBackend([['lineage:manager', { Text: 'm' }], ['lineage:backend', { Text: 'rrkah-fqaaa-aaaaa-aaaaq-cai' }]])).toBe('rrkah-fqaaa-aaaaa-aaaaq-cai');
  });

  it('is nobody for a token without one, or with another kind of value', () => {
    expect(notifiedBackend(undefined)).toBeUndefined();
    expect(notifiedBackend([['name', { Text: 'x' }]])).toBeUndefined();
    expect(notifiedBackend([['lineage:backend', { Nat: 5n }]])).toBeUndefined();
  });
});
