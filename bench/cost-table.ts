/**
 * Lineage's cost table, whole: the rows every canister's `bench/costs.ts` saved (registry, manager,
 * nft, asset, in the order of issue 14's list), printed as the markdown table of the README's
 * "Measurements" section. `pnpm bench` runs it after the packages' benchmarks.
 *
 * Run alone (after the benchmarks): `node --import tsx bench/cost-table.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';

import { costTable, costTableNotes, type SavedCostRows } from '../packages/pocket/src/cost-table.js';

const PACKAGES = ['registry', 'manager', 'nft', 'asset'];

const rows: string[] = [];
const times: string[] = [];
const missing: string[] = [];
for (const name of PACKAGES) {
  const file = new URL(`../canisters/${name}/bench/costs.json`, import.meta.url);
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedCostRows;
  rows.push(...saved.rows);
  times.push(saved.measuredAt);
}
times.sort();
console.log('\nLineage cost table (`pnpm bench`), for the README\'s "Measurements" section:\n');
console.log(costTable(rows));
console.log(`\n${costTableNotes()}`);
if (times.length) console.log(`Measured ${times[0]!.slice(0, 16).replace('T', ' ')}–${times.at(-1)!.slice(11, 16)} UTC on the emulator.`);
if (missing.length) {
  console.error(`\nno cost rows from ${missing.join(', ')}: run their benchmarks (\`pnpm bench\`)`);
  process.exitCode = 1;
}
