/**
 * The IC's hash trees (IC interface specification § Certification, "Encoding of certificates"):
 * decoding the CBOR form, computing the root hash with the spec's domain separators, and looking up
 * labeled leaves. Used to check an ICRC-3 tip certificate's `hash_tree` against `certified_data`.
 */
import { Cbor } from '@dfinity/agent';

import { asBytes, bytesEqual, sha256, type Bytes } from '../bytes.js';

export type HashTree =
  | { kind: 'empty' }
  | { kind: 'fork'; left: HashTree; right: HashTree }
  | { kind: 'labeled'; label: Uint8Array; tree: HashTree }
  | { kind: 'leaf'; value: Uint8Array }
  | { kind: 'pruned'; hash: Uint8Array };

/** `len(s) ‖ s`, the spec's domain separator for `s`. */
function domainSeparator(s: string): Uint8Array {
  const bytes = new TextEncoder().encode(s);
  return Uint8Array.from([bytes.length, ...bytes]);
}

const SEPARATOR = {
  empty: domainSeparator('ic-hashtree-empty'),
  fork: domainSeparator('ic-hashtree-fork'),
  labeled: domainSeparator('ic-hashtree-labeled'),
  leaf: domainSeparator('ic-hashtree-leaf'),
};

/**
 * Decodes a CBOR-encoded hash tree (`[0]`, `[1, l, r]`, `[2, label, t]`, `[3, value]`, `[4, hash]`),
 * with or without the self-describing tag. Throws on anything else.
 *
 * @example
 * const tree = decodeHashTree(tipCertificate.hash_tree);
 */
export function decodeHashTree(bytes: Bytes): HashTree {
  return fromCbor(Cbor.decode<unknown>(asBytes(bytes)), 0);
}

function fromCbor(node: unknown, depth: number): HashTree {
  if (depth > 128) throw new Error('hash tree nested too deeply');
  if (!Array.isArray(node)) throw new Error('hash tree node is not an array');
  const [tag, a, b] = node as unknown[];
  const expectLength = (n: number) => {
    if (node.length !== n) throw new Error(`hash tree node of type ${String(tag)} has ${node.length - 1} fields, expected ${n - 1}`);
  };
  const blob = (v: unknown, what: string): Uint8Array => {
    if (!(v instanceof Uint8Array)) throw new Error(`hash tree ${what} is not a byte string`);
    return v;
  };
  switch (tag) {
    case 0: expectLength(1); return { kind: 'empty' };
    case 1: expectLength(3); return { kind: 'fork', left: fromCbor(a, depth + 1), right: fromCbor(b, depth + 1) };
    case 2: expectLength(3); return { kind: 'labeled', label: blob(a, 'label'), tree: fromCbor(b, depth + 1) };
    case 3: expectLength(2); return { kind: 'leaf', value: blob(a, 'leaf') };
    case 4: {
      expectLength(2);
      const hash = blob(a, 'pruned hash');
      if (hash.length !== 32) throw new Error(`pruned hash is ${hash.length} bytes, expected 32`);
      return { kind: 'pruned', hash };
    }
    default: throw new Error(`unknown hash tree node type ${String(tag)}`);
  }
}

/**
 * The root hash of `tree` (the spec's `reconstruct`): what a canister sets as its certified data.
 *
 * @example
 * bytesEqual(hashTreeRoot(decodeHashTree(cert.hash_tree)), certifiedData);
 */
export function hashTreeRoot(tree: HashTree): Uint8Array {
  switch (tree.kind) {
    case 'empty': return sha256(SEPARATOR.empty);
    case 'fork': return sha256(SEPARATOR.fork, hashTreeRoot(tree.left), hashTreeRoot(tree.right));
    case 'labeled': return sha256(SEPARATOR.labeled, tree.label, hashTreeRoot(tree.tree));
    case 'leaf': return sha256(SEPARATOR.leaf, tree.value);
    case 'pruned': return tree.hash;
  }
}

export type LeafLookup =
  | { status: 'found'; value: Uint8Array }
  /** The label is provably not in the tree, or names a subtree rather than a leaf. */
  | { status: 'absent' }
  /** The label may be under a pruned branch. */
  | { status: 'unknown' };

/**
 * The leaf at `path` (a list of labels, text or bytes).
 *
 * @example
 * lookupLeaf(tree, ['last_block_index']); // { status: 'found', value: Uint8Array [...] }
 */
export function lookupLeaf(tree: HashTree, path: readonly (string | Uint8Array)[]): LeafLookup {
  if (path.length === 0) return tree.kind === 'leaf' ? { status: 'found', value: tree.value } : { status: 'absent' };
  const label = typeof path[0] === 'string' ? new TextEncoder().encode(path[0]) : path[0]!;
  const child = findLabel(tree, label);
  if (child === 'unknown') return { status: 'unknown' };
  if (child === undefined) return { status: 'absent' };
  return lookupLeaf(child, path.slice(1));
}

/** The subtree under `label` among the labeled nodes of a fork structure. */
function findLabel(tree: HashTree, label: Uint8Array): HashTree | 'unknown' | undefined {
  switch (tree.kind) {
    case 'labeled': return bytesEqual(tree.label, label) ? tree.tree : undefined;
    case 'fork': {
      const left = findLabel(tree.left, label);
      if (left !== undefined && left !== 'unknown') return left;
      const right = findLabel(tree.right, label);
      if (right !== undefined && right !== 'unknown') return right;
      return left === 'unknown' || right === 'unknown' ? 'unknown' : undefined;
    }
    case 'pruned': return 'unknown';
    default: return undefined;
  }
}
