/**
 * The README's main command. For now a smoke scenario on the Lineage emulator: start a PocketIC
 * server, install the Azle counter fixture through @dfinity/pic, use it, upgrade it, and show that
 * state and certification hold. Later issues grow this into the end-to-end Lineage demo.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PocketIc, PocketIcServer } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { POCKET_IC_BIN } from '@lineage/pocket';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';

const require = createRequire(import.meta.url);
const checks: { name: string; ok: boolean }[] = [];

function step(text: string): void {
  console.log(`\n▸ ${text}`);
}

function check(name: string, ok: boolean, detail = ''): void {
  checks.push({ name, ok });
  console.log(`  ${ok ? '✔' : '✘'} ${name}${detail ? ` — ${detail}` : ''}`);
}

async function main(): Promise<void> {
  process.env.POCKET_IC_BIN ??= POCKET_IC_BIN;
  step(`Starting a PocketIC server (${process.env.POCKET_IC_BIN === POCKET_IC_BIN ? 'the Lineage emulator' : process.env.POCKET_IC_BIN})`);
  const server = await PocketIcServer.start();
  const pic = await PocketIc.create(server.getUrl());
  try {
    const wasmPath = join(dirname(require.resolve('@lineage/fixture-counter/idl')), 'dist', 'counter.wasm');
    const wasm = readFileSync(wasmPath);
    const hash = createHash('sha256').update(wasm).digest('hex');
    step(`Installing the Azle counter fixture (${(wasm.length / 1e6).toFixed(2)} MB, sha256 ${hash.slice(0, 16)}…) in chunks`);
    const started = performance.now();
    const { actor, canisterId } = await pic.setupCanister<CounterService>({
      idlFactory, wasm, arg: new Uint8Array(IDL.encode(init({ IDL }), [['demo']])),
    });
    console.log(`  canister ${canisterId.toText()} installed in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    const status = await pic.canisterStatus({ canisterId });
    check('module hash is the sha256 of the uploaded Wasm', Buffer.from(status.moduleHash ?? []).toString('hex') === hash);

    step('Calling it: three updates, then a query');
    for (let i = 0; i < 3; i++) await actor.increment();
    const count = await actor.get();
    check('the counter reads 3', count === 3n, `get() = ${count}`);

    step('A method that changes state and then traps');
    const trapped = await actor.incrementThenTrap('demo trap').then(() => 'no trap', (e: Error) => e.message.split('\n')[0]!);
    console.log(`  ${trapped}`);
    check('the trap rolled everything back', (await actor.get()) === 3n);

    step('Upgrading the canister to the same module with a new label');
    await actor.addNote('written before the upgrade');
    await pic.upgradeCanister({ canisterId, wasm, arg: new Uint8Array(IDL.encode(init({ IDL }), [['upgraded']])) });
    check('stable state survived the upgrade', (await actor.get()) === 3n && (await actor.listNotes()).length === 1);
    check('post_upgrade ran with the new argument', (await actor.getLabel()) === 'upgraded');

    step('Certifying data and reading it back with its certificate');
    await actor.setCertified(new Uint8Array(32).fill(1));
    const { certificate } = await actor.getCertified();
    check('a query gets a data certificate', certificate.length === 1, `${certificate[0]?.length ?? 0} bytes of CBOR`);
  } finally {
    await pic.tearDown();
    await server.stop();
  }
  const failed = checks.filter((c) => !c.ok);
  console.log(`\n${checks.length - failed.length}/${checks.length} checks passed`);
  if (failed.length > 0) process.exit(1);
}

main().catch((error) => {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
