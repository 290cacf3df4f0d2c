// The `lineage` binary end to end on a local network it started: deploy, publish (and resume),
// spawn, owner upgrades, the sale of a dapp, histories, logs and the rebuild check, with `--json`
// output parsed and checked, and refusals with their exit codes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { execFileSync } from 'node:child_process';

import { BUILD_SECTION, encodeProvenance, RELEASE_SECTION, releaseModule, setCustomSection, type BuildProvenance } from '@lineage/canister-build';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ed25519Pem, json, LINEAGE_BIN, lineage, project, REPO_ROOT, secp256k1Pem, startNetwork, type Run, type StartedNetwork } from './support/cli.js';

const EXIT = { usage: 2, network: 3, verification: 4 };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const built = (name: string) => new Uint8Array(readFileSync(join(REPO_ROOT, 'canisters', name, 'dist', `${name}.wasm`)));
/** What the build publishes: the gzipped module. */
const shipped = (name: string) => new Uint8Array(readFileSync(join(REPO_ROOT, 'canisters', name, 'dist', `${name}.wasm.gz`)));
const release = (label: string) => releaseModule(built('backend'), label);
/** A `--stamp` release of a build of this repository: its provenance (repository, commit, toolchain) and its version. */
const provenanced = (label: string, provenance: BuildProvenance, module: Uint8Array = built('backend')) =>
  releaseModule(setCustomSection(module, BUILD_SECTION, encodeProvenance(provenance)), label);

/** Where `verify wasm` got the rebuilt module (its `--json` `rebuild`). */
interface RebuildReport { from: 'built' | 'cached' | 'checkout'; key: string | null; path: string | null; uncached: string | null; packages: 'narrow' | 'full' | null }

const ok = (run: Run) => {
  expect(run.code, `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
  return run;
};

describe('lineage: a dapp\'s life on a local network', () => {
  let dir: string;
  let net: StartedNetwork;
  let alice: { path: string; principal: string };
  let bob: { path: string; principal: string };
  const hashes: Record<string, string> = {};
  const asDao = (...args: string[]) => lineage(dir, args);
  const asAlice = (...args: string[]) => lineage(dir, [...args, '--identity', alice.path]);
  const asBob = (...args: string[]) => lineage(dir, [...args, '--identity', bob.path]);

  beforeAll(async () => {
    dir = project();
    net = await startNetwork(dir);
    alice = ed25519Pem(dir, 'alice');
    bob = secp256k1Pem(dir, 'bob');
  });

  afterAll(async () => {
    expect(await net?.stop()).toBe(0);
  });

  it('deploys the registry, the collection, the first versions and Alice\'s dapp', async () => {
    const r = json<{
      registry: string; nft: string; created: string[]; published: { type: string; version: string; hash: string }[];
      dapp: { owner: string; tokenId: string; backend: string; versions: Record<string, { version: string; hash: string }> };
      console: { canister: string; url: string; root: string };
    }>(ok(await asDao('deploy', '--owner', alice.principal, '--json')));
    expect(r.created).toEqual(['registry', 'nft']);
    expect(r.published.map((p) => [p.type, p.version, p.hash])).toEqual([
      ['org.lineage.backend', '1.0.0', sha256(shipped('backend'))],
      ['org.lineage.manager', '1.0.0', sha256(shipped('manager'))],
      ['org.lineage.asset', '1.0.0', sha256(shipped('asset'))],
    ]);
    expect(r.dapp).toMatchObject({ owner: alice.principal, tokenId: '1', versions: { backend: { version: '1.0.0', hash: sha256(shipped('backend')) } } });
    hashes.v1 = sha256(shipped('backend'));
    const ids = JSON.parse(readFileSync(join(dir, '.lineage', 'canister_ids.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(Object.keys(ids).sort()).toEqual(['asset', 'backend', 'console', 'manager', 'nft', 'registry']);

    // The console: its own asset canister, served by the gateway, configured for this network.
    expect(ids.console!.local).toBe(r.console.canister);
    expect(r.console.url).toBe(`http://${r.console.canister}.localhost:${new URL(net.url).port}/`);
    const page = await fetch(`${net.url}/index.html?canisterId=${r.console.canister}`);
    expect(await page.text()).toContain('<title>Lineage console</title>');
    const config = await (await fetch(`${net.url}/config.json?canisterId=${r.console.canister}`)).json() as Record<string, unknown>;
    expect(config).toMatchObject({ host: '', rootKey: net.rootKey, registry: r.registry, collections: [r.nft], localKeys: true });
    expect(ids.registry!.local).toBe(r.registry);
    expect(ids.backend!.local).toBe(r.dapp.backend);

    // Deploying again keeps everything.
    const again = json<{ created: string[]; published: unknown[]; dapp: unknown }>(ok(await asDao('deploy', '--json')));
    expect(again).toMatchObject({ created: [], published: [], dapp: null });
  }, 300_000); // a whole deployment (three publishes, eight installs, a site): 50 s alone, over 120 s beside other suites on a loaded machine

  it('publishes a version, prints its verified hash, and resumes an interrupted upload', async () => {
    // The build's own output, already deployed as 1.0.0: without --stamp it is the same module.
    const build = join(REPO_ROOT, 'canisters', 'backend', 'dist', 'backend.wasm.gz');
    const same = await asDao('publish', 'org.lineage.backend', '2.0.0', build, '--previous', '1.0.0');
    expect(same.code).toBe(EXIT.usage);
    expect(same.stderr).toMatch(/already registered as org\.lineage\.backend 1\.0\.0/);
    // --stamp writes the version into it, and publishes the gzipped release: 1.3 MB, in the sdk's 256 KiB chunks.
    // It also records the repository, commit and toolchain the module was built with (lineage:build).
    const published = json<{ hash: string; stamped: boolean; previous: string; chunks: number; uploadedChunks: number; provenance: BuildProvenance }>(ok(await asDao(
      'publish', 'org.lineage.backend', '2.0.0', build, '--previous', '1.0.0', '--stamp', '--description', 'notes search', '--json',
    )));
    expect(published.provenance.commit).toBe(execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim());
    expect(published.provenance).toMatchObject({ node: process.version, lockfile_sha256: sha256(readFileSync(join(REPO_ROOT, 'pnpm-lock.yaml'))) });
    const chunks = Math.ceil(provenanced('2.0.0', published.provenance).length / (256 * 1024));
    expect(published).toMatchObject({ hash: sha256(provenanced('2.0.0', published.provenance)), stamped: true, previous: hashes.v1, chunks, uploadedChunks: chunks });
    hashes.v2 = published.hash;
    // The same release as a file, published again: the registry already has it.
    const v2 = join(dir, 'backend-2.0.0.wasm.gz');
    writeFileSync(v2, provenanced('2.0.0', published.provenance));
    expect(ok(await asDao('publish', 'org.lineage.backend', '2.0.0', v2, '--previous', '1.0.0', '--quiet')).stdout.trim()).toBe(hashes.v2);

    // A raw release (4.3 MB, 17 chunks) is accepted too. Kill its publish after the second chunk,
    // then run the same command again.
    const v3 = join(dir, 'backend-3.0.0.wasm');
    writeFileSync(v3, setCustomSection(built('backend'), RELEASE_SECTION, new TextEncoder().encode('3.0.0')));
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [LINEAGE_BIN, 'publish', 'org.lineage.backend', '3.0.0', v3, '--previous', '2.0.0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/ 2\/\d+ chunks/.test(err)) child.kill('SIGKILL');
      });
      child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`publish was not interrupted:\n${err}`))));
    });
    const resumed = json<{ hash: string; resumed: boolean; uploadedChunks: number; skippedChunks: number; chunks: number }>(ok(await asDao(
      'publish', 'org.lineage.backend', '3.0.0', v3, '--previous', '2.0.0', '--json',
    )));
    expect(resumed.resumed).toBe(true);
    expect(resumed.skippedChunks).toBeGreaterThanOrEqual(2);
    expect(resumed.uploadedChunks + resumed.skippedChunks).toBe(resumed.chunks);
    expect(resumed.hash).toBe(sha256(readFileSync(v3)));
    hashes.v3 = resumed.hash;
  });

  it('lists the registry\'s types, versions and paths', async () => {
    // Four reads, run at once.
    const [lsRun, showRun, pathRun, none] = await Promise.all([
      asBob('registry', 'ls', '--json'), asBob('registry', 'show', 'org.lineage.backend', '--json'),
      asBob('registry', 'path', 'org.lineage.backend', '--from', '1.0.0', '--to', hashes.v3!, '--json'), asBob('registry', 'path', 'org.lineage.backend', '--from', '3.0.0', '--to', '1.0.0'),
    ]);
    const types = json<{ namespace: string; versions: number; latest: string }[]>(ok(lsRun));
    expect(types.map((t) => [t.namespace, t.versions, t.latest])).toEqual([
      ['org.lineage.asset', 1, '1.0.0'], ['org.lineage.backend', 3, '3.0.0'], ['org.lineage.manager', 1, '1.0.0'],
    ]);
    const shown = json<{ versions: { version: string; hash: string; previous: string | null; verified: boolean }[] }>(ok(showRun));
    expect(shown.versions.map((v) => [v.version, v.hash, v.previous, v.verified])).toEqual([
      ['1.0.0', hashes.v1, null, true], ['2.0.0', hashes.v2, hashes.v1, true], ['3.0.0', hashes.v3, hashes.v2, true],
    ]);
    const path = json<{ steps: { version: string; hash: string }[] }>(ok(pathRun));
    expect(path.steps).toEqual([{ version: '2.0.0', hash: hashes.v2 }, { version: '3.0.0', hash: hashes.v3 }]);
    expect(none.code).toBe(EXIT.network);
    expect(none.stderr).toContain('no upgrade path');
  });

  it('lets Alice, the NFT holder, upgrade her backend; refuses wrong versions and unknown canisters', async () => {
    expect(json<{ owner: string }>(ok(await asBob('nft', 'owner', '--json'))).owner).toBe(alice.principal);
    const up = json<{ changed: boolean; from: { version: string }; to: { version: string; hash: string }; steps: { version: string }[] }>(
      ok(await asAlice('upgrade', 'backend', '--to', '2.0.0', '--json')),
    );
    expect(up).toMatchObject({ changed: true, from: { version: '1.0.0' }, to: { version: '2.0.0', hash: hashes.v2 } });
    expect(up.steps.map((s) => s.version)).toEqual(['2.0.0']);

    const [wrong, unknown] = await Promise.all([asAlice('upgrade', 'backend', '--to', '9.9.9'), asAlice('upgrade', 'frontend', '--to', '2.0.0', '--json')]);
    expect(wrong.code).toBe(EXIT.usage);
    expect(wrong.stderr).toMatch(/^error: --to: the registry has no version 9\.9\.9 of org\.lineage\.backend$/m);
    expect(wrong.stderr).toMatch(/^hint: its versions: 1\.0\.0, 2\.0\.0, 3\.0\.0$/m);
    expect(unknown.code).toBe(EXIT.usage);
    expect(json<{ error: { message: string } }>(unknown).error.message).toBe('unknown canister "frontend" on network local');
  });

  it('hands the dapp to Bob with the NFT: Alice is refused, Bob upgrades', async () => {
    const sale = json<{ to: string; tokenId: string; block: string }>(ok(await asAlice('nft', 'transfer', bob.principal, '--json')));
    expect(sale).toMatchObject({ to: bob.principal, tokenId: '1' });
    expect((await asDao('nft', 'owner', '--quiet')).stdout.trim()).toBe(bob.principal);

    // Two refusals of the previous owner, at once: they change nothing.
    const [refused, again] = await Promise.all([asAlice('upgrade', 'backend', '--to', '3.0.0'), asAlice('nft', 'transfer', alice.principal)]);
    expect(refused.code).toBe(EXIT.network);
    expect(refused.stderr).toContain(`error: refused: ${alice.principal} does not hold this dapp's NFT (its holder is ${bob.principal})`);
    expect(again.code).toBe(EXIT.network);
    expect(again.stderr).toContain('does not hold token 1');

    const up = json<{ to: { hash: string }; changed: boolean }>(ok(await asBob('upgrade', 'backend', '--to', hashes.v3!, '--json')));
    expect(up).toMatchObject({ changed: true, to: { hash: hashes.v3 } });
  });

  it('runs the buyer\'s check: a clean dapp passes every check, a canister that is no dapp fails with exit 4', async () => {
    const [cleanRun, textRun, notADapp] = await Promise.all([
      lineage(dir, ['verify', 'dapp', 'backend', '--json']), lineage(dir, ['verify', 'dapp', 'backend']), lineage(dir, ['verify', 'dapp', 'registry', '--json']),
    ]);
    const clean = json<{ ok: boolean; checks: { check: string; ok: boolean; detail: string }[] }>(ok(cleanRun));
    expect(clean.ok).toBe(true);
    expect(clean.checks.map((c) => c.check)).toEqual([
      'token', 'holder', 'controllers:backend', 'controllers:manager', 'controllers:asset', 'module:backend', 'module:manager', 'module:asset',
      'permissions', 'pending',
    ]);
    expect(clean.checks.find((c) => c.check === 'holder')!.detail).toContain(bob.principal);
    const text = ok(textRun);
    expect(text.stdout).toMatch(/✔ .*controllers:asset/);

    expect(notADapp.code).toBe(EXIT.verification);
    const verdict = json<{ ok: boolean; checks: { check: string; ok: boolean }[] }>(notADapp);
    expect(verdict.ok).toBe(false);
    expect(verdict.checks[0]).toMatchObject({ check: 'token', ok: false });
  });

  it('spawns another dapp for Bob, as the collection\'s minting authority only', async () => {
    const r = json<{ name: string; owner: string; tokenId: string; asset: string | null; versions: Record<string, { version: string }> }>(
      ok(await asDao('spawn', '--owner', bob.principal, '--name', 'shop', '--no-asset', '--backend', '2.0.0', '--json')),
    );
    expect(r).toMatchObject({ name: 'shop', owner: bob.principal, tokenId: '2', asset: null, versions: { backend: { version: '2.0.0' }, manager: { version: '1.0.0' } } });
    expect((await asDao('nft', 'owner', '--dapp', 'shop', '--quiet')).stdout.trim()).toBe(bob.principal);
    const notAuthority = await asBob('spawn', '--name', 'mine');
    expect(notAuthority.code).toBe(EXIT.usage);
    expect(notAuthority.stderr).toContain('only the collection\'s minting authority');
  });

  it('shows the backend\'s history: IC changes merged with the manager\'s, versions named', async () => {
    const [historyRun, tableRun] = await Promise.all([asBob('history', 'backend', '--json'), asBob('history', 'backend')]);
    const h = json<{ rows: { change: string; moduleHash?: string; version: string | null; requestedBy?: string; sources: string[] }[]; ic: { totalChanges: string } }>(ok(historyRun));
    // Each upgrade also shows the manager's snapshot before it and its health check after it (issue 15).
    expect(h.rows.map((r) => r.change)).toEqual(['create', 'install', 'controllers', 'snapshot', 'upgrade', 'health', 'snapshot', 'upgrade', 'health']);
    expect(h.ic.totalChanges).toBe('5');
    expect(h.rows.every((r) => r.sources.join('+') === (r.change === 'snapshot' || r.change === 'health' ? 'manager' : 'ic+manager'))).toBe(true);
    expect(h.rows.filter((r) => r.moduleHash).map((r) => [r.version, r.requestedBy])).toEqual([
      ['org.lineage.backend 1.0.0', undefined], ['org.lineage.backend 2.0.0', alice.principal], ['org.lineage.backend 3.0.0', bob.principal],
    ]);
    const table = ok(tableRun).stdout;
    expect(table).toMatch(/\| Timestamp +\| Change +\| Details +\| Origin +\| Record/);
    expect(table).toContain('(org.lineage.backend 3.0.0)');
  });

  it('verifies the registry, collection and manager logs against the certificate', async () => {
    const canisters = ['registry', 'nft', 'manager'];
    const runs = await Promise.all(canisters.map((canister) => asBob('log', 'verify', canister, '--json')));
    runs.forEach((run, i) => {
      const v = json<{ ok: boolean; blocks: number; failures: unknown[] }>(ok(run));
      expect(v, canisters[i]).toMatchObject({ ok: true, failures: [] });
      expect(v.blocks).toBeGreaterThan(0);
    });
  });

  it('uploads a site to the asset canister, changes it, and verifies builds against the certificate', async () => {
    const site = join(dir, 'site');
    mkdirSync(join(site, 'css'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Notes</title><link rel="stylesheet" href="/css/app.css"><h1>Notes 1</h1>\n');
    writeFileSync(join(site, 'css', 'app.css'), 'h1 { color: teal; }\n');
    // Bob, who holds the NFT now, takes the frontend over from the DAO that spawned the dapp.
    expect(json<{ committer: string }>(ok(await asBob('assets', 'authorize', '--json'))).committer).toBe(bob.principal);
    // The spawner and the previous owner, at once: both refused, nothing changes.
    const [spawner, previousOwner] = await Promise.all([asDao('assets', 'upload', 'asset', site), asAlice('assets', 'authorize')]);
    expect(spawner.code).toBe(EXIT.network);
    expect(spawner.stderr).toMatch(/refused the upload/);
    expect(previousOwner.code).toBe(EXIT.network);
    expect(previousOwner.stderr).toContain('does not hold this dapp\'s NFT');
    const first = json<{ root: string; uploaded: string[] }>(ok(await asBob('assets', 'upload', 'asset', site, '--json')));
    expect(first.uploaded.sort()).toEqual(['/css/app.css', '/index.html']);

    const v1 = join(dir, 'site-1');
    cpSync(site, v1, { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Notes</title><link rel="stylesheet" href="/css/app.css"><h1>Notes 2</h1>\n');
    const second = json<{ root: string; uploaded: string[] }>(ok(await asBob('assets', 'upload', 'asset', site, '--json')));
    expect(second.root).not.toBe(first.root);
    expect(second.uploaded).toEqual(['/index.html']);

    // Anyone verifies the current build against the IC's certificate; the replaced build, and a
    // tampered copy of the current one, do not verify (three reads, at once).
    const tampered = join(dir, 'site-tampered');
    cpSync(site, tampered, { recursive: true });
    writeFileSync(join(tampered, 'css', 'app.css'), 'h1 { color: red; }\n');
    const [current, replaced, bad] = await Promise.all([
      lineage(dir, ['verify', 'assets', 'asset', site, '--json', '--identity', 'anonymous']), asBob('verify', 'assets', 'asset', v1, '--json'), asBob('verify', 'assets', 'asset', tampered),
    ]);
    const verdict = json<{ ok: boolean; assetRoot: string; localRoot: string; checks: { check: string; ok: boolean }[]; history: { root: string }[]; moduleVersion: string }>(ok(current));
    expect(verdict).toMatchObject({ ok: true, assetRoot: second.root, localRoot: second.root, moduleVersion: 'org.lineage.asset 1.0.0' });
    expect(verdict.checks.map((c) => [c.check, c.ok])).toEqual([
      ['certificate', true], ['certified-data', true], ['tree', true], ['local-root', true], ['history', true], ['module-hash', true],
    ]);
    expect(verdict.history.slice(0, 2).map((e) => e.root)).toEqual([second.root, first.root]);

    expect(replaced.code).toBe(EXIT.verification);
    expect(json<{ checks: { check: string; ok: boolean }[] }>(replaced).checks.find((c) => c.check === 'local-root')!.ok).toBe(false);
    expect(bad.code).toBe(EXIT.verification);
    expect(bad.stdout).toMatch(/✘ local-root .*changed: \/css\/app\.css/);
    expect(bad.stderr).toMatch(/^error: verification of asset against .* failed: local-root$/m);

  });

  it('verifies the backend against a rebuild from source, and catches a module not built from it', async () => {
    // A module the registry verified (its bytes are what was published) but that this source does
    // not build: published while the first check rebuilds (publishing changes nothing it reads).
    const tampered = join(dir, 'backend-4.0.0.wasm.gz');
    writeFileSync(tampered, releaseModule(setCustomSection(built('backend'), 'icp:public injected', new TextEncoder().encode('not from the source')), '4.0.0'));
    const [goodRun, publishedTampered] = await Promise.all([
      asBob('verify', 'wasm', 'backend', '--source', REPO_ROOT, '--json'),
      asDao('publish', 'org.lineage.backend', '4.0.0', tampered, '--previous', '3.0.0'),
    ]);
    const good = json<{ ok: boolean; deployedHash: string; rebuiltHash: string; release: string; match: string; rebuild: RebuildReport; checks: { check: string; ok: boolean }[] }>(ok(goodRun));
    expect(good).toMatchObject({ ok: true, deployedHash: hashes.v3, rebuiltHash: hashes.v3, release: '3.0.0', match: 'module' });
    expect(good.checks.map((c) => [c.check, c.ok])).toEqual([['deployed', true], ['registry', true], ['rebuild', true]]);
    // A real Azle build, kept in the project's rebuild cache under the key of the source's bytes.
    expect(good.rebuild).toMatchObject({ from: 'built', uncached: null, packages: null, path: join(dir, '.lineage', 'rebuilds', `${good.rebuild.key}.wasm`) });
    expect(good.rebuild.key).toMatch(/^[0-9a-f]{64}$/);
    expect(sha256(readFileSync(good.rebuild.path!))).toBe(sha256(built('backend'))); // what `pnpm build` wrote

    ok(publishedTampered);
    ok(await asBob('upgrade', 'backend', '--to', '4.0.0'));
    // The same source again: its rebuild comes from the cache (the key covers every byte of it), and still does not match.
    const bad = await asBob('verify', 'wasm', 'backend', '--source', REPO_ROOT, '--json');
    expect(bad.code).toBe(EXIT.verification);
    const verdict = json<{ ok: boolean; rebuild: RebuildReport; checks: { check: string; ok: boolean; detail: string }[] }>(bad);
    expect(verdict.ok).toBe(false);
    expect(verdict.rebuild).toEqual({ ...good.rebuild, from: 'cached' });
    expect(verdict.checks.map((c) => [c.check, c.ok])).toEqual([['deployed', true], ['registry', true], ['rebuild', false]]);
    expect(verdict.checks[2]!.detail).toContain(`the deployed module to ${sha256(readFileSync(tampered))}`);
    expect(verdict.checks[2]!.detail).toContain(`rebuild cache ${good.rebuild.key!.slice(0, 12)}`);

    // A release of this very source, gzipped by another zlib (here: another level): the bytes and
    // hash differ from our recompression, the module inside does not. Published while the
    // human-readable check of 4.0.0 runs.
    const elsewhere = join(dir, 'backend-5.0.0.wasm.gz');
    writeFileSync(elsewhere, gzipSync(setCustomSection(built('backend'), RELEASE_SECTION, new TextEncoder().encode('5.0.0')), { level: 1 }));
    const [human, publishedElsewhere] = await Promise.all([
      asBob('verify', 'wasm', 'backend', '--source', REPO_ROOT),
      asDao('publish', 'org.lineage.backend', '5.0.0', elsewhere, '--previous', '4.0.0'),
    ]);
    expect(human.code).toBe(EXIT.verification);
    expect(human.stdout).toContain('✘ rebuild');
    expect(human.stderr).toMatch(/^error: verification of backend failed: rebuild$/m);
    ok(publishedElsewhere);
    ok(await asBob('upgrade', 'backend', '--to', '5.0.0'));
    // --no-cache rebuilds, and neither reads nor writes the cache.
    const recompressed = json<{ ok: boolean; deployedHash: string; rebuiltHash: string; match: string; rebuild: RebuildReport; checks: { check: string; ok: boolean; detail: string }[] }>(
      ok(await asBob('verify', 'wasm', 'backend', '--source', REPO_ROOT, '--no-cache', '--json')),
    );
    expect(recompressed).toMatchObject({ ok: true, deployedHash: sha256(readFileSync(elsewhere)), match: 'decompressed', rebuild: { from: 'built', key: null, path: null, uncached: '--no-cache', packages: null } });
    expect(recompressed.rebuiltHash).not.toBe(recompressed.deployedHash);
    expect(recompressed.checks[2]!.detail).toContain('decompresses to exactly the rebuild of backend stamped as release 5.0.0');
  }, 400_000); // two Azle rebuilds: about 30 s on an idle 2-core machine, 90 s and more when it is loaded

  it('attests a release from the commit it names (clean checkout, its own build) and files a divergence for a forgery, exit 4', async () => {
    // The repository itself is the source: its HEAD, cloned from the path (a file:// URL).
    const repo = `file://${REPO_ROOT.replace(/\/$/, '')}`;
    const build = join(REPO_ROOT, 'canisters', 'backend', 'dist', 'backend.wasm.gz');
    const published = json<{ hash: string; provenance: BuildProvenance; verificationRequest: string | null }>(ok(await asDao(
      'publish', 'org.lineage.backend', '6.0.0', build, '--previous', '5.0.0', '--stamp', '--repo', repo, '--json',
    )));
    expect(published.provenance).toMatchObject({ repo, commit: execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim() });
    expect(published.verificationRequest).not.toBeNull();
    ok(await asBob('upgrade', 'backend', '--to', '6.0.0'));

    // Alice, a verifier now, rebuilds it from a clean checkout of that commit and attests. Meanwhile
    // the DAO publishes a module claiming the same commit that the commit does not build (the
    // registry gains a version; nothing the check reads changes).
    const forged = join(dir, 'backend-7.0.0.wasm.gz');
    writeFileSync(forged, provenanced('7.0.0', published.provenance, setCustomSection(built('backend'), 'icp:public injected', new TextEncoder().encode('not from the commit'))));
    const [attestRun, publishedForged] = await Promise.all([
      asAlice('verify', 'wasm', 'backend', '--attest', '--json'),
      asDao('publish', 'org.lineage.backend', '7.0.0', forged, '--previous', '6.0.0'),
    ]);
    const attested = json<{ ok: boolean; match: string; attestation: { outcome: string; block: string }; rebuild: RebuildReport; checks: { check: string; ok: boolean }[] }>(ok(attestRun));
    expect(attested).toMatchObject({ ok: true, match: 'module', attestation: { outcome: 'attested' } });
    expect(attested.checks.map((c) => [c.check, c.ok])).toEqual([['deployed', true], ['registry', true], ['toolchain', true], ['rebuild', true], ['attest', true]]);
    // Built in the checkout with only the packages the backend needs (not the emulator, not its test fixtures).
    expect(attested.rebuild).toEqual({ from: 'built', packages: 'narrow', key: null, path: null, uncached: null });
    const checkout = join(dir, '.lineage', 'sources', published.provenance.commit);
    expect(existsSync(join(checkout, 'packages', 'kit', 'dist'))).toBe(true);
    expect(existsSync(join(checkout, 'packages', 'pocket', 'dist'))).toBe(false);
    expect(existsSync(join(checkout, 'tests', 'fixtures', 'counter', 'dist'))).toBe(false);
    const [shownRun, historyRun, historyText] = await Promise.all([
      asBob('registry', 'show', published.hash, '--json'), asBob('history', 'backend', '--json'), asBob('history', 'backend'),
    ]);
    const shown = json<{ versions: { version: string; attestedBy: string[]; divergedBy: string[] }[] }>(ok(shownRun));
    expect(shown.versions).toMatchObject([{ version: '6.0.0', attestedBy: [alice.principal], divergedBy: [] }]);
    const h = json<{ rows: { change: string; version: string | null; verifications: { attestedBy: string[] } | null }[] }>(ok(historyRun));
    expect(h.rows.filter((r) => r.change === 'upgrade').at(-1)).toMatchObject({ version: 'org.lineage.backend 6.0.0', verifications: { attestedBy: [alice.principal] } });
    expect(ok(historyText).stdout).toContain('Attested by: ');

    // The forgery, installed and checked: a divergence, exit 4. Same commit, so the checkout's build is reused.
    ok(publishedForged);
    ok(await asBob('upgrade', 'backend', '--to', '7.0.0'));
    const diverged = await asAlice('verify', 'wasm', 'backend', '--attest', '--json');
    expect(diverged.code).toBe(EXIT.verification);
    expect(json<{ ok: boolean; attestation: { outcome: string }; rebuild: RebuildReport }>(diverged)).toMatchObject({ ok: false, attestation: { outcome: 'diverged' }, rebuild: { from: 'checkout' } });
    const forgedShown = json<{ versions: { attestedBy: string[]; divergedBy: string[] }[] }>(ok(await asBob('registry', 'show', sha256(readFileSync(forged)), '--json')));
    expect(forgedShown.versions).toMatchObject([{ attestedBy: [], divergedBy: [alice.principal] }]);
    rmSync(join(dir, '.lineage', 'sources'), { recursive: true, force: true }); // a clone with its node_modules
  }, 900_000); // a clone, an install and a build of the backend and its workspace dependencies
});
