import { createHash, randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { v, wasmRecord } from '../../test/fixtures.js';
import { MAX_CHUNK_BYTES, MAX_CHUNKS_HASHED_PER_MESSAGE, type UploadProgress, type WasmRecord } from './model.js';
import { acceptChunk, advanceHash, emptyProgress, withStoredChunk } from './uploads.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A module split into chunks, and its unverified registration. */
function moduleOf(chunks: Uint8Array[], extra: Partial<WasmRecord> = {}): WasmRecord {
  const whole = Buffer.concat(chunks);
  return wasmRecord(sha(whole), 'org.lineage.backend', v(1, 0, 0), {
    expectedChunks: chunks.length, calculatedHash: undefined, upload: emptyProgress(), ...extra,
  });
}

const chunk = (n: number, fill?: number) => (fill === undefined ? new Uint8Array(randomBytes(n)) : new Uint8Array(n).fill(fill));

/** The stored chunks as the canister keeps them (by id), and progress as stable memory would keep it. */
class Store {
  readonly chunks = new Map<number, Uint8Array>();
  progress: UploadProgress = emptyProgress();

  constructor(readonly wasm: WasmRecord) {}

  /** Upload: the acceptance decision, then storing and one advance (as icrc118_upload_wasm_chunk does). */
  upload(id: number, bytes: Uint8Array, limit = MAX_CHUNKS_HASHED_PER_MESSAGE) {
    const decision = acceptChunk(this.wasm, id, bytes, this.chunks.get(id));
    if (decision.kind !== 'store') return { decision };
    this.chunks.set(id, bytes);
    return { decision, outcome: this.advance(limit, withStoredChunk(this.progress, id)) };
  }

  advance(limit = MAX_CHUNKS_HASHED_PER_MESSAGE, progress = this.progress) {
    const outcome = advanceHash(this.wasm, progress, (i) => this.chunks.get(i), limit);
    this.progress = throughJson(outcome.progress);
    return outcome;
  }
}

/** Stable memory keeps progress as plain data. */
function throughJson(p: UploadProgress): UploadProgress {
  const plain = JSON.parse(JSON.stringify({ ...p, hashState: { ...p.hashState, pending: Array.from(p.hashState.pending) } })) as UploadProgress & { hashState: { pending: number[] } };
  return { ...plain, failure: p.failure, hashState: { ...plain.hashState, pending: Uint8Array.from(plain.hashState.pending) } };
}

describe('acceptChunk', () => {
  const chunks = [chunk(100, 1), chunk(100, 2), chunk(50, 3)];
  const wasm = moduleOf(chunks);

  it('stores a new chunk in range', () => {
    expect(acceptChunk(wasm, 0, chunks[0]!, undefined)).toEqual({ kind: 'store' });
    expect(acceptChunk(wasm, 2, chunks[2]!, undefined)).toEqual({ kind: 'store' });
  });

  it('refuses an index out of range', () => {
    expect(acceptChunk(wasm, 3, chunks[0]!, undefined)).toEqual({ kind: 'ChunkOutOfRange', totalChunks: 3 });
    expect(acceptChunk(wasm, -1, chunks[0]!, undefined)).toEqual({ kind: 'ChunkOutOfRange', totalChunks: 3 });
    expect(acceptChunk(wasm, 1000, chunks[0]!, chunks[0]!)).toEqual({ kind: 'ChunkOutOfRange', totalChunks: 3 });
  });

  it('refuses a chunk over 512 KiB, accepts exactly 512 KiB', () => {
    expect(MAX_CHUNK_BYTES).toBe(512 * 1024);
    expect(acceptChunk(wasm, 0, new Uint8Array(MAX_CHUNK_BYTES + 1), undefined)).toEqual({ kind: 'ChunkTooLarge', maxBytes: MAX_CHUNK_BYTES });
    expect(acceptChunk(wasm, 0, new Uint8Array(MAX_CHUNK_BYTES), undefined)).toEqual({ kind: 'store' });
  });

  it('refuses an empty chunk', () => {
    expect(acceptChunk(wasm, 1, new Uint8Array(0), undefined)).toEqual({ kind: 'EmptyChunk' });
  });

  it('checks a declared chunk hash', () => {
    const declared = moduleOf(chunks, { chunkHashes: chunks.map(sha) });
    expect(acceptChunk(declared, 1, chunks[1]!, undefined)).toEqual({ kind: 'store' });
    expect(acceptChunk(declared, 1, chunks[0]!, undefined)).toEqual({ kind: 'ChunkMismatch', expected: sha(chunks[1]!), actual: sha(chunks[0]!) });
    const flipped = Uint8Array.from(chunks[2]!);
    flipped[49]! ^= 1;
    expect(acceptChunk(declared, 2, flipped, undefined)).toEqual({ kind: 'ChunkMismatch', expected: sha(chunks[2]!), actual: sha(flipped) });
  });

  it('an identical re-upload changes nothing; a different one at the same index is a conflict', () => {
    expect(acceptChunk(wasm, 0, Uint8Array.from(chunks[0]!), chunks[0]!)).toEqual({ kind: 'unchanged' });
    expect(acceptChunk(wasm, 0, chunks[1]!, chunks[0]!)).toEqual({ kind: 'ChunkConflict' });
    expect(acceptChunk(wasm, 0, chunks[0]!.subarray(0, 99), chunks[0]!)).toEqual({ kind: 'ChunkConflict' });
    expect(acceptChunk(wasm, 0, new Uint8Array(0), chunks[0]!)).toEqual({ kind: 'ChunkConflict' });
  });

  it('refuses new chunks once verified; an identical re-upload is still harmless', () => {
    const verified = { ...wasm, calculatedHash: wasm.hash };
    expect(acceptChunk(verified, 1, chunks[1]!, undefined)).toEqual({ kind: 'AlreadyVerified' });
    expect(acceptChunk(verified, 1, chunks[1]!, chunks[1]!)).toEqual({ kind: 'unchanged' });
    expect(acceptChunk(verified, 1, chunks[0]!, chunks[1]!)).toEqual({ kind: 'ChunkConflict' });
  });

  it('decides the same for any chunk: a random chunk against a random stored one', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 5 }), fc.uint8Array({ maxLength: 40 }), fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: undefined }), fc.boolean(), fc.boolean(), (id, bytes, stored, declare, verified) => {
        const w = { ...moduleOf(chunks, declare ? { chunkHashes: chunks.map(sha) } : {}), calculatedHash: verified ? wasm.hash : undefined };
        const expected =
          id < 0 || id >= 3 ? 'ChunkOutOfRange'
          : stored ? (Buffer.compare(stored, bytes) === 0 ? 'unchanged' : 'ChunkConflict')
          : verified ? 'AlreadyVerified'
          : bytes.length === 0 ? 'EmptyChunk'
          : declare && sha(bytes) !== sha(chunks[id]!) ? 'ChunkMismatch'
          : 'store';
        expect(acceptChunk(w, id, bytes, stored).kind).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('withStoredChunk', () => {
  it('keeps ids sorted and unique', () => {
    let p = emptyProgress();
    for (const id of [3, 0, 2, 3, 0]) p = withStoredChunk(p, id);
    expect(p.stored).toEqual([0, 2, 3]);
    const same = withStoredChunk(p, 2);
    expect(same).toBe(p);
  });
});

describe('advanceHash', () => {
  it('verifies a module uploaded in order, one chunk a message', () => {
    const chunks = [chunk(1000), chunk(1000), chunk(17)];
    const store = new Store(moduleOf(chunks));
    expect(store.upload(0, chunks[0]!).outcome!.kind).toBe('pending');
    expect(store.progress.hashedChunks).toBe(1);
    expect(store.upload(1, chunks[1]!).outcome!.kind).toBe('pending');
    const last = store.upload(2, chunks[2]!).outcome!;
    expect(last.kind).toBe('verified');
    expect(last.progress.hashedChunks).toBe(3);
    expect(last.progress.stored).toEqual([0, 1, 2]);
    expect(last.progress.failure).toBeUndefined();
  });

  it('waits for a missing chunk, then absorbs the stored ones that follow it', () => {
    const chunks = [chunk(64), chunk(65), chunk(63), chunk(1)];
    const store = new Store(moduleOf(chunks));
    store.upload(1, chunks[1]!);
    store.upload(3, chunks[3]!);
    expect(store.progress.hashedChunks).toBe(0);
    store.upload(2, chunks[2]!);
    expect(store.progress.hashedChunks).toBe(0);
    const outcome = store.upload(0, chunks[0]!).outcome!;
    expect(outcome.kind).toBe('verified');
    expect(outcome.progress.hashedChunks).toBe(4);
  });

  it('absorbs at most `maxBytes` a call, and a forced call always at least one chunk', () => {
    const chunks = Array.from({ length: 6 }, () => chunk(100));
    const store = new Store(moduleOf(chunks));
    for (let id = 5; id >= 1; id--) store.upload(id, chunks[id]!);
    const first = advanceHash(store.wasm, withStoredChunk(store.progress, 0), (i) => (i === 0 ? chunks[0] : store.chunks.get(i)), 8, 250, false);
    expect(first.progress.hashedChunks).toBe(2);
    // An upload whose declared-hash check used the budget absorbs nothing; a timer (forced) takes one.
    expect(advanceHash(store.wasm, first.progress, (i) => store.chunks.get(i), 8, 50, false).progress.hashedChunks).toBe(2);
    expect(advanceHash(store.wasm, first.progress, (i) => store.chunks.get(i), 8, 50, true).progress.hashedChunks).toBe(3);
    let progress = first.progress;
    let outcome = advanceHash(store.wasm, progress, (i) => store.chunks.get(i), 8, 300);
    expect(outcome.progress.hashedChunks).toBe(5);
    progress = outcome.progress;
    outcome = advanceHash(store.wasm, progress, (i) => store.chunks.get(i), 8, 300);
    expect(outcome.kind).toBe('verified');
  });

  it('absorbs at most `limit` chunks a call', () => {
    const chunks = Array.from({ length: 20 }, () => chunk(10));
    const store = new Store(moduleOf(chunks));
    for (let id = 19; id >= 1; id--) store.upload(id, chunks[id]!);
    expect(store.progress.hashedChunks).toBe(0);
    expect(store.upload(0, chunks[0]!).outcome!.progress.hashedChunks).toBe(MAX_CHUNKS_HASHED_PER_MESSAGE);
    expect(store.advance(3).progress.hashedChunks).toBe(MAX_CHUNKS_HASHED_PER_MESSAGE + 3);
    expect(store.advance(0).progress.hashedChunks).toBe(MAX_CHUNKS_HASHED_PER_MESSAGE + 3);
    expect(store.advance().kind).toBe('pending');
    expect(store.advance().kind).toBe('verified');
  });

  it('stops where readChunk has nothing, even if the chunk is listed as stored', () => {
    const chunks = [chunk(10), chunk(10)];
    const wasm = moduleOf(chunks);
    const progress = withStoredChunk(withStoredChunk(emptyProgress(), 0), 1);
    const outcome = advanceHash(wasm, progress, (i) => (i === 0 ? chunks[0] : undefined));
    expect(outcome.kind).toBe('pending');
    expect(outcome.progress.hashedChunks).toBe(1);
  });

  it('reports a mismatch with the calculated hash and a message naming both hashes', () => {
    const chunks = [chunk(30), chunk(30)];
    const wrong = moduleOf(chunks, { hash: sha(Buffer.from('something else')) });
    const store = new Store(wrong);
    store.upload(0, chunks[0]!);
    const outcome = store.upload(1, chunks[1]!).outcome!;
    const real = sha(Buffer.concat(chunks));
    expect(outcome.kind).toBe('mismatch');
    if (outcome.kind !== 'mismatch') return;
    expect(outcome.calculated).toBe(real);
    expect(outcome.progress.failure).toBe(`the module's sha256 is ${real}, not the expected ${wrong.hash}`);
    expect(outcome.progress.hashedChunks).toBe(2);
  });

  it('verifies any module whatever the order of arrival, the limit, and the save between messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 130 }), { minLength: 1, maxLength: 12 }).chain((sizes) =>
          fc.tuple(fc.constant(sizes), fc.shuffledSubarray(sizes.map((_, i) => i), { minLength: sizes.length, maxLength: sizes.length }))),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        ([sizes, order], limit, corrupt) => {
          const chunks = sizes.map((n) => chunk(n));
          const real = moduleOf(chunks);
          const wasm = corrupt ? { ...real, hash: sha(Buffer.from('not this module')) } : real;
          const store = new Store(wasm);
          let outcome: ReturnType<Store['advance']> | undefined;
          for (const id of order) {
            const before = store.progress.hashedChunks;
            const result = store.upload(id, chunks[id]!, limit);
            expect(result.decision).toEqual({ kind: 'store' });
            outcome = result.outcome!;
            const after = outcome.progress.hashedChunks;
            // Never more than `limit` a call, never past the contiguous stored prefix.
            expect(after - before).toBeLessThanOrEqual(limit);
            for (let i = 0; i < after; i++) expect(store.chunks.has(i)).toBe(true);
            if (outcome.kind !== 'pending') expect(after).toBe(chunks.length);
          }
          // Later messages (the canister's timer) finish the job.
          for (let guard = 0; outcome!.kind === 'pending' && guard < 20; guard++) outcome = store.advance(limit);
          expect(outcome!.kind).toBe(corrupt ? 'mismatch' : 'verified');
          expect(outcome!.progress.hashedChunks).toBe(chunks.length);
          expect(outcome!.progress.stored).toEqual(chunks.map((_, i) => i));
          if (outcome!.kind === 'mismatch') {
            expect(outcome!.calculated).toBe(real.hash);
            expect(outcome!.progress.failure).toContain(real.hash);
            expect(outcome!.progress.failure).toContain(wasm.hash);
          } else {
            expect(outcome!.progress.failure).toBeUndefined();
          }
          // Re-sending every chunk afterwards changes nothing.
          for (const id of order) expect(store.upload(id, chunks[id]!).decision).toEqual({ kind: 'unchanged' });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('does not change the progress it is given', () => {
    const chunks = [chunk(100), chunk(100)];
    const wasm = moduleOf(chunks);
    const progress = withStoredChunk(withStoredChunk(emptyProgress(), 0), 1);
    const before = JSON.stringify({ ...progress, hashState: { ...progress.hashState, pending: Array.from(progress.hashState.pending) } });
    const outcome = advanceHash(wasm, progress, (i) => chunks[i]);
    expect(outcome.kind).toBe('verified');
    expect(JSON.stringify({ ...progress, hashState: { ...progress.hashState, pending: Array.from(progress.hashState.pending) } })).toBe(before);
  });
});
