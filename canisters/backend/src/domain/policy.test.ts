import { describe, expect, it } from 'vitest';

import { MAX_POLICY_VERIFIERS, policyRequestProblem } from './policy.js';

describe('policyRequestProblem', () => {
  it('accepts no policy and k of n', () => {
    expect(policyRequestProblem(undefined)).toBeUndefined();
    expect(policyRequestProblem({ threshold: 2, verifiers: ['a', 'b'] })).toBeUndefined();
  });
  it('refuses an empty list, too many verifiers and impossible thresholds', () => {
    expect(policyRequestProblem({ threshold: 1, verifiers: [] })).toMatch(/at least one/);
    expect(policyRequestProblem({ threshold: 1, verifiers: Array.from({ length: MAX_POLICY_VERIFIERS + 1 }, (_, i) => `v${i}`) })).toMatch(/at most/);
    expect(policyRequestProblem({ threshold: 0, verifiers: ['a'] })).toMatch(/between 1 and/);
    expect(policyRequestProblem({ threshold: 2, verifiers: ['a'] })).toMatch(/between 1 and/);
  });
});
