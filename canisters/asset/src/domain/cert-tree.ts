/**
 * The canister's certified tree: nested labeled maps under two fixed top-level labels, plus the
 * head of the root history. Its shape is canonical (see `labeled-map.ts`), so the same assets
 * always give the same hashes:
 *
 *   asset tree   = Fork(Labeled("http_assets", A), Labeled("http_expr", E))
 *   asset root   = hash(asset tree)
 *   certified    = Fork(asset tree, Labeled("lineage_history", Leaf(history head)))
 *   certified_data = hash(certified)
 *
 * `A` maps request paths to the sha256 of the body (response verification v1), `E` holds the
 * v2 expression paths (`http_expr/<segments>/<$>/<expr hash>/<request hash>/<response hash>`).
 * No label ever leads to an empty map: removing a path's last entry removes its map too.
 */
import { compareBytes, utf8 } from './bytes.js';
import { fork, forkHash, labeled, labeledHash, leaf, leafHash, pruned, treeHash, type HashTree } from './hash-tree.js';
import { LabeledMap, leafChild, type Reveal } from './labeled-map.js';

export const HTTP_ASSETS = utf8('http_assets');
export const HTTP_EXPR = utf8('http_expr');
export const LINEAGE_HISTORY = utf8('lineage_history');

/** The hash the history contributes to the certified data. */
export const historyNodeHash = (head: Uint8Array) => labeledHash(LINEAGE_HISTORY, leafHash(head));

/** certified_data for an asset root and a history head. */
export const composeCertifiedData = (assetRoot: Uint8Array, head: Uint8Array) => forkHash(assetRoot, historyNodeHash(head));

/** Sets `value` as the leaf at `path` below `map`, creating the maps on the way. */
export function insertPath(map: LabeledMap, path: Uint8Array[], value: Uint8Array): void {
  const [label, ...rest] = path;
  if (!label) throw new Error('an empty path');
  if (rest.length === 0) return map.set(label, leafChild(value));
  const child = map.get(label);
  if (child?.kind === 'map') {
    insertPath(child.map, rest, value);
    map.refresh(label);
  } else {
    const inner = new LabeledMap();
    insertPath(inner, rest, value);
    map.set(label, { kind: 'map', map: inner });
  }
}

/** Removes whatever `path` leads to below `map`, and the maps this leaves empty. */
export function deletePath(map: LabeledMap, path: Uint8Array[]): void {
  const [label, ...rest] = path;
  if (!label) throw new Error('an empty path');
  if (rest.length === 0) {
    map.delete(label);
    return;
  }
  const child = map.get(label);
  if (child?.kind !== 'map') return;
  deletePath(child.map, rest);
  if (child.map.size === 0) map.delete(label);
  else map.refresh(label);
}

/** Whether `path` leads to something below `map`. */
export function hasPath(map: LabeledMap, path: Uint8Array[]): boolean {
  let m = map;
  for (let i = 0; i < path.length; i++) {
    const child = m.get(path[i]!);
    if (!child) return false;
    if (i === path.length - 1) return true;
    if (child.kind !== 'map') return false;
    m = child.map;
  }
  return true;
}

const hexKey = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * A witness of `map` that answers every path in `paths`: a path that exists is revealed down to
 * its end (its end in full); where a label is missing, its neighbours are revealed to prove it.
 */
export function witnessPaths(map: LabeledMap, paths: Uint8Array[][]): HashTree {
  const groups = new Map<string, { label: Uint8Array; full: boolean; rests: Uint8Array[][]; labelOnly: boolean }>();
  const group = (label: Uint8Array) => {
    const k = hexKey(label);
    let g = groups.get(k);
    if (!g) {
      g = { label, full: false, rests: [], labelOnly: false };
      groups.set(k, g);
    }
    return g;
  };
  for (const path of paths) {
    const [first, ...rest] = path;
    if (!first) continue;
    if (map.get(first)) {
      const g = group(first);
      if (rest.length === 0) g.full = true;
      else g.rests.push(rest);
    } else {
      const { before, after } = map.neighbours(first);
      if (before) group(before).labelOnly = true;
      if (after) group(after).labelOnly = true;
    }
  }
  const reveal = (label: Uint8Array): Reveal | undefined => {
    const g = groups.get(hexKey(label));
    if (!g) return undefined;
    if (g.full) return { mode: 'full' };
    if (g.rests.length > 0) {
      return {
        mode: 'nested',
        witness: (child) => (child.kind === 'map' ? witnessPaths(child.map, g.rests) : leaf(child.value)),
      };
    }
    return { mode: 'label' };
  };
  return map.witness(reveal, [...groups.values()].map((g) => g.label));
}

/** Which paths of the two http maps a witness must answer. */
export interface WitnessRequest {
  assets?: Uint8Array[][];
  expr?: Uint8Array[][];
}

/** A nested map under construction, as plain data (turned into `LabeledMap`s at once by `build`). */
export class MapBuilder {
  private readonly entries = new Map<string, { label: Uint8Array; leaf?: Uint8Array; children?: MapBuilder }>();

  insert(path: Uint8Array[], value: Uint8Array): void {
    const [label, ...rest] = path;
    if (!label) throw new Error('an empty path');
    const k = hexKey(label);
    let e = this.entries.get(k);
    if (!e) {
      e = { label };
      this.entries.set(k, e);
    }
    if (rest.length === 0) {
      e.leaf = value;
      delete e.children;
    } else {
      delete e.leaf;
      e.children ??= new MapBuilder();
      e.children.insert(rest, value);
    }
  }

  build(): LabeledMap {
    const sorted = [...this.entries.values()].sort((a, b) => compareBytes(a.label, b.label));
    return LabeledMap.fromSorted(sorted.map((e) => [e.label, e.children ? { kind: 'map', map: e.children.build() } : leafChild(e.leaf!)]));
  }
}

export class CertTree {
  /** `http_assets`: v1, request path → sha256 of the body. */
  readonly assets: LabeledMap;
  /** `http_expr`: v2 expression paths. */
  readonly expr: LabeledMap;

  constructor(assets = new LabeledMap(), expr = new LabeledMap()) {
    this.assets = assets;
    this.expr = expr;
  }

  /** The asset root: what a rebuild of the site reproduces. */
  assetRoot(): Uint8Array {
    return forkHash(labeledHash(HTTP_ASSETS, this.assets.hash), labeledHash(HTTP_EXPR, this.expr.hash));
  }

  certifiedData(historyHead: Uint8Array): Uint8Array {
    return composeCertifiedData(this.assetRoot(), historyHead);
  }

  /** A witness for the given paths, everything else pruned (the history as one pruned node). */
  witness(request: WitnessRequest, historyHead: Uint8Array): HashTree {
    const a = request.assets && request.assets.length > 0 ? witnessPaths(this.assets, request.assets) : pruned(this.assets.hash);
    const e = request.expr && request.expr.length > 0 ? witnessPaths(this.expr, request.expr) : pruned(this.expr.hash);
    return fork(fork(labeled(HTTP_ASSETS, a), labeled(HTTP_EXPR, e)), pruned(historyNodeHash(historyHead)));
  }

  /** The asset tree pruned to its two maps, and the history revealed: what `get_certified_root` returns. */
  rootWitness(historyHead: Uint8Array): HashTree {
    return fork(
      fork(labeled(HTTP_ASSETS, pruned(this.assets.hash)), labeled(HTTP_EXPR, pruned(this.expr.hash))),
      labeled(LINEAGE_HISTORY, leaf(historyHead)),
    );
  }

  /** The whole tree, nothing pruned (`certified_tree`). */
  fullTree(historyHead: Uint8Array): HashTree {
    return fork(fork(labeled(HTTP_ASSETS, this.assets.tree()), labeled(HTTP_EXPR, this.expr.tree())), labeled(LINEAGE_HISTORY, leaf(historyHead)));
  }
}

/** The asset root and the history head inside a witness shaped like `rootWitness` (or any witness of ours). */
export function splitCertifiedTree(tree: HashTree): { assetRoot: Uint8Array; historyHead?: Uint8Array } | undefined {
  if (tree.kind !== 'fork') return undefined;
  const history = tree.right;
  const head = history.kind === 'labeled' && history.tree.kind === 'leaf' ? history.tree.value : undefined;
  return { assetRoot: treeHash(tree.left), historyHead: head };
}
