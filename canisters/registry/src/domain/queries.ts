/**
 * The read side: `icrc118_get_wasms` and `icrc118_get_canister_types` filters and pages.
 * Filters of one kind are OR-ed, kinds are AND-ed (ICRC-118 § icrc118_get_wasms); pages follow
 * registration order (`prev` is the last hash of the previous page) and stop early so a reply
 * stays under the IC's reply size limit.
 */
import { descendants } from './graph.js';
import { DEFAULT_TAKE, MAX_REPLY_BYTES, MAX_TAKE, type CanisterTypeRecord, type RegistryView, type WasmRecord } from './model.js';
import { atLeast, atMost, type VersionBound } from './versions.js';

export type WasmFilter =
  | { kind: 'hash'; hash: string }
  | { kind: 'canister_type'; namespace: string }
  | { kind: 'version_min'; bound: VersionBound }
  | { kind: 'version_max'; bound: VersionBound }
  | { kind: 'controllers'; principals: string[] }
  | { kind: 'previous_hash'; hash: string }
  | { kind: 'canister'; canister: string };

function predicate(view: RegistryView, kind: WasmFilter['kind'], filters: WasmFilter[]): (w: WasmRecord) => boolean {
  switch (kind) {
    case 'hash': {
      const hashes = new Set(filters.map((f) => (f as { hash: string }).hash));
      return (w) => hashes.has(w.hash);
    }
    case 'canister_type': {
      const names = new Set(filters.map((f) => (f as { namespace: string }).namespace));
      return (w) => names.has(w.namespace);
    }
    case 'version_min':
      return (w) => filters.some((f) => atLeast(w.version, (f as { bound: VersionBound }).bound));
    case 'version_max':
      return (w) => filters.some((f) => atMost(w.version, (f as { bound: VersionBound }).bound));
    case 'controllers': {
      const wanted = new Set(filters.flatMap((f) => (f as { principals: string[] }).principals));
      return (w) => (view.types.get(w.namespace)?.controllers ?? []).some((c) => wanted.has(c));
    }
    case 'previous_hash': {
      const found = new Set<string>();
      for (const f of filters) for (const h of descendants(view, (f as { hash: string }).hash)) found.add(h);
      return (w) => found.has(w.hash);
    }
    case 'canister': {
      const canisters = new Set(filters.map((f) => (f as { canister: string }).canister));
      const hashes = new Set(view.installations.filter((i) => canisters.has(i.canister)).map((i) => i.hash));
      return (w) => hashes.has(w.hash);
    }
  }
}

/** UTF-8 length of a string, without encoding it. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
  }
  return n;
}

/**
 * Candid size of ICRC-16 metadata, rounded up: text and blobs by their bytes, every other value
 * and every tag and length by a generous constant.
 */
export function estimateMetadataBytes(value: unknown): number {
  if (typeof value === 'string') return utf8Length(value) + 5;
  if (value instanceof Uint8Array) return value.length + 5;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + estimateMetadataBytes(v), 5);
  if (value !== null && typeof value === 'object') {
    let n = 5;
    for (const [k, v] of Object.entries(value)) n += utf8Length(k) + 5 + estimateMetadataBytes(v);
    return n;
  }
  return 10;
}

/** Rough Candid size of a record, to keep replies under the limit. */
export function estimateWasmBytes(w: WasmRecord): number {
  return 400 + w.description.length * 3 + w.repo.length * 3 + estimateMetadataBytes(w.metadata) + (w.chunkHashes?.length ?? 0) * 34;
}

/** Rough Candid size of a type in `icrc118_get_canister_types`, which carries all its versions. */
export function estimateTypeBytes(t: CanisterTypeRecord, versions: number): number {
  return 300 + (t.namespace.length + t.name.length + t.description.length + t.repo.length) * 3 +
    estimateMetadataBytes(t.metadata) + t.controllers.length * 32 + versions * 100;
}

export interface Page<T> {
  items: T[];
}

function page<T>(ordered: T[], startAfter: number, take: bigint | undefined, size: (item: T) => number): T[] {
  const limit = Number(take === undefined ? BigInt(DEFAULT_TAKE) : take > BigInt(MAX_TAKE) ? BigInt(MAX_TAKE) : take);
  const out: T[] = [];
  let bytes = 0;
  for (let i = startAfter + 1; i < ordered.length && out.length < limit; i++) {
    const item = ordered[i]!;
    bytes += size(item);
    if (bytes > MAX_REPLY_BYTES && out.length > 0) break;
    out.push(item);
  }
  return out;
}

/** `icrc118_get_wasms`: matching versions in registration order, after `prev`. */
export function queryWasms(view: RegistryView, filters: WasmFilter[], prev: string | undefined, take: bigint | undefined): WasmRecord[] {
  const byKind = new Map<WasmFilter['kind'], WasmFilter[]>();
  for (const f of filters) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  const tests = [...byKind.entries()].map(([kind, fs]) => predicate(view, kind, fs));
  const ordered = [...view.wasms.values()].sort((a, b) => a.seq - b.seq).filter((w) => tests.every((t) => t(w)));
  let startAfter = -1;
  if (prev !== undefined) {
    const at = view.wasms.get(prev);
    if (!at) return [];
    // Continue after `prev` in registration order even if `prev` itself no longer matches.
    startAfter = ordered.findIndex((w) => w.seq > at.seq) - 1;
    if (startAfter === -2) return [];
  }
  return page(ordered, startAfter, take, estimateWasmBytes);
}

export type TypeFilter = { kind: 'namespace'; prefix: string } | { kind: 'controller'; principal: string };

/**
 * `icrc118_get_canister_types`: types in namespace order after `prev`. A `namespace` filter
 * matches namespaces starting with it (so `org.lineage.` lists a family); filters of one kind are
 * OR-ed, kinds AND-ed.
 */
export function queryTypes(view: RegistryView, filters: TypeFilter[], prev: string | undefined, take: bigint | undefined): CanisterTypeRecord[] {
  const prefixes = filters.filter((f) => f.kind === 'namespace').map((f) => (f as { prefix: string }).prefix);
  const controllers = filters.filter((f) => f.kind === 'controller').map((f) => (f as { principal: string }).principal);
  const ordered = [...view.types.values()]
    .filter((t) => prefixes.length === 0 || prefixes.some((p) => t.namespace.startsWith(p)))
    .filter((t) => controllers.length === 0 || t.controllers.some((c) => controllers.includes(c)))
    .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const startAfter = prev === undefined ? -1 : ordered.filter((t) => t.namespace <= prev).length - 1;
  const versions = new Map<string, number>();
  for (const w of view.wasms.values()) versions.set(w.namespace, (versions.get(w.namespace) ?? 0) + 1);
  return page(ordered, startAfter, take, (t) => estimateTypeBytes(t, versions.get(t.namespace) ?? 0));
}
