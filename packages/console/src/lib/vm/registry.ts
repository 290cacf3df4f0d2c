/** The registry page: canister types, their versions with installations, upgrade paths, the log check. */
import { Actor, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { describeVariant, formatVersion, toHex, versionsOf } from '@lineage/sdk/browser';
import { registryIdl, type RegistryService, type UpgradePathResult, type Wasm } from '@lineage/types';

import { pathRefusal, sizeWords, stepsWords } from './words.js';

export interface RegistryVersion {
  version: string;
  /** The hash the version was published with (hex). */
  hash: string;
  /** What the registry computed over the uploaded chunks, in words: it matches, it is pending, or it differs (with the value). */
  calculated: { status: 'matches' | 'pending' | 'differs'; text: string; hash?: string };
  /** The version it upgrades from: its name when the registry has it, else the hash. */
  previous: { text: string; hash?: string };
  size: string;
  deprecated: boolean;
  /** How many canisters the registry saw running this version (reported installations). */
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
 * One version as the registry page shows it; `names` maps the type's hashes (hex) to version names.
 *
 * @example
 * versionRow(wasm, 2, new Map([[previousHex, '1.0.0']])).previous.text; // '1.0.0'
 */
export function versionRow(w: Wasm, installations: number, names: Map<string, string>): RegistryVersion {
  const hash = toHex(w.hash);
  const calculatedHex = toHex(w.calculated_hash);
  const calculated: RegistryVersion['calculated'] = /^0*$/.test(calculatedHex)
    ? { status: 'pending', text: 'not computed yet: the upload is not complete' }
    : calculatedHex === hash
      ? { status: 'matches', text: 'matches the published hash' }
      : { status: 'differs', text: 'DIFFERS from the published hash', hash: calculatedHex };
  const prev = w.previous_hash[0] ? toHex(w.previous_hash[0]) : undefined;
  return {
    version: formatVersion(w.version_number), hash, calculated,
    previous: prev ? (names.has(prev) ? { text: names.get(prev)!, hash: prev } : { text: 'a version not in this registry', hash: prev }) : { text: 'none (first version)' },
    size: sizeWords(w.chunkCount), deprecated: w.deprecated, installations,
  };
}

/** Counts the installations of `hash` the registry recorded, page by page. */
async function countInstallations(registry: RegistryService, hash: Uint8Array | number[]): Promise<number> {
  let count = 0;
  for (let prev: [] | [bigint] = []; ;) {
    const page = await registry.lineage_get_installations({ hash: [Uint8Array.from(hash)], canister: [], prev, take: [100n] });
    count += page.length;
    if (page.length < 100) return count;
    prev = [page[page.length - 1]!.seq];
  }
}

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
    const names = new Map(wasms.map((w) => [toHex(w.hash), formatVersion(w.version_number)]));
    const versions: RegistryVersion[] = [];
    for (const w of wasms) versions.push(versionRow(w, await countInstallations(registry, w.hash), names));
    out.push({ namespace: t.namespace, name: t.canister_type_name, description: t.description, versions });
  }
  return out;
}

export interface PathAnswer {
  /** Whether the registry offers a path. */
  ok: boolean;
  /** The path in words: `1.0.0 → 2.0.0 → 3.0.0 (in 2 upgrades, one version after the other)`, or why there is none. */
  text: string;
}

/**
 * The registry's answer to "how does `from` get to `to`" in words; `names` maps hashes to version names.
 *
 * @example
 * pathWords({ Error: { NoPath: null } }, '3.0.0', names).text; // 'no approved upgrade path from 3.0.0'
 */
export function pathWords(reply: UpgradePathResult, fromName: string, names: Map<string, string>): PathAnswer {
  if ('Ok' in reply) {
    if (reply.Ok.length === 0) return { ok: true, text: `already there: ${fromName} is that version` };
    const chain = [fromName, ...reply.Ok.map((s) => formatVersion(s.version))].join(' → ');
    return { ok: true, text: `${chain} (${stepsWords(reply.Ok.length)})` };
  }
  return { ok: false, text: pathRefusal(describeVariant(reply.Error), fromName, names) };
}

/**
 * The registry's upgrade path between two versions (hex hashes) of `namespace`, in words.
 *
 * @example
 * await upgradePath(agent, registryId, 'org.lineage.backend', from, to, names); // { ok: true, text: '1.0.0 → 2.0.0 (direct upgrade)' }
 */
export async function upgradePath(agent: HttpAgent, registryId: string, namespace: string, from: string, to: string, names: Map<string, string>): Promise<PathAnswer> {
  const reply = await registryOf(agent, registryId).icrc118_get_upgrade_path({
    canister_type_namespace: namespace, current_version: hex(from), target_version: hex(to),
  });
  return pathWords(reply, names.get(from) ?? from.slice(0, 8), names);
}

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
