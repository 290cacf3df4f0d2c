import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { blockToEntry, eventToTx } from './history.js';
import type { Step } from './model.js';
import { explainUntrusted, MAX_TRUSTED_VERIFIERS, policyProblem, untrustedStep, untrustedSteps, type Filing } from './trust.js';

const p = (n: number) => Principal.fromUint8Array(Uint8Array.from([n, 1, 2])).toText();
const [a, b, c, stranger] = [p(1), p(2), p(3), p(9)];
const step = (to: string): Step => ({ from: '00'.repeat(32), to, version: [1n, 2n, 3n] });
const h1 = '11'.repeat(32);
const h2 = '22'.repeat(32);
const filing = (verifier: string, outcome: Filing['outcome'] = 'attested'): Filing => ({ verifier, outcome });

describe('policyProblem', () => {
  it('accepts k of n named verifiers', () => {
    expect(policyProblem({ threshold: 2, verifiers: [a, b, c] })).toBeUndefined();
  });
  it('refuses empty, repeated, anonymous, oversized lists and impossible thresholds', () => {
    expect(policyProblem({ threshold: 1, verifiers: [] })).toMatch(/at least one verifier/);
    expect(policyProblem({ threshold: 1, verifiers: [a, a] })).toMatch(/twice/);
    expect(policyProblem({ threshold: 1, verifiers: ['2vxsx-fae'] })).toMatch(/anonymous/);
    expect(policyProblem({ threshold: 1, verifiers: Array.from({ length: MAX_TRUSTED_VERIFIERS + 1 }, (_, i) => p(i + 10)) })).toMatch(/at most/);
    expect(policyProblem({ threshold: 0, verifiers: [a] })).toMatch(/at least 1/);
    expect(policyProblem({ threshold: 3, verifiers: [a, b] })).toMatch(/exceeds/);
  });
});

describe('untrustedStep', () => {
  const policy = { threshold: 2, verifiers: [a, b, c] };
  it('requires nothing without a policy', () => {
    expect(untrustedStep(undefined, step(h1), [])).toBeUndefined();
  });
  it('trusts a version with k attestations from named verifiers', () => {
    expect(untrustedStep(policy, step(h1), [filing(a), filing(c)])).toBeUndefined();
  });
  it('names what is missing', () => {
    expect(untrustedStep(policy, step(h1), [filing(a)])).toEqual({ hash: h1, version: [1n, 2n, 3n], attestedBy: [a], divergedBy: [], needed: 2 });
  });
  it('ignores strangers, attesting or diverging', () => {
    expect(untrustedStep(policy, step(h1), [filing(a), filing(stranger)])).toMatchObject({ attestedBy: [a] });
    expect(untrustedStep(policy, step(h1), [filing(a), filing(b), filing(stranger, 'diverged')])).toBeUndefined();
  });
  it('refuses a version a named verifier diverged on, however many attested', () => {
    expect(untrustedStep({ threshold: 1, verifiers: [a, b, c] }, step(h1), [filing(a), filing(b), filing(c, 'diverged')]))
      .toMatchObject({ attestedBy: [a, b], divergedBy: [c] });
  });
  it('checks every step and names each one missing', () => {
    const filings = new Map([[h1, [filing(a), filing(b)]], [h2, [filing(a)]]]);
    const missing = untrustedSteps(policy, [step(h1), step(h2)], (h) => filings.get(h) ?? []);
    expect(missing.map((m) => m.hash)).toEqual([h2]);
    expect(explainUntrusted(missing[0]!)).toMatch(/1\.2\.3 .* has 1 of 2 attestations/);
  });
});

describe('the history block', () => {
  it('round-trips a policy and its removal', () => {
    const canister = p(7);
    for (const policy of [{ threshold: 2, verifiers: [a, b] }, undefined]) {
      const { btype, tx } = eventToTx(canister, { kind: 'trust_policy', policy, requestedBy: c });
      expect(btype).toBe('lineage_trust_policy');
      const block = { Map: [['btype', { Text: btype }], ['ts', { Nat: 5n }], ['tx', { Map: tx }]] } as never;
      expect(blockToEntry(3n, block)).toEqual({ index: 3n, time: 5n, canister, event: { kind: 'trust_policy', policy, requestedBy: c } });
    }
  });
});
