import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { MemoryStore, putOps, text } from '../../test/memory-store.js';
import { toHex } from './bytes.js';
import { applyConfigure, batchLimitProblem, chunkLimitProblem } from './config.js';
import { advanceEvidence, computeEvidence, proposalProblem, startEvidence, stateOperations } from './evidence.js';
import type { Operation } from './commit.js';

const b = (...parts: (number[] | string | Uint8Array)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const chunks = new Map<bigint, Uint8Array>([[1n, text('hello ')], [2n, text('world')]]);
const ops: Operation[] = [
  { CreateAsset: { key: '/a.html', content_type: 'text/html', max_age: [60n], headers: [[['X-B', '2'], ['X-A', '1']]], enable_aliasing: [], allow_raw_access: [false] } },
  { SetAssetContent: { key: '/a.html', content_encoding: 'identity', chunk_ids: [1n, 2n], last_chunk: [], sha256: [new Uint8Array(32).fill(7)] } },
  { SetAssetContent: { key: '/b', content_encoding: 'gzip', chunk_ids: [], last_chunk: [text('tail')], sha256: [] } },
  { UnsetAssetContent: { key: '/c', content_encoding: 'br' } },
  { DeleteAsset: { key: '/d' } },
  { Clear: {} },
  { SetAssetProperties: { key: '/e', max_age: [[]], headers: [], allow_raw_access: [[true]], is_aliased: [] } },
];

describe('the evidence of a proposed batch', () => {
  it('is the sha256 of the byte stream ic-certified-assets defines (tags, fields, contents)', () => {
    const u64 = (n: number) => { const x = Buffer.alloc(8); x.writeBigUInt64BE(BigInt(n)); return x; };
    const expected = b(
      [4], '/a.html', 'text/html', [3], u64(60), [3], 'X-A', '1', 'X-B', '2', [3, 0], [2],
      [5], '/a.html', 'identity', [3], new Uint8Array(32).fill(7), 'hello ', 'world',
      [5], '/b', 'gzip', [2], 'tail',
      [6], '/c', 'br',
      [7], '/d',
      [8],
      [9], '/e', [3, 2], [2], [3, 3, 1], [2],
    );
    expect(toHex(computeEvidence(ops, (id) => chunks.get(id)))).toBe(sha(expected));
  });

  it('comes out the same whatever the number of steps per call', () => {
    const whole = toHex(computeEvidence(ops, (id) => chunks.get(id)));
    for (const per of [1, 2, 3, 20]) {
      let calls = 0;
      let s = advanceEvidence(ops, startEvidence(), (id) => chunks.get(id), per);
      while ('progress' in s) {
        calls++;
        s = advanceEvidence(ops, s.progress, (id) => chunks.get(id), per);
      }
      expect(toHex(s.evidence), `${per} per call`).toBe(whole);
      // 7 operations, 3 content pieces, the final step.
      expect(calls).toBe(Math.ceil(11 / per) - 1);
    }
  });

  it('stops a call once its byte budget is hashed, and still comes out the same', () => {
    const whole = toHex(computeEvidence(ops, (id) => chunks.get(id)));
    let calls = 1;
    let s = advanceEvidence(ops, startEvidence(), (id) => chunks.get(id), 1000, 5);
    while ('progress' in s) {
      calls++;
      s = advanceEvidence(ops, s.progress, (id) => chunks.get(id), 1000, 5);
    }
    expect(toHex(s.evidence)).toBe(whole);
    // No call hashes more than 5 content bytes: "hello " is cut after "hello", "world" after "worl",
    // and the last call hashes "d" and "tail".
    expect(calls).toBe(4);
    // A budget of one byte: one call per content byte (15) plus the rest, in slices that resume mid-piece.
    let slices = 1;
    let t = advanceEvidence(ops, startEvidence(), (id) => chunks.get(id), 1000, 1);
    while ('progress' in t) {
      slices++;
      t = advanceEvidence(ops, { ...t.progress }, (id) => chunks.get(id), 1000, 1);
    }
    expect(toHex(t.evidence)).toBe(whole);
    expect(slices).toBeGreaterThanOrEqual(15);
  });

  it('changes with any operation, field or content byte', () => {
    const base = toHex(computeEvidence(ops, (id) => chunks.get(id)));
    const other = new Map(chunks).set(2n, text('World'));
    expect(toHex(computeEvidence(ops, (id) => other.get(id)))).not.toBe(base);
    expect(toHex(computeEvidence(ops.slice(1), (id) => chunks.get(id)))).not.toBe(base);
    expect(toHex(computeEvidence([{ DeleteAsset: { key: '/x' } }], () => undefined))).toBe(sha(b([7], '/x')));
  });

  it('ties a commit to the presented evidence', () => {
    const evidence = computeEvidence(ops, (id) => chunks.get(id));
    expect(proposalProblem(3n, undefined, evidence)).toMatch(/not proposed/);
    expect(proposalProblem(3n, { operations: ops }, evidence)).toMatch(/does not have computed evidence/);
    expect(proposalProblem(3n, { operations: ops, evidence }, new Uint8Array(32))).toMatch(/not the presented/);
    expect(proposalProblem(3n, { operations: ops, evidence }, evidence)).toBeUndefined();
  });

  it('hashes the state as the batch that would create it', () => {
    const s = new MemoryStore();
    s.commit([...putOps('/b.html', text('bee')), ...putOps('/a.txt', text('a'), 'text/plain')]);
    const state = stateOperations([...s.assets.values()]);
    expect(state.map((o) => Object.keys(o)[0])).toEqual(['CreateAsset', 'SetAssetContent', 'CreateAsset', 'SetAssetContent']);
    const read = (id: bigint) => s.blobs.get(Number(id >> 32n))![Number(id & 0xffffffffn)];
    const sha256Of = (t: string) => Buffer.from(createHash('sha256').update(t).digest());
    expect(toHex(computeEvidence(state, read))).toBe(sha(b(
      [4], '/a.txt', 'text/plain', [2], [2], [2], [2], [5], '/a.txt', 'identity', [3], sha256Of('a'), 'a',
      [4], '/b.html', 'text/html', [2], [2], [2], [2], [5], '/b.html', 'identity', [3], sha256Of('bee'), 'bee',
    )));
  });
});

describe('configured upload limits', () => {
  it('sets, keeps and removes each limit, and applies them', () => {
    let c = applyConfigure({}, { max_batches: [[2n]], max_chunks: [[3n]], max_bytes: [[100n]] });
    expect(c).toEqual({ maxBatches: 2n, maxChunks: 3n, maxBytes: 100n });
    c = applyConfigure(c, { max_batches: [], max_chunks: [[]], max_bytes: [] });
    expect(c).toEqual({ maxBatches: 2n, maxBytes: 100n });
    expect(batchLimitProblem(c, { batches: 1, chunks: 0, bytes: 0n })).toBeUndefined();
    expect(batchLimitProblem(c, { batches: 2, chunks: 0, bytes: 0n })).toMatch(/batch limit/);
    expect(chunkLimitProblem(c, { batches: 1, chunks: 50, bytes: 90n }, 1, 10n)).toBeUndefined();
    expect(chunkLimitProblem(c, { batches: 1, chunks: 50, bytes: 90n }, 1, 11n)).toMatch(/byte limit/);
  });
});
