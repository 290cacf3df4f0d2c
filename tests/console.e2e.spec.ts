// The console end to end in a real browser (Debian's Chromium driven by playwright-core) against
// one embedded emulator, set up as the demo sets it up (`lineage deploy` with the console, backend
// 2.0.0 and 3.0.0 published, a dapp spawned). The story is told through the UI: the seller imports
// her PEM and upgrades 1.0.0 → 2.0.0 watching the progress, hands the NFT to a buyer who signed in
// with a key made in his browser; the buyer's list has the dapp, the seller's does not and her
// upgrade is refused; the buyer upgrades to 3.0.0; an anonymous visitor sees both upgrades with
// who asked, verifies the logs and a site folder, then a tampered copy. Then bad input. Each main
// view is saved to packages/console/screenshots/.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { rawModule, releaseModule } from '@lineage/canister-build';
import { bls12_381 } from '@noble/curves/bls12-381';
import { Actor } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import { assetIdlFactory, type AssetService } from '@lineage/types';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Context } from '../scripts/src/cli/context.js';
import { deployerFor } from '../scripts/src/cli/deployer.js';
import { generatePem, identityFromPem, type LoadedIdentity } from '../scripts/src/cli/identity.js';
import { builtWasm } from '../scripts/src/cli/lineage.js';
import { startLocalNetwork, type LocalNetwork } from '../scripts/src/cli/local-network.js';
import { Output } from '../scripts/src/cli/output.js';
import { consoleConfig } from '../scripts/src/cli/commands/console.js';
import { deploy } from '../scripts/src/cli/commands/deploy.js';
import { publish } from '../scripts/src/cli/commands/publish.js';
import { spawn } from '../scripts/src/cli/commands/spawn.js';
import { authorizeUploads, uploadSite } from '../scripts/src/cli/commands/verify-assets.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../packages/console/screenshots/', import.meta.url));
const TIMEOUT = 30_000;

/** Polls until the browser shows it (the pages load from the emulator in the background). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: TIMEOUT, interval: 150 });

const person = (pem: string, name: string): LoadedIdentity => ({ ...identityFromPem(pem, name), source: name, created: false });

function writeSite(dir: string, title: string): string {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><title>${title}</title><link rel="stylesheet" href="/assets/style.css"></head><body><h1>${title}</h1></body></html>\n`);
  writeFileSync(join(dir, 'assets', 'style.css'), 'body { font-family: system-ui; }\n');
  return dir;
}

describe('the console in a browser', () => {
  let scratch: string;
  let net: LocalNetwork;
  let browser: Browser;
  let consoleUrl: string;
  let deployedConfig: Record<string, unknown>;
  let backend: string;
  let emptyCanister: string;
  let sellerPem: string;
  let sellerCtx: Context;
  let assetId: string;
  let siteDir: string;
  let tamperedDir: string;
  const started = performance.now();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does so)`);
    scratch = mkdtempSync(join(tmpdir(), 'lineage-console-e2e-'));
    process.env.LINEAGE_DIR = join(scratch, '.lineage');
    net = await startLocalNetwork({ port: 0 });
    const out = new Output({ json: false, quiet: true }, process.stdout, process.stdout);
    const dao = new Context({ network: net.url }, person(generatePem(), 'dao'), out);
    sellerPem = generatePem();
    const seller = dao.as(person(sellerPem, 'seller'));

    const phase = (name: string) => console.log(`console e2e: ${name} at ${((performance.now() - started) / 1000).toFixed(1)} s`);
    phase('network');
    const deployed = await deploy(dao, { dapp: false });
    phase('deploy');
    consoleUrl = deployed.console!.url;
    deployedConfig = consoleConfig(dao, new Uint8Array((await dao.agent()).rootKey!), dao.canister('registry'), dao.canister('nft')) as Record<string, unknown>;
    const v1 = await builtWasm('backend');
    for (const [version, previous] of [['2.0.0', '1.0.0'], ['3.0.0', '2.0.0']] as const) {
      const file = join(scratch, `backend-${version}.wasm.gz`);
      writeFileSync(file, releaseModule(rawModule(v1), version));
      await publish(dao, { '<type>': 'org.lineage.backend', '<version>': version, '<wasm>': file, previous, description: `Release ${version}` });
    }
    phase('publish 2.0.0, 3.0.0');
    const dapp = await spawn(dao, { owner: seller.principal.toText(), backend: '1.0.0' });
    backend = dapp.backend;
    assetId = dapp.asset!;
    sellerCtx = seller;
    phase('spawn');
    // The seller's frontend: an old site, then the current one, so the root history has two roots.
    await authorizeUploads(seller, {});
    await uploadSite(seller, { '<canister>': 'asset', '<dir>': writeSite(join(scratch, 'site-old'), 'Notes 1.0') });
    siteDir = writeSite(join(scratch, 'site'), 'Notes 1.1');
    await uploadSite(seller, { '<canister>': 'asset', '<dir>': siteDir });
    tamperedDir = writeSite(join(scratch, 'site-tampered'), 'Notes 1.1');
    writeFileSync(join(tamperedDir, 'index.html'), '<!doctype html><html><body>tampered</body></html>\n');
    emptyCanister = (await (await deployerFor(dao)).createCanister()).toText();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(SHOTS, { recursive: true });
    console.log(`console e2e: setup ${((performance.now() - started) / 1000).toFixed(1)} s, console at ${consoleUrl}`);
  }, 240_000);

  afterAll(async () => {
    // What each page showed when the run ended (the last view of every party, for a failing run).
    for (const [i, page] of pages.entries()) await page.screenshot({ path: join(tmpdir(), `lineage-console-e2e-last-${i}.png`), fullPage: true }).catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await net?.stop().catch(() => undefined);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    console.log(`console e2e: ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
  });

  const pages: Page[] = [];
  const open = async (hash: string): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    pages.push(page);
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${consoleUrl}${hash}`);
    return page;
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('tells the sale story through the UI, then lets anyone verify it', async () => {
    // Who may upload the website: the asset canister's `Commit` permission list.
    const committers = async () => {
      const asset = Actor.createActor<AssetService>(assetIdlFactory as never, { agent: await sellerCtx.agent(), canisterId: Principal.fromText(assetId) });
      return (await asset.list_permitted({ permission: { Commit: null } })).map((p) => p.toText());
    };
    expect(await committers()).toEqual([sellerCtx.principal.toText()]);
    // The seller imports her dfx PEM and sees her dapp running 1.0.0.
    const seller = await open('#/mine');
    const pemFile = join(scratch, 'seller.pem');
    writeFileSync(pemFile, sellerPem);
    await seller.getByTestId('pem-input').setInputFiles(pemFile);
    const sellerCard = seller.getByTestId('dapp-card');
    await poll(() => sellerCard.getByTestId('runs-backend').textContent()).toBe('1.0.0');
    await shot(seller, 'my-dapps');

    // She upgrades the backend 1.0.0 → 2.0.0 and watches the operation.
    await sellerCard.getByTestId('upgrade-backend').click();
    await sellerCard.getByTestId('version-2.0.0').check();
    expect(await sellerCard.getByTestId('upgrade-confirm-text').textContent()).toContain('keeps running 1.0.0');
    await sellerCard.getByTestId('confirm-upgrade').click();
    await sellerCard.locator('[data-testid=upgrade-progress] li[data-state=completed]').waitFor();
    const states = await sellerCard.locator('[data-testid=upgrade-progress] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states[0]).toBe('requested');
    expect(states.slice(1, -1).every((s) => s === 'scheduled' || s === 'running')).toBe(true);
    expect(states.at(-1)).toBe('completed');
    // Plain words: no operation numbers, no history entry numbers, no "step(s)".
    const progress = (await sellerCard.getByTestId('upgrade-progress').textContent())!;
    expect(progress).toMatch(/Accepted: the upgrade starts in a moment[\s\S]*Done: the new version is running/);
    expect(progress).not.toMatch(/operation \d|history entr|step\(s\)/i);
    expect(await sellerCard.getByTestId('role-manager').textContent()).toContain('the part that installs upgrades');
    expect(await sellerCard.getByTestId('role-asset').textContent()).toContain('the website');
    await shot(seller, 'upgrade-progress');
    await poll(() => seller.getByTestId('dapp-card').first().getByTestId('runs-backend').textContent()).toBe('2.0.0');

    // The buyer signs in with a key made in his browser; he holds nothing yet.
    const buyer = await open('#/mine');
    await buyer.getByTestId('sign-in-local').click();
    const buyerPrincipal = (await buyer.getByTestId('principal').textContent())!.trim();
    await poll(() => buyer.getByTestId('dapp-count').textContent()).toContain('0 dapp');

    // The seller hands the dapp over, after a confirm step that says what it means.
    const card = seller.getByTestId('dapp-card').first();
    await card.getByTestId('recipient').fill(buyerPrincipal);
    await card.getByTestId('transfer').click();
    const confirmText = await card.getByTestId('transfer-confirm-text').textContent();
    expect(confirmText).toContain('becomes the only one who can upgrade this dapp and the only one who can upload its website');
    await card.getByTestId('confirm-transfer').click();
    await poll(() => seller.getByTestId('dapp-count').textContent()).toContain('0 dapp');

    // The buyer's list has it now (his key survived the reload: it is kept in IndexedDB).
    await buyer.reload();
    expect((await buyer.getByTestId('principal').textContent())!.trim()).toBe(buyerPrincipal);
    await poll(() => buyer.getByTestId('dapp-count').textContent()).toContain('1 dapp');

    // The seller's upgrade attempt is refused in the backend's own words.
    await seller.getByTestId('open-by-id').fill(backend);
    await seller.getByRole('button', { name: 'Open' }).click();
    const stale = seller.locator(`[data-testid=dapp-card][data-backend="${backend}"]`);
    // The card says at once that she does not hold it any more, and who does.
    expect(await stale.getByTestId('not-holder').textContent()).toBe(
      `You do not hold this dapp's NFT: ${buyerPrincipal} does. Only the holder can upgrade it, hand it over or take the upload rights; the dapp refuses anyone else.`,
    );
    await stale.getByTestId('upgrade-backend').click();
    // A version the registry offers no path to cannot be picked (a downgrade to 1.0.0 here).
    expect(await stale.getByTestId('version-1.0.0').isDisabled()).toBe(true);
    await stale.getByTestId('version-3.0.0').check();
    await stale.getByTestId('confirm-upgrade').click();
    const refused = stale.locator('[data-testid=upgrade-progress] li[data-state=failed]');
    await refused.waitFor();
    expect(await refused.textContent()).toBe(`Not done: you do not hold this dapp's NFT (any more); its owner now is ${buyerPrincipal}`);
    await shot(seller, 'refused');

    // The hand-over took the seller's upload permission: the asset canister lists no one, her
    // attempt to take the upload rights back is refused, and an upload with her key fails.
    expect(await committers()).toEqual([]);
    await stale.getByTestId('authorize-uploads').click();
    const sellerUploads = stale.getByTestId('uploads-result');
    await poll(() => sellerUploads.getAttribute('data-ok')).toBe('false');
    expect(await sellerUploads.textContent()).toContain('you do not hold this dapp\'s NFT (any more)');
    await expect(uploadSite(sellerCtx, { '<canister>': 'asset', '<dir>': tamperedDir })).rejects.toThrow(/refused the upload/);

    // The buyer takes the upload rights from the console: he alone may upload the website now.
    const buyerUploads = buyer.getByTestId('dapp-card').getByTestId('uploads-result');
    expect(await buyer.getByTestId('not-holder').count()).toBe(0);
    await buyer.getByTestId('dapp-card').getByTestId('authorize-uploads').click();
    await poll(() => buyerUploads.getAttribute('data-ok')).toBe('true');
    expect(await buyerUploads.textContent()).toContain('the only one who can upload the website');
    expect(await committers()).toEqual([buyerPrincipal]);
    await shot(buyer, 'my-dapps-buyer');

    // Signing out forgets her key, also across a reload.
    await seller.getByTestId('sign-out').click();
    await seller.getByTestId('sign-in').waitFor();
    await seller.reload();
    await seller.getByTestId('sign-in').waitFor();

    // The buyer upgrades 2.0.0 → 3.0.0.
    const buyerCard = buyer.getByTestId('dapp-card');
    await buyerCard.getByTestId('upgrade-backend').click();
    await buyerCard.getByTestId('version-3.0.0').check();
    await buyerCard.getByTestId('confirm-upgrade').click();
    await buyerCard.locator('[data-testid=upgrade-progress] li[data-state=completed]').waitFor();

    // An anonymous visitor opens the dapp page: both upgrades, each with who asked.
    const visitor = await open(`#/dapp/${backend}`);
    const upgrades = visitor.locator('[data-testid=history] tr[data-change=upgrade]');
    await poll(() => upgrades.count()).toBe(2);
    const asked = await upgrades.getByTestId('asked-by').allTextContents();
    expect(asked.sort()).toEqual([buyerPrincipal, person(sellerPem, 's').identity.getPrincipal().toText()].sort());
    expect(await visitor.getByTestId('owner').textContent()).toBe(buyerPrincipal);
    expect(await visitor.getByTestId('buyer-summary').textContent()).toContain('clean to buy');

    // The logs verify against the certificate.
    await visitor.getByTestId('verify-logs').click();
    const logs = visitor.getByTestId('log-checks');
    await logs.waitFor();
    expect(await logs.locator('[data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['verified', 'verified', 'verified']);
    await shot(visitor, 'verify-dapp');

    // The site folder matches the certified root; a tampered copy names the changed file.
    await visitor.getByTestId('frontend-checks').waitFor();
    await visitor.getByTestId('folder-input').setInputFiles(siteDir);
    const folder = visitor.getByTestId('folder-result');
    await poll(() => folder.textContent()).toContain('matches the certified root');
    expect(await folder.locator('[data-status]').getAttribute('data-status')).toBe('verified');
    await visitor.getByTestId('folder-input').setInputFiles(tamperedDir);
    await poll(() => folder.textContent()).toContain('changed: /index.html');
    expect(await folder.locator('[data-status]').getAttribute('data-status')).toBe('failed');
    await shot(visitor, 'verify-folder');

    // The registry, for anyone: the types, the backend's versions with what the registry computed,
    // which version each upgrades from and how often it was installed; paths; the log check.
    await visitor.goto(`${consoleUrl}#/registry`);
    const backendType = visitor.locator('[data-testid=registry-type][data-namespace="org.lineage.backend"]');
    await backendType.waitFor();
    const namespaces = await visitor.getByTestId('registry-type').evaluateAll((els) => els.map((e) => e.getAttribute('data-namespace')));
    expect(namespaces).toEqual(expect.arrayContaining(['org.lineage.backend', 'org.lineage.manager', 'org.lineage.asset']));
    const rows = backendType.getByTestId('registry-version');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-version')))).toEqual(['1.0.0', '2.0.0', '3.0.0']);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-calculated')))).toEqual(['matches', 'matches', 'matches']);
    expect(await rows.getByTestId('previous').allTextContents()).toEqual(['none (first version)', '1.0.0', '2.0.0']);
    // Each upgrade was reported to the registry by the manager: 2.0.0 and 3.0.0 were each installed once.
    expect((await rows.getByTestId('installations').allTextContents()).slice(1)).toEqual(['1', '1']);
    const full = await rows.nth(2).locator('code[data-full]').first().getAttribute('data-full');
    expect(full).toMatch(/^[0-9a-f]{64}$/);
    expect(await rows.nth(2).locator('code[data-full]').first().textContent()).toBe(`${full!.slice(0, 8)}…${full!.slice(-4)}`);

    const askPath = async (from: string, to: string) => {
      await backendType.getByTestId('path-from').selectOption({ label: from });
      await backendType.getByTestId('path-to').selectOption({ label: to });
      await backendType.getByTestId('find-path').click();
      const result = backendType.getByTestId('path-result');
      await result.waitFor();
      return { ok: await result.getAttribute('data-ok'), text: await result.textContent() };
    };
    expect(await askPath('1.0.0', '3.0.0')).toEqual({ ok: 'true', text: 'Approved path: 1.0.0 → 2.0.0 → 3.0.0 (in 2 upgrades, one version after the other)' });
    expect(await askPath('3.0.0', '1.0.0')).toEqual({ ok: 'false', text: 'No: no approved upgrade path from 3.0.0' });

    await visitor.getByTestId('verify-registry-log').click();
    const registryLog = visitor.locator('[data-testid=registry-log] [data-status]');
    await registryLog.waitFor();
    expect(await registryLog.getAttribute('data-status')).toBe('verified');
    expect(await registryLog.textContent()).toMatch(/\d+ entries, each linked to the one before; the latest \(number \d+, [0-9a-f]{8}…[0-9a-f]{4}\) is certified by the Internet Computer/);
    await shot(visitor, 'registry');
    // A link to one canister type shows that type alone.
    await backendType.locator('h2 a').click();
    await poll(() => visitor.getByTestId('registry-type').count()).toBe(1);
    expect(await visitor.getByTestId('registry-type').getAttribute('data-namespace')).toBe('org.lineage.backend');
  });

  it('shows bad input for what it is', async () => {
    // A malformed canister id.
    const page = await open('#/canister/not-a-canister!');
    expect(await page.getByTestId('id-error').textContent()).toContain('not a canister id');

    // A canister that is no Lineage canister: what the IC certifies, and which parts are absent.
    await page.goto(`${consoleUrl}#/canister/${emptyCanister}`);
    const checks = page.getByTestId('canister-checks');
    await checks.waitFor();
    const lines = await checks.locator('[data-status]').allTextContents();
    expect(lines[0]).toMatch(/IC certificate.*verified against the network's root key: no module installed/);
    expect(lines.join('\n')).toMatch(/Lineage dapp.*absent/);
    expect(lines.join('\n')).toMatch(/Lineage asset canister.*absent/);
    await shot(page, 'not-lineage');

    // A network that stops answering: a visible retry state.
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.goto(`${consoleUrl}#/canister/${backend}`);
    await page.getByTestId('retrying').waitFor();
    expect(await page.getByTestId('retrying').textContent()).toContain('does not answer');
    await shot(page, 'network-down');
    await page.unroute('**/api/**');
    await page.getByTestId('canister-checks').waitFor({ timeout: TIMEOUT });

    // A certificate checked against another root key: shown failed, never green.
    const other = await (await browser.newContext()).newPage();
    // A valid BLS12-381 root key of another network (a fresh key pair), DER-wrapped as the IC publishes it.
    const wrongKey = net.rootKey.slice(0, -192) + Buffer.from(bls12_381.getPublicKeyForShortSignatures(bls12_381.utils.randomPrivateKey())).toString('hex');
    expect(wrongKey).not.toBe(net.rootKey);
    await other.route('**/config.json', (route) => route.fulfill({ json: { ...deployedConfig, rootKey: wrongKey } }));
    await other.goto(`${consoleUrl}#/canister/${backend}`);
    const certificate = other.locator('[data-testid=canister-checks] [data-status]').first();
    await certificate.waitFor({ timeout: TIMEOUT });
    expect(await certificate.getAttribute('data-status')).toBe('failed');
    expect(await certificate.textContent()).toMatch(/not verified: .*Signature verification failed/);
    expect(await other.locator('[data-status=verified]').count()).toBe(0);
    await shot(other, 'wrong-root-key');
  });

  it('opens Internet Identity at the provider the config names', async () => {
    // Mainnet's Internet Identity cannot be reached from here: the provider is a page served by the
    // browser context itself. What this proves is the console's side: the configured URL is what
    // opens, in a window of its own, with @icp-sdk/auth's request to it.
    const provider = 'https://identity.example/authorize';
    const context = await browser.newContext();
    await context.route('**/config.json', (route) => route.fulfill({ json: { ...deployedConfig, identityProvider: provider } }));
    await context.route('https://identity.example/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>identity provider</title>' }));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${consoleUrl}#/mine`);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('sign-in-ii').click()]);
    await popup.waitForLoadState();
    expect(popup.url().startsWith(provider)).toBe(true);
    // Nobody approved, so nobody is signed in; and the window opened inside the click, as the
    // signer channel requires (it throws otherwise).
    await page.getByTestId('sign-in').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
