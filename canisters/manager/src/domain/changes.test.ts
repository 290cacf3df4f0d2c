import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { BACKEND, controllersChange, deployment, h, MANAGER, OUTSIDER } from '../../test/fixtures.js';
import { newChanges, reconcileDeployment, type CanisterInfoView } from './changes.js';
import type { ObservedChange } from './model.js';

const RUNS = { numRuns: 200 };

/** The IC's guarantee: `canister_info` shows at least the 20 most recent changes. */
const IC_WINDOW = 20;

/** A history of `total` changes (change n has canister version n), of which the last `window` are shown. */
function historyOf(total: number): ObservedChange[] {
  return Array.from({ length: total }, (_, n) => controllersChange(BigInt(n), OUTSIDER));
}

function view(all: ObservedChange[], window = IC_WINDOW): CanisterInfoView {
  return { totalChanges: BigInt(all.length), recent: all.slice(Math.max(0, all.length - window)) };
}

const versions = (changes: ObservedChange[]) => changes.map((c) => Number(c.canisterVersion));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('newChanges', () => {
  it('answers the example of its doc comment', () => {
    const all = historyOf(5);
    expect(newChanges(3n, { totalChanges: 5n, recent: all })).toEqual({ changes: all.slice(3), gap: undefined, seen: 5n });
  });

  it('answers every shown change when the seen ones are before the shown window, with a gap for those lost', () => {
    // 30 changes, the last 20 shown (10 … 29); 4 seen: 4 … 9 are lost.
    const r = newChanges(4n, view(historyOf(30)));
    expect(versions(r.changes)).toEqual(range(10, 30));
    expect(r.gap).toEqual({ missed: 6n, lastSeen: 4n, nowTotal: 30n });
    expect(r.seen).toBe(30n);
  });

  it('answers no gap when the seen ones end exactly where the shown window begins', () => {
    const r = newChanges(10n, view(historyOf(30)));
    expect(versions(r.changes)).toEqual(range(10, 30));
    expect(r.gap).toBeUndefined();
    expect(r.seen).toBe(30n);
  });

  it('answers only the changes after the seen ones when they end inside the shown window', () => {
    const r = newChanges(25n, view(historyOf(30)));
    expect(versions(r.changes)).toEqual(range(25, 30));
    expect(r.gap).toBeUndefined();
    expect(r.seen).toBe(30n);
  });

  it('answers nothing when every change was seen (equal totals)', () => {
    expect(newChanges(30n, view(historyOf(30)))).toEqual({ changes: [], gap: undefined, seen: 30n });
    expect(newChanges(0n, view(historyOf(0)))).toEqual({ changes: [], gap: undefined, seen: 0n });
  });

  it('answers nothing and keeps its count when it has seen more than the IC reports', () => {
    expect(newChanges(40n, view(historyOf(30)))).toEqual({ changes: [], gap: undefined, seen: 40n });
  });

  it('answers every change of a young canister, all of them shown', () => {
    const r = newChanges(0n, view(historyOf(3)));
    expect(versions(r.changes)).toEqual([0, 1, 2]);
    expect(r.gap).toBeUndefined();
  });

  it('reports a gap when more changes happened since the last read than the IC shows', () => {
    // Seen 5; 26 more happened (total 31); only 20 are shown, so 6 were missed.
    const r = newChanges(5n, view(historyOf(31)));
    expect(r.gap).toEqual({ missed: 6n, lastSeen: 5n, nowTotal: 31n });
    expect(versions(r.changes)).toEqual(range(11, 31));
    expect(r.seen).toBe(31n);
  });

  it('copes with a canister_info that shows fewer changes than it has (a short window)', () => {
    const r = newChanges(2n, view(historyOf(10), 3));
    expect(r.gap).toEqual({ missed: 5n, lastSeen: 2n, nowTotal: 10n });
    expect(versions(r.changes)).toEqual([7, 8, 9]);
  });
});

describe('newChanges over a growing history', () => {
  /** Bursts of changes between successive reads, and the number of changes each read shows. */
  const reads = fc.record({
    bursts: fc.array(fc.oneof(fc.nat({ max: IC_WINDOW }), fc.integer({ min: IC_WINDOW + 1, max: 3 * IC_WINDOW })), { maxLength: 12 }),
    window: fc.oneof(fc.constant(IC_WINDOW), fc.integer({ min: 1, max: 2 * IC_WINDOW })),
  });

  it('never answers a change twice, keeps order, accounts for every change, and seen equals the total', () => {
    fc.assert(
      fc.property(reads, ({ bursts, window }) => {
        const all: ObservedChange[] = [];
        let seen = 0n;
        const recorded: number[] = [];
        let missed = 0n;
        for (const burst of bursts) {
          const before = all.length;
          all.push(...historyOf(before + burst).slice(before));
          const r = newChanges(seen, view(all, window));
          expect(r.seen).toBe(BigInt(all.length));
          const got = versions(r.changes);
          if (burst <= window) {
            // Everything since the last read is still shown: all of it, nothing else, no gap.
            expect(got).toEqual(range(before, all.length));
            expect(r.gap).toBeUndefined();
          } else {
            expect(got).toEqual(range(all.length - window, all.length));
            expect(r.gap).toEqual({ missed: BigInt(burst - window), lastSeen: BigInt(before), nowTotal: BigInt(all.length) });
          }
          recorded.push(...got);
          missed += r.gap?.missed ?? 0n;
          seen = r.seen;
        }
        expect(new Set(recorded).size).toBe(recorded.length);
        expect(recorded).toEqual([...recorded].sort((a, b) => a - b));
        expect(BigInt(recorded.length) + missed).toBe(BigInt(all.length));
      }),
      RUNS,
    );
  });
});

describe('reconcileDeployment', () => {
  const target = h('v2');
  const before = h('v1');

  it('finds our deployment by module hash and installer, with nothing else new', () => {
    const all = [...historyOf(3), deployment(3n, target, MANAGER)];
    const r = reconcileDeployment(3n, view(all), target, MANAGER);
    expect(r.ours).toEqual(all[3]);
    expect(r.before).toEqual([]);
    expect(r.after).toEqual([]);
    expect(r.seen).toBe(4n);
    expect(r.gap).toBeUndefined();
  });

  it('separates changes other controllers made before and after ours', () => {
    const all = [
      ...historyOf(2),
      controllersChange(2n, OUTSIDER),
      deployment(3n, before, OUTSIDER),
      deployment(4n, target, MANAGER),
      controllersChange(5n, BACKEND),
    ];
    const r = reconcileDeployment(2n, view(all), target, MANAGER);
    expect(r.ours).toEqual(all[4]);
    expect(versions(r.before)).toEqual([2, 3]);
    expect(versions(r.after)).toEqual([5]);
    expect(versions(r.changes)).toEqual([2, 3, 4, 5]);
  });

  it('does not take a deployment of the same hash by someone else for ours', () => {
    const all = [...historyOf(1), deployment(1n, target, OUTSIDER)];
    const r = reconcileDeployment(1n, view(all), target, MANAGER);
    expect(r.ours).toBeUndefined();
    expect(versions(r.before)).toEqual([1]);
    expect(r.after).toEqual([]);
  });

  it('does not take a deployment of another hash by the installer for ours', () => {
    const all = [...historyOf(1), deployment(1n, before, MANAGER)];
    const r = reconcileDeployment(1n, view(all), target, MANAGER);
    expect(r.ours).toBeUndefined();
    expect(versions(r.before)).toEqual([1]);
  });

  it('takes the last matching deployment when the same hash was deployed twice by the installer', () => {
    const all = [deployment(0n, target, MANAGER), controllersChange(1n, OUTSIDER), deployment(2n, target, MANAGER)];
    const r = reconcileDeployment(0n, view(all), target, MANAGER);
    expect(r.ours).toEqual(all[2]);
    expect(versions(r.before)).toEqual([0, 1]);
  });

  it('answers no ours, every new change as before, when our change is not shown', () => {
    const r = reconcileDeployment(2n, view(historyOf(5)), target, MANAGER);
    expect(r.ours).toBeUndefined();
    expect(versions(r.before)).toEqual([2, 3, 4]);
    expect(r.after).toEqual([]);
    expect(r.seen).toBe(5n);
  });

  it('does not find ours among changes already seen', () => {
    const all = [deployment(0n, target, MANAGER), controllersChange(1n, OUTSIDER)];
    const r = reconcileDeployment(1n, view(all), target, MANAGER);
    expect(r.ours).toBeUndefined();
    expect(versions(r.before)).toEqual([1]);
  });

  it('keeps the gap of newChanges', () => {
    const all = [...historyOf(30), deployment(30n, target, MANAGER)];
    const r = reconcileDeployment(2n, view(all), target, MANAGER);
    expect(r.gap).toEqual({ missed: 9n, lastSeen: 2n, nowTotal: 31n });
    expect(r.ours).toEqual(all[30]);
    expect(versions(r.before)).toEqual(range(11, 30));
  });

  it('partitions the new changes: before, ours, after, in order', () => {
    const change = fc.oneof(
      fc.constantFrom(MANAGER, OUTSIDER).map((by) => ({ kind: 'deploy' as const, by, hash: target })),
      fc.constantFrom(MANAGER, OUTSIDER).map((by) => ({ kind: 'deploy' as const, by, hash: before })),
      fc.constant({ kind: 'controllers' as const, by: BACKEND, hash: '' }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), fc.nat({ max: 30 }), (specs, seenRaw) => {
        const all = specs.map((s, n) => (s.kind === 'deploy' ? deployment(BigInt(n), s.hash, s.by) : controllersChange(BigInt(n), s.by)));
        const seen = BigInt(Math.min(seenRaw, all.length));
        const r = reconcileDeployment(seen, view(all), target, MANAGER);
        const joined = [...r.before, ...(r.ours ? [r.ours] : []), ...r.after];
        expect(joined).toEqual(r.changes);
        const isOurs = (c: ObservedChange) => c.details.kind === 'code_deployment' && c.details.moduleHash === target && c.origin.principal === MANAGER;
        if (r.ours) {
          expect(isOurs(r.ours)).toBe(true);
          expect(r.after.some(isOurs)).toBe(false);
        } else {
          expect(r.changes.some(isOurs)).toBe(false);
          expect(r.after).toEqual([]);
        }
      }),
      RUNS,
    );
  });
});
