/**
 * What a registry version says about how it must be installed and checked, read from its ICRC-16
 * metadata (keys below). A version that declares nothing gets the defaults: a snapshot first, the
 * `lineage_health` query after (when the module exports it), no upgrade options.
 *
 * | key | ICRC-16 value | meaning |
 * | --- | --- | --- |
 * | `lineage:health_method` | `Text` | a query `() -> (variant { Ok; Err : text })` to call after the install |
 * | `lineage:health_deadline_seconds` | `Nat` | the health answer must arrive within this many seconds |
 * | `lineage:wasm_memory_persistence` | `Text` `keep` / `replace` | passed to `install_chunked_code` |
 * | `lineage:skip_pre_upgrade` | `Bool` | passed to `install_chunked_code` |
 * | `lineage:snapshot` | `Text` `optional` | the holder may upgrade to it without a snapshot first |
 */
export interface UpgradePolicy {
  /** The health query; `undefined`: `lineage_health` if the module has it, else an ordinary query. */
  healthMethod: string | undefined;
  healthDeadlineSeconds: bigint;
  wasmMemoryPersistence: 'keep' | 'replace' | undefined;
  skipPreUpgrade: boolean;
  snapshotOptional: boolean;
}

export const DEFAULT_HEALTH_METHOD = 'lineage_health';
export const DEFAULT_HEALTH_DEADLINE_SECONDS = 60n;

export const DEFAULT_POLICY: UpgradePolicy = {
  healthMethod: undefined, healthDeadlineSeconds: DEFAULT_HEALTH_DEADLINE_SECONDS, wasmMemoryPersistence: undefined,
  skipPreUpgrade: false, snapshotOptional: false,
};

/** The ICRC-16 values the policy reads (the rest of the type is ignored). */
export type MetadataValue = { Text: string } | { Nat: bigint } | { Bool: boolean } | Record<string, unknown>;

const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;

/**
 * The policy a version's metadata declares, or why the metadata is unusable (a publisher's
 * mistake the manager refuses to guess about).
 *
 * @example
 * policyOf([['lineage:wasm_memory_persistence', { Text: 'keep' }]]) // → { …DEFAULT_POLICY, wasmMemoryPersistence: 'keep' }
 */
export function policyOf(metadata: [string, MetadataValue][]): { policy: UpgradePolicy } | { problem: string } {
  const policy: UpgradePolicy = { ...DEFAULT_POLICY };
  for (const [key, value] of metadata) {
    switch (key) {
      case 'lineage:health_method': {
        if (!('Text' in value) || typeof value.Text !== 'string' || !METHOD_NAME.test(value.Text)) return { problem: `${key} must be Text naming a query method` };
        policy.healthMethod = value.Text;
        break;
      }
      case 'lineage:health_deadline_seconds': {
        if (!('Nat' in value) || typeof value.Nat !== 'bigint' || value.Nat === 0n) return { problem: `${key} must be a Nat above 0` };
        policy.healthDeadlineSeconds = value.Nat;
        break;
      }
      case 'lineage:wasm_memory_persistence': {
        if (!('Text' in value) || (value.Text !== 'keep' && value.Text !== 'replace')) return { problem: `${key} must be Text "keep" or "replace"` };
        policy.wasmMemoryPersistence = value.Text;
        break;
      }
      case 'lineage:skip_pre_upgrade': {
        if (!('Bool' in value) || typeof value.Bool !== 'boolean') return { problem: `${key} must be a Bool` };
        policy.skipPreUpgrade = value.Bool;
        break;
      }
      case 'lineage:snapshot': {
        if (!('Text' in value) || value.Text !== 'optional') return { problem: `${key} may only be Text "optional"` };
        policy.snapshotOptional = true;
        break;
      }
      default:
        break; // Metadata for others (descriptions, build stamps) is not the manager's concern.
    }
  }
  return { policy };
}

/**
 * Whether a step from a module published with policy `from` to one with policy `to` can be
 * installed with `to`'s options, as the IC decides it (IC interface spec § install_code, upgrade
 * options; the replica's `determine_main_memory_handling`): a canister using enhanced orthogonal
 * persistence (its version installs with `keep`) must be upgraded with `wasm_memory_persistence`
 * set, or the IC refuses ("Missing upgrade option"). `undefined` when it can.
 *
 * @example
 * stepOptionsProblem({ …DEFAULT_POLICY, wasmMemoryPersistence: 'keep' }, DEFAULT_POLICY) // → 'the running version …'
 */
export function stepOptionsProblem(from: UpgradePolicy | undefined, to: UpgradePolicy): string | undefined {
  if (from?.wasmMemoryPersistence === 'keep' && to.wasmMemoryPersistence === undefined) {
    return 'the running version uses enhanced orthogonal persistence (it declares wasm_memory_persistence = keep), so the IC refuses an upgrade that does not set wasm_memory_persistence; the next version must declare keep or replace';
  }
  return undefined;
}

/** The `mode` of `install_chunked_code` for an upgrade with `policy`'s options. */
export function upgradeMode(policy: UpgradePolicy): { upgrade: [] | [{ skip_pre_upgrade: [] | [boolean]; wasm_memory_persistence: [] | [{ keep: null } | { replace: null }] }] } {
  if (!policy.skipPreUpgrade && policy.wasmMemoryPersistence === undefined) return { upgrade: [] };
  return {
    upgrade: [{
      skip_pre_upgrade: policy.skipPreUpgrade ? [true] : [],
      wasm_memory_persistence: policy.wasmMemoryPersistence === undefined ? [] : [policy.wasmMemoryPersistence === 'keep' ? { keep: null } : { replace: null }],
    }],
  };
}

/** How the plan shows a step's options (`skip_pre_upgrade, wasm_memory_persistence=keep`), empty when none. */
export function describeOptions(policy: UpgradePolicy): string {
  const parts: string[] = [];
  if (policy.skipPreUpgrade) parts.push('skip_pre_upgrade');
  if (policy.wasmMemoryPersistence) parts.push(`wasm_memory_persistence=${policy.wasmMemoryPersistence}`);
  if (policy.snapshotOptional) parts.push('snapshot optional');
  return parts.join(', ');
}
