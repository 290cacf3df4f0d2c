import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { FakeRegistry } from '../../test/fake-registry.js';
import { IntegrityError, RegistryError } from '../errors.js';
import { MAX_CHUNK_BYTES } from './chunks.js';
import { fetchWasm, type FetchProgress } from './fetch.js';
import { publishWasm } from './publish.js';

const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const module = (size: number, seed = 7) => new Uint8Array(size).map((_, i) => (i * 31 + seed * 17 + (i >> 8)) & 0xff);
const base = { canisterType: 'org.example.app', version: '1.0.0' } as const;

async function published(size: number, options: { chunkSize?: number; declareChunkHashes?: boolean; blobsAsArrays?: boolean } = {}) {
  const registry = new FakeRegistry({ blobsAsArrays: options.blobsAsArrays ?? false });
  const wasm = module(size);
  const { hash } = await publishWasm(registry, { ...base, wasm, chunkSize: options.chunkSize ?? 1000, declareChunkHashes: options.declareChunkHashes ?? true });
  registry.calls.length = 0;
  return { registry, wasm, hash };
}

describe('fetchWasm', () => {
  it('downloads every chunk of a module and returns it bit-identical', async () => {
    const { registry, wasm, hash } = await published(2 * MAX_CHUNK_BYTES + 77, { chunkSize: MAX_CHUNK_BYTES });
    const fetched = await fetchWasm(registry, hash);
    expect(hex(sha(fetched))).toBe(hex(sha(wasm)));
    expect(Buffer.compare(fetched, wasm)).toBe(0);
    expect(registry.calls.map((c) => c.method)).toEqual(['icrc118_get_wasms', 'icrc118_get_wasm_chunk', 'icrc118_get_wasm_chunk', 'icrc118_get_wasm_chunk']);
  });

  it('takes the hash as hex and reports progress per chunk', async () => {
    const { registry, wasm, hash } = await published(2500);
    const events: FetchProgress[] = [];
    const fetched = await fetchWasm(registry, hex(hash), { onProgress: (p) => events.push(p) });
    expect(fetched).toEqual(wasm);
    expect(events).toEqual([
      { chunkId: 0, chunksDone: 1, chunksTotal: 3, bytesDone: 1000 },
      { chunkId: 1, chunksDone: 2, chunksTotal: 3, bytesDone: 2000 },
      { chunkId: 2, chunksDone: 3, chunksTotal: 3, bytesDone: 2500 },
    ]);
  });

  it('downloads several chunks at once, assembling them in order', async () => {
    const { registry, wasm, hash } = await published(9500);
    const events: number[] = [];
    expect(await fetchWasm(registry, hash, { concurrency: 4, onProgress: (p) => events.push(p.chunkId) })).toEqual(wasm);
    expect(events).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('works with blobs handed over as number arrays', async () => {
    const { registry, wasm, hash } = await published(2500, { blobsAsArrays: true });
    expect(await fetchWasm(registry, Array.from(hash))).toEqual(wasm);
  });

  it('detects a tampered chunk by its chunk hash, naming the chunk', async () => {
    const { registry, hash } = await published(3000);
    registry.tamperChunk(hash, 1, module(1000, 99));
    const run = fetchWasm(registry, hash);
    await expect(run).rejects.toThrow(IntegrityError);
    await expect(run).rejects.toMatchObject({ check: 'chunk-hash', chunkId: 1 });
    await expect(run).rejects.toThrow(/chunk 1's sha256 [0-9a-f]{16}… differs from its chunk hash/);
  });

  it('detects a tampered chunk by the module hash when no chunk hashes were declared', async () => {
    const { registry, hash } = await published(3000, { declareChunkHashes: false });
    registry.tamperChunk(hash, 2, module(1000, 99));
    const run = fetchWasm(registry, hash);
    await expect(run).rejects.toMatchObject({ name: 'IntegrityError', check: 'module-hash' });
    await expect(run).rejects.toThrow(/the module's sha256 .* differs from the requested hash/);
  });

  it('checks the record\'s declared chunk hashes even when the chunk answer omits its hash', async () => {
    const { registry, hash } = await published(3000);
    registry.tamperChunk(hash, 0, module(1000, 5));
    const get = registry.icrc118_get_wasm_chunk.bind(registry);
    registry.icrc118_get_wasm_chunk = async (req) => {
      const result = await get(req);
      if ('Ok' in result) result.Ok.chunk_hash = [];
      return result;
    };
    await expect(fetchWasm(registry, hash)).rejects.toMatchObject({ check: 'chunk-hash', chunkId: 0 });
  });

  it('detects an answer for another chunk or another chunk count', async () => {
    const { registry, hash } = await published(3000);
    const get = registry.icrc118_get_wasm_chunk.bind(registry);
    registry.icrc118_get_wasm_chunk = async (req) => get({ ...req, chunk_id: 0n });
    await expect(fetchWasm(registry, hash)).rejects.toMatchObject({ check: 'chunk-count', chunkId: 1 });
  });

  it('refuses an unknown or unverified module with RegistryError', async () => {
    const registry = new FakeRegistry();
    await expect(fetchWasm(registry, new Uint8Array(32))).rejects.toMatchObject({ name: 'RegistryError', variant: 'NotFound' });

    const wasm = module(3000);
    registry.failUploadsAfter = 1;
    await expect(publishWasm(registry, { ...base, wasm, chunkSize: 1000 })).rejects.toThrow();
    const run = fetchWasm(registry, sha(wasm));
    await expect(run).rejects.toThrow(RegistryError);
    await expect(run).rejects.toThrow(/has 1\/3 chunks stored and is not verified/);
  });

  it('passes on a chunk refusal as RegistryError', async () => {
    const { registry, hash } = await published(3000);
    registry.icrc118_get_wasm_chunk = async () => ({ Error: { NotVerified: null } });
    await expect(fetchWasm(registry, hash)).rejects.toMatchObject({ method: 'icrc118_get_wasm_chunk', variant: 'NotVerified' });
  });
});
