/**
 * The IC's hash trees (IC interface spec § Certification): construction from labeled data,
 * root computation, and CBOR form. Labels of a node's children are kept sorted, as the spec
 * requires of well-formed trees.
 */
import { createHash } from 'node:crypto';

import { compareBytes } from '../ids.js';
import type { CborValue } from './cbor.js';

export type HashTree =
  | { kind: 'empty' }
  | { kind: 'fork'; left: HashTree; right: HashTree }
  | { kind: 'labeled'; label: Uint8Array; tree: HashTree }
  | { kind: 'leaf'; value: Uint8Array }
  | { kind: 'pruned'; hash: Uint8Array };

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

function domainSep(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

const SEP = {
  empty: domainSep('ic-hashtree-empty'),
  fork: domainSep('ic-hashtree-fork'),
  labeled: domainSep('ic-hashtree-labeled'),
  leaf: domainSep('ic-hashtree-leaf'),
};

export const STATE_ROOT_SEPARATOR = domainSep('ic-state-root');

export function reconstruct(tree: HashTree): Uint8Array {
  switch (tree.kind) {
    case 'empty': return sha256(SEP.empty);
    case 'fork': return sha256(SEP.fork, reconstruct(tree.left), reconstruct(tree.right));
    case 'labeled': return sha256(SEP.labeled, tree.label, reconstruct(tree.tree));
    case 'leaf': return sha256(SEP.leaf, tree.value);
    case 'pruned': return tree.hash;
  }
}

/** A node of labeled data: a leaf value or children by label. */
export type Labeled = Uint8Array | Map<string, { label: Uint8Array; value: Labeled }>;

/** Builds a tree of nested labels; children are forked in a balanced way, in label order. */
export function labeledTree(node: Labeled): HashTree {
  if (node instanceof Uint8Array) return { kind: 'leaf', value: node };
  const children = [...node.values()].sort((a, b) => compareBytes(a.label, b.label));
  const subtrees: HashTree[] = children.map((c) => ({ kind: 'labeled', label: c.label, tree: labeledTree(c.value) }));
  return forkAll(subtrees);
}

function forkAll(trees: HashTree[]): HashTree {
  if (trees.length === 0) return { kind: 'empty' };
  if (trees.length === 1) return trees[0]!;
  const mid = Math.ceil(trees.length / 2);
  return { kind: 'fork', left: forkAll(trees.slice(0, mid)), right: forkAll(trees.slice(mid)) };
}

/** Convenience for building `Labeled` maps from `[label, value]` pairs. */
export function node(entries: [string | Uint8Array, Labeled][]): Labeled {
  const map = new Map<string, { label: Uint8Array; value: Labeled }>();
  for (const [label, value] of entries) {
    const bytes = typeof label === 'string' ? new TextEncoder().encode(label) : label;
    map.set(Buffer.from(bytes).toString('hex'), { label: bytes, value });
  }
  return map;
}

export function treeToCbor(tree: HashTree): CborValue {
  switch (tree.kind) {
    case 'empty': return [0];
    case 'fork': return [1, treeToCbor(tree.left), treeToCbor(tree.right)];
    case 'labeled': return [2, tree.label, treeToCbor(tree.tree)];
    case 'leaf': return [3, tree.value];
    case 'pruned': return [4, tree.hash];
  }
}

export function treeFromCbor(value: CborValue): HashTree {
  if (!Array.isArray(value)) throw new Error('hash tree node is not an array');
  switch (value[0]) {
    case 0: return { kind: 'empty' };
    case 1: return { kind: 'fork', left: treeFromCbor(value[1]!), right: treeFromCbor(value[2]!) };
    case 2: return { kind: 'labeled', label: value[1] as Uint8Array, tree: treeFromCbor(value[2]!) };
    case 3: return { kind: 'leaf', value: value[1] as Uint8Array };
    case 4: return { kind: 'pruned', hash: value[1] as Uint8Array };
    default: throw new Error(`unknown hash tree node type ${String(value[0])}`);
  }
}

/** LEB128 of a natural number, as the state tree encodes `time` and other nats. */
export function leb128(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return Uint8Array.from(out);
}
