/** Choosing a version to install: the newest verified, non-deprecated version of a canister type. */
import type { RegistryService, Wasm } from '@lineage/types';

import { recordedHash } from '../registry/upload-state.js';

export type ListRegistry = Pick<RegistryService, 'icrc118_get_wasms'>;

const compare = (a: readonly bigint[], b: readonly bigint[]) => {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
};

/** Every version of `namespace`, in registration order (follows the registry's pages). */
export async function versionsOf(registry: ListRegistry, namespace: string): Promise<Wasm[]> {
  const out: Wasm[] = [];
  let prev: [] | [Uint8Array | number[]] = [];
  for (;;) {
    const page = await registry.icrc118_get_wasms({ filter: [[{ canister_type: namespace }]], prev, take: [100n] });
    out.push(...page);
    if (page.length === 0) return out;
    prev = [page[page.length - 1]!.hash];
  }
}

/**
 * The version to install by default: the highest version number among the verified,
 * non-deprecated versions of `namespace`; undefined when there is none.
 *
 * @example
 * const v = await latestVersion(registry, 'org.lineage.backend'); // v.version_number → [2n, 0n, 0n]
 */
export async function latestVersion(registry: ListRegistry, namespace: string): Promise<Wasm | undefined> {
  let best: Wasm | undefined;
  for (const w of await versionsOf(registry, namespace)) {
    if (w.deprecated || !recordedHash(w.calculated_hash)) continue;
    if (!best || compare(w.version_number, best.version_number) > 0) best = w;
  }
  return best;
}
