import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { aliasPaths, aliasTargets, canonicalPath, keyProblem, pathSegments, requestPath } from './keys.js';
import { contentTypeFor } from './mime.js';
import { encodingMismatch, normaliseHeaders } from './model.js';

describe('asset keys', () => {
  it.each(['/index.html', '/a/b/c.js', '/ümlaut.txt', '/with space.txt', '/.well-known/ic-domains', '/a%b'])('accepts %s', (key) => {
    expect(keyProblem(key)).toBeUndefined();
  });

  it.each([
    ['index.html', 'starts with'], ['/', 'names no file'], ['/a//b', 'empty segment'], ['/a/', 'trailing'], ['/../etc/passwd', '".."'],
    ['/a/./b', '"."'], ['/a?b', '"?"'], ['/a#b', '"#"'], ['/a\\b', 'or "'], ['/a\u0000b', 'control'], ['/a%2Fb', 'percent'],
    ['/x/<$>', '"<$>"'], ['/<*>', '"<*>"'], [`/${'x'.repeat(1024)}`, 'bytes'],
  ])('refuses %j (%s)', (key, reason) => {
    expect(keyProblem(key)).toContain(reason);
  });
});

describe('request paths', () => {
  it('drops the query and decodes percent-escapes', () => {
    expect(requestPath('/a%20b.html?canisterId=x')).toBe('/a b.html');
    expect(requestPath('/%E2%9C%93')).toBe('/✓');
    expect(requestPath('/100%')).toBe('/100%');
    expect(requestPath('/%FF')).toBeUndefined();
    expect(requestPath('relative')).toBeUndefined();
  });

  it('splits into segments as response verification does', () => {
    expect(pathSegments('/')).toEqual(['']);
    expect(pathSegments('/a/b')).toEqual(['a', 'b']);
    expect(pathSegments('/a/')).toEqual(['a', '']);
    expect(pathSegments('/a//b')).toEqual(['a', 'b']);
    expect(canonicalPath('/a//b/')).toBe('/a/b/');
  });

  it('has aliases whose inverse is aliasPaths', () => {
    expect(aliasTargets('/')).toEqual(['/index.html']);
    expect(aliasTargets('/about')).toEqual(['/about.html', '/about/index.html']);
    expect(aliasTargets('/docs/')).toEqual(['/docs/index.html']);
    expect(aliasTargets('/page.html')).toEqual([]);
    const seg = fc.constantFrom('a', 'b', 'index', 'x.html', 'index.html');
    fc.assert(fc.property(fc.array(seg, { minLength: 1, maxLength: 3 }), (segments) => {
      const key = `/${segments.join('/')}`;
      if (keyProblem(key)) return;
      for (const p of aliasPaths(key)) expect(aliasTargets(p)).toContain(key);
      // and every path aliasing to key is listed
      for (const p of [key.replace(/\.html$/, ''), key.replace(/index\.html$/, ''), key.replace(/\/index\.html$/, '')]) {
        if (p !== key && p !== '' && aliasTargets(p).includes(key)) expect(aliasPaths(key)).toContain(p);
      }
    }));
  });
});

describe('content and headers', () => {
  it('types files as mime 3 does', () => {
    expect(contentTypeFor('index.html')).toBe('text/html');
    expect(contentTypeFor('app.JS')).toBe('application/javascript');
    expect(contentTypeFor('a/b/logo.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('LICENSE')).toBe('application/octet-stream');
    expect(contentTypeFor('favicon.ico')).toBe('application/octet-stream');
  });

  it('normalises custom headers and refuses the reserved ones', () => {
    expect(normaliseHeaders([['X-B', '2'], ['X-A', '1']], undefined)).toEqual({ ok: [['X-A', '1'], ['X-B', '2']] });
    expect(normaliseHeaders([['Content-Type', 'x']], undefined)).toMatchObject({ error: { name: 'content-type' } });
    expect(normaliseHeaders([['IC-Certificate', 'x']], undefined)).toMatchObject({ error: { name: 'ic-certificate' } });
    expect(normaliseHeaders([['cache-control', 'x']], 60n)).toMatchObject({ error: { name: 'cache-control' } });
    expect(normaliseHeaders([['a', '1'], ['A', '2']], undefined)).toMatchObject({ error: { name: 'a' } });
    expect(normaliseHeaders([['a b', '1']], undefined)).toMatchObject({ error: { name: 'a b' } });
    expect(normaliseHeaders([['a', 'x\r\nevil: 1']], undefined)).toMatchObject({ error: { name: 'a' } });
  });

  it('tells encodings from their first bytes', () => {
    expect(encodingMismatch('gzip', Uint8Array.from([0x1f, 0x8b, 8, 0]), 10)).toBeUndefined();
    expect(encodingMismatch('gzip', new TextEncoder().encode('<htm'), 10)).toContain('1f 8b');
    expect(encodingMismatch('deflate', Uint8Array.from([0x78, 0x9c]), 10)).toBeUndefined();
    expect(encodingMismatch('deflate', Uint8Array.from([0x78, 0x00]), 10)).toContain('zlib');
    expect(encodingMismatch('identity', new Uint8Array(), 0)).toBeUndefined();
    expect(encodingMismatch('br', new Uint8Array(), 0)).toContain('empty');
  });
});
