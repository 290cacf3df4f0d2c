// @dfinity/assets' AssetManager against the asset canister, as a dapp's deploy script uses it:
// upload a folder, upload it again unchanged and changed (CreateAsset of existing keys), delete,
// list, isCertified; after each step every file is fetched through the HTTP gateway and checked
// with @dfinity/response-verification. Also HTTP caching (etag, If-None-Match → a certified 304)
// and allow_raw_access on the raw domain.
import { readFileSync, writeFileSync } from 'node:fs';

import { CanisterStatus, type HttpAgent } from '@dfinity/agent';
import { AssetManager } from '@dfinity/assets';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  gatewayGet, installAsset, liveAgent, listFiles, removeDir, smallSite, uploadWithAssetManager, verifyWithDfinity, writeSite, type AssetActor,
} from './support/asset.js';

describe('AssetManager uploads, re-uploads, deletes and lists; every answer verified', () => {
  let pic: PocketIc;
  let port: number;
  let agent: HttpAgent;
  let canisterId: string;
  let actor: AssetActor;
  let dir: string;
  let rootKey: Uint8Array;
  const owner = Ed25519KeyIdentity.generate();
  const now = async () => BigInt(Math.round(await pic.getTime())) * 1_000_000n;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const fixture = await installAsset(pic, Principal.fromText(owner.getPrincipal().toText()));
    canisterId = fixture.canisterId.toText();
    actor = fixture.actor as unknown as AssetActor;
    port = await pic.makeLive();
    agent = await liveAgent(port, owner);
    rootKey = new Uint8Array(agent.rootKey!);
    dir = writeSite(smallSite());
  });

  afterAll(async () => {
    removeDir(dir);
    await pic.stopLive();
    await pic.tearDown();
  });

  /** Fetches every file of the directory through the gateway and verifies each answer. */
  async function verifyAll(): Promise<void> {
    const t = await now();
    for (const path of listFiles(dir)) {
      const response = await gatewayGet(port, canisterId, `/${path}`);
      expect(response.status, path).toBe(200);
      expect(Buffer.from(response.body).equals(readFileSync(`${dir}/${path}`)), path).toBe(true);
      const result = verifyWithDfinity({ url: response.url }, response, canisterId, rootKey, t);
      expect(result.verificationVersion, path).toBe(2);
      expect(Buffer.from(result.response!.body).equals(Buffer.from(response.body)), path).toBe(true);
    }
  }

  const head = async () => (await actor.get_recent_hashes([1n]))[0]!;

  it('uploads a folder', async () => {
    await uploadWithAssetManager(agent, canisterId, dir);
    await verifyAll();
  });

  it('uploads the unchanged folder again: accepted, nothing changes, no history entry', async () => {
    const before = await head();
    const listed = await new AssetManager({ canisterId, agent }).list();
    await uploadWithAssetManager(agent, canisterId, dir);
    expect(await head()).toEqual(before);
    // Not even the modification times move: the stored contents were kept.
    expect(await new AssetManager({ canisterId, agent }).list()).toEqual(listed);
    await verifyAll();
  });

  it('uploads the folder with a changed and an added file: one history entry', async () => {
    const before = await head();
    writeFileSync(`${dir}/about.html`, '<!doctype html><h1>About us, changed</h1>');
    writeFileSync(`${dir}/new.txt`, 'a new file');
    await uploadWithAssetManager(agent, canisterId, dir);
    const after = await head();
    expect(after.index).toBe(before.index + 1n);
    expect(Buffer.from(Uint8Array.from(after.previous[0]!)).equals(Buffer.from(Uint8Array.from(before.hash)))).toBe(true);
    await verifyAll();
  });

  it('lists, gets and checks certification with AssetManager, and deletes', async () => {
    const manager = new AssetManager({ canisterId, agent });
    const keys = (await manager.list()).map((a) => a.key).sort();
    expect(keys).toEqual(listFiles(dir).map((p) => `/${p}`).sort());
    const asset = await manager.get('/new.txt');
    expect(Buffer.from(await asset.toUint8Array()).toString()).toBe('a new file');
    expect(await asset.isCertified()).toBe(true);
    await manager.delete('/new.txt');
    removeDir(`${dir}/new.txt`);
    expect((await manager.list()).map((a) => a.key)).not.toContain('/new.txt');
    // The deleted path now falls back to /index.html, certified.
    const gone = await gatewayGet(port, canisterId, '/new.txt');
    const verified = verifyWithDfinity({ url: gone.url }, gone, canisterId, rootKey, await now());
    expect(Buffer.from(verified.response!.body).toString()).toBe(readFileSync(`${dir}/index.html`, 'utf8'));
    await verifyAll();
  });

  it('publishes supported_certificate_versions in its public metadata (what gateways read)', async () => {
    const status = await CanisterStatus.request({
      canisterId: Principal.fromText(canisterId) as never, agent,
      paths: [{ kind: 'metadata', key: 'versions', path: 'supported_certificate_versions', decodeStrategy: 'utf-8' }],
    });
    expect(status.get('versions')).toBe('1,2');
  });

  it('answers If-None-Match with the current etag with a 304 that verifies', async () => {
    const first = await gatewayGet(port, canisterId, '/css/site.css');
    const etag = first.headers.find(([n]) => n === 'etag')?.[1];
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const cached = await gatewayGet(port, canisterId, '/css/site.css', { 'if-none-match': etag! });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
    const result = verifyWithDfinity({ url: cached.url, headers: [['if-none-match', etag!]] }, cached, canisterId, rootKey, await now());
    expect(result.verificationVersion).toBe(2);
    expect(result.response?.statusCode).toBe(304);
    // A 304 passed off as the 200 (or the 200's body with the 304's certificate) does not verify.
    expect(() => verifyWithDfinity({ url: cached.url }, { ...cached, status: 200 }, canisterId, rootKey, 0n)).toThrow();
    const stale = await gatewayGet(port, canisterId, '/css/site.css', { 'if-none-match': '"0000"' });
    expect(stale.status).toBe(200);
  });

  it('serves the headers .ic-assets.json gives (as ic-asset sends them), certified, and returns them as given', async () => {
    // The security headers of ic-asset's "standard" policy, spelled as .ic-assets.json spells them.
    const headers: [string, string][] = [
      ['Content-Security-Policy', "default-src 'self';script-src 'self';connect-src 'self' http://localhost:* https://icp0.io https://*.icp0.io"],
      ['Permissions-Policy', 'accelerometer=(), camera=(), geolocation=()'],
      ['Referrer-Policy', 'same-origin'],
      ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'],
      ['X-Content-Type-Options', 'nosniff'],
      ['X-Frame-Options', 'DENY'],
    ];
    await actor.commit_batch({
      batch_id: 0n,
      operations: [
        { CreateAsset: { key: '/secure.html', content_type: 'text/html', max_age: [3600n], headers: [headers], enable_aliasing: [], allow_raw_access: [false] } },
        { SetAssetContent: { key: '/secure.html', content_encoding: 'identity', chunk_ids: [], last_chunk: [new TextEncoder().encode('<h1>secure</h1>')], sha256: [] } },
      ],
    });
    const sorted = [...headers].sort((a, b) => (a[0].toLowerCase() < b[0].toLowerCase() ? -1 : 1));
    expect(await actor.get_asset_properties('/secure.html')).toEqual({ max_age: [3600n], headers: [sorted], allow_raw_access: [false], is_aliased: [] });
    for (const path of ['/secure.html', '/secure']) {
      const response = await gatewayGet(port, canisterId, path);
      expect(response.status, path).toBe(200);
      const result = verifyWithDfinity({ url: response.url }, response, canisterId, rootKey, await now());
      const certified = new Map(result.response!.headers.map(([n, v]) => [n.toLowerCase(), v]));
      for (const [name, value] of headers) expect(certified.get(name.toLowerCase()), name).toBe(value);
      expect(certified.get('cache-control')).toBe('max-age=3600');
    }
    await actor.delete_asset({ key: '/secure.html' });
  });

  it('redirects the raw domain away from an asset that disallows raw access, and serves the others there', async () => {
    await actor.set_asset_properties({ key: '/about.html', max_age: [], headers: [], allow_raw_access: [[false]], is_aliased: [] });
    const rawHost = `${canisterId}.raw.localhost:${port}`;
    const refused = await gatewayGet(port, canisterId, '/about.html', { host: rawHost });
    expect(refused.status).toBe(308);
    expect(refused.headers).toContainEqual(['location', expect.stringMatching(new RegExp(`^http://${canisterId}\\.localhost:${port}/about\\.html`))]);
    const aliasRefused = await gatewayGet(port, canisterId, '/about', { host: rawHost });
    expect(aliasRefused.status).toBe(308);
    expect((await gatewayGet(port, canisterId, '/css/site.css', { host: rawHost })).status).toBe(200);
    const certified = await gatewayGet(port, canisterId, '/about.html', { host: `${canisterId}.localhost:${port}` });
    expect(certified.status).toBe(200);
    verifyWithDfinity({ url: certified.url }, certified, canisterId, rootKey, await now());
  });
});
