import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { FakeRegistry } from '../../test/fake-registry.js';
import { IntegrityError, RegistryError, ResumeConflictError, VerificationTimeoutError } from '../errors.js';
import { MAX_CHUNK_BYTES, DEFAULT_CHUNK_BYTES } from './chunks.js';
import { publishWasm, type PublishProgress } from './publish.js';

const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deterministic pseudo-random module of `size` bytes. */
function module(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const base = { canisterType: 'org.example.app', version: '1.0.0' } as const;

describe('publishWasm', () => {
  it('registers the version with its hashes, uploads every chunk in order, and confirms the hash', async () => {
    const registry = new FakeRegistry();
    const wasm = module(2.5 * DEFAULT_CHUNK_BYTES);
    const result = await publishWasm(registry, {
      ...base, wasm, description: 'first', repo: 'https://example.org/app', metadata: [['k', { Text: 'v' }]], previousHash: '00'.repeat(32),
    });

    expect(hex(result.hash)).toBe(hex(sha(wasm)));
    expect(hex(result.calculatedHash)).toBe(hex(sha(wasm)));
    expect(result).toMatchObject({ chunks: 3, uploadedChunks: 3, skippedChunks: 0, resumed: false });

    const entry = registry.entries.get(hex(sha(wasm)))!;
    const request = entry.request;
    expect(request).toMatchObject({ canister_type: 'org.example.app', version_number: [1n, 0n, 0n], description: 'first', repo: 'https://example.org/app', expected_chunks: 3n });
    expect(request.metadata).toEqual([['k', { Text: 'v' }]]);
    expect(hex(request.previous_hash[0]!)).toBe('00'.repeat(32));
    expect(request.chunk_hashes[0]!.map(hex)).toEqual([0, 1, 2].map((i) => hex(sha(wasm.slice(i * DEFAULT_CHUNK_BYTES, (i + 1) * DEFAULT_CHUNK_BYTES)))));
    expect(registry.uploadedIds).toEqual([0, 1, 2]);
    expect(entry.calculated).toBeDefined();
  });

  it('reports progress in bytes and chunks, ending verified', async () => {
    const registry = new FakeRegistry();
    const events: PublishProgress[] = [];
    await publishWasm(registry, { ...base, wasm: module(2500), chunkSize: 1000 }, { onProgress: (p) => events.push(p) });
    expect(events).toEqual([
      { phase: 'uploading', chunksDone: 0, chunksTotal: 3, bytesDone: 0, bytesTotal: 2500, skippedChunks: 0, resumed: false },
      { phase: 'uploading', chunkId: 0, chunksDone: 1, chunksTotal: 3, bytesDone: 1000, bytesTotal: 2500, skippedChunks: 0, resumed: false },
      { phase: 'uploading', chunkId: 1, chunksDone: 2, chunksTotal: 3, bytesDone: 2000, bytesTotal: 2500, skippedChunks: 0, resumed: false },
      { phase: 'uploading', chunkId: 2, chunksDone: 3, chunksTotal: 3, bytesDone: 2500, bytesTotal: 2500, skippedChunks: 0, resumed: false },
      { phase: 'verified', chunksDone: 3, chunksTotal: 3, bytesDone: 2500, bytesTotal: 2500, skippedChunks: 0, resumed: false },
    ]);
  });

  it('resumes an interrupted upload, sending only the chunks the registry lacks', async () => {
    const registry = new FakeRegistry();
    const wasm = module(10 * 1000 - 1);
    const options = { ...base, wasm, chunkSize: 1000 };
    registry.failUploadsAfter = 4;
    await expect(publishWasm(registry, options)).rejects.toThrow('connection reset');
    expect(registry.uploadedIds).toEqual([0, 1, 2, 3, 4]); // the fifth upload is lost
    expect(registry.entries.get(hex(sha(wasm)))!.chunks.size).toBe(4);

    registry.failUploadsAfter = undefined;
    registry.calls.length = 0;
    const events: PublishProgress[] = [];
    const result = await publishWasm(registry, options, { onProgress: (p) => events.push(p) });
    expect(result).toMatchObject({ chunks: 10, uploadedChunks: 6, skippedChunks: 4, resumed: true });
    expect(hex(result.calculatedHash)).toBe(hex(sha(wasm)));
    expect(registry.uploadedIds).toEqual([4, 5, 6, 7, 8, 9]);
    expect(registry.calls.filter((c) => c.method === 'icrc118_update_wasm')).toHaveLength(0);
    expect(events[0]).toMatchObject({ phase: 'uploading', chunksDone: 4, bytesDone: 4000, skippedChunks: 4, resumed: true });
    expect(events.at(-1)).toMatchObject({ phase: 'verified', chunksDone: 10, bytesDone: 9999 });
  });

  it('continues when registration answers AlreadyRegistered (published by someone else meanwhile)', async () => {
    const registry = new FakeRegistry();
    const wasm = module(3000);
    await publishWasm(registry, { ...base, wasm, chunkSize: 1000 });
    // The first look finds nothing, as if the other publisher finished just after it.
    const status = registry.lineage_upload_status.bind(registry);
    const wasms = registry.icrc118_get_wasms.bind(registry);
    let hidden = true;
    registry.lineage_upload_status = async (hash) => (hidden ? [] : status(hash));
    registry.icrc118_get_wasms = async (req) => (hidden ? [] : wasms(req));
    const update = registry.icrc118_update_wasm.bind(registry);
    registry.icrc118_update_wasm = async (req) => {
      hidden = false;
      return update(req);
    };
    registry.calls.length = 0;
    const result = await publishWasm(registry, { ...base, wasm, chunkSize: 1000 });
    expect(result).toMatchObject({ uploadedChunks: 0, skippedChunks: 3, resumed: true });
    expect(hex(result.calculatedHash)).toBe(hex(sha(wasm)));
    expect(registry.calls.filter((c) => c.method === 'icrc118_update_wasm')).toHaveLength(1);
  });

  it('does not register an unverified module again (that would discard its chunks)', async () => {
    const registry = new FakeRegistry();
    const wasm = module(3000);
    registry.failUploadsAfter = 2;
    await expect(publishWasm(registry, { ...base, wasm, chunkSize: 1000 })).rejects.toThrow();
    registry.failUploadsAfter = undefined;
    registry.calls.length = 0;
    await publishWasm(registry, { ...base, wasm, chunkSize: 1000 });
    expect(registry.calls.map((c) => c.method)).not.toContain('icrc118_update_wasm');
    expect(registry.uploadedIds).toEqual([2]);
  });

  it('uploads nothing when the module is already published', async () => {
    const registry = new FakeRegistry();
    const wasm = module(3000);
    await publishWasm(registry, { ...base, wasm, chunkSize: 1000 });
    registry.calls.length = 0;
    const result = await publishWasm(registry, { ...base, wasm, chunkSize: 1000 });
    expect(result).toMatchObject({ chunks: 3, uploadedChunks: 0, skippedChunks: 3, resumed: true });
    expect(registry.uploadedIds).toEqual([]);
  });

  it('runs several uploads at once, starting and reporting them in chunk order', async () => {
    const registry = new FakeRegistry();
    let inFlight = 0;
    let maxInFlight = 0;
    registry.beforeUpload = async (id) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay([9, 1, 6, 2, 8, 1, 4, 3][id]!);
      inFlight--;
    };
    const events: PublishProgress[] = [];
    const wasm = module(7500);
    const result = await publishWasm(registry, { ...base, wasm, chunkSize: 1000, concurrency: 3 }, { onProgress: (p) => events.push(p) });
    expect(result.uploadedChunks).toBe(8);
    expect(registry.uploadedIds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(maxInFlight).toBe(3);
    expect(events.filter((e) => e.chunkId !== undefined).map((e) => e.chunkId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(events.map((e) => e.chunksDone)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 8]);
  });

  it('works with an actor that hands blobs over as number arrays', async () => {
    const registry = new FakeRegistry({ blobsAsArrays: true });
    const wasm = module(2500);
    registry.failUploadsAfter = 1;
    await expect(publishWasm(registry, { ...base, wasm: Array.from(wasm), chunkSize: 1000 })).rejects.toThrow();
    registry.failUploadsAfter = undefined;
    const result = await publishWasm(registry, { ...base, wasm: Array.from(wasm), chunkSize: 1000 });
    expect(result).toMatchObject({ uploadedChunks: 2, skippedChunks: 1 });
    expect(result.calculatedHash).toBeInstanceOf(Uint8Array);
  });

  it('can leave the chunk hashes undeclared', async () => {
    const registry = new FakeRegistry();
    const wasm = module(2500);
    await publishWasm(registry, { ...base, wasm, chunkSize: 1000, declareChunkHashes: false });
    expect(registry.entries.get(hex(sha(wasm)))!.request.chunk_hashes).toEqual([]);
  });

  it('waits for a registry that verifies after the last upload', async () => {
    const registry = new FakeRegistry({ deferVerification: 3 });
    const events: PublishProgress[] = [];
    const wasm = module(2500);
    const result = await publishWasm(registry, { ...base, wasm, chunkSize: 1000, pollIntervalMs: 1 }, { onProgress: (p) => events.push(p) });
    expect(hex(result.calculatedHash)).toBe(hex(sha(wasm)));
    expect(events.map((e) => e.phase)).toEqual(['uploading', 'uploading', 'uploading', 'uploading', 'verifying', 'verified']);
    expect(registry.calls.filter((c) => c.method === 'lineage_upload_status').length).toBe(1 + 3);
  });

  it('gives up waiting after verifyTimeoutMs', async () => {
    const registry = new FakeRegistry({ deferVerification: 1_000_000 });
    const run = publishWasm(registry, { ...base, wasm: module(2500), chunkSize: 1000, pollIntervalMs: 5, verifyTimeoutMs: 30 });
    await expect(run).rejects.toThrow(VerificationTimeoutError);
    await expect(run).rejects.toThrow(/3\/3 chunks stored, no calculated hash yet/);
  });

  it('turns registry refusals into RegistryError with the variant and a readable message', async () => {
    const registry = new FakeRegistry();
    const unknown = publishWasm(registry, { ...base, canisterType: 'org.example.nope', wasm: module(10) });
    await expect(unknown).rejects.toThrow(RegistryError);
    await expect(unknown).rejects.toMatchObject({ method: 'icrc118_update_wasm', variant: 'UnknownCanisterType' });
    await expect(unknown).rejects.toThrow(/create it first with icrc118_create_canister_type/);

    await publishWasm(registry, { ...base, wasm: module(10, 1) });
    const taken = publishWasm(registry, { ...base, wasm: module(10, 2) });
    await expect(taken).rejects.toMatchObject({ variant: 'NonDeprecatedWasmFound' });
    await expect(taken).rejects.toThrow(/non-deprecated version with this version number already exists \(hash [0-9a-f]{16}…\)/);
  });

  it('passes on a chunk refusal as RegistryError', async () => {
    const registry = new FakeRegistry();
    registry.icrc118_upload_wasm_chunk = async () => ({ Error: { ChunkTooLarge: { max_bytes: 1_048_576n } } });
    await expect(publishWasm(registry, { ...base, wasm: module(10) })).rejects.toMatchObject({
      name: 'RegistryError', variant: 'ChunkTooLarge', message: 'icrc118_upload_wasm_chunk refused: ChunkTooLarge: chunk larger than 1048576 bytes',
    });
  });

  it('refuses to resume a module registered as another version or cut differently', async () => {
    const registry = new FakeRegistry({ canisterTypes: ['org.example.app', 'org.example.other'] });
    const wasm = module(3000);
    registry.failUploadsAfter = 1;
    await expect(publishWasm(registry, { ...base, wasm, chunkSize: 1000 })).rejects.toThrow();
    registry.failUploadsAfter = undefined;

    const otherVersion = publishWasm(registry, { ...base, version: '1.0.1', wasm, chunkSize: 1000 });
    await expect(otherVersion).rejects.toThrow(ResumeConflictError);
    await expect(otherVersion).rejects.toThrow(/already registered as org\.example\.app 1\.0\.0, not org\.example\.app 1\.0\.1/);

    const otherChunks = publishWasm(registry, { ...base, wasm, chunkSize: 1500 });
    await expect(otherChunks).rejects.toThrow(/registered with 3 chunks, but this publish cuts it into 2; publish with the chunk size of the first attempt/);

    const sameCountOtherBoundaries = publishWasm(registry, { ...base, wasm, chunkSize: 1001 });
    await expect(sameCountOtherBoundaries).rejects.toThrow(ResumeConflictError);
    await expect(sameCountOtherBoundaries).rejects.toThrow(/cut into 3 chunks of other sizes than this publish's/);
    await expect(sameCountOtherBoundaries).rejects.toThrow(/or pass replaceUnverified: true to register it anew \(discarding its 1 stored chunks\)/);
  });

  it('registers an unverified module anew when told to replace it', async () => {
    const registry = new FakeRegistry();
    const wasm = module(3000);
    registry.failUploadsAfter = 1;
    await expect(publishWasm(registry, { ...base, wasm, chunkSize: 1000 })).rejects.toThrow();
    registry.failUploadsAfter = undefined;
    registry.calls.length = 0;
    const result = await publishWasm(registry, { ...base, version: '1.0.1', wasm, chunkSize: 1500, replaceUnverified: true });
    expect(result).toMatchObject({ chunks: 2, uploadedChunks: 2, skippedChunks: 0, resumed: false });
    expect(registry.entries.get(hex(sha(wasm)))!.request.version_number).toEqual([1n, 0n, 1n]);
  });

  it('refuses to publish a verified module as another version, even when told to replace', async () => {
    const registry = new FakeRegistry();
    const wasm = module(3000);
    await publishWasm(registry, { ...base, wasm });
    const run = publishWasm(registry, { ...base, version: '2.0.0', wasm, replaceUnverified: true });
    await expect(run).rejects.toThrow(ResumeConflictError);
    await expect(run).rejects.toThrow(/already registered as org\.example\.app 1\.0\.0, not org\.example\.app 2\.0\.0$/);
  });

  it('stops uploading when another publisher completes the module meanwhile', async () => {
    const registry = new FakeRegistry();
    const wasm = module(5000);
    const other = new FakeRegistry(); // the same registry seen through a second client: share state
    Object.assign(other, { entries: registry.entries });
    registry.beforeUpload = async (id) => {
      if (id === 2) await publishWasm(other, { ...base, wasm, chunkSize: 1000 }); // completes chunks 2–4 first
    };
    const result = await publishWasm(registry, { ...base, wasm, chunkSize: 1000 });
    expect(hex(result.calculatedHash)).toBe(hex(sha(wasm)));
    // Chunk 2 is accepted as identical and its reply carries the calculated hash: 3 and 4 are not sent.
    expect(result).toMatchObject({ chunks: 5, uploadedChunks: 3, skippedChunks: 2 });
    expect(registry.uploadedIds).toEqual([0, 1, 2]);
  });

  it('treats AlreadyVerified as done and confirms the hash from the upload status', async () => {
    const registry = new FakeRegistry();
    const wasm = module(3000);
    const upload = registry.icrc118_upload_wasm_chunk.bind(registry);
    registry.icrc118_upload_wasm_chunk = async (req) => {
      const result = await upload(req);
      return req.chunk_id === 2n ? { Error: { AlreadyVerified: null } } : result;
    };
    const result = await publishWasm(registry, { ...base, wasm, chunkSize: 1000, pollIntervalMs: 1 });
    expect(result).toMatchObject({ uploadedChunks: 2, skippedChunks: 1 });
    expect(hex(result.calculatedHash)).toBe(hex(sha(wasm)));
  });

  it('throws IntegrityError when the registry reports another hash or a failed verification', async () => {
    const registry = new FakeRegistry();
    const upload = registry.icrc118_upload_wasm_chunk.bind(registry);
    registry.icrc118_upload_wasm_chunk = async (req) => {
      const result = await upload(req);
      if ('Ok' in result && result.Ok.calculated_hash.length) result.Ok.calculated_hash = [new Uint8Array(32).fill(1)];
      return result;
    };
    const wrong = publishWasm(registry, { ...base, wasm: module(10) });
    await expect(wrong).rejects.toThrow(IntegrityError);
    await expect(wrong).rejects.toMatchObject({ check: 'calculated-hash' });

    const failed = new FakeRegistry();
    const wasm = module(2000);
    failed.failUploadsAfter = 1;
    await expect(publishWasm(failed, { ...base, wasm, chunkSize: 1000 })).rejects.toThrow();
    failed.failUploadsAfter = undefined;
    failed.entries.get(hex(sha(wasm)))!.failure = 'the module hashes to something else';
    await expect(publishWasm(failed, { ...base, wasm, chunkSize: 1000 })).rejects.toMatchObject({ name: 'IntegrityError', check: 'registry-verification' });
    const again = await publishWasm(failed, { ...base, wasm, chunkSize: 1000, replaceUnverified: true });
    expect(again).toMatchObject({ uploadedChunks: 2, resumed: false });

    const late = new FakeRegistry({ deferVerification: 2 });
    const poll = late.lineage_upload_status.bind(late);
    late.lineage_upload_status = async (hash) => {
      const [status] = await poll(hash);
      return status && status.stored.length === 2 && !status.calculated_hash.length ? [{ ...status, failure: ['timer found a mismatch'] }] : status ? [status] : [];
    };
    await expect(publishWasm(late, { ...base, wasm, chunkSize: 1000, pollIntervalMs: 1 })).rejects.toThrow(/could not verify .*timer found a mismatch/);
  });

  it('checks its options before calling the registry', async () => {
    const registry = new FakeRegistry();
    await expect(publishWasm(registry, { ...base, wasm: module(10), chunkSize: MAX_CHUNK_BYTES + 1 })).rejects.toThrow(RangeError);
    await expect(publishWasm(registry, { ...base, wasm: module(10), concurrency: 0 })).rejects.toThrow(RangeError);
    await expect(publishWasm(registry, { ...base, version: '1.0', wasm: module(10) })).rejects.toThrow(RangeError);
    expect(registry.calls).toEqual([]);
  });
});
