/**
 * A map from labels to subtrees whose hash tree has a canonical shape: the same set of labels and
 * values always gives the same root hash, whatever the order of insertions and deletions. So the
 * canister can update it in O(log n) per change, rebuild it after an upgrade, and a client can
 * compute the same root from a list of files.
 *
 * The shape is the unique treap (Cartesian tree) of the labels: a binary search tree by label
 * (byte order) that is a max-heap by priority, where a label's priority is the first four bytes
 * of sha256(label) read as a big-endian unsigned integer (ties go to the smaller label). A node
 * with label `l`, child subtree `t` and children `L`, `R` stands for the hash tree
 *
 *   D = Labeled(l, t)
 *   node = D                      without children
 *        | Fork(L, D)             with a left child only
 *        | Fork(D, R)             with a right child only
 *        | Fork(L, Fork(D, R))    with both
 *
 * (the composition `ic-certified-map`'s red-black tree uses), and an empty map is `Empty`.
 * Labels appear left to right in byte order, so lookups and absence proofs work as the IC
 * specification describes.
 *
 * Hashes are computed lazily: a change marks the nodes on its path stale, and the hashes are
 * recomputed when the map's hash (or a witness) is next asked for. A commit that changes many
 * paths then hashes each stale node once, not once per change: in QuickJS a sha256 block costs
 * ~0.6 million instructions, and per-change hashing made a commit of 100 new pages ~44% of an
 * update's limit. A node that is not stale heads a subtree with no stale node in it.
 */
import { compareBytes } from './bytes.js';
import { EMPTY_HASH, fork, forkHash, labeled, labeledHash, leaf, leafHash, pruned, type HashTree } from './hash-tree.js';
import { sha256 } from './sha256.js';

/** What a label leads to: a nested map or a leaf value. */
export type Child = { kind: 'map'; map: LabeledMap } | { kind: 'leaf'; value: Uint8Array; hash: Uint8Array };

const EMPTY_LEAF_HASH = leafHash(new Uint8Array());

export const leafChild = (value: Uint8Array): Child => ({ kind: 'leaf', value, hash: value.length === 0 ? EMPTY_LEAF_HASH : leafHash(value) });

interface Node {
  label: Uint8Array;
  priority: number;
  child: Child;
  left: Node | undefined;
  right: Node | undefined;
  /** Hash of Labeled(label, child); stale while `dataStale`. */
  data: Uint8Array;
  /** Hash of the node's whole subtree; stale while `stale`. */
  subtree: Uint8Array;
  /** The child changed (or the node is new): `data` must be recomputed. */
  dataStale: boolean;
  /** Something in this subtree changed: `subtree` (and possibly `data` here or below) must be recomputed. */
  stale: boolean;
}

/** Priorities of labels seen recently (`<$>`, `""`, expression hashes and segments repeat across paths). */
const priorities = new Map<string, number>();

/** The treap priority of a label: the first four bytes of its sha256, big-endian. */
export function labelPriority(label: Uint8Array): number {
  const key = label.length <= 64 ? String.fromCharCode.apply(null, label as unknown as number[]) : undefined;
  const known = key === undefined ? undefined : priorities.get(key);
  if (known !== undefined) return known;
  const h = sha256(label);
  const p = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
  if (key !== undefined) {
    if (priorities.size >= 4096) priorities.clear();
    priorities.set(key, p);
  }
  return p;
}

const outranks = (a: Node, b: Node) => a.priority > b.priority || (a.priority === b.priority && compareBytes(a.label, b.label) < 0);

export const childHash = (child: Child): Uint8Array => (child.kind === 'leaf' ? child.hash : child.map.hash);

/** Marks a node's own entry changed (its child, or a new node). */
function touchData(node: Node): void {
  node.dataStale = true;
  node.stale = true;
}

/** Recomputes the stale hashes of the subtree at `node`, each once. */
function settle(node: Node): void {
  if (!node.stale) return;
  if (node.left) settle(node.left);
  if (node.right) settle(node.right);
  if (node.dataStale) {
    node.data = labeledHash(node.label, childHash(node.child));
    node.dataStale = false;
  }
  const { left, right } = node;
  if (left && right) node.subtree = forkHash(left.subtree, forkHash(node.data, right.subtree));
  else if (left) node.subtree = forkHash(left.subtree, node.data);
  else if (right) node.subtree = forkHash(node.data, right.subtree);
  else node.subtree = node.data;
  node.stale = false;
}

const newNode = (label: Uint8Array, child: Child): Node => ({
  label, priority: labelPriority(label), child, left: undefined, right: undefined, data: EMPTY_HASH, subtree: EMPTY_HASH, dataStale: true, stale: true,
});

function rotateRight(node: Node): Node {
  const l = node.left!;
  node.left = l.right;
  node.stale = true;
  l.right = node;
  l.stale = true;
  return l;
}

function rotateLeft(node: Node): Node {
  const r = node.right!;
  node.right = r.left;
  node.stale = true;
  r.left = node;
  r.stale = true;
  return r;
}

/** Joins two treaps whose labels are all smaller in `a` than in `b`. */
function merge(a: Node | undefined, b: Node | undefined): Node | undefined {
  if (!a) return b;
  if (!b) return a;
  if (outranks(a, b)) {
    a.right = merge(a.right, b);
    a.stale = true;
    return a;
  }
  b.left = merge(a, b.left);
  b.stale = true;
  return b;
}

/** The subtree a witness reveals for one label: the child in full, a nested witness, or only the label. */
export type Reveal = { mode: 'full' } | { mode: 'label' } | { mode: 'nested'; witness: (child: Child) => HashTree };

export class LabeledMap {
  private root: Node | undefined;
  private count = 0;

  /**
   * The map of `entries` (labels strictly ascending) built at once: the treap by the stack
   * construction of a Cartesian tree, each hash computed once (O(n) hashes, where n insertions
   * would recompute the path above each one).
   */
  static fromSorted(entries: [Uint8Array, Child][]): LabeledMap {
    const map = new LabeledMap();
    const stack: Node[] = [];
    for (const [label, child] of entries) {
      const node = newNode(label, child);
      let last: Node | undefined;
      while (stack.length > 0 && outranks(node, stack[stack.length - 1]!)) last = stack.pop();
      node.left = last;
      if (stack.length > 0) stack[stack.length - 1]!.right = node;
      stack.push(node);
    }
    map.root = stack[0];
    map.count = entries.length;
    return map;
  }

  get size(): number {
    return this.count;
  }

  /** The root hash of the map's hash tree (recomputing what changed since it was last asked). */
  get hash(): Uint8Array {
    if (!this.root) return EMPTY_HASH;
    settle(this.root);
    return this.root.subtree;
  }

  get(label: Uint8Array): Child | undefined {
    let n = this.root;
    while (n) {
      const c = compareBytes(label, n.label);
      if (c === 0) return n.child;
      n = c < 0 ? n.left : n.right;
    }
    return undefined;
  }

  /** Sets the child of `label` (inserting the label when it is new). */
  set(label: Uint8Array, child: Child): void {
    this.root = this.insert(this.root, label, child);
  }

  /** Marks the path to `label` stale after its child (a nested map) changed in place. */
  refresh(label: Uint8Array): void {
    const path: Node[] = [];
    let n = this.root;
    for (;;) {
      if (!n) throw new Error('refresh of a label that is not in the map');
      path.push(n);
      const c = compareBytes(label, n.label);
      if (c === 0) break;
      n = c < 0 ? n.left : n.right;
    }
    touchData(n);
    for (const p of path) p.stale = true;
  }

  /** Removes `label`; returns whether it was there. */
  delete(label: Uint8Array): boolean {
    let found = false;
    const walk = (n: Node | undefined): Node | undefined => {
      if (!n) return undefined;
      const c = compareBytes(label, n.label);
      if (c === 0) {
        found = true;
        return merge(n.left, n.right);
      }
      if (c < 0) n.left = walk(n.left);
      else n.right = walk(n.right);
      n.stale = true;
      return n;
    };
    this.root = walk(this.root);
    if (found) this.count--;
    return found;
  }

  private insert(n: Node | undefined, label: Uint8Array, child: Child): Node {
    if (!n) {
      this.count++;
      return newNode(label, child);
    }
    const c = compareBytes(label, n.label);
    if (c === 0) {
      n.child = child;
      touchData(n);
      return n;
    }
    if (c < 0) {
      n.left = this.insert(n.left, label, child);
      if (outranks(n.left, n)) return rotateRight(n);
    } else {
      n.right = this.insert(n.right, label, child);
      if (outranks(n.right, n)) return rotateLeft(n);
    }
    n.stale = true;
    return n;
  }

  /** Labels and children in label order. */
  entries(): [Uint8Array, Child][] {
    const out: [Uint8Array, Child][] = [];
    const walk = (n: Node | undefined) => {
      if (!n) return;
      walk(n.left);
      out.push([n.label, n.child]);
      walk(n.right);
    };
    walk(this.root);
    return out;
  }

  /** The largest label below `label` and the smallest above it (the neighbours of an absent label). */
  neighbours(label: Uint8Array): { before?: Uint8Array; after?: Uint8Array } {
    let before: Uint8Array | undefined;
    let after: Uint8Array | undefined;
    let n = this.root;
    while (n) {
      const c = compareBytes(label, n.label);
      if (c === 0) return { before: n.label, after: n.label };
      if (c < 0) {
        after = n.label;
        n = n.left;
      } else {
        before = n.label;
        n = n.right;
      }
    }
    return { before, after };
  }

  /** The whole map as a hash tree. */
  tree(): HashTree {
    return this.witness(() => ({ mode: 'full' }), undefined);
  }

  /**
   * A witness of this map: labels `reveal` answers for are shown (`full`: with their child,
   * `nested`: with a witness of it, `label`: with the child pruned); the rest is pruned. With
   * `labels`, only those labels are asked about (the others are pruned without a call).
   */
  witness(reveal: (label: Uint8Array) => Reveal | undefined, labels: Uint8Array[] | undefined): HashTree {
    if (!this.root) return { kind: 'empty' };
    settle(this.root);
    const sorted = labels ? [...labels].sort(compareBytes) : undefined;
    const walk = (n: Node, wanted: Uint8Array[] | undefined): HashTree => {
      if (wanted && wanted.length === 0) return pruned(n.subtree);
      let lower: Uint8Array[] | undefined;
      let upper: Uint8Array[] | undefined;
      let here = !wanted;
      if (wanted) {
        lower = [];
        upper = [];
        for (const w of wanted) {
          const c = compareBytes(w, n.label);
          if (c < 0) lower.push(w);
          else if (c > 0) upper.push(w);
          else here = true;
        }
      }
      const r = here ? reveal(n.label) : undefined;
      let data: HashTree;
      if (!r) data = pruned(n.data);
      else if (r.mode === 'label') data = labeled(n.label, pruned(childHash(n.child)));
      else if (r.mode === 'nested') data = labeled(n.label, r.witness(n.child));
      else data = labeled(n.label, n.child.kind === 'leaf' ? leaf(n.child.value) : n.child.map.tree());
      const l = n.left ? walk(n.left, lower) : undefined;
      const rt = n.right ? walk(n.right, upper) : undefined;
      if (l && rt) return fork(l, fork(data, rt));
      if (l) return fork(l, data);
      if (rt) return fork(data, rt);
      return data;
    };
    return walk(this.root, sorted);
  }
}
