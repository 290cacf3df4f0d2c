/** The registry page: canister types, their versions with installations, upgrade paths, the log check. */
import { Actor, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { describeVariant, formatVersion, toHex, versionsOf } from '@lineage/sdk/browser';
import { registryIdl, type RegistryService } from '@lineage/types';

export interface RegistryVersion {
  version: string;
  hash: string;
  calculatedHash: string;
  previous: string;
  size: string;
  deprecated: boolean;
  installations: number;
}

export interface RegistryType {
  namespace: string;
  name: string;
  description: string;
  versions: RegistryVersion[];
}

const registryOf = (agent: HttpAgent, id: string) => Actor.createActor<RegistryService>(registryIdl as never, { agent, canisterId: Principal.fromText(id) });

/**
 * Every canister type of the registry with its versions.
 *
 * @example
 * const types = await loadRegistry(agent, config.registry);
 */
export async function loadRegistry(agent: HttpAgent, registryId: string): Promise<RegistryType[]> {
  const registry = registryOf(agent, registryId);
  const types = await registry.icrc118_get_canister_types({ filter: [], prev: [], take: [100n] });
  const out: RegistryType[] = [];
  for (const t of types) {
    const wasms = await versionsOf(registry, t.namespace);
    const versions: RegistryVersion[] = [];
    for (const w of wasms) {
      const installs = await registry.lineage_get_installations({ hash: [w.hash], canister: [], prev: [], take: [100n] }).catch(() => []);
      const calculated = toHex(w.calculated_hash);
      versions.push({
        version: formatVersion(w.version_number), hash: toHex(w.hash),
        calculatedHash: /^0+$/.test(calculated) ? 'not yet verified' : calculated,
        previous: w.previous_hash[0] ? toHex(w.previous_hash[0]).slice(0, 12) + '…' : '—',
        size: `${w.chunkCount} chunk(s)`, deprecated: w.deprecated, installations: installs.length,
      });
    }
    out.push({ namespace: t.namespace, name: t.canister_type_name, description: t.description, versions });
  }
  return out;
}

/**
 * The registry's upgrade path between two versions (hex hashes) of `namespace`.
 *
 * @example
 * await upgradePath(agent, registryId, 'org.lineage.backend', from, to); // ['1.0.0 → 2.0.0']
 */
export async function upgradePath(agent: HttpAgent, registryId: string, namespace: string, from: string, to: string): Promise<{ steps: string[] } | { none: string }> {
  const reply = await registryOf(agent, registryId).icrc118_get_upgrade_path({
    canister_type_namespace: namespace, current_version: hex(from), target_version: hex(to),
  });
  return 'Ok' in reply ? { steps: reply.Ok.map((s) => `${formatVersion(s.version)} (${toHex(s.hash).slice(0, 12)}…)`) } : { none: describeVariant(reply.Error) };
}

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
