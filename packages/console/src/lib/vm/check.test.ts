import { describe, expect, it } from 'vitest';

import { failed, info, reason, summarise, verified } from './check.js';
import { progressText } from './mine.js';

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

describe('upgrade progress in words', () => {
  it('names each state', () => {
    expect(progressText({ state: 'scheduled', operation: 4n, steps: 1 })).toContain('scheduled');
    expect(progressText({ state: 'running', operation: 4n, step: 0, steps: 2 })).toContain('step 1 of 2');
    expect(progressText({ state: 'completed', operation: 4n, steps: 1, entries: [7n] })).toBe('operation 4: completed (1 step(s)); history entry 7');
    expect(progressText({ state: 'failed', reason: 'refused: x does not hold this dapp\'s NFT' })).toBe('failed — refused: x does not hold this dapp\'s NFT');
  });
});
