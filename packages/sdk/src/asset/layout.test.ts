import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterEach, describe, expect, it } from 'vitest';

import { computeAssetRoot, defaultInclude, listSiteFiles, readSite } from './layout.js';

const dirs: string[] = [];
function site(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lineage-layout-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the canonical layout of a build directory', () => {
  it('makes every regular file an asset at /<path>, skipping hidden files but .well-known', () => {
    const dir = site({ 'index.html': 'i', 'a/b.js': 'b', '.env': 'secret', 'x/.DS_Store': '?', '.well-known/ic-domains': 'd' });
    symlinkSync(join(dir, 'index.html'), join(dir, 'link.html'));
    expect(listSiteFiles(dir)).toEqual(['.env', '.well-known/ic-domains', 'a/b.js', 'index.html', 'x/.DS_Store']);
    expect(readSite(dir).map((a) => a.key)).toEqual(['/.well-known/ic-domains', '/a/b.js', '/index.html']);
    expect(defaultInclude('.env')).toBe(false);
  });

  it('types content as AssetManager does and hashes it', () => {
    const [asset] = readSite(site({ 'app.js': 'console.log(1)' }));
    expect(asset!.contentType).toBe('application/javascript');
    expect(asset!.encodings.map((e) => e.name)).toEqual(['identity']);
    expect(asset!.encodings[0]!.length).toBe(14);
  });

  it('depends on contents, names, headers and encodings, not on the order files are found', () => {
    const a = computeAssetRoot(site({ 'index.html': 'x', 'b/c.css': 'y' })).rootHex;
    expect(computeAssetRoot(site({ 'b/c.css': 'y', 'index.html': 'x' })).rootHex).toBe(a);
    expect(computeAssetRoot(site({ 'index.html': 'x', 'b/c.css': 'z' })).rootHex).not.toBe(a);
    expect(computeAssetRoot(site({ 'index.htm': 'x', 'b/c.css': 'y' })).rootHex).not.toBe(a);
    const dir = site({ 'index.html': 'x', 'b/c.css': 'y' });
    expect(computeAssetRoot(dir, { properties: (k) => (k === '/index.html' ? { headers: [['X-Frame-Options', 'DENY']] } : undefined) }).rootHex).not.toBe(a);
    expect(computeAssetRoot(dir, { encodings: (_, c) => ({ gzip: new Uint8Array(gzipSync(c)) }) }).rootHex).not.toBe(a);
  });

  it('refuses files that cannot be assets, naming them', () => {
    expect(() => readSite(site({ 'a#b.html': 'x' }))).toThrow(/a#b\.html/);
    expect(() => readSite(site({ 'a.html': 'x' }), { properties: () => ({ headers: [['content-type', 'x']] }) })).toThrow(/content-type/);
  });
});
