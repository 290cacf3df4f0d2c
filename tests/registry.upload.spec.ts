// Verified chunked storage: a 5 MiB module in 512 KiB chunks fetched back bit-identical, declared
// chunk hashes, every chunk error (and that it leaves stored data as it was), idempotent re-uploads,
// out-of-order uploads hashed by timers, a resumed upload.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  allBlocks, btypeOf, bytes, chunksOf, createTypes, err, fetchModule, field, hex, logLength, MAX_CHUNK_BYTES, MiB, moduleBytes,
  ok, opt, outcome, register, setupRegistry, sha256, txOf, typeRequest, updateRequest, uploadChunk, uploadChunks, waitVerified, who,
  type ModuleSpec, type RegistryFixture,
} from './support/registry.js';

let pic: PocketIc;
let registry: RegistryFixture;
let namespaceCount = 0;

/** Each module gets its own type, so no registration rule links the tests. */
async function freshSpec(size: number, chunkSize: number, extra: Partial<ModuleSpec> = {}): Promise<ModuleSpec> {
  const namespace = `org.upload.t${namespaceCount++}`;
  await createTypes(registry.as.admin, typeRequest(namespace, { controllers: [[who.publisher]] }));
  return { namespace, version: [1n, 0n, 0n], data: moduleBytes(namespace, size), chunkSize, ...extra };
}

const status = async (hash: Uint8Array) => opt(await registry.as.anonymous.lineage_upload_status(hash));

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('a 5 MiB module in 512 KiB chunks (the largest the registry takes)', () => {
  it('is published chunk by chunk, verified, and fetched back bit-identical', async () => {
    const spec = await freshSpec(5 * MiB, MAX_CHUNK_BYTES);
    const published = await register(registry.as.publisher, spec);
    expect(published.chunks.map((c) => c.length)).toEqual(Array(10).fill(MAX_CHUNK_BYTES));
    for (const [id, chunk] of published.chunks.entries()) {
      const response = ok(await uploadChunk(registry.as.publisher, published.hash, id, chunk));
      expect(response).toMatchObject({ chunk_id: BigInt(id), total_chunks: 10n, stored_chunks: BigInt(id + 1) });
      // In order and within what one message may hash (768 KiB), each chunk is absorbed on
      // arrival: the last one completes the module, and its answer carries the verified hash.
      expect(response.calculated_hash).toEqual(id === 9 ? [published.hash] : []);
    }
    await waitVerified(pic, registry.as.anonymous, published.hash);
    expect(await status(published.hash)).toEqual({ hash: published.hash, total_chunks: 10n, stored: Array.from({ length: 10 }, (_, i) => BigInt(i)), calculated_hash: [published.hash], failure: [] });
    const [listed] = await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ hash: published.hash }]], prev: [], take: [] });
    expect(hex(listed!.calculated_hash)).toBe(hex(published.hash));
    expect(listed).toMatchObject({ chunkCount: 10n, stored_chunks: 10n });

    // Anyone (the anonymous caller too) fetches it back.
    const chunk2 = ok(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 2n }));
    expect(chunk2).toMatchObject({ chunk_id: 2n, total_chunks: 10n, chunk_hash: [] });
    expect(hex(sha256(bytes(chunk2.wasm_chunk)))).toBe(hex(sha256(published.chunks[2]!)));
    const fetched = await fetchModule(registry.as.anonymous, published.hash);
    expect(fetched.length).toBe(5 * MiB);
    expect(hex(sha256(fetched))).toBe(hex(published.hash));
    expect(Buffer.compare(Buffer.from(fetched), Buffer.from(spec.data))).toBe(0);
  });
});

describe('chunk checks', () => {
  it('checks declared chunk hashes on every upload (ChunkMismatch) and serves them back', async () => {
    const spec = await freshSpec(3000, 1000, { declareChunkHashes: true });
    const published = await register(registry.as.publisher, spec);
    const declared = published.chunks.map(sha256);
    const wrong = moduleBytes('not chunk 1', 1000);
    const before = await logLength(registry.as.anonymous);
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 1, wrong))).toEqual({ ChunkMismatch: { expected: declared[1], actual: sha256(wrong) } });
    expect((await status(published.hash))!.stored).toEqual([]);
    expect(await logLength(registry.as.anonymous)).toBe(before);

    await uploadChunks(registry.as.publisher, published);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    const [listed] = await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ hash: published.hash }]], prev: [], take: [] });
    expect(listed!.chunk_hashes).toEqual([declared]);
    for (const id of [0, 1, 2]) {
      const chunk = ok(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: BigInt(id) }));
      expect(chunk.chunk_hash).toEqual([declared[id]]);
      expect(hex(chunk.wasm_chunk)).toBe(hex(published.chunks[id]!));
    }
  });

  it('refuses a chunk over 1 MiB with ChunkTooLarge', async () => {
    const spec = await freshSpec(MAX_CHUNK_BYTES + 1, MAX_CHUNK_BYTES + 1);
    const published = await register(registry.as.publisher, spec);
    expect(published.chunks.length).toBe(1);
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 0, spec.data))).toEqual({ ChunkTooLarge: { max_bytes: BigInt(MAX_CHUNK_BYTES) } });
    expect((await status(published.hash))!.stored).toEqual([]);
  });

  it('refuses a chunk id out of range with ChunkOutOfRange', async () => {
    const spec = await freshSpec(200, 100);
    const published = await register(registry.as.publisher, spec);
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 2, published.chunks[0]!))).toEqual({ ChunkOutOfRange: { total_chunks: 2n } });
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 1000, published.chunks[0]!))).toEqual({ ChunkOutOfRange: { total_chunks: 2n } });
    expect((await status(published.hash))!.stored).toEqual([]);
  });

  it('refuses a chunk for an unknown hash with UnknownHash', async () => {
    const hash = sha256(moduleBytes('never registered', 64));
    expect(err(await uploadChunk(registry.as.publisher, hash, 0, moduleBytes('never registered', 64)))).toEqual({ UnknownHash: null });
    expect(await status(hash)).toBeUndefined();
  });

  it('refuses an empty chunk', async () => {
    const published = await register(registry.as.publisher, await freshSpec(200, 100));
    expect(outcome(await uploadChunk(registry.as.publisher, published.hash, 0, new Uint8Array(0)))).toBe('Generic');
    expect((await status(published.hash))!.stored).toEqual([]);
  });

  it('accepts an identical chunk again without any change (idempotent), before and after verification', async () => {
    const published = await register(registry.as.publisher, await freshSpec(300, 100));
    const first = ok(await uploadChunk(registry.as.publisher, published.hash, 0, published.chunks[0]!));
    const statusBefore = await status(published.hash);
    const logBefore = await logLength(registry.as.anonymous);
    const again = ok(await uploadChunk(registry.as.publisher, published.hash, 0, Uint8Array.from(published.chunks[0]!)));
    expect(again).toEqual(first);
    expect(await status(published.hash)).toEqual(statusBefore);
    expect(await logLength(registry.as.anonymous)).toBe(logBefore);

    await uploadChunks(registry.as.publisher, published, [1, 2]);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    const verifiedStatus = await status(published.hash);
    const verifiedLog = await logLength(registry.as.anonymous);
    const late = ok(await uploadChunk(registry.as.publisher, published.hash, 1, published.chunks[1]!));
    expect(late).toEqual({ chunk_id: 1n, total_chunks: 3n, stored_chunks: 3n, calculated_hash: [published.hash] });
    expect(await status(published.hash)).toEqual(verifiedStatus);
    expect(await logLength(registry.as.anonymous)).toBe(verifiedLog);
  });

  it('refuses a different chunk at a stored index with ChunkConflict and keeps the stored one', async () => {
    const spec = await freshSpec(300, 100);
    const published = await register(registry.as.publisher, spec);
    await uploadChunks(registry.as.publisher, published, [0]);
    const other = moduleBytes('another chunk 0', 100);
    const logBefore = await logLength(registry.as.anonymous);
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 0, other))).toEqual({ ChunkConflict: null });
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 0, published.chunks[0]!.subarray(0, 50)))).toEqual({ ChunkConflict: null });
    expect(await logLength(registry.as.anonymous)).toBe(logBefore);
    await uploadChunks(registry.as.publisher, published, [1, 2]);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    // After verification too.
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 2, other))).toEqual({ ChunkConflict: null });
    expect(hex(await fetchModule(registry.as.anonymous, published.hash))).toBe(hex(spec.data));
  });

  it('refuses the chunk that completes a module with the wrong sha256 (HashMismatch) and keeps stored data as it was', async () => {
    const spec = await freshSpec(300, 100);
    const published = await register(registry.as.publisher, spec);
    await uploadChunks(registry.as.publisher, published, [0, 1]);
    const statusBefore = await status(published.hash);
    const logBefore = await logLength(registry.as.anonymous);
    const wrongLast = moduleBytes('wrong last chunk', 100);
    const calculated = sha256(Buffer.concat([published.chunks[0]!, published.chunks[1]!, wrongLast]));
    expect(err(await uploadChunk(registry.as.publisher, published.hash, 2, wrongLast))).toEqual({ HashMismatch: { expected: published.hash, calculated } });
    expect(await status(published.hash)).toEqual(statusBefore);
    expect(statusBefore).toMatchObject({ stored: [0n, 1n], calculated_hash: [], failure: [] });
    expect(await logLength(registry.as.anonymous)).toBe(logBefore);
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 0n }))).toEqual({ NotVerified: null });
    // The right chunk still completes it.
    ok(await uploadChunk(registry.as.publisher, published.hash, 2, published.chunks[2]!));
    await waitVerified(pic, registry.as.anonymous, published.hash);
    expect(hex(await fetchModule(registry.as.anonymous, published.hash))).toBe(hex(spec.data));
  });
});

describe('upload order and resumption', () => {
  it('verifies chunks uploaded out of order (the hash continues in later messages)', async () => {
    const spec = await freshSpec(20 * 1024, 1024);
    const published = await register(registry.as.publisher, spec);
    expect(published.chunks.length).toBe(20);
    const reversed = published.chunks.map((_, i) => 19 - i);
    const logBefore = await logLength(registry.as.anonymous);
    await uploadChunks(registry.as.publisher, published, reversed);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    expect(await status(published.hash)).toMatchObject({ calculated_hash: [published.hash], failure: [], stored: published.chunks.map((_, i) => BigInt(i)) });
    expect(hex(await fetchModule(registry.as.anonymous, published.hash))).toBe(hex(spec.data));
    // 20 chunk blocks and exactly one verification block.
    const blocks = (await allBlocks(registry.as.anonymous)).slice(Number(logBefore));
    expect(blocks.filter((b) => btypeOf(b.block) === '118chunk').length).toBe(20);
    const verified = blocks.filter((b) => btypeOf(b.block) === '118verified');
    expect(verified.length).toBe(1);
    expect(field(txOf(verified[0]!.block), 'hash')).toEqual({ Blob: published.hash });
    expect(field(txOf(verified[0]!.block), 'failure')).toBeUndefined();
  });

  it('reports a mismatch found by the later hashing, and a re-registration starts over', async () => {
    const spec = await freshSpec(12 * 256, 256);
    const published = await register(registry.as.publisher, spec);
    const wrong = moduleBytes('wrong chunk 11', 256);
    const actual = sha256(Buffer.concat([...published.chunks.slice(0, 11), wrong]));
    // Chunks 1..11 (11 wrong) then 0: the upload of chunk 0 hashes 0..7, a timer hashes the rest.
    for (const id of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) ok(await uploadChunk(registry.as.publisher, published.hash, id, published.chunks[id]!));
    ok(await uploadChunk(registry.as.publisher, published.hash, 11, wrong));
    ok(await uploadChunk(registry.as.publisher, published.hash, 0, published.chunks[0]!));
    let failure: string | undefined;
    for (let i = 0; i < 50 && failure === undefined; i++) {
      await pic.advanceTime(1);
      await pic.tick();
      failure = opt((await status(published.hash))!.failure);
    }
    expect(failure).toContain(hex(actual));
    expect((await status(published.hash))!.calculated_hash).toEqual([]);
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 0n }))).toEqual({ NotVerified: null });
    const [last] = (await allBlocks(registry.as.anonymous)).slice(-1);
    expect(btypeOf(last!.block)).toBe('118verified');
    expect(field(txOf(last!.block), 'hash')).toEqual({ Blob: published.hash });
    expect(field(txOf(last!.block), 'failure')).toEqual({ Text: failure });

    // Registering it again discards the chunks; the right ones then verify.
    ok(await registry.as.publisher.icrc118_update_wasm(updateRequest(spec)));
    expect(await status(published.hash)).toEqual({ hash: published.hash, total_chunks: 12n, stored: [], calculated_hash: [], failure: [] });
    await uploadChunks(registry.as.publisher, published);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    expect(hex(await fetchModule(registry.as.anonymous, published.hash))).toBe(hex(spec.data));
  });

  it('verifies chunks uploaded in a shuffled order', async () => {
    const spec = await freshSpec(7 * 512 + 100, 512);
    const published = await register(registry.as.publisher, spec);
    await uploadChunks(registry.as.publisher, published, [3, 0, 6, 1, 7, 5, 2, 4]);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    expect(hex(await fetchModule(registry.as.anonymous, published.hash))).toBe(hex(spec.data));
  });

  it('refuses to serve chunks before verification with NotVerified', async () => {
    const published = await register(registry.as.publisher, await freshSpec(300, 100));
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 0n }))).toEqual({ NotVerified: null });
    await uploadChunks(registry.as.publisher, published, [0, 1]);
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 0n }))).toEqual({ NotVerified: null });
    await uploadChunks(registry.as.publisher, published, [2]);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    expect(outcome(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 0n }))).toBe('Ok');
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 3n }))).toEqual({ ChunkOutOfRange: { total_chunks: 3n } });
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: sha256(moduleBytes('unknown', 5)), chunk_id: 0n }))).toEqual({ NotFound: null });
  });

  it('resumes an interrupted upload: asks which chunks are stored and sends only the missing ones', async () => {
    const spec = await freshSpec(6 * 1000, 1000);
    const published = await register(registry.as.publisher, spec);
    await uploadChunks(registry.as.publisher, published, [0, 2, 3]);
    // ...the publisher is interrupted; later it asks what the registry has.
    const asked = (await status(published.hash))!;
    expect(asked).toEqual({ hash: published.hash, total_chunks: 6n, stored: [0n, 2n, 3n], calculated_hash: [], failure: [] });
    const missing = chunksOf(spec.data, 1000).map((_, i) => i).filter((i) => !asked.stored.includes(BigInt(i)));
    expect(missing).toEqual([1, 4, 5]);
    const logBefore = await logLength(registry.as.anonymous);
    await uploadChunks(registry.as.publisher, published, missing);
    await waitVerified(pic, registry.as.anonymous, published.hash);
    // Exactly the missing chunks were stored, and the version verified once.
    const blocks = (await allBlocks(registry.as.anonymous)).slice(Number(logBefore));
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['118chunk', '118chunk', '118chunk', '118verified']);
    expect(hex(await fetchModule(registry.as.anonymous, published.hash))).toBe(hex(spec.data));
  });
});
