/**
 * The README's main command: Lineage end to end on an embedded emulator, driven through the same
 * code as the `lineage` command line. A DAO publishes versions, a dapp is spawned for Alice, she
 * upgrades it and sells it to Bob, the frontend's certified history is checked against a local
 * build, and every change shows up in the canister's history. Every check is listed at the end;
 * the exit code is non-zero if any failed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { rawModule, releaseModule } from '@lineage/canister-build';
import { formatHistoryTable, sha256, toHex } from '@lineage/sdk';

import { CliError } from './cli/errors.js';
import { Context } from './cli/context.js';
import { generatePem, identityFromPem, type LoadedIdentity } from './cli/identity.js';
import { builtWasm } from './cli/lineage.js';
import { startLocalNetwork, type LocalNetwork } from './cli/local-network.js';
import { Output } from './cli/output.js';
import { deploy } from './cli/commands/deploy.js';
import { history } from './cli/commands/history.js';
import { logVerify } from './cli/commands/log.js';
import { nftOwner, nftTransfer } from './cli/commands/nft.js';
import { publish } from './cli/commands/publish.js';
import { spawn } from './cli/commands/spawn.js';
import { upgrade } from './cli/commands/upgrade.js';
import { verifyDapp, verifyWasm } from './cli/commands/verify.js';
import { demoSite } from './demo-site.js';

/** History rows only the manager's log holds: the IC has no record of a snapshot taken or a health check. */
const MANAGER_ONLY = new Set(['snapshot', 'health', 'rollback', 'restore', 'trust-policy']);

const checks: { name: string; ok: boolean }[] = [];
const started = performance.now();

function chapter(text: string): void {
  console.log(`\n━━ ${text}`);
}

function check(name: string, ok: boolean, detail = ''): void {
  checks.push({ name, ok });
  console.log(`  ${ok ? '✔' : '✘'} ${name}${detail ? ` — ${detail}` : ''}`);
}

function person(name: string): LoadedIdentity {
  return { ...identityFromPem(generatePem(), name), source: name, created: false };
}

const short = (hex: string) => `${hex.slice(0, 12)}…`;

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'lineage-demo-'));
  // The demo keeps its ids file and files in a scratch project, not in the user's `.lineage/`.
  process.env.LINEAGE_DIR = join(scratch, '.lineage');
  let net: LocalNetwork | undefined;
  try {
    chapter('A local Internet Computer (the Lineage emulator, embedded in this process)');
    net = await startLocalNetwork({ port: 0 });
    console.log(`  gateway ${net.url}  (IC HTTP interface for agents, HTTP gateway for browsers)`);
    console.log(`  root key ${short(net.rootKey)} — every certificate below is checked against it`);

    const out = new Output({ json: false, quiet: false }, process.stdout, process.stdout);
    const base = new Context({ network: net.url }, person('dao'), out);
    const dao = base;
    const alice = base.as(person('alice'));
    const bob = base.as(person('bob'));
    const names = new Map<string, string>([[dao.principal.toText(), 'DAO'], [alice.principal.toText(), 'Alice'], [bob.principal.toText(), 'Bob']]);
    console.log(`  the DAO   ${dao.principal.toText()}\n  Alice     ${alice.principal.toText()}\n  Bob       ${bob.principal.toText()}`);

    chapter('1. The DAO deploys the registry and the NFT collection and publishes backend, manager and asset 1.0.0');
    const deployed = await deploy(dao, { dapp: false });
    if (deployed.console) console.log(`  the console: ${deployed.console.url}  (open it while the demo runs; \`lineage start\` + \`lineage deploy\` keep one up)`);
    const backendV1 = await builtWasm('backend');
    const published = deployed.published.find((p) => p.type === 'org.lineage.backend');
    check('the registry verified backend 1.0.0 as the sha256 of the built module', published?.hash === toHex(sha256(backendV1)), published ? short(published.hash) : 'not published');

    chapter('2. The DAO publishes backend 2.0.0, an upgrade of 1.0.0');
    const v2file = join(scratch, 'backend-2.0.0.wasm.gz');
    writeFileSync(v2file, releaseModule(rawModule(backendV1), '2.0.0'));
    const v2 = await publish(dao, { '<type>': 'org.lineage.backend', '<version>': '2.0.0', '<wasm>': v2file, previous: '1.0.0', description: 'Release 2.0.0' });
    check('the registry verified backend 2.0.0', v2.hash === toHex(sha256(readFileSync(v2file))), `${short(v2.hash)}, upgrades ${short(v2.previous ?? '')}`);

    chapter('3. A dapp is spawned from the registry; its NFT is minted to Alice');
    const dapp = await spawn(dao, { owner: alice.principal.toText(), backend: '1.0.0' });
    check('Alice holds the dapp\'s NFT', (await nftOwner(alice, {})).owner === alice.principal.toText(), `token ${dapp.tokenId}`);
    check('the backend runs 1.0.0 from the registry', dapp.versions.backend?.hash === published?.hash);

    chapter('4. Alice writes in her dapp, then upgrades it from 1.0.0 to 2.0.0');
    const aliceBackend = await alice.backend(alice.canister('backend'));
    const note = await aliceBackend.add_note('Alice: my first note, written on 1.0.0');
    check('Alice, the owner, may write', 'Ok' in note);
    const up1 = await upgrade(alice, { '<canister>': 'backend', to: '2.0.0' });
    check('the backend runs 2.0.0 (read_state module hash)', up1.to.hash === v2.hash && up1.changed, `operation ${up1.operation}`);
    const notesAfter = await aliceBackend.notes();
    check('Alice\'s data survived the upgrade', notesAfter.some((n) => n.text.startsWith('Alice: my first note')), `${notesAfter.length} note(s)`);

    chapter('5. Alice sells the dapp to Bob: he runs the buyer\'s check, then she transfers its NFT');
    const before = await verifyDapp(bob, { '<backend>': 'backend' });
    const failing = before.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.detail}`).join('; ');
    check('the buyer\'s check passes: Alice holds it, only the backend and the manager control it, nothing is pending', before.ok, failing || `${before.checks.length} checks`);
    const sale = await nftTransfer(alice, { to: bob.principal.toText() });
    check('Bob holds the NFT now', (await nftOwner(bob, {})).owner === bob.principal.toText(), `ICRC-3 block ${sale.block}`);
    // The collection tells the backend one-way; the hand-over follows within a few rounds.
    let after = await verifyDapp(bob, { '<backend>': 'backend' });
    for (let i = 0; i < 20 && !after.ok; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await verifyDapp(bob, { '<backend>': 'backend' });
    }
    check('the sale handed everything over: the check now names Bob as the holder', after.ok && after.checks.some((c) => c.check === 'holder' && c.detail.includes(bob.principal.toText())));

    chapter('6. The DAO publishes backend 3.0.0; Alice tries to upgrade, Bob upgrades');
    const v3file = join(scratch, 'backend-3.0.0.wasm.gz');
    writeFileSync(v3file, releaseModule(rawModule(backendV1), '3.0.0'));
    const v3 = await publish(dao, { '<type>': 'org.lineage.backend', '<version>': '3.0.0', '<wasm>': v3file, previous: '2.0.0', description: 'Release 3.0.0' });
    const refused = await upgrade(alice, { '<canister>': 'backend', to: '3.0.0' }).then(() => undefined, (e: unknown) => e);
    const refusal = refused instanceof CliError ? refused.message : String(refused);
    check('Alice\'s upgrade request is refused: she no longer holds the NFT', refused instanceof CliError && /does not hold/.test(refusal), refusal);
    const up2 = await upgrade(bob, { '<canister>': 'backend', to: '3.0.0' });
    check('Bob\'s upgrade to 3.0.0 works', up2.to.hash === v3.hash && up2.changed);
    const notesNow = await (await bob.backend(bob.canister('backend'))).notes();
    check('the dapp\'s data came with it', notesNow.some((n) => n.text.startsWith('Alice: my first note')));

    chapter('7. The frontend: Bob takes it over, the asset canister receives a site, the site changes, anyone verifies it');
    await demoSite(bob, base.as(person('visitor')), dao, scratch, check);

    chapter('8. Rebuilding the backend from source and comparing with what runs (seed 001, layer 2)');
    // One rebuild in a scratch project: nothing to reuse, so no rebuild cache (it would hash the repository).
    const rebuilt = await verifyWasm(bob, { '<canister>': 'backend', cache: false });
    for (const c of rebuilt.checks) check(`verify wasm: ${c.check}`, c.ok, c.detail);

    chapter('9. The audit logs: registry, NFT collection and manager, each checked against the IC\'s certificate');
    for (const canister of ['registry', 'nft', 'manager']) {
      const v = await logVerify(bob, { '<canister>': canister });
      check(`the ${canister} log verifies`, v.ok, `${v.blocks} blocks, tip ${v.tipHash ? short(v.tipHash) : '-'}${v.ok ? '' : `: ${v.failures.map((f) => f.message).join('; ')}`}`);
    }

    chapter('10. The backend\'s history: the IC\'s canister_info merged with the manager\'s record');
    const h = await history(bob, { '<canister>': 'backend' });
    const ids = new Map(bob.ids.entries(bob.network.name).map(([n, id]) => [id.toText(), n]));
    console.log(formatHistoryTable(h.rows, {
      versionName: (x) => h.rows.find((r) => r.moduleHash === x)?.version ?? undefined,
      principalName: (p) => names.get(p) ?? ids.get(p),
    }).split('\n').map((l) => `  ${l}`).join('\n'));
    for (const n of h.notes) console.log(`  note: ${n}`);
    const upgrades = h.rows.filter((r) => r.change === 'upgrade');
    check('the history shows both upgrades with who asked for them', upgrades.length === 2
      && upgrades[0]!.requestedBy === alice.principal.toText() && upgrades[1]!.requestedBy === bob.principal.toText());
    // What the IC records (creation, installs, controllers, snapshot loads) must be in both records;
    // the manager's own entries (snapshots taken, health checks, trust policy) exist only in its log.
    const icChanges = h.rows.filter((r) => !MANAGER_ONLY.has(r.change));
    check('every change is shown by the IC and the manager alike', icChanges.every((r) => r.sources.length === 2), `${icChanges.length} changes`);
  } finally {
    await net?.stop().catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  }
}

main()
  .catch((error: unknown) => {
    const message = error instanceof CliError ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : (error as Error).stack ?? String(error);
    check(`the demo ran to the end`, false, message);
  })
  .finally(() => {
    const failed = checks.filter((c) => !c.ok);
    chapter(`Summary: ${checks.length - failed.length} of ${checks.length} verifications passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    for (const c of checks) console.log(`  ${c.ok ? '✔ passed' : '✘ FAILED'}  ${c.name}`);
    process.exit(failed.length === 0 ? 0 : 1);
  });

