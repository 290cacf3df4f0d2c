import { describe, expect, it } from 'vitest';

import { MemoryStore, putOps, text } from '../../test/memory-store.js';
import { certifiedHostFor } from './http.js';

const get = (h: [string, string][]) => (name: string) => h.find(([n]) => n === name)?.[1];

describe('entity tags and 304', () => {
  it('tags every full answer and answers a matching If-None-Match with a certified 304', () => {
    const s = new MemoryStore();
    s.commit(putOps('/index.html', text('<h1>hi</h1>')));
    const first = s.serve({ url: '/index.html' });
    const etag = get(first.headers)('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    for (const inm of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const again = s.serve({ url: '/index.html', headers: [['If-None-Match', inm]] });
      expect(again.status_code, inm).toBe(304);
      expect(again.body.length).toBe(0);
      expect(get(again.headers)('content-type')).toBe('text/html');
      expect(get(again.headers)('ic-certificate')).toMatch(/^version=2/);
    }
    expect(s.serve({ url: '/index.html', headers: [['If-None-Match', '"other"']] }).status_code).toBe(200);
    // v1 cannot certify a 304 (it certifies the body): it answers 200.
    expect(s.serve({ url: '/index.html', certificate_version: [], headers: [['If-None-Match', etag]] }).status_code).toBe(200);
    // A new content has a new tag.
    s.commit([{ SetAssetContent: { key: '/index.html', content_encoding: 'identity', chunk_ids: [], last_chunk: [text('<h1>new</h1>')], sha256: [] } }]);
    expect(s.serve({ url: '/index.html', headers: [['If-None-Match', etag]] }).status_code).toBe(200);
  });
});

describe('raw domains', () => {
  it('recognises raw hosts', () => {
    const req = (host: string) => ({ method: 'GET', url: '/', headers: [['Host', host]] as [string, string][], certificate_version: [2] as [number] });
    expect(certifiedHostFor(req('aaaaa-aa.raw.icp0.io'))).toBe('aaaaa-aa.icp0.io');
    expect(certifiedHostFor(req('aaaaa-aa.raw.localhost:4943'))).toBe('aaaaa-aa.localhost:4943');
    expect(certifiedHostFor(req('aaaaa-aa.icp0.io'))).toBeUndefined();
    expect(certifiedHostFor(req('raw.example.com'))).toBeUndefined();
  });

  it('redirects a raw request for an asset that disallows raw access, and serves the others', () => {
    const s = new MemoryStore();
    s.commit([...putOps('/index.html', text('home')), ...putOps('/private.html', text('p'))]);
    s.commit([{ SetAssetProperties: { key: '/private.html', max_age: [], headers: [], allow_raw_access: [[false]], is_aliased: [] } }]);
    const raw: [string, string][] = [['host', 'x.raw.localhost:8080']];
    const r = s.serve({ url: '/private?a=1', headers: raw });
    expect(r.status_code).toBe(308);
    expect(get(r.headers)('location')).toBe('http://x.localhost:8080/private?a=1');
    expect(s.serve({ url: '/index.html', headers: raw }).status_code).toBe(200);
    expect(s.serve({ url: '/private.html' }).status_code).toBe(200);
  });
});
