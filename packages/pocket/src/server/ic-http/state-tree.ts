/**
 * The system state tree as `read_state` exposes it (IC interface spec § "The system state tree",
 * § "Request: Read state", § "Certification"): builders for its labeled content, witnesses that
 * reveal exactly the requested paths (everything else pruned, absent labels proven absent by
 * their neighbours), and the spec's `lookup_path`.
 *
 * Paths are sequences of labels; a label is a blob, or a string taken as its UTF-8 bytes.
 */
import { Principal } from '@dfinity/principal';

import { encodeTaggedCbor } from '../../certification/cbor.js';
import { labeledTree, leb128, node, reconstruct, type HashTree, type Labeled } from '../../certification/hash-tree.js';
import { compareBytes } from '../../ids.js';

export type Label = Uint8Array | string;
export type Path = readonly Label[];

const textEncoder = new TextEncoder();

export function labelBytes(label: Label | Principal): Uint8Array {
  if (typeof label === 'string') return textEncoder.encode(label);
  if (label instanceof Uint8Array) return label;
  return label.toUint8Array();
}

const hexOf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

// ---- lookup (spec § Lookup) -------------------------------------------------------------------

export type LookupResult =
  | { status: 'found'; value: Uint8Array }
  | { status: 'absent' }
  | { status: 'unknown' }
  | { status: 'error' };

export function flattenForks(tree: HashTree): HashTree[] {
  if (tree.kind === 'empty') return [];
  if (tree.kind === 'fork') return [...flattenForks(tree.left), ...flattenForks(tree.right)];
  return [tree];
}

type FindResult = { status: 'found'; tree: HashTree } | { status: 'absent' } | { status: 'unknown' };

/** `find_label` of the spec, on the flattened forest of a tree. */
function findLabel(label: Uint8Array, trees: HashTree[]): FindResult {
  if (trees.length === 1 && trees[0]!.kind === 'leaf') return { status: 'absent' };
  let unknown = false;
  // Scan in order: a labeled node equal → found; the first greater label decides absence unless
  // a pruned node lies between it and the previous smaller label.
  for (const t of trees) {
    if (t.kind === 'labeled') {
      const c = compareBytes(label, t.label);
      if (c === 0) return { status: 'found', tree: t.tree };
      if (c < 0) return unknown ? { status: 'unknown' } : { status: 'absent' };
      unknown = false;
    } else if (t.kind === 'pruned') {
      unknown = true;
    }
  }
  return unknown ? { status: 'unknown' } : { status: 'absent' };
}

/** `lookup_path` of the spec: Found value, Absent, Unknown (pruned), or Error (not a leaf). */
export function lookupPath(tree: HashTree, path: Path): LookupResult {
  if (path.length === 0) {
    switch (tree.kind) {
      case 'empty': return { status: 'absent' };
      case 'leaf': return { status: 'found', value: tree.value };
      case 'pruned': return { status: 'unknown' };
      default: return { status: 'error' };
    }
  }
  const found = findLabel(labelBytes(path[0]!), flattenForks(tree));
  if (found.status !== 'found') return found;
  return lookupPath(found.tree, path.slice(1));
}

/** The subtree at `path`, if every label on the way is revealed. */
export function lookupSubtree(tree: HashTree, path: Path): { status: 'found'; tree: HashTree } | { status: 'absent' } | { status: 'unknown' } {
  let t = tree;
  for (const label of path) {
    const found = findLabel(labelBytes(label), flattenForks(t));
    if (found.status !== 'found') return found;
    t = found.tree;
  }
  return { status: 'found', tree: t };
}

/** All leaves below `tree` with their paths, in label order (pruned parts are skipped). */
export function listLeaves(tree: HashTree, prefix: Uint8Array[] = []): { path: Uint8Array[]; value: Uint8Array }[] {
  if (tree.kind === 'leaf') return [{ path: prefix, value: tree.value }];
  const out: { path: Uint8Array[]; value: Uint8Array }[] = [];
  for (const t of flattenForks(tree)) {
    if (t.kind === 'labeled') out.push(...listLeaves(t.tree, [...prefix, t.label]));
    else if (t.kind === 'leaf') out.push({ path: prefix, value: t.value });
  }
  return out;
}

// ---- witnesses ----------------------------------------------------------------------------------

interface Trie {
  /** Reveal everything below (except excluded descendants). */
  all: boolean;
  /** Keep this subtree pruned, whatever is requested. */
  excluded: boolean;
  children: Map<string, { label: Uint8Array; trie: Trie }>;
}

const newTrie = (): Trie => ({ all: false, excluded: false, children: new Map() });

function child(trie: Trie, label: Uint8Array): Trie {
  const key = hexOf(label);
  let entry = trie.children.get(key);
  if (!entry) {
    entry = { label, trie: newTrie() };
    trie.children.set(key, entry);
  }
  return entry.trie;
}

function buildTrie(paths: readonly Path[], exclude: readonly Path[]): Trie {
  const root = newTrie();
  for (const path of paths) {
    let t = root;
    for (const label of path) t = child(t, labelBytes(label));
    t.all = true;
  }
  for (const path of exclude) {
    let t = root;
    for (const label of path) t = child(t, labelBytes(label));
    t.excluded = true;
  }
  return root;
}

/** Whether some requested path goes through this node. */
function requested(trie: Trie): boolean {
  if (trie.all) return true;
  for (const { trie: c } of trie.children.values()) if (requested(c)) return true;
  return false;
}

function hasExclusions(trie: Trie): boolean {
  if (trie.excluded) return true;
  for (const { trie: c } of trie.children.values()) if (hasExclusions(c)) return true;
  return false;
}

const pruned = (tree: HashTree): HashTree => (tree.kind === 'pruned' ? tree : { kind: 'pruned', hash: reconstruct(tree) });

/** What to do with one labeled node of a forest. */
type Mark = { kind: 'recurse'; trie: Trie } | { kind: 'label-only' };

function witnessOf(tree: HashTree, trie: Trie, inheritedAll: boolean): HashTree {
  if (trie.excluded) return pruned(tree);
  const all = inheritedAll || trie.all;
  if (all && !hasExclusions(trie)) return tree;
  if (tree.kind === 'pruned' || tree.kind === 'empty' || tree.kind === 'leaf') {
    // A leaf proves that no longer path exists below it; empty proves absence of any label.
    return tree;
  }

  const forest = flattenForks(tree);
  const labeled = forest.filter((t): t is Extract<HashTree, { kind: 'labeled' }> => t.kind === 'labeled');
  const marks = new Map<HashTree, Mark>();
  if (all) {
    for (const t of labeled) marks.set(t, { kind: 'recurse', trie: trie.children.get(hexOf(t.label))?.trie ?? newTrie() });
  } else {
    for (const { label, trie: sub } of trie.children.values()) {
      if (!requested(sub)) continue; // only exclusion markers below
      const idx = labeled.findIndex((t) => compareBytes(t.label, label) >= 0);
      const at = idx >= 0 ? labeled[idx] : undefined;
      if (at && compareBytes(at.label, label) === 0) {
        marks.set(at, { kind: 'recurse', trie: sub });
        continue;
      }
      // Absent: reveal the neighbours' labels so the absence can be checked.
      const before = idx === -1 ? labeled[labeled.length - 1] : idx > 0 ? labeled[idx - 1] : undefined;
      for (const n of [before, at]) if (n && !marks.has(n)) marks.set(n, { kind: 'label-only' });
    }
  }

  const rebuild = (t: HashTree): { tree: HashTree; touched: boolean } => {
    if (t.kind === 'fork') {
      const l = rebuild(t.left);
      const r = rebuild(t.right);
      if (!l.touched && !r.touched) return { tree: pruned(t), touched: false };
      return { tree: { kind: 'fork', left: l.tree, right: r.tree }, touched: true };
    }
    if (t.kind === 'labeled') {
      const mark = marks.get(t);
      if (!mark) return { tree: pruned(t), touched: false };
      if (mark.kind === 'label-only') return { tree: { kind: 'labeled', label: t.label, tree: pruned(t.tree) }, touched: true };
      return { tree: { kind: 'labeled', label: t.label, tree: witnessOf(t.tree, mark.trie, all) }, touched: true };
    }
    // Empty children of forks and pruned nodes carry no labels: prune them with their siblings.
    // (A leaf inside a forest is not well-formed; keep it.)
    if (t.kind === 'empty') return { tree: t, touched: all };
    if (t.kind === 'pruned') return { tree: t, touched: false };
    return { tree: t, touched: true };
  };
  return rebuild(tree).tree;
}

export interface WitnessOptions {
  /** Subtrees to keep pruned even when a requested path covers them. */
  exclude?: readonly Path[];
}

/**
 * The witness of `tree` that reveals every value whose path has one of `paths` as a prefix,
 * proves the absence of requested labels that do not exist (by revealing the labels of their
 * neighbours, with pruned subtrees), and prunes everything else. Its root hash equals the tree's.
 */
export function witness(tree: HashTree, paths: readonly Path[], options: WitnessOptions = {}): HashTree {
  const trie = buildTrie(paths, options.exclude ?? []);
  if (!requested(trie)) return pruned(tree);
  return witnessOf(tree, trie, false);
}

/** The witness a `read_state` certificate carries: the requested paths plus `/time`, always. */
export function readStateWitness(tree: HashTree, paths: readonly Path[], options: WitnessOptions = {}): HashTree {
  return witness(tree, [...paths, ['time']], options);
}

/**
 * Paths a `read_state` response must not reveal even under a requested prefix (spec § Request:
 * Read state): `/subnet/<s>/node` and `/subnet/<s>/metrics` unless the effective canister id is
 * in `s`'s ranges (or `s` is the effective subnet); with API v3, `/subnet/<s>/canister_ranges`
 * unless `s` is the root subnet.
 */
export function readStateExclusions(options: {
  subnets: readonly { id: Principal; canisterRanges: readonly (readonly [Principal, Principal])[] }[];
  rootSubnetId: Principal;
  effectiveCanisterId?: Principal;
  effectiveSubnetId?: Principal;
  apiVersion: 2 | 3;
}): Path[] {
  const out: Path[] = [];
  for (const s of options.subnets) {
    const id = s.id.toUint8Array();
    const own = (options.effectiveSubnetId !== undefined && options.effectiveSubnetId.toText() === s.id.toText()) ||
      (options.effectiveCanisterId !== undefined && inRanges(options.effectiveCanisterId, s.canisterRanges));
    if (!own) {
      out.push(['subnet', id, 'node']);
      out.push(['subnet', id, 'metrics']);
    }
    if (options.apiVersion === 3 && s.id.toText() !== options.rootSubnetId.toText()) out.push(['subnet', id, 'canister_ranges']);
  }
  return out;
}

export function inRanges(id: Principal, ranges: readonly (readonly [Principal, Principal])[]): boolean {
  const b = id.toUint8Array();
  return ranges.some(([lo, hi]) => compareBytes(lo.toUint8Array(), b) <= 0 && compareBytes(b, hi.toUint8Array()) <= 0);
}

// ---- builders -----------------------------------------------------------------------------------

export type RequestStatusValue =
  | { status: 'received' | 'processing' | 'done' }
  | { status: 'replied'; reply: Uint8Array }
  | { status: 'rejected'; rejectCode: number; rejectMessage: string; errorCode?: string };

export interface SubnetState {
  id: Principal;
  /** DER BLS public key. */
  publicKey: Uint8Array;
  canisterRanges: readonly (readonly [Principal, Principal])[];
  nodes?: readonly { id: Principal; publicKey: Uint8Array }[];
  /** `application`, `system`, `verified_application`, `cloud_engine` (newer spec versions). */
  type?: string;
  /** CBOR-encoded metrics map. */
  metrics?: Uint8Array;
}

export interface CanisterState {
  id: Principal;
  /** Absent for an empty canister. */
  moduleHash?: Uint8Array;
  controllers: readonly Principal[];
  /** Custom sections by name without the `icp:public ` / `icp:private ` prefix. */
  metadata?: Iterable<readonly [string, Uint8Array]>;
  certifiedData?: Uint8Array;
}

export interface StateTreeInput {
  /** Nanoseconds since the epoch. */
  time: bigint;
  subnets?: readonly SubnetState[];
  canisters?: readonly CanisterState[];
  requestStatus?: Iterable<readonly [Uint8Array, RequestStatusValue]>;
  /** Also write the sharded `/canister_ranges/<subnet>/<first id>` form (spec v0.45+); default true. */
  canisterRangeShards?: boolean;
}

/** `tagged<[* [principal principal]]>`, as `/subnet/<id>/canister_ranges` holds it. */
export function encodeCanisterRanges(ranges: readonly (readonly [Principal, Principal])[]): Uint8Array {
  return encodeTaggedCbor(ranges.map(([a, b]) => [a.toUint8Array(), b.toUint8Array()]));
}

/** `#6.55799([* bytes])`, as `/canister/<id>/controllers` holds it. */
export function encodeControllers(controllers: readonly Principal[]): Uint8Array {
  return encodeTaggedCbor(controllers.map((c) => c.toUint8Array()));
}

export function requestStatusLabeled(value: RequestStatusValue): Labeled {
  const entries: [string, Labeled][] = [['status', textEncoder.encode(value.status)]];
  if (value.status === 'replied') entries.push(['reply', value.reply]);
  if (value.status === 'rejected') {
    entries.push(['reject_code', leb128(BigInt(value.rejectCode))]);
    entries.push(['reject_message', textEncoder.encode(value.rejectMessage)]);
    if (value.errorCode !== undefined) entries.push(['error_code', textEncoder.encode(value.errorCode)]);
  }
  return node(entries);
}

/** The labeled content of the state tree (`labeledTree` of it gives the hash tree). */
export function stateTreeLabeled(input: StateTreeInput): Labeled {
  const top: [string, Labeled][] = [['time', leb128(input.time)]];
  const subnets = input.subnets ?? [];
  if (subnets.length > 0) {
    top.push(['subnet', node(subnets.map((s) => {
      const entries: [string, Labeled][] = [
        ['public_key', s.publicKey],
        ['canister_ranges', encodeCanisterRanges(s.canisterRanges)],
      ];
      if (s.nodes) entries.push(['node', node(s.nodes.map((n) => [n.id.toUint8Array(), node([['public_key', n.publicKey]])]))]);
      if (s.type !== undefined) entries.push(['type', textEncoder.encode(s.type)]);
      if (s.metrics !== undefined) entries.push(['metrics', s.metrics]);
      return [s.id.toUint8Array(), node(entries)];
    }))]);
    if (input.canisterRangeShards ?? true) {
      const shards = subnets.filter((s) => s.canisterRanges.length > 0).map((s): [Uint8Array, Labeled] => {
        const sorted = [...s.canisterRanges].sort((a, b) => compareBytes(a[0].toUint8Array(), b[0].toUint8Array()));
        return [s.id.toUint8Array(), node([[sorted[0]![0].toUint8Array(), encodeCanisterRanges(sorted)]])];
      });
      if (shards.length > 0) top.push(['canister_ranges', node(shards)]);
    }
  }
  const canisters = input.canisters ?? [];
  if (canisters.length > 0) {
    top.push(['canister', node(canisters.map((c) => {
      const entries: [string, Labeled][] = [['controllers', encodeControllers(c.controllers)]];
      if (c.moduleHash !== undefined) entries.push(['module_hash', c.moduleHash]);
      if (c.certifiedData !== undefined) entries.push(['certified_data', c.certifiedData]);
      const metadata = [...(c.metadata ?? [])];
      if (metadata.length > 0) entries.push(['metadata', node(metadata.map(([name, bytes]) => [name, bytes]))]);
      return [c.id.toUint8Array(), node(entries)];
    }))]);
  }
  const statuses = [...(input.requestStatus ?? [])];
  if (statuses.length > 0) {
    top.push(['request_status', node(statuses.map(([id, value]) => [id, requestStatusLabeled(value)]))]);
  }
  return node(top);
}

/** The full state tree as a hash tree. */
export function buildStateTree(input: StateTreeInput): HashTree {
  return labeledTree(stateTreeLabeled(input));
}
