/**
 * The cost-of-metering ratios alone, robust to a busy machine: bare, instrumented-bare and
 * in-process calls are measured interleaved, in CPU time of this process, and the best of many
 * rounds is kept (other processes only ever add time).
 *
 * Run: `node --expose-gc --import tsx bench/ratio.ts [rounds]` here.
 */
import { readFileSync } from 'node:fs';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { IcInstance, type EffectivePrincipal } from '../src/instance.js';
import { installCounter, updateCall } from './install.js';
import { DirectCanister } from './direct.js';
import { fmt } from './measure.js';

const wasm = new Uint8Array(readFileSync(new URL('../../../tests/fixtures/counter/dist/counter.wasm', import.meta.url)));
const EMPTY = new Uint8Array(IDL.encode([], []));
const INIT = new Uint8Array(IDL.encode([IDL.Opt(IDL.Text)], [[]]));
const ROUNDS = Number(process.argv[2] ?? 15);
const QUERIES = 200;
const UPDATES = 50;

/** CPU milliseconds per call of `fn` over `n` calls. */
function cpuPerCall(n: number, fn: () => unknown): number {
  const started = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / n;
}

const bare = new DirectCanister(wasm);
bare.call('canister_init', INIT);
const metered = new DirectCanister(wasm, true);
metered.call('canister_init', INIT);
const ic = new IcInstance({
  topology: { named: {}, system: [], application: [{ kind: 'Application', instructionConfig: 'Production', costSchedule: 'Normal' }], verifiedApplication: [] },
  seed: 'bench',
});
const anon = Principal.anonymous();
const none: EffectivePrincipal = { kind: 'none' };
const id = installCounter(ic, wasm, INIT);
const update = (method: string) => updateCall(ic, id, method, EMPTY);

const cases = {
  'query, bare': () => cpuPerCall(QUERIES, () => bare.call('canister_query get', EMPTY)),
  'query, instrumented bare': () => cpuPerCall(QUERIES, () => metered.call('canister_query get', EMPTY)),
  'query, in process': () => cpuPerCall(QUERIES, () => ic.query(anon, id, 'get', EMPTY, none)),
  'update, bare': () => cpuPerCall(UPDATES, () => bare.call('canister_update increment', EMPTY)),
  'update, instrumented bare': () => cpuPerCall(UPDATES, () => metered.call('canister_update increment', EMPTY)),
  'update, in process': () => cpuPerCall(UPDATES, () => update('increment')),
};
const best: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases)) best[name] = Math.min(best[name] ?? Infinity, run());
}
for (const [name, ms] of Object.entries(best)) {
  const base = best[name.startsWith('query') ? 'query, bare' : 'update, bare']!;
  console.log(`  ${name.padEnd(28)} ${fmt(ms).padStart(9)}  ${(ms / base).toFixed(2)}×`);
}
