import { describe, expect, it } from 'vitest';

import { assetProblems } from './health.js';

const root = (n: number) => new Uint8Array(32).fill(n);

describe('assetProblems', () => {
  it('finds nothing wrong when the last entry records the tree as it is', () => {
    expect(assetProblems({ last: { root: root(1), assetCount: 2n }, treeRoot: root(1), assetCount: 2n })).toEqual([]);
  });

  it('reports an empty history, a root that moved and a count that differs', () => {
    expect(assetProblems({ last: undefined, treeRoot: root(1), assetCount: 0n })).toEqual(['the root history is empty']);
    expect(assetProblems({ last: { root: root(1), assetCount: 2n }, treeRoot: root(2), assetCount: 3n })).toEqual([
      "the last certified root 0101010101010101… is not the asset tree's root 0202020202020202…",
      'the last history entry counts 2 assets, the canister holds 3',
    ]);
  });
});
