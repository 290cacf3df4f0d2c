import { describe, expect, it } from 'vitest';

import { decodeCbor, encodeCbor } from './cbor.js';
import { labeledTree, leb128, node, reconstruct, treeFromCbor, treeToCbor } from './hash-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (s: string) => new TextEncoder().encode(s);

describe('hash trees', () => {
  it('reproduces the interface specification example', () => {
    // IC spec § Certification, Example: the tree and its CBOR are given in the spec.
    const specCbor = '8301830183024161830183018302417882034568656c6c6f810083024179820345776f726c6483024162820344676f6f648301830241638100830241648203476d6f726e696e67';
    const tree = treeFromCbor(decodeCbor(Buffer.from(specCbor, 'hex')));
    expect(hex(reconstruct(tree))).toBe('eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0');
    expect(hex(encodeCbor(treeToCbor(tree)))).toBe(specCbor);
  });

  it('builds well-formed trees with sorted labels', () => {
    const tree = labeledTree(node([['b', text('2')], ['a', node([['y', text('world')], ['x', text('hello')]])]]));
    const cbor = treeToCbor(tree) as unknown[];
    // The first label in order is "a".
    expect(JSON.stringify(cbor)).toMatch(/^\[1,\[2,/);
    expect(reconstruct(tree)).toHaveLength(32);
  });

  it('encodes nats as LEB128', () => {
    expect(hex(leb128(0n))).toBe('00');
    expect(hex(leb128(624485n))).toBe('e58e26');
  });
});
