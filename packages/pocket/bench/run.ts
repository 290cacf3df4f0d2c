/**
 * Emulator benchmark: the Azle counter fixture's warm query (`get`) and update (`increment`)
 * through @dfinity/pic and in process, against the same method on a bare WebAssembly.Instance in
 * this process (the baseline, measured in the same run); install time; memory per canister.
 *
 * Run: `pnpm bench` (from the root) or `node --expose-gc --import tsx bench/run.ts` here; add
 * `--in-process` for the bare, instrumented-bare and in-process figures alone.
 */
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { PocketIc, PocketIcServer } from '@dfinity/pic';
import { IDL as PicIDL } from '@icp-sdk/core/candid';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';

import { IcInstance, type EffectivePrincipal } from '../src/instance.js';
import { POCKET_IC_BIN } from '../src/index.js';
import { DirectCanister } from './direct.js';
import { installCounter, updateCall } from './install.js';
import { fmt, median, perCall } from './measure.js';

const wasm = new Uint8Array(readFileSync(new URL('../../../tests/fixtures/counter/dist/counter.wasm', import.meta.url)));
const EMPTY = new Uint8Array(IDL.encode([], []));
const INIT = new Uint8Array(IDL.encode([IDL.Opt(IDL.Text)], [[]]));
const QUERIES = 2000;
const UPDATES = 300;
const RUNS = 5;

function row(label: string, ms: number, baseline?: number): void {
  const ratio = baseline === undefined ? '' : `  ${(ms / baseline).toFixed(2)}× baseline`;
  console.log(`  ${label.padEnd(44)} ${fmt(ms).padStart(9)}${ratio}`);
}

// ---- baseline: bare WebAssembly.Instance -------------------------------------------------
const direct = new DirectCanister(wasm);
direct.call('canister_init', INIT);
const directQuery = await median(RUNS, () => perCall(QUERIES, () => direct.call('canister_query get', EMPTY)));
const directUpdate = await median(RUNS, () => perCall(UPDATES, () => direct.call('canister_update increment', EMPTY)));

// ---- the instrumented module on the same bare footing (what metering itself costs) ---------
const metered = new DirectCanister(wasm, true);
metered.call('canister_init', INIT);
const meteredQuery = await median(RUNS, () => perCall(QUERIES, () => metered.call('canister_query get', EMPTY)));
const meteredUpdate = await median(RUNS, () => perCall(UPDATES, () => metered.call('canister_update increment', EMPTY)));

// ---- in process: IcInstance ----------------------------------------------------------------
const ic = new IcInstance({
  topology: { named: {}, system: [], application: [{ kind: 'Application', instructionConfig: 'Production', costSchedule: 'Normal' }], verifiedApplication: [] },
  seed: 'bench',
});
const anon = Principal.anonymous();
const none: EffectivePrincipal = { kind: 'none' };
const update = (canister: Principal, method: string, payload: Uint8Array) => updateCall(ic, canister, method, payload);
const installInProcess = () => installCounter(ic, wasm, INIT);
const installStarted = performance.now();
const id = installInProcess();
const installInProcessMs = performance.now() - installStarted;
const inQuery = await median(RUNS, () => perCall(QUERIES, () => ic.query(anon, id, 'get', EMPTY, none)));
const inUpdate = await median(RUNS, () => perCall(UPDATES, () => update(id, 'increment', EMPTY)));

// `--in-process`: only the bare, instrumented and in-process figures (quick to iterate on).
const inProcessOnly = process.argv.includes('--in-process');

// ---- memory per canister ------------------------------------------------------------------
function measureMemory(): { perCanisterMB: number; perCanisterArrayMB: number } {
  global.gc?.();
  const before = process.memoryUsage();
  const EXTRA = 8;
  for (let i = 0; i < EXTRA; i++) installInProcess();
  global.gc?.();
  const after = process.memoryUsage();
  return {
    perCanisterMB: (after.rss - before.rss) / EXTRA / 1e6,
    perCanisterArrayMB: (after.arrayBuffers - before.arrayBuffers) / EXTRA / 1e6,
  };
}

// ---- through @dfinity/pic -----------------------------------------------------------------
async function measurePic() {
  process.env.POCKET_IC_BIN ??= POCKET_IC_BIN;
  const server = await PocketIcServer.start();
  const pic = await PocketIc.create(server.getUrl());
  const setupStarted = performance.now();
  const { actor, canisterId } = await pic.setupCanister<CounterService>({ idlFactory, wasm, arg: new Uint8Array(PicIDL.encode(init({ IDL: PicIDL }), [[]])) });
  const installMs = performance.now() - setupStarted;
  const query = await median(RUNS, () => perCall(QUERIES / 4, () => actor.get()));
  const rawQuery = await median(RUNS, () => perCall(QUERIES / 4, () => pic.queryCall({ canisterId, method: 'get', arg: EMPTY })));
  const update = await median(RUNS, () => perCall(UPDATES / 2, () => actor.increment()));
  const status = await median(RUNS, () => perCall(200, () => fetch(`${server.getUrl()}/status`).then((r) => r.text())));
  await pic.tearDown();
  await server.stop();
  return { installMs, query, rawQuery, update, status };
}

const memory = inProcessOnly ? undefined : measureMemory();
const viaPic = inProcessOnly ? undefined : await measurePic();

console.log(`\nEmulator benchmark — Azle counter fixture (${(wasm.length / 1e6).toFixed(2)} MB), median of ${RUNS} runs\n`);
console.log('warm query `get`');
row('baseline: bare WebAssembly.Instance', directQuery);
row('instrumented module, bare (metering alone)', meteredQuery, directQuery);
row('emulator in process (IcInstance.query)', inQuery, directQuery);
if (viaPic) {
  row('through @dfinity/pic (actor, HTTP)', viaPic.query, directQuery);
  row('through @dfinity/pic (raw queryCall)', viaPic.rawQuery, directQuery);
  row('HTTP round trip alone (GET /status)', viaPic.status, directQuery);
}
console.log('warm update `increment` (an ingress message and a round)');
row('baseline: bare WebAssembly.Instance', directUpdate);
row('instrumented module, bare (metering alone)', meteredUpdate, directUpdate);
row('emulator in process (submit + await)', inUpdate, directUpdate);
if (viaPic) row('through @dfinity/pic (actor, HTTP)', viaPic.update, directUpdate);
console.log('install (create, upload 4 chunks, install_chunked_code, canister_init)');
row('emulator in process', installInProcessMs);
if (viaPic) row('through @dfinity/pic (setupCanister)', viaPic.installMs);
if (memory) {
  console.log('memory per installed canister (in process)');
  console.log(`  resident set ${memory.perCanisterMB.toFixed(1)} MB, of which Wasm memories and buffers ${memory.perCanisterArrayMB.toFixed(1)} MB`);
}
