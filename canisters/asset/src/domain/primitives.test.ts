import { createHash, randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { base64, fromBase64, fromHex, leb128, toHex, utf8 } from './bytes.js';
import { cborDecode, cborEncode, cborEncodeSelfDescribing } from './cbor.js';
import {
  decodeHashTree, empty, encodeHashTree, fork, labeled, leaf, lookupLeaf, lookupSubtree, pruned, treeHash, type HashTree,
} from './hash-tree.js';
import { representationIndependentHash } from './http-cert.js';
import { sha256, sha256Of } from './sha256.js';

const reference = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('sha256', () => {
  it.each([0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 65537])('hashes %i bytes like node:crypto', (n) => {
    const data = new Uint8Array(randomBytes(n));
    expect(toHex(sha256(data))).toBe(reference(data));
  });

  it('hashes concatenations', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }), (parts) => {
      expect(toHex(sha256Of(...parts))).toBe(reference(Buffer.concat(parts)));
    }));
  });
});

describe('bytes', () => {
  it('encodes base64 like Buffer, both ways', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const text = Buffer.from(b).toString('base64');
      expect(base64(b)).toBe(text);
      expect(toHex(fromBase64(text))).toBe(toHex(b));
    }));
  });

  it('encodes LEB128', () => {
    expect(toHex(leb128(0))).toBe('00');
    expect(toHex(leb128(127))).toBe('7f');
    expect(toHex(leb128(128))).toBe('8001');
    expect(toHex(leb128(624485))).toBe('e58e26');
  });
});

describe('CBOR', () => {
  it('writes canonical heads', () => {
    expect(toHex(cborEncode(0))).toBe('00');
    expect(toHex(cborEncode(24))).toBe('1818');
    expect(toHex(cborEncode(1000))).toBe('1903e8');
    expect(toHex(cborEncode(utf8('ab')))).toBe('426162');
    expect(toHex(cborEncode('ab'))).toBe('626162');
    expect(toHex(cborEncodeSelfDescribing(['http_expr', '<$>']))).toBe('d9d9f78269687474705f65787072633c243e');
  });

  it('reads back what it writes', () => {
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.nat(), fc.uint8Array({ maxLength: 40 }), fc.string(), fc.array(tie('v'), { maxLength: 4 })),
    })).v;
    fc.assert(fc.property(value, (v) => {
      expect(cborDecode(cborEncode(v as never))).toEqual(v);
    }));
  });

  it('refuses truncated and trailing input', () => {
    expect(() => cborDecode(Uint8Array.from([0x42, 0x61]))).toThrow(/end of input/);
    expect(() => cborDecode(Uint8Array.from([0x00, 0x00]))).toThrow(/trailing/);
  });
});

/** The example of the IC interface specification (§ Certification, "Example"). */
const specExample: HashTree = fork(
  fork(
    labeled('a', fork(fork(labeled('x', leaf(utf8('hello'))), empty()), labeled('y', leaf(utf8('world'))))),
    labeled('b', leaf(utf8('good'))),
  ),
  fork(labeled('c', empty()), labeled('d', leaf(utf8('morning')))),
);

describe('hash trees', () => {
  it('hashes the specification example to its published root', () => {
    expect(toHex(treeHash(specExample))).toBe('eb5c5b2195e62d996b84c9bcc8259d19a83786a2f59e0878cec84c811f669aa0');
  });

  it('round-trips through CBOR', () => {
    const withPruned = fork(specExample, pruned(sha256(utf8('x'))));
    expect(decodeHashTree(encodeHashTree(withPruned))).toEqual(withPruned);
  });

  it('looks up found, absent and unknown as the specification does', () => {
    expect(lookupLeaf(['a', 'x'], specExample)).toEqual(utf8('hello'));
    expect(lookupLeaf(['d'], specExample)).toEqual(utf8('morning'));
    expect(lookupSubtree(['a', 'z'], specExample).status).toBe('absent');
    expect(lookupSubtree(['aa'], specExample).status).toBe('absent');
    expect(lookupSubtree(['e'], specExample).status).toBe('absent');
    expect(lookupSubtree(['0'], specExample).status).toBe('absent');
    // Pruning the left half: labels that might sit there are unknown, not absent.
    const half = fork(pruned(treeHash((specExample as { left: HashTree }).left)), (specExample as { right: HashTree }).right);
    expect(treeHash(half)).toEqual(treeHash(specExample));
    expect(lookupSubtree(['b'], half).status).toBe('unknown');
    expect(lookupSubtree(['e'], half).status).toBe('absent');
  });
});

describe('representation-independent hash', () => {
  it('matches the published example of ic-representation-independent-hash', () => {
    const h = representationIndependentHash([['name', 'foo'], ['message', 'Hello World!'], ['answer', 42]]);
    expect(toHex(h)).toBe('b0c6f9191e37dceafdfc47fbfc7e9cc95f21c7b985c2f7ba5855015c2a8f13ac');
  });

  it('keeps repeated keys', () => {
    const h = representationIndependentHash([['name', 'foo'], ['name', 'bar'], ['message', 'Hello World!']]);
    expect(toHex(h)).toBe('435f77c9bdeca5dba4a4b8a34e4f732b4311f1fc252ec6d4e8ee475234b170f9');
  });

  it('does not depend on the order of pairs', () => {
    const a = representationIndependentHash([['x', '1'], ['y', 2]]);
    expect(a).toEqual(representationIndependentHash([['y', 2], ['x', '1']]));
    expect(fromHex(toHex(a))).toEqual(a);
  });
});
