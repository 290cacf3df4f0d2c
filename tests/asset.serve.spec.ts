// The asset canister serving a site uploaded with @dfinity/assets' AssetManager: every response
// through the HTTP gateway is checked with @dfinity/response-verification (DFINITY's verifier),
// v2 and v1, aliases and the fallback included; large files stream and every chunk verifies.
// Runs on the Lineage emulator, or on a real PocketIC when POCKET_IC_BIN names one.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { HttpAgent } from '@dfinity/agent';
import { AssetManager } from '@dfinity/assets';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { computeAssetRoot } from '../packages/sdk/src/asset/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import {
  gatewayGet, gzip, installAsset, liveAgent, listFiles, removeDir, sha256Hex, smallSite, uploadWithAssetManager, verifyWithDfinity,
  writeSite, type AssetActor,
} from './support/asset.js';

const SERVE_CHUNK = 1_900_000;

describe('serving a site uploaded with AssetManager, verified by @dfinity/response-verification', () => {
  let pic: PocketIc;
  let port: number;
  let agent: HttpAgent;
  let canisterId: string;
  let actor: AssetActor;
  let dir: string;
  let rootKey: Uint8Array;
  const owner = Ed25519KeyIdentity.generate();
  // Two serving chunks; the commit hashes them in slices of 768 KiB, one message each (a 5 MiB file is
// in asset.large.spec.ts).
const big = new Uint8Array(randomBytes(SERVE_CHUNK + 50_000));
  // The instance's time (live: it follows the wall clock), refreshed before each test.
  let nowNanos = 0n;
  const now = () => nowNanos;
  beforeEach(async () => {
    nowNanos = BigInt(Math.round(await pic.getTime())) * 1_000_000n;
  });

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const fixture = await installAsset(pic, Principal.fromText(owner.getPrincipal().toText()));
    canisterId = fixture.canisterId.toText();
    actor = fixture.actor as unknown as AssetActor;
    port = await pic.makeLive();
    agent = await liveAgent(port, owner);
    rootKey = new Uint8Array(agent.rootKey!);
    dir = writeSite([...smallSite(), { path: 'media/big.bin', content: big }]);
    await uploadWithAssetManager(agent, canisterId, dir);
  });

  afterAll(async () => {
    removeDir(dir);
    await pic.stopLive();
    await pic.tearDown();
  });

  it('certifies the root a rebuild of the directory gives', async () => {
    const certified = await actor.get_certified_root();
    expect(Buffer.from(certified.asset_root).toString('hex')).toBe(computeAssetRoot(dir).rootHex);
  });

  it('serves every file with a v2 certificate that verifies, body and headers', async () => {
    for (const path of listFiles(dir)) {
      const response = await gatewayGet(port, canisterId, `/${path}`);
      expect(response.status, path).toBe(200);
      expect(Buffer.from(response.body).equals(readFileSync(`${dir}/${path}`)), path).toBe(true);
      const result = verifyWithDfinity({ url: response.url }, response, canisterId, rootKey, now());
      expect(result.verificationVersion, path).toBe(2);
      expect(result.response?.statusCode, path).toBe(200);
      // The certified headers include the content type AssetManager chose.
      const certifiedType = result.response!.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1];
      expect(certifiedType, path).toBe(response.headers.find(([n]) => n === 'content-type')?.[1]);
    }
  });

  it.each([
    ['/', 'index.html'], ['/about', 'about.html'], ['/docs', 'docs/index.html'], ['/docs/', 'docs/index.html'],
    ['/no/such/page', 'index.html'], ['/docs/nothing-here', 'index.html'],
  ])('serves %s as %s (aliases and the index.html fallback), certified', async (path, file) => {
    const response = await gatewayGet(port, canisterId, path);
    expect(response.status).toBe(200);
    expect(Buffer.from(response.body).equals(readFileSync(`${dir}/${file}`))).toBe(true);
    expect(verifyWithDfinity({ url: response.url }, response, canisterId, rootKey, now()).response?.statusCode).toBe(200);
  });

  it('fails verification when the body or a certified header is changed', async () => {
    const response = await gatewayGet(port, canisterId, '/css/site.css');
    const tamperedBody = { ...response, body: new TextEncoder().encode('body { display: none }') };
    expect(() => verifyWithDfinity({ url: response.url }, tamperedBody, canisterId, rootKey, now())).toThrow();
    const tamperedHeader = { ...response, headers: response.headers.map(([n, v]): [string, string] => [n, n === 'content-type' ? 'text/html' : v]) };
    expect(() => verifyWithDfinity({ url: response.url }, tamperedHeader, canisterId, rootKey, now())).toThrow();
    // And the same response is not valid for another path.
    expect(() => verifyWithDfinity({ url: new URL(response.url.href.replace('site.css', 'other.css')) }, response, canisterId, rootKey, now())).toThrow();
  });

  it('answers v1 requests with a v1 certificate that verifies', async () => {
    for (const url of ['/index.html', '/js/app.js', '/about', '/missing']) {
      const r = await actor.http_request({ method: 'GET', url, headers: [], body: new Uint8Array(), certificate_version: [] });
      const response = { status: r.status_code, headers: r.headers, body: Uint8Array.from(r.body) };
      const result = verifyWithDfinity({ url: new URL(`http://x${url}`), certificateVersion: 1 }, response, canisterId, rootKey, now(), 1);
      expect(result.verificationVersion, url).toBe(1);
    }
  });

  it('streams a large file through the gateway; the whole body verifies', async () => {
    const response = await gatewayGet(port, canisterId, '/media/big.bin');
    expect(response.status).toBe(200);
    expect(response.body.length).toBe(big.length);
    expect(sha256Hex(response.body)).toBe(sha256Hex(big));
    expect(verifyWithDfinity({ url: response.url }, response, canisterId, rootKey, now()).response?.statusCode).toBe(200);
  });

  it('answers Range requests for each chunk with a 206 that verifies on its own', async () => {
    for (const start of [0, SERVE_CHUNK]) {
      const headers: [string, string][] = [['range', `bytes=${start}-`]];
      const response = await gatewayGet(port, canisterId, '/media/big.bin', Object.fromEntries(headers));
      expect(response.status).toBe(206);
      const end = Math.min(start + SERVE_CHUNK, big.length);
      expect(Buffer.from(response.body).equals(Buffer.from(big.subarray(start, end)))).toBe(true);
      expect(response.headers).toContainEqual(['content-range', `bytes ${start}-${end - 1}/${big.length}`]);
      const result = verifyWithDfinity({ url: response.url, headers }, response, canisterId, rootKey, now());
      expect(result.response?.statusCode).toBe(206);
      // A chunk is not valid as the answer to a request for another chunk.
      expect(() => verifyWithDfinity({ url: response.url, headers: [['range', `bytes=${SERVE_CHUNK - start}-`]] }, response, canisterId, rootKey, now())).toThrow();
    }
  });

  it('serves what AssetManager reads back, with the hashes the canister computed, and passes its isCertified', async () => {
    const manager = new AssetManager({ canisterId, agent });
    const asset = await manager.get('/media/big.bin');
    expect(asset.length).toBe(big.length);
    expect(sha256Hex(await asset.toUint8Array())).toBe(sha256Hex(big));
    expect(await asset.verifySha256()).toBe(true);
    const page = await manager.get('/index.html');
    expect(await page.isCertified()).toBe(true);
    const listed = await manager.list();
    expect(listed.map((a) => a.key).sort()).toEqual(listFiles(dir).map((p) => `/${p}`).sort());
  });

  it('serves a gzip encoding to clients that accept it, certified with its content-encoding', async () => {
    const manager = new AssetManager({ canisterId, agent });
    const js = new TextEncoder().encode('export const zipped = true;\n'.repeat(20));
    const first = manager.batch();
    await first.store(js, { fileName: 'zipped.js', path: '/js' });
    await first.commit();
    const r = await actor.lineage_commit_batch({
      batch_id: (await actor.create_batch({})).batch_id,
      operations: [{ SetAssetContent: { key: '/js/zipped.js', content_encoding: 'gzip', chunk_ids: [], last_chunk: [gzip(js)], sha256: [] } }],
    });
    expect(r).toHaveProperty('Ok');
    const zipped = await gatewayGet(port, canisterId, '/js/zipped.js', { 'accept-encoding': 'gzip' });
    expect(zipped.headers).toContainEqual(['content-encoding', 'gzip']);
    expect(verifyWithDfinity({ url: zipped.url }, zipped, canisterId, rootKey, now()).response?.statusCode).toBe(200);
    const plain = await gatewayGet(port, canisterId, '/js/zipped.js');
    expect(Buffer.from(plain.body).equals(Buffer.from(js))).toBe(true);
    expect(verifyWithDfinity({ url: plain.url }, plain, canisterId, rootKey, now()).response?.statusCode).toBe(200);
  });
});
