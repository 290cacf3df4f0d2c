import { describe, expect, it } from 'vitest';

import { failed, info, reason, summarise, verified } from './check.js';

describe('check lines', () => {
  it('is green only when every line verified', () => {
    expect(summarise([verified('a', ''), verified('b', '')])).toBe('verified');
    expect(summarise([verified('a', ''), info('b', '')])).toBe('info');
    expect(summarise([verified('a', ''), failed('b', '')])).toBe('failed');
    expect(summarise([])).toBe('info');
  });
  it('keeps the certificate failure of a long agent error', () => {
    const e = new Error('Call failed:\n  Request ID: 12\nInvalid certificate: Signature verification failed\n more');
    expect(reason(e)).toBe('Invalid certificate: Signature verification failed');
    expect(reason(new Error('Call was rejected:\n  Reject code: 3\n  Reject text: Canister has no query method'))).toBe('Canister has no query method');
  });
});
