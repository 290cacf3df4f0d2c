import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { typeRecord } from '../../test/fixtures.js';
import { ANONYMOUS, controlsType, isAdmin, mayCreateType, namespaceProblem } from './access.js';
import type { RegistryConfig } from './model.js';

const ALICE = 'aaaaa-aa';
const BOB = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const principal = fc.constantFrom(ANONYMOUS, ALICE, BOB, 'ryjl3-tyaaa-aaaaa-aaaba-cai', 'r7inp-6aaaa-aaaaa-aaabq-cai');
const config: fc.Arbitrary<RegistryConfig> = fc.record({ admins: fc.subarray([ANONYMOUS, ALICE, BOB]), openTypeCreation: fc.boolean() });

describe('anonymous callers may only read', () => {
  it('is never an admin, a type creator or a type controller, whatever the configuration says', () => {
    fc.assert(
      fc.property(config, fc.boolean(), fc.subarray([ANONYMOUS, ALICE, BOB]), (c, isController, controllers) => {
        expect(isAdmin(c, ANONYMOUS, isController)).toBe(false);
        expect(mayCreateType(c, ANONYMOUS, isController)).toBe(false);
        expect(controlsType(typeRecord('org.x', controllers), ANONYMOUS)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('the examples: named as admin, as controller, with open creation', () => {
    const c: RegistryConfig = { admins: [ANONYMOUS], openTypeCreation: true };
    expect(isAdmin(c, ANONYMOUS, true)).toBe(false);
    expect(mayCreateType(c, ANONYMOUS, true)).toBe(false);
    expect(controlsType(typeRecord('org.x', [ANONYMOUS]), ANONYMOUS)).toBe(false);
  });
});

describe('admins', () => {
  it('are the registry\'s controllers and the admins named at install', () => {
    const c: RegistryConfig = { admins: [ALICE], openTypeCreation: false };
    expect(isAdmin(c, ALICE, false)).toBe(true);
    expect(isAdmin(c, BOB, true)).toBe(true);
    expect(isAdmin(c, BOB, false)).toBe(false);
  });

  it('admin ⇔ authenticated and (controller or named)', () => {
    fc.assert(
      fc.property(config, principal, fc.boolean(), (c, caller, isController) => {
        expect(isAdmin(c, caller, isController)).toBe(caller !== ANONYMOUS && (isController || c.admins.includes(caller)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('type creation', () => {
  it('open: any authenticated caller; closed: admins only', () => {
    const open: RegistryConfig = { admins: [], openTypeCreation: true };
    const closed: RegistryConfig = { admins: [ALICE], openTypeCreation: false };
    expect(mayCreateType(open, BOB, false)).toBe(true);
    expect(mayCreateType(closed, BOB, false)).toBe(false);
    expect(mayCreateType(closed, ALICE, false)).toBe(true);
    expect(mayCreateType(closed, BOB, true)).toBe(true);
  });

  it('is allowed exactly to authenticated callers when open, and to admins when closed', () => {
    fc.assert(
      fc.property(config, principal, fc.boolean(), (c, caller, isController) => {
        const expected = caller !== ANONYMOUS && (c.openTypeCreation || isAdmin(c, caller, isController));
        expect(mayCreateType(c, caller, isController)).toBe(expected);
        // An admin may always create types.
        if (isAdmin(c, caller, isController)) expect(mayCreateType(c, caller, isController)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('type controllers', () => {
  it('a type\'s controllers control it; nobody else, admins included', () => {
    const t = typeRecord('org.lineage.backend', [ALICE]);
    expect(controlsType(t, ALICE)).toBe(true);
    expect(controlsType(t, BOB)).toBe(false);
    expect(controlsType(typeRecord('org.x', []), ALICE)).toBe(false);
  });
});

describe('namespaces', () => {
  it('accepts dot-separated lowercase segments', () => {
    for (const ok of ['org.lineage.backend', 'a', 'a0', '0a', 'my-app', 'my_app.v2', 'a.b.c.d', 'x'.repeat(256)]) {
      expect(namespaceProblem(ok), ok).toBeUndefined();
    }
  });

  it('refuses empty, too long, uppercase, empty segments, leading punctuation, other characters', () => {
    for (const bad of [
      '', 'x'.repeat(257), 'Org.lineage', 'org..lineage', '.org', 'org.', '-org', 'org.-x', '_org', 'org lineage',
      'org/lineage', 'org.lineage!', 'orgé', 'org.\u0430', 'org.lineage\n', '\norg',
    ]) {
      expect(namespaceProblem(bad), JSON.stringify(bad)).toBeTypeOf('string');
    }
    expect(namespaceProblem('')).toBe('a namespace has 1 to 256 characters');
    expect(namespaceProblem('Org')).toContain('org.lineage.backend');
  });

  it('agrees with a segment-by-segment reading of the rule', () => {
    const segmentOk = (s: string) => s.length > 0 && /[a-z0-9]/.test(s[0]!) && [...s].every((ch) => /[a-z0-9_-]/.test(ch));
    const valid = (n: string) => n.length >= 1 && n.length <= 256 && n.split('.').every(segmentOk);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^[a-z0-9._\-A-Z ]{0,12}$/),
          fc.array(fc.stringMatching(/^[a-z0-9_-]{0,5}$/), { minLength: 1, maxLength: 4 }).map((segs) => segs.join('.')),
          fc.string({ maxLength: 12 }),
        ),
        (n) => {
          expect(namespaceProblem(n) === undefined).toBe(valid(n));
        },
      ),
      { numRuns: 200 },
    );
  });
});
