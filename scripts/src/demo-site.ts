/**
 * The demo's frontend chapter: a small site goes onto the dapp's asset canister, one file changes,
 * the canister's root history shows both roots, and the local build verifies against the IC's
 * certificate while the old build is recognised as replaced.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { formatTimestamp } from '@lineage/sdk';

import type { Context } from './cli/context.js';
import { authorizeUploads, uploadSite, verifyAssetsOf } from './cli/commands/verify-assets.js';

type Check = (name: string, ok: boolean, detail?: string) => void;

function writeSite(dir: string, version: string): void {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html>\n<html><head><title>Alice's notes</title><link rel="stylesheet" href="/assets/style.css"></head>\n<body><h1>Notes</h1><p>Frontend ${version}</p><script src="/assets/app.js"></script></body></html>\n`);
  writeFileSync(join(dir, 'assets', 'style.css'), 'body { font-family: system-ui; margin: 2rem; }\n');
  writeFileSync(join(dir, 'assets', 'app.js'), `console.log('notes frontend ${version}');\n`);
}

/**
 * `owner` (the NFT holder) takes over the frontend from whoever spawned the dapp, uploads two
 * versions of a site, and `anyone` verifies them.
 */
export async function demoSite(owner: Context, anyone: Context, spawner: Context, scratch: string, check: Check): Promise<void> {
  const ctx = owner;
  const v1 = join(scratch, 'site-1');
  const v2 = join(scratch, 'site-2');
  writeSite(v1, '1.0');
  writeSite(v2, '1.0');
  writeFileSync(join(v2, 'index.html'), `<!doctype html>\n<html><head><title>Alice's notes</title><link rel="stylesheet" href="/assets/style.css"></head>\n<body><h1>Notes</h1><p>Frontend 1.1: search</p><script src="/assets/app.js"></script></body></html>\n`);

  await authorizeUploads(owner, {});
  const refused = await uploadSite(spawner, { '<canister>': 'asset', '<dir>': v1 }).then(() => undefined, (e: Error) => e.message);
  check('the owner took the frontend over: the spawner may no longer upload', refused !== undefined, refused);
  const first = await uploadSite(ctx, { '<canister>': 'asset', '<dir>': v1 });
  check('the asset canister certifies the first site', first.root.length === 64, `root ${first.root.slice(0, 12)}…, ${first.uploaded.length} files`);
  const second = await uploadSite(ctx, { '<canister>': 'asset', '<dir>': v2 });
  check('changing index.html gives a new certified root', second.root !== first.root && second.uploaded.join() === '/index.html', `root ${second.root.slice(0, 12)}…`);

  const asset = await ctx.asset(ctx.canister('asset'));
  const recent = await asset.get_recent_hashes([]);
  const roots = recent.map((e) => Buffer.from(Uint8Array.from(e.root)).toString('hex'));
  check('get_recent_hashes lists the new root first and the replaced one after it', roots[0] === second.root && roots[1] === first.root, `${recent.length} entries`);

  const ok = await verifyAssetsOf(anyone, { '<canister>': 'asset', '<dir>': v2 });
  for (const c of ok.checks) check(`verify assets (current build): ${c.check}`, c.ok, c.detail);
  const old = await verifyAssetsOf(anyone, { '<canister>': 'asset', '<dir>': v1 });
  const local = old.checks.find((c) => c.check === 'local-root');
  check('the replaced build no longer verifies', !old.ok && local?.ok === false, local?.detail);
  const served = old.localRootEntry;
  check('the certified history shows when the replaced build was served', served !== null && !served.current,
    served ? `root history entry ${served.index}, certified at ${formatTimestamp(served.time)} UTC` : 'not in the history');
}
