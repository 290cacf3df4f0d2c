import { describe, expect, it } from 'vitest';

import { DEFAULT_POLICY, describeOptions, policyOf, stepOptionsProblem, upgradeMode } from './policy.js';

describe('policyOf', () => {
  it('reads every key, and defaults without them', () => {
    expect(policyOf([])).toEqual({ policy: DEFAULT_POLICY });
    expect(policyOf([
      ['lineage:health_method', { Text: 'healthz' }], ['lineage:health_deadline_seconds', { Nat: 5n }],
      ['lineage:wasm_memory_persistence', { Text: 'keep' }], ['lineage:skip_pre_upgrade', { Bool: true }],
      ['lineage:snapshot', { Text: 'optional' }], ['description', { Text: 'ignored' }],
    ])).toEqual({ policy: { healthMethod: 'healthz', healthDeadlineSeconds: 5n, wasmMemoryPersistence: 'keep', skipPreUpgrade: true, snapshotOptional: true } });
  });

  it('refuses values of the wrong type', () => {
    expect(policyOf([['lineage:wasm_memory_persistence', { Text: 'Keep' }]])).toEqual({ problem: 'lineage:wasm_memory_persistence must be Text "keep" or "replace"' });
    expect(policyOf([['lineage:skip_pre_upgrade', { Text: 'true' }]])).toEqual({ problem: 'lineage:skip_pre_upgrade must be a Bool' });
    expect(policyOf([['lineage:health_method', { Text: 'a b' }]])).toEqual({ problem: 'lineage:health_method must be Text naming a query method' });
  });
});

describe('upgrade options', () => {
  it('sends no options record when there are none, and exactly the declared ones otherwise', () => {
    expect(upgradeMode(DEFAULT_POLICY)).toEqual({ upgrade: [] });
    expect(upgradeMode({ ...DEFAULT_POLICY, skipPreUpgrade: true, wasmMemoryPersistence: 'keep' }))
      .toEqual({ upgrade: [{ skip_pre_upgrade: [true], wasm_memory_persistence: [{ keep: null }] }] });
    expect(describeOptions({ ...DEFAULT_POLICY, skipPreUpgrade: true, wasmMemoryPersistence: 'replace' })).toBe('skip_pre_upgrade, wasm_memory_persistence=replace');
  });

  it('refuses to upgrade an enhanced-orthogonal-persistence canister without wasm_memory_persistence, as the IC would', () => {
    const eop = { ...DEFAULT_POLICY, wasmMemoryPersistence: 'keep' as const };
    expect(stepOptionsProblem(eop, DEFAULT_POLICY)).toContain('enhanced orthogonal persistence');
    expect(stepOptionsProblem(eop, eop)).toBeUndefined();
    expect(stepOptionsProblem(DEFAULT_POLICY, DEFAULT_POLICY)).toBeUndefined();
  });
});
