/**
 * Shared fixtures of the asset suites: the built module, installing it, a small site on disk,
 * uploading with `@dfinity/assets`' AssetManager, and checking gateway responses with
 * `@dfinity/response-verification` (DFINITY's verifier, not our code).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

import { Certificate, HttpAgent, lookupResultToBuffer, type Identity } from '@dfinity/agent';
import { AssetManager } from '@dfinity/assets';
import type { PocketIc } from '@dfinity/pic';
import { verifyRequestResponsePair } from '@dfinity/response-verification';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { assetIdlFactory, assetInitArgs, type AssetCanisterArgs, type AssetService } from '@lineage/types';

const root = new URL('../../', import.meta.url);

export function assetWasm(): Uint8Array {
  return readFileSync(new URL('canisters/asset/dist/asset.wasm', root));
}

export const assetDidPath = new URL('canisters/asset/dist/asset.did', root);
export const assetDidSnapshotPath = new URL('canisters/asset/asset.did', root);

/** The install argument `(opt AssetCanisterArgs)`, Candid-encoded. */
export function assetArg(arg?: AssetCanisterArgs): Uint8Array {
  return new Uint8Array(IDL.encode(assetInitArgs({ IDL: IDL as never }) as never, [arg === undefined ? [] : [arg]]));
}

export type AssetActor = AssetService & { setIdentity?(identity: Identity): void; setPrincipal?(p: Principal): void };

/** Installs the asset canister with `owner` as its controller (and installer: it gets Commit). */
export async function installAsset(pic: PocketIc, owner: Principal, arg?: AssetCanisterArgs) {
  const fixture = await pic.setupCanister<AssetService>({
    idlFactory: assetIdlFactory as never, wasm: assetWasm(), arg: assetArg(arg), sender: owner, controllers: [owner],
  });
  fixture.actor.setPrincipal(owner);
  return fixture;
}

export interface SiteFile {
  /** Path relative to the site directory, with `/`. */
  path: string;
  content: Uint8Array;
}

/** A small site: pages with aliases, styles, a script, an image, data, and a nested index. */
export function smallSite(): SiteFile[] {
  const t = (s: string) => new TextEncoder().encode(s);
  return [
    { path: 'index.html', content: t('<!doctype html><title>Wallet</title><script src="/js/app.js"></script><h1>Home</h1>') },
    { path: 'about.html', content: t('<!doctype html><h1>About</h1>') },
    { path: 'docs/index.html', content: t('<!doctype html><h1>Docs</h1>') },
    { path: 'docs/guide.md', content: t('# Guide\n') },
    { path: 'css/site.css', content: t('body { font-family: sans-serif }\n') },
    { path: 'js/app.js', content: t('console.log("wallet ready");\n') },
    { path: 'img/logo.svg', content: t('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>') },
    { path: 'data/tokens.json', content: t('{"ICP":8}') },
    { path: 'fonts/a b.woff2', content: new Uint8Array(randomBytes(3000)) },
  ];
}

export function writeSite(files: SiteFile[], dir = mkdtempSync(join(tmpdir(), 'lineage-site-'))): string {
  for (const f of files) {
    const target = join(dir, ...f.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every regular file under `dir`, relative paths with `/`. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Uploads every file of `dir` with AssetManager in one batch (as a dapp's deploy script would). */
export async function uploadWithAssetManager(agent: HttpAgent, canisterId: string, dir: string, options: { replace?: boolean } = {}) {
  const manager = new AssetManager({ canisterId, agent });
  const batch = manager.batch();
  for (const path of listFiles(dir)) {
    const slash = path.lastIndexOf('/');
    const folder = slash < 0 ? '' : `/${path.slice(0, slash)}`;
    const fileName = path.slice(slash + 1);
    if (options.replace) batch.delete(`${folder}/${fileName}`);
    await batch.store(readFileSync(join(dir, path)), { fileName, path: folder });
  }
  await batch.commit();
  return manager;
}

/** An agent on a live instance's gateway. */
export async function liveAgent(port: number, identity?: Identity): Promise<HttpAgent> {
  return HttpAgent.create({ host: `http://127.0.0.1:${port}`, identity, shouldFetchRootKey: true, retryTimes: 0 });
}

/**
 * Fetches `path` through the gateway with node:http (which, unlike fetch, never decompresses, so
 * the body is what the canister sent); headers lower-cased, as a browser sees them.
 */
export function gatewayGet(port: number, canisterId: string, path: string, headers: Record<string, string> = {}) {
  const url = new URL(`http://127.0.0.1:${port}${encodeURI(path)}${path.includes('?') ? '&' : '?'}canisterId=${canisterId}`);
  return new Promise<{ url: URL; status: number; headers: [string, string][]; body: Uint8Array }>((resolve, reject) => {
    const req = httpGet(url, { headers: { 'accept-encoding': 'identity', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const responseHeaders: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ url, status: res.statusCode ?? 0, headers: responseHeaders, body: new Uint8Array(Buffer.concat(chunks)) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * Verifies a gateway response with @dfinity/response-verification at the given time; returns the
 * verification version and the certified body, or throws the verifier's error.
 */
export function verifyWithDfinity(
  request: { url: URL; headers?: [string, string][]; certificateVersion?: number },
  response: { status: number; headers: [string, string][]; body: Uint8Array },
  canisterId: string, rootKey: Uint8Array, nowNanos: bigint, minVersion = 2,
) {
  return verifyRequestResponsePair(
    {
      url: `${request.url.pathname}${request.url.search}`, method: 'GET', body: new Uint8Array(), headers: request.headers ?? [],
      certificate_version: [request.certificateVersion ?? 2],
    },
    { status_code: response.status, headers: response.headers, body: response.body },
    Principal.fromText(canisterId).toUint8Array(), nowNanos, 300_000_000_000n, rootKey, minVersion,
  );
}

export const gzip = (b: Uint8Array) => new Uint8Array(gzipSync(b));
export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The certified data a data certificate (from a query of the canister) certifies, checked with @dfinity/agent under the instance's root key. */
export async function certifiedDataIn(pic: PocketIc, canisterId: Principal, certificate: Uint8Array | number[]): Promise<string> {
  const subnetId = await pic.getCanisterSubnetId(canisterId);
  const rootKey = await pic.getPubKey(subnetId!);
  const cert = await Certificate.create({
    certificate: Uint8Array.from(certificate), rootKey: Uint8Array.from(rootKey), canisterId: canisterId as never, disableTimeVerification: true,
  });
  return Buffer.from(lookupResultToBuffer(cert.lookup_path(['canister', canisterId.toUint8Array(), 'certified_data']))!).toString('hex');
}
