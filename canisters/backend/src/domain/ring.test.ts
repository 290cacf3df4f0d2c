import { describe, expect, it } from 'vitest';

import { isExactRing, ringProblem, type Ring } from './ring.js';

/** Distinct principal-like texts (ringProblem compares texts only). */
const principal = (n: number) => `p${n}-cai`;
const ring: Ring = { backend: principal(1), manager: principal(2) };
const others = (n: number) => Array.from({ length: n }, (_, i) => principal(10 + i));

describe('ringProblem', () => {
  it('accepts the ring itself, in any order', () => {
    expect(ringProblem([ring.backend, ring.manager], ring)).toBeUndefined();
    expect(ringProblem([ring.manager, ring.backend], ring)).toBeUndefined();
  });

  it('refuses any controller beyond the ring, naming it (a seller would keep the dapp through it)', () => {
    expect(ringProblem([ring.backend, others(1)[0]!, ring.manager], ring)).toMatch(new RegExp(`not allowed: ${others(1)[0]}$`));
    expect(ringProblem([ring.backend, ring.manager, ...others(8)], ring)).toMatch(/not allowed/);
    expect(isExactRing([ring.backend, ring.manager, ring.backend], ring)).toBe(true);
    expect(isExactRing([ring.backend, ring.manager, others(1)[0]!], ring)).toBe(false);
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

});
