import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { MemoryStore, putOps, text } from '../../test/memory-store.js';
import { toHex } from './bytes.js';
import { ContentHasher, rechunk } from './commit.js';
import { describeCommitError } from './errors.js';
import { SERVE_CHUNK_BYTES } from './limits.js';

const sha = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

describe('hashing contents', () => {
  it('hashes the whole and each serving chunk, whatever the upload pieces', () => {
    const content = new Uint8Array(randomBytes(SERVE_CHUNK_BYTES * 2 + 12345));
    const hasher = new ContentHasher(content.length);
    for (let at = 0; at < content.length; at += 700_001) hasher.update(content.subarray(at, at + 700_001));
    const r = hasher.finish();
    expect(toHex(r.sha256)).toBe(toHex(sha(content)));
    expect(r.chunkHashes.map(toHex)).toEqual([0, 1, 2].map((i) => toHex(sha(content.subarray(i * SERVE_CHUNK_BYTES, (i + 1) * SERVE_CHUNK_BYTES)))));
    const chunks: Uint8Array[] = [];
    rechunk([content.subarray(0, 5), content.subarray(5)], (i, b) => (chunks[i] = b.slice()));
    expect(chunks.map((c) => c.length)).toEqual([SERVE_CHUNK_BYTES, SERVE_CHUNK_BYTES, 12345]);
    expect(Buffer.concat(chunks).equals(Buffer.from(content))).toBe(true);
  });

  it('gives small contents no chunk hashes, and empty content one empty chunk', () => {
    expect(new ContentHasher(10).finish().chunkHashes).toEqual([]);
    const chunks: Uint8Array[] = [];
    expect(rechunk([], (i, b) => (chunks[i] = b))).toBe(1);
    expect(chunks[0]!.length).toBe(0);
  });
});

describe('planning a commit', () => {
  it('creates, changes and deletes assets, and leaves the root alone when nothing changes', () => {
    const s = new MemoryStore();
    expect(s.commit(putOps('/index.html', text('<h1>hi</h1>')))).toEqual({ ok: true });
    expect(s.history).toHaveLength(2);
    expect(s.commit([{ SetAssetContent: { key: '/index.html', content_encoding: 'identity', chunk_ids: [], last_chunk: [text('<h1>hi</h1>')], sha256: [] } }])).toEqual({ ok: true });
    expect(s.history).toHaveLength(2);
    expect(s.commit([{ DeleteAsset: { key: '/index.html' } }])).toEqual({ ok: true });
    expect(s.history).toHaveLength(3);
    expect(toHex(s.history[2]!.root)).toBe(toHex(s.history[0]!.root));
  });

  it('treats creating an existing asset with the same content type as nothing to do (a re-upload)', () => {
    const s = new MemoryStore();
    s.commit(putOps('/a.txt', text('one'), 'text/plain'));
    const entries = s.history.length;
    // AssetManager's re-upload: CreateAsset again, then the content; unchanged content changes nothing.
    const stored = s.assets.get('/a.txt')!.encodings[0]!;
    expect(s.commit(putOps('/a.txt', text('one'), 'text/plain'))).toEqual({ ok: true });
    expect(s.assets.get('/a.txt')!.encodings[0]).toBe(stored);
    expect(s.history).toHaveLength(entries);
    // Properties given with the repeated CreateAsset are ignored, as DFINITY's canister ignores them.
    expect(s.commit([{ CreateAsset: { key: '/a.txt', content_type: 'text/plain', max_age: [60n], headers: [], enable_aliasing: [], allow_raw_access: [] } }])).toEqual({ ok: true });
    expect(s.assets.get('/a.txt')!.maxAge).toBeUndefined();
    expect(s.commit(putOps('/a.txt', text('two'), 'text/plain'))).toEqual({ ok: true });
    expect(s.history).toHaveLength(entries + 1);
  });

  it('assembles uploaded chunks in the order given', () => {
    const s = new MemoryStore();
    const a = s.upload(1n, text('hello '));
    const b = s.upload(1n, text('world'));
    const r = s.commit([
      { CreateAsset: { key: '/t.txt', content_type: 'text/plain', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
      { SetAssetContent: { key: '/t.txt', content_encoding: 'identity', chunk_ids: [a, b], last_chunk: [], sha256: [sha(text('hello world'))] } },
    ], 1n);
    expect(r).toEqual({ ok: true });
    expect(s.assets.get('/t.txt')!.encodings[0]!.length).toBe(11);
    expect(s.chunks.size).toBe(0);
  });

  it('takes the hashes of uploaded chunks that are serving chunks, and still checks the whole', () => {
    for (const sizes of [[SERVE_CHUNK_BYTES, 10], [SERVE_CHUNK_BYTES, SERVE_CHUNK_BYTES], [700], [SERVE_CHUNK_BYTES - 1, 5]]) {
      const s = new MemoryStore();
      const parts = sizes.map((n) => new Uint8Array(randomBytes(n)));
      const whole = Buffer.concat(parts);
      const ids = parts.map((p) => s.upload(1n, p));
      expect(s.commit([
        putOps('/f.bin', new Uint8Array(), 'application/octet-stream')[0]!,
        { SetAssetContent: { key: '/f.bin', content_encoding: 'identity', chunk_ids: ids, last_chunk: [], sha256: [sha(whole)] } },
      ], 1n)).toEqual({ ok: true });
      const e = s.assets.get('/f.bin')!.encodings[0]!;
      expect(toHex(e.sha256)).toBe(toHex(sha(whole)));
      const expected = whole.length > SERVE_CHUNK_BYTES
        ? Array.from({ length: Math.ceil(whole.length / SERVE_CHUNK_BYTES) }, (_, i) => toHex(sha(whole.subarray(i * SERVE_CHUNK_BYTES, (i + 1) * SERVE_CHUNK_BYTES))))
        : [];
      expect(e.chunkHashes.map(toHex)).toEqual(expected);
    }
  });

  const refusals: [string, (s: MemoryStore) => ReturnType<MemoryStore['commit']>, string][] = [
    ['an unknown chunk', (s) => s.commit([...putOps('/a', text('x')).slice(0, 1), { SetAssetContent: { key: '/a', content_encoding: 'identity', chunk_ids: [99n], last_chunk: [], sha256: [] } }], 1n), 'UnknownChunk'],
    ['a chunk of another batch', (s) => {
      const c = s.upload(2n, text('x'));
      return s.commit([...putOps('/a', text('x')).slice(0, 1), { SetAssetContent: { key: '/a', content_encoding: 'identity', chunk_ids: [c], last_chunk: [], sha256: [] } }], 1n);
    }, 'ChunkNotInBatch'],
    ['a chunk used twice', (s) => {
      const c = s.upload(1n, text('x'));
      return s.commit([...putOps('/a', text('x')).slice(0, 1), { SetAssetContent: { key: '/a', content_encoding: 'identity', chunk_ids: [c, c], last_chunk: [], sha256: [] } }], 1n);
    }, 'ChunkUsedTwice'],
    ['a wrong sha256', (s) => s.commit([...putOps('/a', text('x')).slice(0, 1), { SetAssetContent: { key: '/a', content_encoding: 'identity', chunk_ids: [], last_chunk: [text('x')], sha256: [sha(text('y'))] } }]), 'Sha256Mismatch'],
    ['gzip content that is not gzip', (s) => s.commit(putOps('/a.js', text('var x'), 'application/javascript', { encoding: 'gzip' })), 'EncodingMismatch'],
    ['an unknown encoding', (s) => s.commit(putOps('/a.js', text('var x'), 'application/javascript', { encoding: 'rot13' })), 'InvalidEncoding'],
    ['path traversal', (s) => s.commit(putOps('/../secret', text('x'))), 'InvalidKey'],
    ['a non-normalised key', (s) => s.commit(putOps('/a//b.html', text('x'))), 'InvalidKey'],
    ['a key without a leading slash', (s) => s.commit(putOps('index.html', text('x'))), 'InvalidKey'],
    ['creating an existing asset with another content type', (s) => {
      s.commit(putOps('/a', text('x')));
      return s.commit(putOps('/a', text('y'), 'text/plain'));
    }, 'AssetExists'],
    ['content for a missing asset', (s) => s.commit([{ SetAssetContent: { key: '/nope', content_encoding: 'identity', chunk_ids: [], last_chunk: [text('x')], sha256: [] } }]), 'UnknownAsset'],
    ['a reserved header', (s) => s.commit(putOps('/a', text('x'), 'text/plain', { headers: [['IC-Certificate', 'forged']] })), 'InvalidHeader'],
    ['an oversized inline chunk', (s) => s.commit(putOps('/a', new Uint8Array(1_900_001))), 'ChunkTooLarge'],
  ];

  it.each(refusals)('refuses %s, naming the operation, and changes nothing', (_, run, kind) => {
    const s = new MemoryStore();
    s.commit(putOps('/keep.html', text('keep')));
    const before = { assets: new Map(s.assets), root: toHex(s.tree.assetRoot()), history: s.history.length, chunks: s.chunks.size };
    const r = run(s);
    expect(r).toHaveProperty('err');
    const err = (r as { err: Parameters<typeof describeCommitError>[0] }).err;
    expect(Object.keys(err.error)[0]).toBe(kind);
    expect(describeCommitError(err)).toContain(kind);
    // The commit of the refused operations left everything as it was (a prior successful step of
    // the same test may have changed things: compare with the state right before the refusal).
    if (kind !== 'AssetExists') {
      expect(toHex(s.tree.assetRoot())).toBe(before.root);
      expect(s.history.length).toBe(before.history);
      expect([...s.assets.keys()]).toEqual([...before.assets.keys()]);
    }
  });

  it('accepts real gzip, and serves it to clients that accept it', () => {
    const s = new MemoryStore();
    const html = text('<p>zipped</p>');
    expect(s.commit([...putOps('/z.html', html), { SetAssetContent: { key: '/z.html', content_encoding: 'gzip', chunk_ids: [], last_chunk: [gzipSync(html)], sha256: [] } }])).toEqual({ ok: true });
    const r = s.serve({ url: '/z.html', headers: [['Accept-Encoding', 'gzip, deflate, br']] });
    expect(r.headers).toContainEqual(['content-encoding', 'gzip']);
    const plain = s.serve({ url: '/z.html', headers: [['Accept-Encoding', 'identity']] });
    expect(plain.headers.some(([n]) => n === 'content-encoding')).toBe(false);
  });

  it('clears everything with Clear, and sets properties', () => {
    const s = new MemoryStore();
    s.commit([...putOps('/a.html', text('a')), ...putOps('/b.html', text('b'))]);
    expect(s.commit([{ SetAssetProperties: { key: '/a.html', max_age: [[60n]], headers: [[[['X-Frame-Options', 'DENY']]]], allow_raw_access: [], is_aliased: [[false]] } }])).toEqual({ ok: true });
    const a = s.assets.get('/a.html')!;
    expect(a.maxAge).toBe(60n);
    expect(a.headers).toEqual([['X-Frame-Options', 'DENY']]);
    expect(s.serve({ url: '/a.html' }).headers).toContainEqual(['x-frame-options', 'DENY']);
    expect(a.isAliased).toBe(false);
    expect(s.serve({ url: '/a' }).status_code).toBe(404);
    expect(s.commit([{ Clear: {} }])).toEqual({ ok: true });
    expect(s.assets.size).toBe(0);
    expect(s.blobs.size).toBe(0);
  });
});
