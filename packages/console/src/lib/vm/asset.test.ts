import { siteRoot, type AssetVerdict } from '@lineage/sdk/browser';
import { describe, expect, it } from 'vitest';

import { folderAssets, folderLine, relativeToPicked, timeline } from './asset.js';

const enc = (s: string) => new TextEncoder().encode(s);
const site = [{ path: 'index.html', bytes: enc('<h1>hi</h1>') }, { path: 'assets/app.js', bytes: enc('1') }, { path: '.git/HEAD', bytes: enc('x') }];
const root = siteRoot(folderAssets(site)).rootHex;
const certOk = [{ check: 'certificate', ok: true, detail: '' }, { check: 'certified-data', ok: true, detail: '' }, { check: 'tree', ok: true, detail: '' }] as AssetVerdict['checks'];
const entry = (index: bigint, r: string, time: bigint) => ({ index, root: Uint8Array.from(r.match(/../g)!.map((b) => parseInt(b, 16))), time, hash: new Uint8Array(32), asset_count: 2n, batch_id: [], evidence: [], previous: [] }) as never;

describe('a picked folder', () => {
  it('drops the folder name the browser prefixes', () => {
    expect(relativeToPicked('site/assets/app.js')).toBe('assets/app.js');
    expect(relativeToPicked('file.txt')).toBe('file.txt');
  });
  it('becomes the assets the sdk layout gives (hidden files left out)', () => {
    expect(folderAssets(site).map((a) => a.key)).toEqual(['/assets/app.js', '/index.html']);
    expect(root).toMatch(/^[0-9a-f]{64}$/);
  });
  it('matches the certified root: green', () => {
    const line = folderLine({ ok: true, canisterId: 'x', checks: certOk, assetRoot: root, localRoot: root });
    expect(line).toMatchObject({ status: 'verified', detail: `matches the certified root ${root.slice(0, 8)}…${root.slice(-4)}: these are exactly the files the site serves` });
  });
  it('is never green when the certificate failed', () => {
    const checks = [{ check: 'certificate', ok: false, detail: 'bad signature' }] as AssetVerdict['checks'];
    expect(folderLine({ ok: false, canisterId: 'x', checks, assetRoot: root, localRoot: root }).status).toBe('failed');
  });
  it('names the period an older root was served', () => {
    const old = entry(1n, root, 1_700_000_000_000_000_000n);
    const now = entry(2n, 'ab'.repeat(32), 1_700_000_100_000_000_000n);
    const line = folderLine({ ok: false, canisterId: 'x', checks: certOk, assetRoot: 'ab'.repeat(32), localRoot: root, history: [now, old], localRootEntry: old });
    expect(line.status).toBe('info');
    expect(line.detail).toMatch(/^matches the root served from 2023-11-14 22:13:20 to 2023-11-14 22:15:00 \(an earlier version of the site\)/);
    expect(timeline({ ok: true, canisterId: 'x', checks: [], history: [now, old] }).map((e) => e.until)).toEqual(['now', expect.stringContaining('2023-11-14')]);
  });
  it('names the changed files', () => {
    const line = folderLine({ ok: false, canisterId: 'x', checks: certOk, assetRoot: 'ab'.repeat(32), localRoot: root, differences: { changed: ['/index.html'], onlyLocal: [], onlyInCanister: ['/old.js'] } });
    expect(line).toMatchObject({ status: 'failed' });
    expect(line.detail).toContain('changed: /index.html; only in the canister: /old.js');
  });
});
