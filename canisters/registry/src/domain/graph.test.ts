import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { typeRecord, v, viewOf, wasmRecord } from '../../test/fixtures.js';
import { checkRegistration, descendants, upgradePath, versionsOf, type Registration, type RegistrationError } from './graph.js';
import type { RegistryView, Version, WasmRecord } from './model.js';
import { emptyProgress } from './uploads.js';
import { compareVersions, formatVersion } from './versions.js';

const RUNS = { numRuns: 200 };

// ---- random registries ------------------------------------------------------------------------

interface VersionSpec {
  type: number;
  /** Index into the earlier versions of the same type, or null for a first version. */
  prev: number | null;
  deprecated: boolean;
  verified: boolean;
}

interface RegistrySpec {
  types: number;
  versions: VersionSpec[];
}

const registrySpec: fc.Arbitrary<RegistrySpec> = fc.integer({ min: 1, max: 3 }).chain((types) =>
  fc.record({
    types: fc.constant(types),
    versions: fc.array(
      fc.record({
        type: fc.nat({ max: types - 1 }),
        prev: fc.option(fc.nat({ max: 20 }), { nil: null, freq: 4 }),
        deprecated: fc.nat({ max: 3 }).map((n) => n === 0), // 25 %
        verified: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      }),
      { maxLength: 14 },
    ),
  }),
);

const ns = (i: number) => `org.test.t${i}`;

/**
 * A registry whose links go only to earlier versions of the same type (so version numbers grow
 * along links), with random deprecation and verification. Several versions may share a
 * predecessor: upgradePath must cope with any graph such links can form.
 */
function buildRegistry(spec: RegistrySpec): RegistryView {
  const types = Array.from({ length: spec.types }, (_, i) => typeRecord(ns(i)));
  const byType: WasmRecord[][] = types.map(() => []);
  const wasms: WasmRecord[] = [];
  spec.versions.forEach((s, i) => {
    const earlier = byType[s.type]!;
    const previous = s.prev === null || earlier.length === 0 ? undefined : earlier[s.prev % earlier.length]!;
    const hash = `h${i}`;
    const record = wasmRecord(hash, ns(s.type), v(1, earlier.length, 0), {
      seq: i, previousHash: previous?.hash, deprecated: s.deprecated, calculatedHash: s.verified ? hash : undefined,
    });
    earlier.push(record);
    wasms.push(record);
  });
  return viewOf(types, wasms);
}

/** The chain of versions from `hash` back along `previous_hash` links (independent of graph.ts). */
function ancestry(view: RegistryView, hash: string): WasmRecord[] {
  const chain: WasmRecord[] = [];
  const seen = new Set<string>();
  for (let at = view.wasms.get(hash); at && !seen.has(at.hash); at = at.previousHash === undefined ? undefined : view.wasms.get(at.previousHash)) {
    seen.add(at.hash);
    chain.push(at);
  }
  return chain;
}

/** Whether `target` is reached from `current` by following links forward (i.e. current is a strict ancestor). */
const isStrictAncestor = (view: RegistryView, current: string, target: string) => ancestry(view, target).slice(1).some((w) => w.hash === current);

const isLive = (w: WasmRecord) => !w.deprecated && w.calculatedHash !== undefined;

/** Every (current, target) pair over the registry's hashes plus an unknown hash as current. */
function pairs(view: RegistryView): [string, string][] {
  const hashes = [...view.wasms.keys()];
  return [...hashes, 'unknown'].flatMap((c) => hashes.map((t) => [c, t] as [string, string]));
}

// ---- upgradePath over random graphs -----------------------------------------------------------

describe('upgradePath over random version graphs', () => {
  it('an answered path is a chain of links from current to target, in order', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const [current, target] of pairs(view)) {
          const goal = view.wasms.get(target)!;
          const result = upgradePath(view, goal.namespace, current, target);
          if (!('ok' in result)) continue;
          const steps = result.ok;
          if (current === target) {
            expect(steps).toEqual([]);
            continue;
          }
          expect(steps.length).toBeGreaterThan(0);
          expect(steps[0]!.previousHash).toBe(current);
          for (let i = 1; i < steps.length; i++) expect(steps[i]!.previousHash).toBe(steps[i - 1]!.hash);
          expect(steps[steps.length - 1]!.hash).toBe(target);
          for (const s of steps) expect(s.namespace).toBe(goal.namespace);
          expect(new Set(steps.map((s) => s.hash)).size).toBe(steps.length);
          for (let i = 1; i < steps.length; i++) expect(compareVersions(steps[i]!.version, steps[i - 1]!.version)).toBe(1);
        }
      }),
      RUNS,
    );
  });

  it('never answers a deprecated or unverified step: it answers DeprecatedStep / UnverifiedStep instead', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const [current, target] of pairs(view)) {
          const goal = view.wasms.get(target)!;
          const result = upgradePath(view, goal.namespace, current, target);
          if ('ok' in result) {
            for (const s of result.ok) expect(isLive(s), `step ${s.hash} of ${current} → ${target}`).toBe(true);
            continue;
          }
          const e = result.error;
          if (e.kind === 'DeprecatedStep') expect(view.wasms.get(e.hash)!.deprecated).toBe(true);
          if (e.kind === 'UnverifiedStep') {
            expect(view.wasms.get(e.hash)!.deprecated).toBe(false);
            expect(view.wasms.get(e.hash)!.calculatedHash).toBeUndefined();
          }
          if (e.kind === 'DeprecatedStep' || e.kind === 'UnverifiedStep') expect(e.hash).not.toBe(target);
          // The target itself is judged first.
          if (goal.deprecated) expect(e.kind).toBe('TargetDeprecated');
          else if (goal.calculatedHash === undefined) expect(e.kind).toBe('TargetNotVerified');
        }
      }),
      RUNS,
    );
  });

  it('a path with a bad intermediate step is refused, naming a bad intermediate step', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const [current, target] of pairs(view)) {
          const goal = view.wasms.get(target)!;
          if (!isLive(goal) || !isStrictAncestor(view, current, target)) continue;
          const chain = ancestry(view, target);
          const intermediates = chain.slice(1, chain.findIndex((w) => w.hash === current));
          const bad = intermediates.filter((w) => !isLive(w)).map((w) => w.hash);
          const result = upgradePath(view, goal.namespace, current, target);
          if (bad.length === 0) {
            expect(result).toEqual({ ok: [...intermediates].reverse().concat(goal) });
          } else {
            expect('error' in result).toBe(true);
            const e = (result as { error: { kind: string; hash?: string } }).error;
            expect(['DeprecatedStep', 'UnverifiedStep']).toContain(e.kind);
            expect(bad).toContain(e.hash);
          }
        }
      }),
      RUNS,
    );
  });

  it('answers NoPath only when target is not a descendant of current', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const [current, target] of pairs(view)) {
          const goal = view.wasms.get(target)!;
          const result = upgradePath(view, goal.namespace, current, target);
          if ('error' in result && result.error.kind === 'NoPath') {
            expect(current).not.toBe(target);
            expect(descendants(view, current).has(target)).toBe(false);
          }
        }
      }),
      RUNS,
    );
  });

  it('answers DeprecatedStep / UnverifiedStep only when target is a descendant of current, naming a version between them', () => {
    // The contract: "a path through a deprecated or unverified intermediate version is refused,
    // naming that version". When no path from current to target exists, there is no
    // intermediate version to name: the answer must be NoPath.
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const [current, target] of pairs(view)) {
          const goal = view.wasms.get(target)!;
          const result = upgradePath(view, goal.namespace, current, target);
          if (!('error' in result)) continue;
          const e = result.error;
          if (e.kind !== 'DeprecatedStep' && e.kind !== 'UnverifiedStep') continue;
          expect(descendants(view, current).has(target), `${e.kind} ${e.hash} for ${current} → ${target}, which are not linked`).toBe(true);
          expect(descendants(view, current).has(e.hash)).toBe(true);
          expect(descendants(view, e.hash).has(target)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('answers [] when current is the target (a live, verified target)', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const w of view.wasms.values()) {
          const result = upgradePath(view, w.namespace, w.hash, w.hash);
          if (isLive(w)) expect(result).toEqual({ ok: [] });
          else expect('error' in result).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('refuses targets of another type, unknown targets and unknown types', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const [current, target] of pairs(view)) {
          const goal = view.wasms.get(target)!;
          for (let t = 0; t < spec.types; t++) {
            if (ns(t) === goal.namespace) continue;
            expect(upgradePath(view, ns(t), current, target)).toEqual({ error: { kind: 'UnknownTarget' } });
          }
          expect(upgradePath(view, 'org.test.nope', current, target)).toEqual({ error: { kind: 'UnknownCanisterType' } });
          expect(upgradePath(view, goal.namespace, current, 'missing')).toEqual({ error: { kind: 'UnknownTarget' } });
        }
      }),
      RUNS,
    );
  });

  it('descendants agrees with following links back from every version', () => {
    fc.assert(
      fc.property(registrySpec, (spec) => {
        const view = buildRegistry(spec);
        for (const from of [...view.wasms.keys(), 'unknown']) {
          const expected = [...view.wasms.keys()].filter((h) => isStrictAncestor(view, from, h)).sort();
          expect([...descendants(view, from)].sort()).toEqual(expected);
        }
      }),
      RUNS,
    );
  });
});

// ---- checkRegistration over random graphs -----------------------------------------------------

const smallVersion = fc.tuple(fc.bigInt({ min: 0n, max: 9n }), fc.bigInt({ min: 0n, max: 2n }), fc.bigInt({ min: 0n, max: 1n })) as fc.Arbitrary<Version>;

/** A registration against a registry: any type (or an unknown one), any hash, any link. */
function registrationFor(view: RegistryView, spec: RegistrySpec): fc.Arbitrary<Registration> {
  const hashes = [...view.wasms.keys()];
  const namespaces = [...Array.from({ length: spec.types }, (_, i) => ns(i)), 'org.test.unknown'];
  const existingOr = (fresh: string) => (hashes.length === 0 ? fc.constant(fresh) : fc.oneof(fc.constant(fresh), fc.constantFrom(...hashes)));
  return fc.record({
    namespace: fc.constantFrom(...namespaces),
    version: smallVersion,
    hash: existingOr('new'),
    previousHash: fc.oneof(fc.constant(undefined), fc.constant('unknown-prev'), ...(hashes.length ? [fc.constantFrom(...hashes)] : [])),
  });
}

/** The registry after the canister applies an admitted registration (a replaced record keeps its seq). */
function applyRegistration(view: RegistryView, r: Registration): RegistryView {
  const wasms = new Map(view.wasms);
  const replaced = wasms.get(r.hash);
  const seq = replaced?.seq ?? wasms.size + 1000;
  wasms.set(r.hash, wasmRecord(r.hash, r.namespace, r.version, {
    seq, previousHash: r.previousHash, deprecated: false, calculatedHash: undefined, upload: emptyProgress(),
  }));
  return { ...view, wasms };
}

/** What goes wrong with a registry's links, if anything (an independent statement of the rules). */
function linkProblems(view: RegistryView): string[] {
  const problems: string[] = [];
  for (const w of view.wasms.values()) {
    if (w.previousHash === undefined) continue;
    const previous = view.wasms.get(w.previousHash);
    if (!previous) problems.push(`${w.hash} links to the unknown ${w.previousHash}`);
    else if (previous.namespace !== w.namespace) problems.push(`${w.hash} (${w.namespace}) links across types to ${previous.hash} (${previous.namespace})`);
    else if (compareVersions(w.version, previous.version) <= 0) {
      problems.push(`${w.hash} ${formatVersion(w.version)} is not after its predecessor ${previous.hash} ${formatVersion(previous.version)}`);
    }
    const seen = new Set<string>();
    for (let at: string | undefined = w.hash; at !== undefined; at = view.wasms.get(at)?.previousHash) {
      if (seen.has(at)) {
        problems.push(`${w.hash} is on a cycle`);
        break;
      }
      seen.add(at);
    }
  }
  return problems;
}

function liveClashes(view: RegistryView): string[] {
  const clashes: string[] = [];
  const live = [...view.wasms.values()].filter((w) => !w.deprecated);
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const a = live[i]!, b = live[j]!;
      if (a.namespace !== b.namespace) continue;
      if (compareVersions(a.version, b.version) === 0) clashes.push(`${a.hash} and ${b.hash} are both live ${formatVersion(a.version)}`);
      if (a.previousHash === b.previousHash) clashes.push(`${a.hash} and ${b.hash} both upgrade live from ${a.previousHash ?? '(nothing)'}`);
    }
  }
  return clashes;
}

describe('checkRegistration over random registries', () => {
  const registryAndRegistration = registrySpec.chain((spec) => {
    const view = buildRegistry(spec);
    return fc.tuple(fc.constant(spec), fc.constant(view), registrationFor(view, spec));
  });

  it('never admits an unknown type, a taken hash, an unknown or cross-type link, a version not after its predecessor, or a cycle', () => {
    fc.assert(
      fc.property(registryAndRegistration, ([, view, r]) => {
        if (checkRegistration(view, r) !== undefined) return;
        expect(view.types.has(r.namespace)).toBe(true);
        const existing = view.wasms.get(r.hash);
        if (existing) {
          expect(existing.calculatedHash).toBeUndefined();
          expect(existing.namespace).toBe(r.namespace);
        }
        if (r.previousHash !== undefined) {
          const previous = view.wasms.get(r.previousHash);
          expect(previous).toBeDefined();
          expect(previous!.namespace).toBe(r.namespace);
          expect(compareVersions(r.version, previous!.version)).toBe(1);
          expect(ancestry(view, r.previousHash).some((w) => w.hash === r.hash)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  it('never admits a second live version with the same number or predecessor', () => {
    fc.assert(
      fc.property(registryAndRegistration, ([, view, r]) => {
        if (checkRegistration(view, r) !== undefined) return;
        for (const other of view.wasms.values()) {
          if (other.namespace !== r.namespace || other.deprecated || other.hash === r.hash) continue;
          expect(compareVersions(other.version, r.version)).not.toBe(0);
          expect(other.previousHash).not.toBe(r.previousHash);
        }
      }),
      RUNS,
    );
  });

  it('refuses only for a reason that holds', () => {
    fc.assert(
      fc.property(registryAndRegistration, ([, view, r]) => {
        const e: RegistrationError | undefined = checkRegistration(view, r);
        if (e === undefined) return;
        const previous = r.previousHash === undefined ? undefined : view.wasms.get(r.previousHash);
        switch (e.kind) {
          case 'UnknownCanisterType': expect(view.types.has(r.namespace)).toBe(false); break;
          case 'AlreadyRegistered': {
            const existing = view.wasms.get(r.hash)!;
            expect(e.hash).toBe(r.hash);
            expect(existing.calculatedHash !== undefined || existing.namespace !== r.namespace).toBe(true);
            break;
          }
          case 'UnknownPreviousHash': expect(previous).toBeUndefined(); expect(e.hash).toBe(r.previousHash); break;
          case 'PreviousHashOfAnotherType': expect(previous!.namespace).not.toBe(r.namespace); break;
          case 'UpgradeCycle': expect(ancestry(view, r.previousHash!).some((w) => w.hash === r.hash)).toBe(true); break;
          case 'VersionNotAfterPrevious':
            expect(compareVersions(r.version, previous!.version)).toBeLessThanOrEqual(0);
            expect(e.previous).toEqual(previous!.version);
            break;
          case 'NonDeprecatedWasmFound': {
            const other = view.wasms.get(e.hash)!;
            expect(other.namespace).toBe(r.namespace);
            expect(other.deprecated).toBe(false);
            expect(other.hash).not.toBe(r.hash);
            expect(compareVersions(other.version, r.version) === 0 || other.previousHash === r.previousHash).toBe(true);
            break;
          }
        }
      }),
      RUNS,
    );
  });
});

// ---- registering one by one (metamorphic) -----------------------------------------------------

type Command =
  /** `hash` null: a new hash; a number: an existing hash (registered again, as the canister allows while unverified). */
  | { kind: 'register'; type: number; version: Version; hash: number | null; prev: number | null | 'unknown' }
  /** Registers again an existing unverified version (the canister replaces it), with a new number and link. */
  | { kind: 'reregister'; target: number; version: Version; prev: number | null }
  | { kind: 'deprecate'; target: number }
  | { kind: 'verify'; target: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    kind: fc.constant('register' as const), type: fc.nat({ max: 3 }).map((n) => (n === 3 ? 1 : 0)), version: smallVersion,
    // Indices count back from the newest version, so re-registrations and links to recent
    // versions (where collisions happen) are common.
    hash: fc.option(fc.nat({ max: 6 }), { nil: null, freq: 2 }),
    prev: fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant('unknown' as const) }, { weight: 5, arbitrary: fc.nat({ max: 6 }) }),
  }) },
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('reregister' as const), target: fc.nat({ max: 6 }), version: smallVersion,
    prev: fc.option(fc.nat({ max: 6 }), { nil: null, freq: 3 }),
  }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deprecate' as const), target: fc.nat({ max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('verify' as const), target: fc.nat({ max: 6 }) }) },
);

const commands = fc.array(command, { maxLength: 30, size: 'medium' });

/** Runs the commands as the canister would, registering only what checkRegistration admits. */
function* replay(commands: Command[]): Generator<{ view: RegistryView; step: string }> {
  let view = viewOf([typeRecord(ns(0)), typeRecord(ns(1))], []);
  let fresh = 0;
  for (const c of commands) {
    const hashes = [...view.wasms.keys()];
    const pick = (i: number) => hashes[hashes.length - 1 - (i % hashes.length)]!;
    if (c.kind === 'register') {
      const hash = c.hash === null || hashes.length === 0 ? `n${fresh++}` : pick(c.hash);
      const previousHash = c.prev === null ? undefined : c.prev === 'unknown' || hashes.length === 0 ? 'unknown' : pick(c.prev);
      const r: Registration = { namespace: ns(c.type), version: c.version, hash, previousHash };
      if (checkRegistration(view, r) === undefined) {
        view = applyRegistration(view, r);
        yield { view, step: `register ${hash} ${formatVersion(r.version)} in t${c.type} after ${previousHash ?? '(nothing)'}` };
      }
    } else if (c.kind === 'reregister') {
      // Prefer versions that others already upgrade from: registering those again is the risky case.
      const all = [...view.wasms.values()].filter((w) => w.calculatedHash === undefined);
      const withSuccessors = all.filter((w) => [...view.wasms.values()].some((o) => o.previousHash === w.hash));
      const unverified = withSuccessors.length > 0 && c.target % 2 === 0 ? withSuccessors : all;
      if (unverified.length === 0) continue;
      const again = unverified[unverified.length - 1 - (c.target % unverified.length)]!;
      const r: Registration = { namespace: again.namespace, version: c.version, hash: again.hash, previousHash: c.prev === null ? undefined : pick(c.prev) };
      if (checkRegistration(view, r) === undefined) {
        view = applyRegistration(view, r);
        yield { view, step: `register again ${r.hash} ${formatVersion(r.version)} after ${r.previousHash ?? '(nothing)'}` };
      }
    } else if (hashes.length > 0) {
      const w = view.wasms.get(pick(c.target))!;
      const wasms = new Map(view.wasms);
      wasms.set(w.hash, c.kind === 'deprecate' ? { ...w, deprecated: true } : { ...w, calculatedHash: w.hash });
      view = { ...view, wasms };
      yield { view, step: `${c.kind} ${w.hash}` };
    }
  }
}

describe('registering versions one by one through checkRegistration', () => {
  it('never produces two live versions of a type sharing a predecessor or a version number', () => {
    fc.assert(
      fc.property(commands, (commands) => {
        const steps: string[] = [];
        for (const { view, step } of replay(commands)) {
          steps.push(step);
          expect(liveClashes(view), steps.join('; ')).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('keeps every link sound: known, same type, to a lower version, acyclic', () => {
    fc.assert(
      fc.property(commands, (commands) => {
        const steps: string[] = [];
        for (const { view, step } of replay(commands)) {
          steps.push(step);
          expect(linkProblems(view), steps.join('; ')).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('keeps upgrade paths unambiguous: from any version at most one live next step', () => {
    fc.assert(
      fc.property(commands, (commands) => {
        for (const { view } of replay(commands)) {
          const next = new Map<string, number>();
          for (const w of view.wasms.values()) {
            if (w.deprecated || w.previousHash === undefined) continue;
            next.set(w.previousHash, (next.get(w.previousHash) ?? 0) + 1);
          }
          for (const count of next.values()) expect(count).toBe(1);
        }
      }),
      RUNS,
    );
  });
});

// ---- examples for every error ------------------------------------------------------------------

describe('checkRegistration examples', () => {
  const T = 'org.lineage.backend';
  const U = 'org.lineage.frontend';
  const base = () => {
    const a = wasmRecord('a', T, v(1, 0, 0));
    const b = wasmRecord('b', T, v(1, 1, 0), { previousHash: 'a' });
    const u = wasmRecord('u', U, v(1, 0, 0));
    return viewOf([typeRecord(T), typeRecord(U)], [a, b, u]);
  };
  const reg = (hash: string, version: Version, previousHash?: string, namespace = T): Registration => ({ namespace, version, hash, previousHash });

  it('admits the next version after the tip', () => {
    expect(checkRegistration(base(), reg('c', v(1, 2, 0), 'b'))).toBeUndefined();
  });

  it('UnknownCanisterType', () => {
    expect(checkRegistration(base(), reg('c', v(1, 2, 0), 'b', 'org.nope'))).toEqual({ kind: 'UnknownCanisterType' });
  });

  it('AlreadyRegistered: a verified hash, or an unverified hash of another type', () => {
    expect(checkRegistration(base(), reg('b', v(1, 5, 0), 'a'))).toEqual({ kind: 'AlreadyRegistered', hash: 'b' });
    const view = base();
    view.wasms.set('x', wasmRecord('x', U, v(2, 0, 0), { calculatedHash: undefined, previousHash: 'u' }));
    expect(checkRegistration(view, reg('x', v(1, 5, 0), 'b'))).toEqual({ kind: 'AlreadyRegistered', hash: 'x' });
  });

  it('an unverified hash of the same type may be registered again (replaced)', () => {
    const view = base();
    view.wasms.set('c', wasmRecord('c', T, v(1, 2, 0), { calculatedHash: undefined, previousHash: 'b' }));
    expect(checkRegistration(view, reg('c', v(1, 2, 1), 'b'))).toBeUndefined();
  });

  it('UnknownPreviousHash', () => {
    expect(checkRegistration(base(), reg('c', v(1, 2, 0), 'zz'))).toEqual({ kind: 'UnknownPreviousHash', hash: 'zz' });
  });

  it('registering an unverified version again keeps it below the versions that upgrade from it', () => {
    // a 1.0.0 ← c 1.2.0 (unverified) ← d 1.3.0: registering c again as 1.4.0 would leave d
    // upgrading from a higher version ("previous_hash names ... a lower version").
    const view = base();
    view.wasms.set('c', wasmRecord('c', T, v(1, 2, 0), { calculatedHash: undefined, previousHash: 'b' }));
    view.wasms.set('d', wasmRecord('d', T, v(1, 3, 0), { calculatedHash: undefined, previousHash: 'c' }));
    const again = reg('c', v(1, 4, 0), 'b');
    const e = checkRegistration(view, again);
    if (e === undefined) expect(linkProblems(applyRegistration(view, again))).toEqual([]);
    // Still allowed: a number that stays below its successors.
    expect(checkRegistration(view, reg('c', v(1, 2, 5), 'b'))).toBeUndefined();
  });

  it('PreviousHashOfAnotherType', () => {
    expect(checkRegistration(base(), reg('c', v(2, 0, 0), 'u'))).toEqual({ kind: 'PreviousHashOfAnotherType', hash: 'u' });
  });

  it('UpgradeCycle: re-registering an unverified version after its own descendant, or after itself', () => {
    const view = base();
    view.wasms.set('c', wasmRecord('c', T, v(1, 2, 0), { calculatedHash: undefined, previousHash: 'b' }));
    view.wasms.set('d', wasmRecord('d', T, v(1, 3, 0), { calculatedHash: undefined, previousHash: 'c' }));
    expect(checkRegistration(view, reg('c', v(1, 4, 0), 'd'))).toEqual({ kind: 'UpgradeCycle', hash: 'd' });
    expect(checkRegistration(view, reg('c', v(1, 4, 0), 'c'))).toEqual({ kind: 'UpgradeCycle', hash: 'c' });
  });

  it('VersionNotAfterPrevious: equal or lower than the predecessor', () => {
    expect(checkRegistration(base(), reg('c', v(1, 1, 0), 'b'))).toEqual({ kind: 'VersionNotAfterPrevious', previous: v(1, 1, 0) });
    expect(checkRegistration(base(), reg('c', v(1, 0, 9), 'b'))).toEqual({ kind: 'VersionNotAfterPrevious', previous: v(1, 1, 0) });
  });

  it('NonDeprecatedWasmFound: a live version with the same number, or the same predecessor', () => {
    expect(checkRegistration(base(), reg('c', v(1, 1, 0), 'a'))).toEqual({ kind: 'NonDeprecatedWasmFound', hash: 'b' });
    expect(checkRegistration(base(), reg('c', v(1, 9, 0), 'a'))).toEqual({ kind: 'NonDeprecatedWasmFound', hash: 'b' });
    // The number clashes across branches too.
    expect(checkRegistration(base(), reg('c', v(1, 0, 0), undefined))).toEqual({ kind: 'NonDeprecatedWasmFound', hash: 'a' });
  });

  it('a second live first version (no predecessor) counts as a shared predecessor', () => {
    expect(checkRegistration(base(), reg('c', v(0, 9, 0), undefined))).toEqual({ kind: 'NonDeprecatedWasmFound', hash: 'a' });
  });

  it('a deprecated version does not clash: a publisher routes around it', () => {
    const view = base();
    view.wasms.set('b', { ...view.wasms.get('b')!, deprecated: true });
    expect(checkRegistration(view, reg('c', v(1, 1, 0), 'a'))).toBeUndefined();
    expect(checkRegistration(view, reg('c', v(1, 2, 0), 'a'))).toBeUndefined();
  });

  it('another type does not clash', () => {
    expect(checkRegistration(base(), reg('c', v(1, 0, 0), undefined, U))).toEqual({ kind: 'NonDeprecatedWasmFound', hash: 'u' });
    const view = base();
    view.wasms.delete('u');
    expect(checkRegistration(view, reg('c', v(1, 0, 0), undefined, U))).toBeUndefined();
  });
});

describe('upgradePath examples', () => {
  const T = 'org.lineage.backend';
  const chain = () => {
    const v1 = wasmRecord('v1', T, v(1, 0, 0));
    const v2 = wasmRecord('v2', T, v(2, 0, 0), { previousHash: 'v1' });
    const v3 = wasmRecord('v3', T, v(3, 0, 0), { previousHash: 'v2' });
    return viewOf([typeRecord(T), typeRecord('org.other')], [v1, v2, v3]);
  };
  const hashes = (r: ReturnType<typeof upgradePath>) => ('ok' in r ? r.ok.map((w) => w.hash) : r.error);

  it('follows links from current to target', () => {
    expect(hashes(upgradePath(chain(), T, 'v1', 'v3'))).toEqual(['v2', 'v3']);
    expect(hashes(upgradePath(chain(), T, 'v2', 'v3'))).toEqual(['v3']);
    expect(hashes(upgradePath(chain(), T, 'v1', 'v2'))).toEqual(['v2']);
    expect(hashes(upgradePath(chain(), T, 'v3', 'v3'))).toEqual([]);
  });

  it('UnknownCanisterType, UnknownTarget', () => {
    expect(upgradePath(chain(), 'org.nope', 'v1', 'v3')).toEqual({ error: { kind: 'UnknownCanisterType' } });
    expect(upgradePath(chain(), T, 'v1', 'v9')).toEqual({ error: { kind: 'UnknownTarget' } });
    expect(upgradePath(chain(), 'org.other', 'v1', 'v3')).toEqual({ error: { kind: 'UnknownTarget' } });
  });

  it('TargetDeprecated, TargetNotVerified (also when current is the target)', () => {
    const view = chain();
    view.wasms.set('v3', { ...view.wasms.get('v3')!, deprecated: true });
    expect(upgradePath(view, T, 'v1', 'v3')).toEqual({ error: { kind: 'TargetDeprecated' } });
    expect(upgradePath(view, T, 'v3', 'v3')).toEqual({ error: { kind: 'TargetDeprecated' } });
    const unverified = chain();
    unverified.wasms.set('v3', { ...unverified.wasms.get('v3')!, calculatedHash: undefined });
    expect(upgradePath(unverified, T, 'v1', 'v3')).toEqual({ error: { kind: 'TargetNotVerified' } });
  });

  it('NoPath: a downgrade, an unknown current module, a module on another branch', () => {
    expect(upgradePath(chain(), T, 'v3', 'v1')).toEqual({ error: { kind: 'NoPath' } });
    expect(upgradePath(chain(), T, 'elsewhere', 'v3')).toEqual({ error: { kind: 'NoPath' } });
    const view = chain();
    view.wasms.set('w2', wasmRecord('w2', T, v(2, 1, 0), { previousHash: 'v1' }));
    expect(upgradePath(view, T, 'w2', 'v3')).toEqual({ error: { kind: 'NoPath' } });
  });

  it('DeprecatedStep and UnverifiedStep name the intermediate version', () => {
    const deprecated = chain();
    deprecated.wasms.set('v2', { ...deprecated.wasms.get('v2')!, deprecated: true });
    expect(upgradePath(deprecated, T, 'v1', 'v3')).toEqual({ error: { kind: 'DeprecatedStep', hash: 'v2' } });
    // From the deprecated version itself the path is fine: it is what is installed, not a step.
    expect(hashes(upgradePath(deprecated, T, 'v2', 'v3'))).toEqual(['v3']);
    const unverified = chain();
    unverified.wasms.set('v2', { ...unverified.wasms.get('v2')!, calculatedHash: undefined });
    expect(upgradePath(unverified, T, 'v1', 'v3')).toEqual({ error: { kind: 'UnverifiedStep', hash: 'v2' } });
  });

  it('a version whose link skips a deprecated step routes around it', () => {
    const view = chain();
    view.wasms.set('v2', { ...view.wasms.get('v2')!, deprecated: true });
    const skip: Registration = { namespace: T, version: v(3, 1, 0), hash: 'v31', previousHash: 'v1' };
    expect(checkRegistration(view, skip)).toBeUndefined();
    view.wasms.set('v31', wasmRecord('v31', T, v(3, 1, 0), { previousHash: 'v1' }));
    expect(hashes(upgradePath(view, T, 'v1', 'v31'))).toEqual(['v31']);
  });

  it('NoPath, not a step error, when current is not linked to target even if target has a deprecated ancestor', () => {
    const view = chain();
    view.wasms.set('v2', { ...view.wasms.get('v2')!, deprecated: true });
    expect(upgradePath(view, T, 'elsewhere', 'v3')).toEqual({ error: { kind: 'NoPath' } });
  });

  it('versionsOf lists a type in registration order', () => {
    const view = chain();
    view.wasms.set('v0', wasmRecord('v0', T, v(0, 1, 0), { seq: -1 }));
    expect(versionsOf(view, view.types.get(T)!).map((w) => w.hash)).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(versionsOf(view, view.types.get('org.other')!)).toEqual([]);
  });
});
