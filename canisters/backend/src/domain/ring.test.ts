import { describe, expect, it } from 'vitest';

import { ringProblem, type Ring } from './ring.js';

/** Distinct principal-like texts (ringProblem compares texts only). */
const principal = (n: number) => `p${n}-cai`;
const ring: Ring = { backend: principal(1), manager: principal(2) };
const others = (n: number) => Array.from({ length: n }, (_, i) => principal(10 + i));

describe('ringProblem', () => {
  it('accepts the ring itself, in any order', () => {
    expect(ringProblem([ring.backend, ring.manager], ring)).toBeUndefined();
    expect(ringProblem([ring.manager, ring.backend], ring)).toBeUndefined();
  });

  it('accepts added controllers up to 10 in all', () => {
    expect(ringProblem([ring.backend, ...others(3), ring.manager], ring)).toBeUndefined();
    expect(ringProblem([ring.backend, ring.manager, ...others(8)], ring)).toBeUndefined();
  });

  it('refuses a list without the backend, naming it', () => {
    const problem = ringProblem([ring.manager, ...others(1)], ring);
    expect(problem).toMatch(/missing: /);
    expect(problem!.split('missing: ')[1]).toBe(ring.backend);
  });

  it('refuses a list without the manager, naming it', () => {
    const problem = ringProblem([ring.backend, ...others(1)], ring);
    expect(problem!.split('missing: ')[1]).toBe(ring.manager);
  });

  it('refuses a list without either, naming both', () => {
    expect(ringProblem(others(2), ring)!.split('missing: ')[1]).toBe(`${ring.backend}, ${ring.manager}`);
    expect(ringProblem([], ring)!.split('missing: ')[1]).toBe(`${ring.backend}, ${ring.manager}`);
  });

  it('refuses more than 10 controllers (the IC limit)', () => {
    expect(ringProblem([ring.backend, ring.manager, ...others(9)], ring)).toBe('a canister has at most 10 controllers');
  });
});
