import { randomBytes } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { MemoryStore, putOps, text } from '../../test/memory-store.js';
import { parseCertificateHeader, verifyResponse } from '../../test/verify.js';
import { toHex } from './bytes.js';
import { splitCertifiedTree } from './cert-tree.js';
import { treeHash } from './hash-tree.js';
import { checkChain } from './history.js';
import { streamChunk } from './http.js';
import { SERVE_CHUNK_BYTES } from './limits.js';
import type { Operation } from './commit.js';
import { buildCertTree } from './site.js';

const keyArb = fc.constantFrom('/index.html', '/about.html', '/about/index.html', '/about', '/docs/index.html', '/docs/a.js', '/x/y/z.css', '/index', '/a.html');

describe('the certified tree', () => {
  it('is the same after any sequence of commits as the tree of the final assets built at once', () => {
    const op = fc.oneof(
      fc.record({ put: keyArb, body: fc.string({ maxLength: 8 }), aliased: fc.option(fc.boolean(), { nil: undefined }) }),
      fc.record({ del: keyArb }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
      const s = new MemoryStore();
      for (const o of ops) {
        if ('del' in o) s.commit([{ DeleteAsset: { key: o.del } }]);
        else {
          const ops2: Operation[] = [{ DeleteAsset: { key: o.put } }, ...putOps(o.put, text(o.body))];
          if (o.aliased !== undefined) ops2.push({ SetAssetProperties: { key: o.put, max_age: [], headers: [], allow_raw_access: [], is_aliased: [[o.aliased]] } });
          s.commit(ops2);
        }
      }
      expect(toHex(s.tree.assetRoot())).toBe(toHex(buildCertTree(s.assets.values()).assetRoot()));
      expect(checkChain([...s.history].reverse())).toEqual([]);
    }), { numRuns: 150 });
    // Every served path certifies its 304 too: more hashing per run than the default 5 s allow on a loaded machine.
  }, 30_000);
});

describe('serving', () => {
  const site = () => {
    const s = new MemoryStore();
    s.commit([
      ...putOps('/index.html', text('<h1>home</h1>')),
      ...putOps('/about.html', text('<h1>about</h1>')),
      ...putOps('/docs/index.html', text('<h1>docs</h1>')),
      ...putOps('/app.js', text('console.log(1)'), 'application/javascript', { headers: [['X-Content-Type-Options', 'nosniff']] }),
    ]);
    return s;
  };

  it.each([
    ['/index.html', 200, '<h1>home</h1>'],
    ['/', 200, '<h1>home</h1>'],
    ['/about', 200, '<h1>about</h1>'],
    ['/docs/', 200, '<h1>docs</h1>'],
    ['/docs', 200, '<h1>docs</h1>'],
    ['/app.js?canisterId=aaaaa-aa', 200, 'console.log(1)'],
    ['/no/such/page', 200, '<h1>home</h1>'],
    ['/docs/missing', 200, '<h1>home</h1>'],
  ])('answers %s with a v2-certified %i', (url, status, body) => {
    const s = site();
    const r = s.serve({ url });
    expect(r.status_code).toBe(status);
    expect(new TextDecoder().decode(r.body)).toBe(body);
    expect(verifyResponse(url, r, s.certifiedData)).toBeUndefined();
  });

  it('answers v1 requests with the v1 tree', () => {
    const s = site();
    for (const url of ['/index.html', '/about', '/nothing']) {
      const r = s.serve({ url, certificate_version: [] });
      expect(parseCertificateHeader(r.headers.find(([n]) => n === 'ic-certificate')![1]).version).toBeUndefined();
      expect(verifyResponse(url, r, s.certifiedData)).toBeUndefined();
    }
  });

  it('certifies the 404 when there is no index.html', () => {
    const s = new MemoryStore();
    s.commit(putOps('/a.txt', text('a'), 'text/plain'));
    const r = s.serve({ url: '/b.txt' });
    expect(r.status_code).toBe(404);
    expect(verifyResponse('/b.txt', r, s.certifiedData)).toBeUndefined();
  });

  it('certifies the headers: a changed header no longer verifies', () => {
    const s = site();
    const r = s.serve({ url: '/app.js' });
    expect(r.headers).toContainEqual(['x-content-type-options', 'nosniff']);
    const forged = { ...r, headers: r.headers.map(([n, v]): [string, string] => (n === 'content-type' ? [n, 'text/html'] : [n, v])) };
    expect(verifyResponse('/app.js', forged, s.certifiedData)).toMatch(/not certified/);
    expect(verifyResponse('/app.js', { ...r, body: text('alert(1)') }, s.certifiedData)).toMatch(/not certified/);
  });

  it('streams large contents; the whole body verifies, and so does each chunk on its own', () => {
    const s = new MemoryStore();
    const big = new Uint8Array(randomBytes(SERVE_CHUNK_BYTES * 2 + 100));
    const ids = [0, 1_000_000, 2_000_000].map((at) => s.upload(1n, big.subarray(at, at + 1_000_000)));
    expect(s.commit([
      putOps('/big.bin', big, 'application/octet-stream')[0]!,
      { SetAssetContent: { key: '/big.bin', content_encoding: 'identity', chunk_ids: ids, last_chunk: [big.subarray(3_000_000)], sha256: [] } },
    ], 1n)).toEqual({ ok: true });
    const first = s.serve({ url: '/big.bin' });
    expect(first.status_code).toBe(200);
    expect(first.body.length).toBe(SERVE_CHUNK_BYTES);
    const parts = [first.body];
    let token = first.streaming;
    while (token) {
      const next = streamChunk(token, { lookup: (k) => s.assets.get(k), readChunk: (b, i) => s.blobs.get(b)![i]! });
      if ('error' in next) throw new Error(next.error);
      parts.push(next.body);
      token = next.token;
    }
    const whole = Buffer.concat(parts);
    expect(whole.equals(Buffer.from(big))).toBe(true);
    expect(verifyResponse('/big.bin', first, s.certifiedData, whole)).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      const range: [string, string][] = [['Range', `bytes=${i * SERVE_CHUNK_BYTES}-`]];
      const r = s.serve({ url: '/big.bin', headers: range });
      expect(r.status_code).toBe(206);
      expect(r.headers).toContainEqual(['content-range', `bytes ${i * SERVE_CHUNK_BYTES}-${Math.min((i + 1) * SERVE_CHUNK_BYTES, big.length) - 1}/${big.length}`]);
      expect(verifyResponse('/big.bin', r, s.certifiedData, r.body, range)).toBeUndefined();
    }
    // A range that is not a chunk start gets the whole body (200), which verifies as such.
    expect(s.serve({ url: '/big.bin', headers: [['Range', 'bytes=5-']] }).status_code).toBe(200);
  });

  it('returns a root witness from which certified data and the asset root follow', () => {
    const s = site();
    const w = s.tree.rootWitness(s.head);
    expect(toHex(treeHash(w))).toBe(toHex(s.certifiedData));
    const parts = splitCertifiedTree(w)!;
    expect(toHex(parts.assetRoot)).toBe(toHex(s.tree.assetRoot()));
    expect(toHex(parts.historyHead!)).toBe(toHex(s.head));
    const full = s.tree.fullTree(s.head);
    expect(toHex(treeHash(full))).toBe(toHex(s.certifiedData));
  });
});
