/**
 * Emulator benchmark: the Azle counter fixture's warm query (`get`) and update (`increment`)
 * through @dfinity/pic and in process, against the same method on a bare WebAssembly.Instance in
 * this process (the baseline, measured in the same run); install time; memory per canister.
 *
 * Run: `pnpm bench` (from the root) or `node --import tsx bench/run.ts` here.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { PocketIc, PocketIcServer } from '@dfinity/pic';
import { IDL as PicIDL } from '@icp-sdk/core/candid';
import { idlFactory, init, type CounterService } from '@lineage/fixture-counter/idl';

import { IcInstance, type EffectivePrincipal } from '../src/instance.js';
import { POCKET_IC_BIN } from '../src/index.js';
import { DirectCanister } from './direct.js';
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

// ---- in process: IcInstance ----------------------------------------------------------------
const ic = new IcInstance({
  topology: { named: {}, system: [], application: [{ kind: 'Application', instructionConfig: 'Production', costSchedule: 'Normal' }], verifiedApplication: [] },
  seed: 'bench',
});
const anon = Principal.anonymous();
const none: EffectivePrincipal = { kind: 'none' };
const mgmt = Principal.managementCanister();
function update(canister: Principal, method: string, payload: Uint8Array, effective: EffectivePrincipal = none): Uint8Array {
  const submitted = ic.submitIngress(anon, canister, method, payload, effective);
  if ('err' in submitted) throw new Error(JSON.stringify(submitted.err));
  const result = ic.awaitIngress(submitted.ok.messageId);
  if ('Err' in result) throw new Error(result.Err.reject_message);
  return result.Ok;
}
function installInProcess(): Principal {
  const created = update(mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat) })], [{ amount: [10n ** 18n] }])));
  const id = (IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created)[0] as unknown as { canister_id: Principal }).canister_id;
  const hashes: Uint8Array[] = [];
  for (let at = 0; at < wasm.length; at += 1_000_000) {
    const r = update(mgmt, 'upload_chunk', new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) })], [{ canister_id: id, chunk: wasm.subarray(at, at + 1_000_000) }])));
    hashes.push((IDL.decode([IDL.Record({ hash: IDL.Vec(IDL.Nat8) })], r)[0] as unknown as { hash: Uint8Array }).hash);
  }
  const Chunked = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), target_canister: IDL.Principal, chunk_hashes_list: IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) })), wasm_module_hash: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
  update(mgmt, 'install_chunked_code', new Uint8Array(IDL.encode([Chunked], [{ mode: { install: null }, target_canister: id, chunk_hashes_list: hashes.map((hash) => ({ hash })), wasm_module_hash: createHash('sha256').update(wasm).digest(), arg: INIT }])), { kind: 'canister', id });
  return id;
}
const installStarted = performance.now();
const id = installInProcess();
const installInProcessMs = performance.now() - installStarted;
const inQuery = await median(RUNS, () => perCall(QUERIES, () => ic.query(anon, id, 'get', EMPTY, none)));
const inUpdate = await median(RUNS, () => perCall(UPDATES, () => update(id, 'increment', EMPTY)));

// ---- memory per canister ------------------------------------------------------------------
global.gc?.();
const before = process.memoryUsage();
const EXTRA = 8;
for (let i = 0; i < EXTRA; i++) installInProcess();
global.gc?.();
const after = process.memoryUsage();
const perCanisterMB = (after.rss - before.rss) / EXTRA / 1e6;
const perCanisterArrayMB = (after.arrayBuffers - before.arrayBuffers) / EXTRA / 1e6;

// ---- through @dfinity/pic -----------------------------------------------------------------
process.env.POCKET_IC_BIN ??= POCKET_IC_BIN;
const server = await PocketIcServer.start();
const pic = await PocketIc.create(server.getUrl());
const setupStarted = performance.now();
const { actor, canisterId } = await pic.setupCanister<CounterService>({ idlFactory, wasm, arg: new Uint8Array(PicIDL.encode(init({ IDL: PicIDL }), [[]])) });
const installPicMs = performance.now() - setupStarted;
const picQuery = await median(RUNS, () => perCall(QUERIES / 4, () => actor.get()));
const picRawQuery = await median(RUNS, () => perCall(QUERIES / 4, () => pic.queryCall({ canisterId, method: 'get', arg: EMPTY })));
const picUpdate = await median(RUNS, () => perCall(UPDATES / 2, () => actor.increment()));
const picStatus = await median(RUNS, () => perCall(200, () => fetch(`${server.getUrl()}/status`).then((r) => r.text())));
await pic.tearDown();
await server.stop();

console.log(`\nEmulator benchmark — Azle counter fixture (${(wasm.length / 1e6).toFixed(2)} MB), median of ${RUNS} runs\n`);
console.log('warm query `get`');
row('baseline: bare WebAssembly.Instance', directQuery);
row('emulator in process (IcInstance.query)', inQuery, directQuery);
row('through @dfinity/pic (actor, HTTP)', picQuery, directQuery);
row('through @dfinity/pic (raw queryCall)', picRawQuery, directQuery);
row('HTTP round trip alone (GET /status)', picStatus, directQuery);
console.log('warm update `increment` (an ingress message and a round)');
row('baseline: bare WebAssembly.Instance', directUpdate);
row('emulator in process (submit + await)', inUpdate, directUpdate);
row('through @dfinity/pic (actor, HTTP)', picUpdate, directUpdate);
console.log('install (create, upload 4 chunks, install_chunked_code, canister_init)');
row('emulator in process', installInProcessMs);
row('through @dfinity/pic (setupCanister)', installPicMs);
console.log('memory per installed canister (in process)');
console.log(`  resident set ${perCanisterMB.toFixed(1)} MB, of which Wasm memories and buffers ${perCanisterArrayMB.toFixed(1)} MB`);
