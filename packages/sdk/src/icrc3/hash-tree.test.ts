import { Cbor, reconstruct as agentReconstruct, type HashTree as AgentHashTree } from '@dfinity/agent';
import { describe, expect, it } from 'vitest';

import { decodeHashTree, hashTreeRoot, lookupLeaf, type HashTree } from './hash-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (s: string) => new TextEncoder().encode(s);

/** A tree with every node kind: fork(labeled(a, leaf), fork(labeled(b, labeled(c, leaf)), pruned)). */
const cbor = [
  1,
  [2, text('a'), [3, text('hello')]],
  [1, [2, text('b'), [2, text('c'), [3, new Uint8Array([1, 2, 3])]]], [1, [4, new Uint8Array(32).fill(7)], [0]]],
];

describe('hash trees', () => {
  it('decode from CBOR, with or without the self-describing tag', () => {
    const bytes = Cbor.encode(cbor);
    const tree = decodeHashTree(bytes);
    expect(tree.kind).toBe('fork');
    expect(decodeHashTree(bytes.slice(3))).toEqual(tree); // Cbor.encode writes the d9d9f7 tag first
  });

  it('reconstruct to the same root as @dfinity/agent', async () => {
    const tree = decodeHashTree(Cbor.encode(cbor));
    expect(hex(hashTreeRoot(tree))).toBe(hex(await agentReconstruct(cbor as unknown as AgentHashTree)));
  });

  it('hash each kind with its domain separator (IC spec vectors)', () => {
    // The IC interface specification's example: the root of its "example tree".
    const leaf = (s: string): HashTree => ({ kind: 'leaf', value: text(s) });
    const labeled = (l: string, t: HashTree): HashTree => ({ kind: 'labeled', label: text(l), tree: t });
    const fork = (l: HashTree, r: HashTree): HashTree => ({ kind: 'fork', left: l, right: r });
    const example = fork(
      fork(labeled('a', fork(fork(labeled('x', leaf('hello')), { kind: 'empty' }), labeled('y', leaf('world')))), labeled('b', leaf('good'))),
      fork(labeled('c', { kind: 'empty' }), labeled('d', leaf('morning'))),
    );
    expect(hex(hashTreeRoot(example))).toBe('eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0');
  });

  it('look up leaves by path, telling absent from pruned', () => {
    const tree = decodeHashTree(Cbor.encode(cbor));
    expect(lookupLeaf(tree, ['a'])).toEqual({ status: 'found', value: text('hello') });
    expect(lookupLeaf(tree, ['b', 'c'])).toEqual({ status: 'found', value: new Uint8Array([1, 2, 3]) });
    expect(lookupLeaf(tree, ['b'])).toEqual({ status: 'absent' }); // a subtree, not a leaf
    expect(lookupLeaf(tree, ['zz'])).toEqual({ status: 'unknown' }); // could be under the pruned branch
    const unpruned = decodeHashTree(Cbor.encode([2, text('a'), [3, text('x')]]));
    expect(lookupLeaf(unpruned, ['zz'])).toEqual({ status: 'absent' });
  });

  it('refuse malformed trees', () => {
    expect(() => decodeHashTree(Cbor.encode([9]))).toThrow(/unknown hash tree node type 9/);
    expect(() => decodeHashTree(Cbor.encode([3, 'text']))).toThrow(/not a byte string/);
    expect(() => decodeHashTree(Cbor.encode([1, [0]]))).toThrow(/fields/);
    expect(() => decodeHashTree(Cbor.encode([4, new Uint8Array(5)]))).toThrow(/32/);
    expect(() => decodeHashTree(Cbor.encode({ a: 1 }))).toThrow(/not an array/);
  });
});
