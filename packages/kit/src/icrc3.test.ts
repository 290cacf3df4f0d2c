import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { decodeCbor } from '../../pocket/src/certification/cbor.js';
import { reconstruct, treeFromCbor, type HashTree } from '../../pocket/src/certification/hash-tree.js';
import { toHex } from './bytes.js';
import { hashValue, makeBlock, sleb128, tipTree, uleb128, type Value } from './icrc3.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

// ---- an independent reading of ICRC-3 § Value hash ---------------------------------------------

/** LEB128 through the binary digits: groups of 7 from the right, continuation bit on all but the last. */
function leb(n: bigint): Uint8Array {
  const bits = n.toString(2);
  const groups: string[] = [];
  for (let end = bits.length; end > 0; end -= 7) groups.push(bits.slice(Math.max(0, end - 7), end).padStart(7, '0'));
  return Uint8Array.from(groups.map((g, i) => parseInt(g, 2) | (i < groups.length - 1 ? 0x80 : 0)));
}

/** SLEB128 through two's complement in the smallest number of 7-bit groups that keeps the sign. */
function sleb(n: bigint): Uint8Array {
  let groups = 1;
  while (!(n >= -(1n << BigInt(7 * groups - 1)) && n < 1n << BigInt(7 * groups - 1))) groups++;
  const twos = BigInt.asUintN(7 * groups, n);
  return Uint8Array.from({ length: groups }, (_, i) => Number((twos >> BigInt(7 * i)) & 0x7fn) | (i < groups - 1 ? 0x80 : 0));
}

function referenceHash(value: Value): Uint8Array {
  if ('Blob' in value) return sha(value.Blob);
  if ('Text' in value) return sha(Buffer.from(value.Text, 'utf8'));
  if ('Nat' in value) return sha(leb(value.Nat));
  if ('Int' in value) return sha(sleb(value.Int));
  if ('Array' in value) return sha(...value.Array.map(referenceHash));
  const items = value.Map.map(([k, v]) => Buffer.concat([sha(Buffer.from(k, 'utf8')), referenceHash(v)]));
  items.sort(Buffer.compare);
  return sha(...items);
}

const valueArb: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 40 }).map((Blob) => ({ Blob })),
    fc.string({ unit: 'grapheme', maxLength: 20 }).map((Text) => ({ Text })),
    fc.bigInt({ min: 0n, max: 2n ** 130n }).map((Nat) => ({ Nat })),
    fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }).map((Int) => ({ Int })),
    fc.array(tie('value'), { maxLength: 4 }).map((Array) => ({ Array })),
    fc.uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), tie('value')), { maxLength: 4, selector: ([k]) => k }).map((Map) => ({ Map })),
  ),
})).value;

describe('LEB128', () => {
  it('encodes the textbook examples', () => {
    expect(hex(uleb128(0n))).toBe('00');
    expect(hex(uleb128(127n))).toBe('7f');
    expect(hex(uleb128(128n))).toBe('8001');
    expect(hex(uleb128(624485n))).toBe('e58e26');
    expect(hex(sleb128(0n))).toBe('00');
    expect(hex(sleb128(-1n))).toBe('7f');
    expect(hex(sleb128(63n))).toBe('3f');
    expect(hex(sleb128(64n))).toBe('c000');
    expect(hex(sleb128(-64n))).toBe('40');
    expect(hex(sleb128(-65n))).toBe('bf7f');
    expect(hex(sleb128(-123456n))).toBe('c0bb78');
  });

  it('agrees with an independent encoder', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n, i) => {
        expect(hex(uleb128(n))).toBe(hex(leb(n)));
        expect(hex(sleb128(i))).toBe(hex(sleb(i)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('hashValue', () => {
  // dfinity/ICRC-1 standards/ICRC-3/HASHINGVALUES.md § Test vectors.
  it('matches the ICRC-3 test vectors', () => {
    expect(hex(hashValue({ Nat: 42n }))).toBe('684888c0ebb17f374298b65ee2807526c066094c701bcc7ebbe1c1095f494fc1');
    expect(hex(hashValue({ Int: -42n }))).toBe('de5a6f78116eca62d7fc5ce159d23ae6b889b365a1739ad2cf36f925a140d0cc');
    expect(hex(hashValue({ Text: 'Hello, World!' }))).toBe('dffd6021bb2bd5b0af676290809ec3a53191dd81c7f70a4b28688a362182986f');
    expect(hex(hashValue({ Blob: Uint8Array.of(1, 2, 3, 4) }))).toBe('9f64a747e1b97f131fabb6b447296c9b6f0201e79fb3c5356e6c77e89b6a806a');
    expect(hex(hashValue({ Array: [{ Nat: 3n }, { Text: 'foo' }, { Blob: Uint8Array.of(5, 6) }] })))
      .toBe('514a04011caa503990d446b7dec5d79e19c221ae607fb08b2848c67734d468d6');
    expect(hex(hashValue({
      Map: [
        ['from', { Blob: unhex('00abcdef0012340056789a00bcdef000012345678900abcdef01') }],
        ['to', { Blob: unhex('00ab0def0012340056789a00bcdef000012345678900abcdef01') }],
        ['amount', { Nat: 42n }],
        ['created_at', { Nat: 1699218263n }],
        ['memo', { Nat: 0n }],
      ],
    }))).toBe('c56ece650e1de4269c5bdeff7875949e3e2033f85b2d193c2ff4f7f78bdcfc75');
  });

  it('agrees with an independent computation on node:crypto for any value', () => {
    fc.assert(fc.property(valueArb, (value) => {
      expect(hex(hashValue(value))).toBe(hex(referenceHash(value)));
    }), { numRuns: 200 });
  });

  it('hashes a Map independently of the order of its entries', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), valueArb), { maxLength: 6, selector: ([k]) => k }).chain((entries) =>
          fc.tuple(fc.constant(entries), fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }))),
        ([entries, shuffled]) => {
          expect(hex(hashValue({ Map: shuffled }))).toBe(hex(hashValue({ Map: entries })));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('distinguishes what it should: Nat from Int, array order, map keys', () => {
    expect(hex(hashValue({ Nat: 64n }))).not.toBe(hex(hashValue({ Int: 64n })));
    expect(hex(hashValue({ Array: [{ Nat: 1n }, { Nat: 2n }] }))).not.toBe(hex(hashValue({ Array: [{ Nat: 2n }, { Nat: 1n }] })));
    expect(hex(hashValue({ Map: [['a', { Nat: 1n }]] }))).not.toBe(hex(hashValue({ Map: [['b', { Nat: 1n }]] })));
    expect(hex(hashValue({ Array: [] }))).toBe(hex(sha(new Uint8Array(0))));
    expect(hex(hashValue({ Map: [] }))).toBe(hex(sha(new Uint8Array(0))));
  });
});

describe('makeBlock', () => {
  const tx: [string, Value][] = [['hash', { Blob: new Uint8Array(32).fill(7) }], ['namespace', { Text: 'org.lineage.backend' }]];

  it('has btype, ts and tx, and no phash on the first block', () => {
    const block = makeBlock('118wasm', 5n, undefined, tx);
    expect(block).toEqual({ Map: [['btype', { Text: '118wasm' }], ['ts', { Nat: 5n }], ['tx', { Map: tx }]] });
    expect(('Map' in block ? block.Map : []).some(([k]) => k === 'phash')).toBe(false);
  });

  it('carries its parent\'s hash as phash', () => {
    const first = makeBlock('118typecreate', 1n, undefined, [['namespace', { Text: 'org.lineage.backend' }]]);
    const second = makeBlock('118wasm', 2n, hashValue(first), tx);
    expect(second).toEqual({ Map: [['btype', { Text: '118wasm' }], ['ts', { Nat: 2n }], ['phash', { Blob: hashValue(first) }], ['tx', { Map: tx }]] });
    // The chain verifies the way a client checks it: every phash is the ICRC-3 hash of the block before.
    const phash = ('Map' in second ? second.Map : []).find(([k]) => k === 'phash')![1];
    expect(hex((phash as { Blob: Uint8Array }).Blob)).toBe(hex(referenceHash(first)));
  });

  it('builds chains whose links a client can verify', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('118wasm', '118chunk', '118verified'), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), { minLength: 1, maxLength: 10 }), (specs) => {
        const blocks: Value[] = [];
        for (const [btype, ts] of specs) blocks.push(makeBlock(btype, ts, blocks.length === 0 ? undefined : hashValue(blocks[blocks.length - 1]!), []));
        blocks.forEach((b, i) => {
          const fields = new Map('Map' in b ? b.Map : []);
          expect(fields.has('phash')).toBe(i > 0);
          if (i > 0) expect(hex((fields.get('phash') as { Blob: Uint8Array }).Blob)).toBe(hex(referenceHash(blocks[i - 1]!)));
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('tipTree', () => {
  const domainSep = (s: string) => Buffer.concat([Uint8Array.of(s.length), Buffer.from(s)]);

  /** The IC hash-tree root of fork(labeled(last_block_hash, leaf hash), labeled(last_block_index, leaf leb128(index))). */
  function independentRoot(index: bigint, hash: Uint8Array): Uint8Array {
    const leaf = (v: Uint8Array) => sha(domainSep('ic-hashtree-leaf'), v);
    const labeled = (l: string, t: Uint8Array) => sha(domainSep('ic-hashtree-labeled'), Buffer.from(l), t);
    return sha(domainSep('ic-hashtree-fork'), labeled('last_block_hash', leaf(hash)), labeled('last_block_index', leaf(leb(index))));
  }

  function lookup(tree: HashTree, label: string): Uint8Array | undefined {
    switch (tree.kind) {
      case 'fork': return lookup(tree.left, label) ?? lookup(tree.right, label);
      case 'labeled': return Buffer.from(tree.label).toString() === label && tree.tree.kind === 'leaf' ? tree.tree.value : undefined;
      default: return undefined;
    }
  }

  function labels(tree: HashTree): string[] {
    if (tree.kind === 'fork') return [...labels(tree.left), ...labels(tree.right)];
    if (tree.kind === 'labeled') return [Buffer.from(tree.label).toString()];
    return [];
  }

  it('has the root of the IC hash tree and CBOR that decodes to that tree', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (index, hash) => {
        const { root, cbor } = tipTree(index, hash);
        expect(hex(root)).toBe(hex(independentRoot(index, hash)));
        expect(hex(cbor.subarray(0, 3))).toBe('d9d9f7');
        const tree = treeFromCbor(decodeCbor(cbor));
        expect(hex(reconstruct(tree))).toBe(hex(root));
        expect(labels(tree)).toEqual(['last_block_hash', 'last_block_index']);
        expect(hex(lookup(tree, 'last_block_hash')!)).toBe(hex(hash));
        expect(hex(lookup(tree, 'last_block_index')!)).toBe(hex(leb(index)));
      }),
      { numRuns: 200 },
    );
  });

  it('encodes a small tip exactly', () => {
    const hash = new Uint8Array(32).fill(0xab);
    const { cbor } = tipTree(300n, hash);
    expect(hex(cbor)).toBe(
      'd9d9f7' + '8301' +
      '8302' + '4f' + hex(Buffer.from('last_block_hash')) + '8203' + '5820' + 'ab'.repeat(32) +
      '8302' + '50' + hex(Buffer.from('last_block_index')) + '8203' + '42' + 'ac02',
    );
    expect(toHex(tipTree(0n, hash).root)).toBe(hex(independentRoot(0n, hash)));
  });
});
