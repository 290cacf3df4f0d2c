import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { h, registryVersion, v } from '../../test/fixtures.js';
import type { RegistryVersion } from './model.js';
import { checkTarget, explainPathError, stepsFromPath, type PathError } from './plan.js';

const RUNS = { numRuns: 200 };

const v1 = registryVersion(h('v1'), { version: v(1, 0, 0) });
const v2 = registryVersion(h('v2'), { version: v(2, 0, 0), previousHash: v1.hash });
const v3 = registryVersion(h('v3'), { version: v(3, 0, 0), previousHash: v2.hash });
const v4 = registryVersion(h('v4'), { version: v(4, 0, 0), previousHash: v3.hash });
const mapOf = (...versions: RegistryVersion[]) => new Map(versions.map((x) => [x.hash, x]));

describe('checkTarget', () => {
  it('refuses a version the registry does not know, naming the requested hash', () => {
    expect(checkTarget(v1.hash, h('nowhere'), undefined)).toEqual({ kind: 'VersionNotFound', hash: h('nowhere') });
  });

  it('refuses a deprecated version, even one that would follow directly', () => {
    const deprecated = { ...v2, deprecated: true };
    expect(checkTarget(v1.hash, v2.hash, deprecated)).toEqual({ kind: 'Deprecated', hash: v2.hash });
  });

  it('refuses an unverified version, even one that would follow directly', () => {
    const unverified = { ...v2, verified: false };
    expect(checkTarget(v1.hash, v2.hash, unverified)).toEqual({ kind: 'NotVerified', hash: v2.hash });
  });

  it('refuses an empty canister: it has no module to upgrade from', () => {
    const r = checkTarget(undefined, v2.hash, v2);
    expect(r).toMatchObject({ kind: 'NoUpgradePath', from: undefined, to: v2.hash });
    expect((r as { reason: string }).reason).toMatch(/no module/);
    // Also when the target is a first version (no previous_hash): install is not an upgrade.
    expect(checkTarget(undefined, v1.hash, v1)).toMatchObject({ kind: 'NoUpgradePath', from: undefined, to: v1.hash });
  });

  it('refuses a canister that already runs the target', () => {
    expect(checkTarget(v2.hash, v2.hash, v2)).toEqual({ kind: 'AlreadyAtVersion', hash: v2.hash });
  });

  it('answers one step when the target upgrades directly from the running module', () => {
    expect(checkTarget(v1.hash, v2.hash, v2)).toEqual({ steps: [{ from: v1.hash, to: v2.hash, version: v(2, 0, 0) }] });
  });

  it('asks for the registry path when the target does not follow directly', () => {
    expect(checkTarget(v1.hash, v3.hash, v3)).toEqual({ needsPath: true });
    // A first version (no previous_hash) over a running module, and an unknown running module.
    expect(checkTarget(v2.hash, v1.hash, v1)).toEqual({ needsPath: true });
    expect(checkTarget(h('foreign'), v2.hash, v2)).toEqual({ needsPath: true });
  });

  it('answers steps only for a live target that upgrades directly from the running module', () => {
    const hashes = [h('a'), h('b'), h('c')];
    const hash = fc.constantFrom(...hashes);
    fc.assert(
      fc.property(fc.option(hash, { nil: undefined }), hash, fc.option(hash, { nil: undefined }), fc.boolean(), fc.boolean(), (current, target, previous, verified, deprecated) => {
        const record = registryVersion(target, { previousHash: previous, verified, deprecated });
        const r = checkTarget(current, target, record);
        if ('steps' in r) {
          expect(verified && !deprecated).toBe(true);
          expect(current).toBeDefined();
          expect(current).toBe(previous);
          expect(current).not.toBe(target);
          expect(r.steps).toEqual([{ from: current, to: target, version: record.version }]);
        } else if ('needsPath' in r) {
          expect(verified && !deprecated && current !== undefined && current !== target && previous !== current).toBe(true);
        } else {
          expect(verified && !deprecated && current !== undefined && current !== target && previous === current).toBe(false);
        }
      }),
      RUNS,
    );
  });
});

describe('stepsFromPath', () => {
  const all = mapOf(v1, v2, v3, v4);

  it('turns a correct multi-step path into chained steps', () => {
    expect(stepsFromPath(v1.hash, v4.hash, [v2.hash, v3.hash, v4.hash], all)).toEqual({
      steps: [
        { from: v1.hash, to: v2.hash, version: v(2, 0, 0) },
        { from: v2.hash, to: v3.hash, version: v(3, 0, 0) },
        { from: v3.hash, to: v4.hash, version: v(4, 0, 0) },
      ],
    });
  });

  it('accepts a one-step path', () => {
    expect(stepsFromPath(v2.hash, v3.hash, [v3.hash], all)).toEqual({ steps: [{ from: v2.hash, to: v3.hash, version: v(3, 0, 0) }] });
  });

  it('answers AlreadyAtVersion for an empty path when the canister runs the target', () => {
    expect(stepsFromPath(v3.hash, v3.hash, [], all)).toEqual({ kind: 'AlreadyAtVersion', hash: v3.hash });
  });

  it('refuses an empty path when the canister runs another module (a path that leads nowhere)', () => {
    // The manager asks for a path only when the canister does not run the target, so an empty
    // answer cannot be taken to mean "already there".
    expect(stepsFromPath(v1.hash, v3.hash, [], all)).toMatchObject({ kind: 'NoUpgradePath', from: v1.hash, to: v3.hash });
  });

  it('refuses a path that does not end at the target', () => {
    const r = stepsFromPath(v1.hash, v4.hash, [v2.hash, v3.hash], all);
    expect(r).toMatchObject({ kind: 'NoUpgradePath', from: v1.hash, to: v4.hash });
    expect((r as { reason: string }).reason).toMatch(/does not end at the target/);
  });

  it('refuses a path through a deprecated intermediate version, naming it', () => {
    const r = stepsFromPath(v1.hash, v4.hash, [v2.hash, v3.hash, v4.hash], mapOf(v1, v2, { ...v3, deprecated: true }, v4));
    expect(r).toMatchObject({ kind: 'NoUpgradePath', from: v1.hash, to: v4.hash });
    expect((r as { reason: string }).reason).toBe(`the path passes through version ${v3.hash}, which is deprecated`);
  });

  it('refuses a path through an unverified intermediate version, naming it', () => {
    const r = stepsFromPath(v1.hash, v4.hash, [v2.hash, v3.hash, v4.hash], mapOf(v1, { ...v2, verified: false }, v3, v4));
    expect(r).toMatchObject({ kind: 'NoUpgradePath', from: v1.hash, to: v4.hash });
    expect((r as { reason: string }).reason).toBe(`the path passes through version ${v2.hash}, which is not verified`);
  });

  it('refuses a path whose target became deprecated or unverified since checkTarget', () => {
    expect(stepsFromPath(v1.hash, v3.hash, [v2.hash, v3.hash], mapOf(v2, { ...v3, deprecated: true }))).toMatchObject({ kind: 'NoUpgradePath' });
    expect(stepsFromPath(v1.hash, v3.hash, [v2.hash, v3.hash], mapOf(v2, { ...v3, verified: false }))).toMatchObject({ kind: 'NoUpgradePath' });
  });

  it('refuses a broken link: a version whose previous_hash is not the step before it', () => {
    // v4 follows v3, not v2: the registry answered v2 → v4, skipping v3.
    const r = stepsFromPath(v1.hash, v4.hash, [v2.hash, v4.hash], all);
    expect(r).toMatchObject({ kind: 'NoUpgradePath', from: v1.hash, to: v4.hash });
    expect((r as { reason: string }).reason).toBe(`version ${v4.hash} does not upgrade from ${v2.hash}`);
  });

  it('refuses a path whose first version does not upgrade from the running module', () => {
    const r = stepsFromPath(h('foreign'), v4.hash, [v2.hash, v3.hash, v4.hash], all);
    expect((r as { reason: string }).reason).toBe(`version ${v2.hash} does not upgrade from ${h('foreign')}`);
  });

  it('refuses a path naming a version the registry did not return, naming that hash', () => {
    expect(stepsFromPath(v1.hash, v4.hash, [v2.hash, h('ghost'), v4.hash], all)).toEqual({ kind: 'VersionNotFound', hash: h('ghost') });
    expect(stepsFromPath(v1.hash, v4.hash, [v2.hash, v3.hash, v4.hash], mapOf(v2, v3))).toEqual({ kind: 'VersionNotFound', hash: v4.hash });
  });
});

// ---- random version chains ---------------------------------------------------------------------

interface ChainSpec {
  length: number;
  from: number;
  to: number;
  /** Versions that branch off the chain (same predecessor as a chain member): never on the path. */
  branches: number[];
}

const chainSpec: fc.Arbitrary<ChainSpec> = fc.integer({ min: 2, max: 12 }).chain((length) =>
  fc.record({
    length: fc.constant(length),
    from: fc.nat({ max: length - 2 }),
    to: fc.nat({ max: length - 1 }),
    branches: fc.array(fc.nat({ max: length - 1 }), { maxLength: 5 }),
  }).filter((s) => s.to > s.from),
);

/** Chain c0 → c1 → … plus branch versions, as the registry would return them. */
function buildChain(spec: ChainSpec): { chain: RegistryVersion[]; versions: Map<string, RegistryVersion> } {
  const chain: RegistryVersion[] = [];
  for (let i = 0; i < spec.length; i++) {
    chain.push(registryVersion(h(`c${i}`), { version: v(1, i, 0), previousHash: i === 0 ? undefined : chain[i - 1]!.hash }));
  }
  const branches = spec.branches.map((at, i) => registryVersion(h(`b${i}`), { version: v(2, i, 0), previousHash: chain[at]!.hash }));
  return { chain, versions: mapOf(...chain, ...branches) };
}

describe('stepsFromPath over random version chains', () => {
  it('the true path yields steps chaining from the running module to the target', () => {
    fc.assert(
      fc.property(chainSpec, (spec) => {
        const { chain, versions } = buildChain(spec);
        const current = chain[spec.from]!.hash;
        const target = chain[spec.to]!.hash;
        const path = chain.slice(spec.from + 1, spec.to + 1).map((x) => x.hash);
        const r = stepsFromPath(current, target, path, versions);
        if (!('steps' in r)) throw new Error(`refused: ${JSON.stringify(r)}`);
        expect(r.steps).toHaveLength(spec.to - spec.from);
        expect(r.steps[0]!.from).toBe(current);
        expect(r.steps[r.steps.length - 1]!.to).toBe(target);
        for (let i = 1; i < r.steps.length; i++) expect(r.steps[i]!.from).toBe(r.steps[i - 1]!.to);
        r.steps.forEach((s, i) => expect(s.version).toEqual(chain[spec.from + 1 + i]!.version));
      }),
      RUNS,
    );
  });

  it('any single defect on the true path is refused', () => {
    const defect = fc.constantFrom('deprecate', 'unverify', 'drop', 'unknown', 'truncate');
    fc.assert(
      fc.property(chainSpec, defect, fc.nat(), (spec, kind, pick) => {
        const { chain, versions } = buildChain(spec);
        const current = chain[spec.from]!.hash;
        const target = chain[spec.to]!.hash;
        const path = chain.slice(spec.from + 1, spec.to + 1).map((x) => x.hash);
        const at = pick % path.length;
        const hash = path[at]!;
        let broken = path;
        if (kind === 'deprecate') versions.set(hash, { ...versions.get(hash)!, deprecated: true });
        if (kind === 'unverify') versions.set(hash, { ...versions.get(hash)!, verified: false });
        if (kind === 'unknown') versions.delete(hash);
        if (kind === 'drop') {
          fc.pre(path.length >= 2); // Dropping the only step leaves an empty path (tested above).
          broken = path.filter((_, i) => i !== at);
        }
        if (kind === 'truncate') {
          fc.pre(path.length >= 2);
          broken = path.slice(0, path.length - 1);
        }
        const r = stepsFromPath(current, target, broken, versions);
        expect('steps' in r).toBe(false);
      }),
      RUNS,
    );
  });
});

describe('explainPathError', () => {
  const hash = h('step');
  const cases: [PathError, RegExp][] = [
    [{ kind: 'UnknownCanisterType' }, /does not know the canister type/],
    [{ kind: 'UnknownTarget' }, /does not know the target version/],
    [{ kind: 'TargetDeprecated' }, /target version is deprecated/],
    [{ kind: 'TargetNotVerified' }, /target version is not verified/],
    [{ kind: 'NoPath' }, /no chain of previous_hash links/],
    [{ kind: 'DeprecatedStep', hash }, new RegExp(`passes through version ${hash}, which is deprecated`)],
    [{ kind: 'UnverifiedStep', hash }, new RegExp(`passes through version ${hash}, which is not verified`)],
  ];

  it.each(cases)('explains %o', (error, expected) => {
    expect(explainPathError(error)).toMatch(expected);
  });

  it('gives every kind its own explanation', () => {
    const texts = cases.map(([e]) => explainPathError(e));
    expect(new Set(texts).size).toBe(cases.length);
  });
});
