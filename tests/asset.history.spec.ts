// The root history and verifying a frontend against a rebuild: a change shows as a new root at the
// head of get_recent_hashes with the old one still listed; the sdk computes the certified root from
// the build directory before and after; verifyAssets checks certificate, tree, directory, history
// and module hash, and finds a tampered file; upgrades keep assets, root and history.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { HttpAgent } from '@dfinity/agent';
import { AssetManager } from '@dfinity/assets';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { checkChain, entryHash } from '../canisters/asset/src/domain/index.js';
import { computeAssetRoot, uploadAssets, verifyAssets } from '../packages/sdk/src/asset/index.js';
import {
  assetWasm, assetArg, certifiedDataIn, installAsset, liveAgent, removeDir, smallSite, uploadWithAssetManager, writeSite, type AssetActor,
} from './support/asset.js';

const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const text = (s: string) => new TextEncoder().encode(s);

function toEntries(history: Awaited<ReturnType<AssetActor['get_recent_hashes']>>) {
  return history.map((e) => ({
    index: e.index, root: Uint8Array.from(e.root), time: e.time, assetCount: e.asset_count, hash: Uint8Array.from(e.hash),
    ...(e.batch_id.length ? { batchId: e.batch_id[0] } : {}),
    ...(e.evidence.length ? { evidence: Uint8Array.from(e.evidence[0]!) } : {}),
    ...(e.previous.length ? { previous: Uint8Array.from(e.previous[0]!) } : {}),
  }));
}

describe('root history and verification against a rebuild', () => {
  let pic: PocketIc;
  let port: number;
  let agent: HttpAgent;
  let canisterId: string;
  let actor: AssetActor;
  let dir: string;
  const owner = Ed25519KeyIdentity.generate();
  let firstRoot: string;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const fixture = await installAsset(pic, Principal.fromText(owner.getPrincipal().toText()));
    canisterId = fixture.canisterId.toText();
    actor = fixture.actor as unknown as AssetActor;
    port = await pic.makeLive();
    agent = await liveAgent(port, owner);
    dir = writeSite(smallSite());
    await uploadWithAssetManager(agent, canisterId, dir);
    firstRoot = hex((await actor.get_certified_root()).asset_root);
  });

  afterAll(async () => {
    removeDir(dir);
    await pic.stopLive();
    await pic.tearDown();
  });

  it('computes from the build directory the root the canister certifies', () => {
    expect(computeAssetRoot(dir).rootHex).toBe(firstRoot);
  });

  it('verifies the canister against the directory: certificate, tree, root, history, module hash', async () => {
    const verdict = await verifyAssets({ canisterId, dir, agent, knownModuleHashes: [createHash('sha256').update(assetWasm()).digest('hex')] });
    expect(verdict.checks.filter((c) => !c.ok)).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.assetRoot).toBe(firstRoot);
    expect(verdict.localRoot).toBe(firstRoot);
    expect(verdict.moduleHash).toBe(createHash('sha256').update(assetWasm()).digest('hex'));
    expect(verdict.localRootEntry?.index).toBe(verdict.history![0]!.index);
    expect(verdict.checks.map((c) => c.check)).toEqual(['certificate', 'certified-data', 'tree', 'local-root', 'history', 'module-hash']);
  });

  it('lists the upload as the newest root, chained to the install-time entry', async () => {
    const history = await actor.get_recent_hashes([]);
    expect(history).toHaveLength(2);
    const [upload, genesis] = history;
    expect(hex(upload!.root)).toBe(firstRoot);
    expect(upload!.batch_id).toHaveLength(1);
    expect(upload!.asset_count).toBe(BigInt(smallSite().length));
    expect(genesis!.index).toBe(0n);
    expect(genesis!.asset_count).toBe(0n);
    expect(hex(upload!.previous[0]!)).toBe(hex(genesis!.hash));
    expect(checkChain(toEntries(history))).toEqual([]);
  });

  it('puts a changed file\'s root at the head, keeps the old one listed, and the sdk follows', async () => {
    const before = await actor.get_certified_root();
    writeFileSync(join(dir, 'js', 'app.js'), 'console.log("wallet v2");\n');
    const manager = new AssetManager({ canisterId, agent });
    const batch = manager.batch();
    batch.delete('/js/app.js');
    await batch.store(text('console.log("wallet v2");\n'), { fileName: 'app.js', path: '/js' });
    await batch.commit();

    const after = await actor.get_certified_root();
    expect(hex(after.asset_root)).not.toBe(hex(before.asset_root));
    expect(computeAssetRoot(dir).rootHex).toBe(hex(after.asset_root));
    const history = await actor.get_recent_hashes([]);
    expect(hex(history[0]!.root)).toBe(hex(after.asset_root));
    expect(hex(history[0]!.hash)).toBe(hex(after.history_head));
    expect(hex(history[1]!.root)).toBe(hex(before.asset_root));
    expect(history[0]!.time).toBeGreaterThan(history[1]!.time);
    expect(checkChain(toEntries(history))).toEqual([]);
    expect((await verifyAssets({ canisterId, dir, agent })).ok).toBe(true);
  });

  it('detects a tampered local file, names it, and says when a stale build was last served', async () => {
    writeFileSync(join(dir, 'css', 'site.css'), 'body { background: red }\n');
    const verdict = await verifyAssets({ canisterId, dir, agent });
    expect(verdict.ok).toBe(false);
    const failed = verdict.checks.filter((c) => !c.ok).map((c) => c.check);
    expect(failed).toEqual(['local-root']);
    expect(verdict.differences?.changed).toEqual(['/css/site.css']);
    expect(verdict.checks.find((c) => c.check === 'local-root')!.detail).toContain('/css/site.css');
    writeFileSync(join(dir, 'css', 'site.css'), 'body { font-family: sans-serif }\n');

    // The first build: served before, not now.
    writeFileSync(join(dir, 'js', 'app.js'), 'console.log("wallet ready");\n');
    const stale = await verifyAssets({ canisterId, dir, agent });
    expect(stale.localRoot).toBe(firstRoot);
    expect(stale.localRootEntry?.index).toBe(1n);
    expect(stale.checks.find((c) => c.check === 'history')!.detail).toMatch(/no longer current/);
    writeFileSync(join(dir, 'js', 'app.js'), 'console.log("wallet v2");\n');
  });

  it('refuses a module that is not a known build', async () => {
    const verdict = await verifyAssets({ canisterId, dir, agent, knownModuleHashes: ['00'.repeat(32)] });
    expect(verdict.checks.find((c) => c.check === 'module-hash')).toMatchObject({ ok: false });
  });

  it('syncs a changed directory with the sdk\'s uploadAssets: only what changed, in one batch, to the local root', async () => {
    writeFileSync(join(dir, 'about.html'), '<!doctype html><h1>About us</h1>');
    rmSync(join(dir, 'docs', 'guide.md'));
    const before = (await actor.get_recent_hashes([])).length;
    const result = await uploadAssets({ canisterId, agent, dir });
    expect(result.uploaded).toEqual(['/about.html']);
    expect(result.deleted).toEqual(['/docs/guide.md']);
    expect(hex(result.receipt.asset_root)).toBe(computeAssetRoot(dir).rootHex);
    expect((await actor.get_recent_hashes([])).length).toBe(before + 1);
    expect((await verifyAssets({ canisterId, dir, agent })).ok).toBe(true);
    // Nothing changed: nothing uploaded, the root stays.
    const again = await uploadAssets({ canisterId, agent, dir });
    expect(again.uploaded).toEqual([]);
    expect(again.receipt.changed).toBe(false);
  });

  it('certifies the history head with the asset root: certified_data = hash(Fork(asset root, history))', async () => {
    const certified = await actor.get_certified_root();
    const head = (await actor.get_recent_hashes([1n]))[0]!;
    expect(hex(head.hash)).toBe(hex(certified.history_head));
    const e = toEntries([head])[0]!;
    expect(hex(entryHash(e))).toBe(hex(head.hash));
  });
});

describe('history length and upgrades', () => {
  let pic: PocketIc;
  const owner = Principal.fromUint8Array(new Uint8Array(29).fill(9));

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  const put = async (actor: AssetActor, key: string, body: string) => {
    const r = await actor.lineage_store({ key, content_type: 'text/plain', content_encoding: 'identity', content: text(body), sha256: [] });
    if ('Err' in r) throw new Error(JSON.stringify(r.Err));
    return r.Ok;
  };

  it('keeps 20 roots by default, and N when installed with history_length', async () => {
    const { actor: defaults } = await installAsset(pic, owner);
    expect((await (defaults as unknown as AssetActor).lineage_info()).history_length).toBe(20);
    const { actor } = await installAsset(pic, owner, { Init: { set_permissions: [], history_length: [3] } });
    const a = actor as unknown as AssetActor;
    for (let i = 0; i < 5; i++) await put(a, '/counter.txt', `value ${i}`);
    const all = await a.get_recent_hashes([]);
    expect(all.map((e) => e.index)).toEqual([5n, 4n, 3n]);
    expect(checkChain(toEntries(all))).toEqual([]);
    expect((await a.get_recent_hashes([1n])).map((e) => e.index)).toEqual([5n]);
    expect((await a.get_recent_hashes([1000n])).length).toBe(3);
    const { actor: big } = await installAsset(pic, owner, { Init: { set_permissions: [], history_length: [1000] } });
    expect((await (big as unknown as AssetActor).lineage_info()).history_length).toBe(1000);
    await expect(installAsset(pic, owner, { Init: { set_permissions: [], history_length: [0] } })).rejects.toThrow(/history_length/);
  });

  it('keeps assets, root, certified data and history across an upgrade', async () => {
    const { actor, canisterId } = await installAsset(pic, owner, { Init: { set_permissions: [], history_length: [5] } });
    const a = actor as unknown as AssetActor;
    await put(a, '/index.html', '<h1>one</h1>');
    await put(a, '/about.html', '<h1>about</h1>');
    // Two serving chunks (the commit hashes them in slices; see asset.large.spec.ts).
    const big = new Uint8Array(1_950_000).map((_, i) => (i * 7) & 0xff);
    const { batch_id } = await a.create_batch({});
    const c1 = await a.create_chunk({ batch_id, content: big.subarray(0, 1_900_000) });
    const c2 = await a.create_chunk({ batch_id, content: big.subarray(1_900_000) });
    await a.commit_batch({
      batch_id, operations: [
        { CreateAsset: { key: '/big.bin', content_type: 'application/octet-stream', max_age: [3600n], headers: [[['x-frame-options', 'DENY']]], enable_aliasing: [], allow_raw_access: [] } },
        { SetAssetContent: { key: '/big.bin', content_encoding: 'identity', chunk_ids: [c1.chunk_id, c2.chunk_id], last_chunk: [], sha256: [] } },
      ],
    });
    // An open batch with a pending chunk survives too.
    const open = await a.create_batch({});
    const pending = await a.create_chunk({ batch_id: open.batch_id, content: text('later') });

    const before = {
      root: await a.get_certified_root(), history: await a.get_recent_hashes([]), list: await a.list({ start: [], length: [] }),
      page: await a.http_request({ method: 'GET', url: '/about', headers: [], body: new Uint8Array(), certificate_version: [2] }),
    };
    await pic.upgradeCanister({ canisterId, wasm: assetWasm(), arg: assetArg({ Upgrade: { set_permissions: [], history_length: [10] } }), sender: owner });

    const after = await a.get_certified_root();
    expect(hex(after.asset_root)).toBe(hex(before.root.asset_root));
    expect(hex(after.certified_data)).toBe(hex(before.root.certified_data));
    expect(hex(after.history_head)).toBe(hex(before.root.history_head));
    // post_upgrade set certified_data again: the IC certifies it.
    expect(await certifiedDataIn(pic, canisterId, after.certificate[0]!)).toBe(hex(after.certified_data));
    expect(await a.get_recent_hashes([])).toEqual(before.history);
    expect(await a.list({ start: [], length: [] })).toEqual(before.list);
    expect((await a.lineage_info()).history_length).toBe(10);
    const page = await a.http_request({ method: 'GET', url: '/about', headers: [], body: new Uint8Array(), certificate_version: [2] });
    expect(page.status_code).toBe(200);
    expect(Buffer.from(page.body).toString()).toBe('<h1>about</h1>');
    expect(page.headers.filter(([n]) => n !== 'ic-certificate')).toEqual(before.page.headers.filter(([n]) => n !== 'ic-certificate'));
    const got = await a.get({ key: '/big.bin', accept_encodings: ['identity'] });
    const second = await a.get_chunk({ key: '/big.bin', content_encoding: 'identity', index: 1n, sha256: got.sha256 });
    expect(Buffer.concat([Buffer.from(got.content), Buffer.from(second.content)]).equals(Buffer.from(big))).toBe(true);
    expect(await a.get_asset_properties('/big.bin')).toEqual({ max_age: [3600n], headers: [[['x-frame-options', 'DENY']]], allow_raw_access: [], is_aliased: [] });
    // The open batch still takes its pending chunk.
    const r = await a.lineage_commit_batch({
      batch_id: open.batch_id, operations: [
        { CreateAsset: { key: '/later.txt', content_type: 'text/plain', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
        { SetAssetContent: { key: '/later.txt', content_encoding: 'identity', chunk_ids: [pending.chunk_id], last_chunk: [], sha256: [] } },
      ],
    });
    expect(r).toHaveProperty('Ok');
    // An upgrade cannot shrink the history.
    await expect(pic.upgradeCanister({ canisterId, wasm: assetWasm(), arg: assetArg({ Upgrade: { set_permissions: [], history_length: [2] } }), sender: owner }))
      .rejects.toThrow(/history_length can only grow/);
  });
});
