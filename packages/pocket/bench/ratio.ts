/**
 * The cost-of-metering ratios alone, robust to a busy machine: bare, instrumented-bare and
 * in-process calls are measured interleaved, in CPU time of this process. Two estimates: the best
 * of many rounds of each over the best of the bare call (other processes only ever add time), and
 * the median over rounds of each round's time over the bare call's in the same round (the two ran
 * a few milliseconds apart, so a machine that changes speed over seconds moves both alike).
 *
 * Run: `node --expose-gc --import tsx bench/ratio.ts [rounds] [--long]` here. `--long` makes each
 * round ten times (queries) and six times (updates) longer, as `bench/run.ts` does: every case then
 * runs with its caches warm and the emulator's garbage collection in its steady state.
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
const LONG = process.argv.includes('--long');
const QUERIES = LONG ? 2000 : 200;
const UPDATES = LONG ? 300 : 50;

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
const rounds: Record<string, number>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const times: Record<string, number> = {};
  for (const [name, run] of Object.entries(cases)) {
    times[name] = run();
    best[name] = Math.min(best[name] ?? Infinity, times[name]);
  }
  rounds.push(times);
}
const baseOf = (name: string) => (name.startsWith('query') ? 'query, bare' : 'update, bare');
/** The median over rounds of the case's time over the bare call's in the same round. */
function pairedMedian(name: string): number {
  const ratios = rounds.map((times) => times[name]! / times[baseOf(name)]!).sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}
console.log(`  ${''.padEnd(28)} ${'best'.padStart(9)}  best/best  paired median`);
for (const [name, ms] of Object.entries(best)) {
  console.log(`  ${name.padEnd(28)} ${fmt(ms).padStart(9)}  ${(ms / best[baseOf(name)]!).toFixed(2)}×      ${pairedMedian(name).toFixed(2)}×`);
}
