/**
 * Registry cost table: for each operation, the instructions of its heaviest message (and its share
 * of that message's limit), the instructions in total and the cycles, as the emulator meters them
 * (the replica's instruction costs; see packages/pocket `wasm/metering.ts`). USD at 1 XDR = 10^12
 * cycles and the XDR/USD rate below.
 *
 * Run: `pnpm bench` here (after `run.ts`), or `node --conditions=@lineage/source --import tsx bench/costs.ts`.
 */
import { randomBytes } from 'node:crypto';
import { cyclesToUsd, summarizeCosts } from '@lineage/pocket';
import { fetchWasm, publishWasm } from '@lineage/sdk';

import { startRegistryBench } from './registry-bench.js';

/** USD per XDR (IMF rate of late 2025, rounded). */
const USD_PER_XDR = 1.36;
const MiB = 1024 * 1024;

const TYPES = ['org.bench.costs0', 'org.bench.costs1', 'org.bench.costs2'];
const { server, pic, ic, publisher, registryId, registry } = await startRegistryBench(TYPES);

const rows: string[] = [];
async function measure(label: string, f: () => Promise<unknown>): Promise<void> {
  ic.stats.reset();
  await f();
  const s = summarizeCosts(ic.stats.executions, registryId.toText());
  rows.push(`| ${label} | ${s.heaviest.toLocaleString('en')} (${s.heaviestKind}) | ${s.percentOfLimit.toFixed(2)}% | ${s.total.toLocaleString('en')} | ${s.executions} | ${s.cycles.toLocaleString('en')} | $${cyclesToUsd(s.cycles, USD_PER_XDR).toFixed(6)} |`);
}

const data = new Uint8Array(randomBytes(MiB));
let hash: Uint8Array | undefined;
await measure('publish 1 MiB, chunk hashes declared', async () => {
  hash = (await publishWasm(registry as never, { canisterType: TYPES[0]!, version: [1, 0, 0], wasm: data, declareChunkHashes: true })).hash;
});
await measure('publish 1 MiB, no chunk hashes', () => publishWasm(registry as never, { canisterType: TYPES[1]!, version: [1, 0, 0], wasm: new Uint8Array(randomBytes(MiB)), declareChunkHashes: false }));
// The sdk's `chunkSize` option: smaller chunks keep each message's hashing smaller.
await measure('publish 1 MiB in 256 KiB chunks, hashes declared', () => publishWasm(registry as never, { canisterType: TYPES[2]!, version: [1, 0, 0], wasm: new Uint8Array(randomBytes(MiB)), declareChunkHashes: true, chunkSize: 256 * 1024 }));
await measure('fetch 1 MiB', () => fetchWasm(registry as never, hash!, { onProgress: () => undefined }));
await measure('registry query page (get_canister_types, 100)', () => registry.icrc118_get_canister_types({ filter: [], prev: [], take: [100n] }));
await measure('registry query page (get_wasms, 100)', () => registry.icrc118_get_wasms({ filter: [], prev: [], take: [100n] }));

console.log(`\nregistry cost table (13-node application subnet; 1 XDR = 10^12 cycles = $${USD_PER_XDR})\n`);
console.log('| operation | heaviest message (kind) | % of its limit | instructions in total | executions | cycles | USD |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
console.log('\nkinds: U update, NRQ query (limit 5 billion), I install; updates are limited to 40 billion instructions.');
await pic.tearDown();
await server.close();
