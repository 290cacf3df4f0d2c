/**
 * Hash trees as the IC interface specification defines them (§ Certification, "Encoding of
 * certificates" and "Lookup"): the five node kinds, their root hash, their CBOR form and the
 * lookup with its three outcomes (found, absent, unknown). Witnesses are hash trees with pruned
 * parts; whoever holds one recomputes the root and compares it with the certified data.
 */
import { bytesEqual, compareBytes, concatBytes, utf8 } from './bytes.js';
import { cborDecode, cborEncodeSelfDescribing, type CborValue } from './cbor.js';
import { sha256, sha256Of } from './sha256.js';

export type HashTree =
  | { kind: 'empty' }
  | { kind: 'fork'; left: HashTree; right: HashTree }
  | { kind: 'labeled'; label: Uint8Array; tree: HashTree }
  | { kind: 'leaf'; value: Uint8Array }
  | { kind: 'pruned'; hash: Uint8Array };

function domain(name: string): Uint8Array {
  const b = utf8(name);
  return concatBytes(Uint8Array.from([b.length]), b);
}

const EMPTY_DOMAIN = domain('ic-hashtree-empty');
export const FORK_DOMAIN = domain('ic-hashtree-fork');
export const LABELED_DOMAIN = domain('ic-hashtree-labeled');
export const LEAF_DOMAIN = domain('ic-hashtree-leaf');

/** The hash of the empty tree. */
export const EMPTY_HASH = sha256(EMPTY_DOMAIN);

export const forkHash = (left: Uint8Array, right: Uint8Array) => sha256Of(FORK_DOMAIN, left, right);
export const labeledHash = (label: Uint8Array, tree: Uint8Array) => sha256Of(LABELED_DOMAIN, label, tree);
export const leafHash = (value: Uint8Array) => sha256Of(LEAF_DOMAIN, value);

export const empty = (): HashTree => ({ kind: 'empty' });
export const fork = (left: HashTree, right: HashTree): HashTree => ({ kind: 'fork', left, right });
export const labeled = (label: Uint8Array | string, tree: HashTree): HashTree => ({ kind: 'labeled', label: typeof label === 'string' ? utf8(label) : label, tree });
export const leaf = (value: Uint8Array): HashTree => ({ kind: 'leaf', value });
export const pruned = (hash: Uint8Array): HashTree => ({ kind: 'pruned', hash });

/** The root hash of a (possibly pruned) tree: `reconstruct` in the specification. */
export function treeHash(tree: HashTree): Uint8Array {
  switch (tree.kind) {
    case 'empty': return EMPTY_HASH;
    case 'fork': return forkHash(treeHash(tree.left), treeHash(tree.right));
    case 'labeled': return labeledHash(tree.label, treeHash(tree.tree));
    case 'leaf': return leafHash(tree.value);
    case 'pruned': return tree.hash;
  }
}

function toCbor(tree: HashTree): CborValue {
  switch (tree.kind) {
    case 'empty': return [0];
    case 'fork': return [1, toCbor(tree.left), toCbor(tree.right)];
    case 'labeled': return [2, tree.label, toCbor(tree.tree)];
    case 'leaf': return [3, tree.value];
    case 'pruned': return [4, tree.hash];
  }
}

/** Self-describing CBOR of a tree, as `IC-Certificate: tree=:…:` and `certified_tree` carry it. */
export function encodeHashTree(tree: HashTree): Uint8Array {
  return cborEncodeSelfDescribing(toCbor(tree));
}

function fromCbor(value: CborValue): HashTree {
  if (!Array.isArray(value) || typeof value[0] !== 'number') throw new Error('hash tree: expected an array with a node tag');
  const [tag, a, b] = value;
  const bytes = (v: CborValue | undefined): Uint8Array => {
    if (!(v instanceof Uint8Array)) throw new Error('hash tree: expected a byte string');
    return v;
  };
  switch (tag) {
    case 0: return { kind: 'empty' };
    case 1: return { kind: 'fork', left: fromCbor(a!), right: fromCbor(b!) };
    case 2: return { kind: 'labeled', label: bytes(a), tree: fromCbor(b!) };
    case 3: return { kind: 'leaf', value: bytes(a) };
    case 4: {
      const hash = bytes(a);
      if (hash.length !== 32) throw new Error('hash tree: a pruned node holds 32 bytes');
      return { kind: 'pruned', hash };
    }
    default: throw new Error(`hash tree: unknown node tag ${String(tag)}`);
  }
}

export function decodeHashTree(bytes: Uint8Array): HashTree {
  return fromCbor(cborDecode(bytes));
}

export type LookupResult =
  | { status: 'found'; tree: HashTree }
  | { status: 'absent' }
  | { status: 'unknown' };

/** The labeled and pruned nodes of a tree's top level, left to right (`flatten_forks`). */
function flatten(tree: HashTree): HashTree[] {
  const out: HashTree[] = [];
  const walk = (t: HashTree) => {
    if (t.kind === 'fork') {
      walk(t.left);
      walk(t.right);
    } else if (t.kind !== 'empty') out.push(t);
  };
  walk(tree);
  return out;
}

/** `find_label` of the specification: found, provably absent, or unknown (pruned away). */
export function findLabel(label: Uint8Array, tree: HashTree): LookupResult {
  const nodes = flatten(tree);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.kind === 'labeled' && bytesEqual(n.label, label)) return { status: 'found', tree: n.tree };
  }
  // Absent when the label falls between two adjacent labeled nodes, before the first or after the last.
  if (nodes.length === 0) return { status: 'absent' };
  const first = nodes[0]!;
  if (first.kind === 'labeled' && compareBytes(label, first.label) < 0) return { status: 'absent' };
  const last = nodes[nodes.length - 1]!;
  if (last.kind === 'labeled' && compareBytes(label, last.label) > 0) return { status: 'absent' };
  for (let i = 0; i + 1 < nodes.length; i++) {
    const a = nodes[i]!;
    const b = nodes[i + 1]!;
    if (a.kind === 'labeled' && b.kind === 'labeled' && compareBytes(a.label, label) < 0 && compareBytes(label, b.label) < 0) {
      return { status: 'absent' };
    }
  }
  return { status: 'unknown' };
}

/** Follows `path` from the root: the subtree found there, or why not. */
export function lookupSubtree(path: (Uint8Array | string)[], tree: HashTree): LookupResult {
  let t = tree;
  for (const segment of path) {
    const r = findLabel(typeof segment === 'string' ? utf8(segment) : segment, t);
    if (r.status !== 'found') return r;
    t = r.tree;
  }
  return { status: 'found', tree: t };
}

/** The leaf value at `path`, or undefined (absent, unknown, or not a leaf). */
export function lookupLeaf(path: (Uint8Array | string)[], tree: HashTree): Uint8Array | undefined {
  const r = lookupSubtree(path, tree);
  return r.status === 'found' && r.tree.kind === 'leaf' ? r.tree.value : undefined;
}
