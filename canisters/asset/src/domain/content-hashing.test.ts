import { createHash, randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { toHex } from './bytes.js';
import { planCommit, type ChunkInfo, type CommitEnv, type Operation } from './commit.js';
import { advanceHashing, hashingLeft, planHashing } from './content-hashing.js';
import { SERVE_CHUNK_BYTES } from './limits.js';

const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** Chunks of batch 1; `hashed` says which carry the hash computed on arrival. */
function chunkStore(contents: Uint8Array[], hashed: (i: number) => boolean) {
  const chunks = new Map<bigint, { content: Uint8Array; info: ChunkInfo }>();
  contents.forEach((content, i) => {
    chunks.set(BigInt(i + 1), { content, info: { batchId: 1n, length: content.length, ...(hashed(i) ? { sha256: sha(content) } : {}) } });
  });
  const env = (precomputed?: CommitEnv['precomputed']): CommitEnv => ({
    now: 1n, lookup: () => undefined, keys: () => [], batchId: 1n,
    chunkInfo: (id) => chunks.get(id)?.info, readChunk: (id) => chunks.get(id)!.content,
    ...(precomputed ? { precomputed } : {}),
  });
  return { chunks, env };
}

const setContent = (key: string, ids: number[], last?: Uint8Array, declared?: Uint8Array): Operation[] => [
  { CreateAsset: { key, content_type: 'application/octet-stream', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
  { SetAssetContent: { key, content_encoding: 'identity', chunk_ids: ids.map(BigInt), last_chunk: last ? [last] : [], sha256: declared ? [declared] : [] } },
];

describe('hashing a commit in slices', () => {
  it('gives the commit the hashes it would compute itself, for any slice size and upload shape', () => {
    const serving = [new Uint8Array(randomBytes(SERVE_CHUNK_BYTES)), new Uint8Array(randomBytes(SERVE_CHUNK_BYTES)), new Uint8Array(randomBytes(70_001))];
    const odd = [new Uint8Array(randomBytes(1_000_000)), new Uint8Array(randomBytes(1_500_000)), new Uint8Array(randomBytes(3))];
    const small = [new Uint8Array(randomBytes(1000)), new Uint8Array(randomBytes(0))];
    const contents = [...serving, ...odd, ...small];
    for (const hashed of [() => false, () => true, (i: number) => i % 2 === 0]) {
      const { env } = chunkStore(contents, hashed);
      const inline = new Uint8Array(randomBytes(5000));
      const ops: Operation[] = [...setContent('/serving', [1, 2, 3]), ...setContent('/odd', [4, 5, 6], inline), ...setContent('/small', [7]), ...setContent('/empty', [8]), ...setContent('/none', [])];
      const direct = planCommit(env(), ops);
      if (!('ok' in direct)) throw new Error('the direct plan failed');
      for (const budget of [2, 65_536, 786_432, 10_000_000]) {
        const h = planHashing(ops, env().chunkInfo);
        let messages = 1;
        for (let before = hashingLeft(h); !advanceHashing(h, env().readChunk, budget); before = hashingLeft(h)) {
          messages += 1;
          // Every slice makes progress and hashes at most its budget.
          expect(before - hashingLeft(h)).toBeGreaterThan(0);
          expect(before - hashingLeft(h)).toBeLessThanOrEqual(budget);
          if (budget === 2 && messages > 3) break; // a byte per message: enough to show it advances
        }
        if (budget === 2) continue;
        expect(hashingLeft(h)).toBe(0);
        const sliced = planCommit(env((i) => h.done.get(i)), ops);
        if (!('ok' in sliced)) throw new Error('the sliced plan failed');
        const records = (p: typeof direct.ok) => [...p.changes.values()].map((r) => r!.encodings.map((e) => [e.name, toHex(e.sha256), e.length, e.chunkHashes.map(toHex)]));
        expect(records(sliced.ok)).toEqual(records(direct.ok));
        if (budget === 786_432) expect(messages).toBeGreaterThan(4);
      }
    }
  });

  it('hashes the whole content once more when the serving chunks were not hashed on arrival, and not when they were', () => {
    const serving = [new Uint8Array(SERVE_CHUNK_BYTES), new Uint8Array(10)];
    const ops = setContent('/big', [1, 2]);
    expect(hashingLeft(planHashing(ops, chunkStore(serving, () => false).env().chunkInfo))).toBe(2 * (SERVE_CHUNK_BYTES + 10));
    expect(hashingLeft(planHashing(ops, chunkStore(serving, () => true).env().chunkInfo))).toBe(SERVE_CHUNK_BYTES + 10);
    // One chunk hashed on arrival needs nothing more; an unknown chunk is left to the commit to refuse.
    expect(planHashing(setContent('/one', [2]), chunkStore(serving, () => true).env().chunkInfo).jobs).toHaveLength(0);
    expect(planHashing(setContent('/lost', [9]), chunkStore(serving, () => true).env().chunkInfo).jobs).toHaveLength(0);
  });

  it('still refuses a declared sha256 that is not the content\'s', () => {
    const content = new Uint8Array(randomBytes(3_000_000));
    const { env } = chunkStore([content.subarray(0, 1_000_000), content.subarray(1_000_000)], () => false);
    for (const declared of [sha(content), sha(content.subarray(1))]) {
      const ops = setContent('/x', [1, 2], undefined, declared);
      const h = planHashing(ops, env().chunkInfo);
      while (!advanceHashing(h, env().readChunk, 786_432));
      const r = planCommit(env((i) => h.done.get(i)), ops);
      if (toHex(declared) === toHex(sha(content))) expect('ok' in r).toBe(true);
      else expect('err' in r && 'Sha256Mismatch' in r.err.error).toBe(true);
    }
  });
});
