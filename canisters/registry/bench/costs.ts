/**
 * Registry cost table: publish and fetch per MiB and a query page, each with the instructions of
 * its heaviest message (and its share of that message's limit), the instructions in total and the
 * cycles, as the emulator meters them (the replica's instruction costs; see packages/pocket
 * `wasm/metering.ts`). Prints the rows and saves them for the root's combined table.
 *
 * Run: `pnpm bench` here (after `run.ts`) or at the root, or `node --conditions=@lineage/source --import tsx bench/costs.ts`.
 */
import { randomBytes } from 'node:crypto';
import { measureCosts, reportCosts, summarizeCosts, type CostRow } from '@lineage/pocket';
import { fetchWasm, publishWasm } from '@lineage/sdk';

import { startRegistryBench } from './registry-bench.js';

const MiB = 1024 * 1024;

const TYPES = ['org.bench.costs0', 'org.bench.costs1', 'org.bench.costs2'];
const { server, pic, ic, registryId, registry } = await startRegistryBench(TYPES);

const rows: CostRow[] = [];
async function measure(operation: string, f: () => Promise<unknown>): Promise<void> {
  await measureCosts(ic, operation, f);
  rows.push({ operation, summary: summarizeCosts(ic.stats, registryId.toText()) });
}

const data = new Uint8Array(randomBytes(MiB));
let hash: Uint8Array | undefined;
await measure('registry: publish 1 MiB, chunk hashes declared', async () => {
  hash = (await publishWasm(registry as never, { canisterType: TYPES[0]!, version: [1, 0, 0], wasm: data, declareChunkHashes: true })).hash;
});
await measure('registry: publish 1 MiB, no chunk hashes', () => publishWasm(registry as never, { canisterType: TYPES[1]!, version: [1, 0, 0], wasm: new Uint8Array(randomBytes(MiB)), declareChunkHashes: false }));
// The sdk's `chunkSize` option at the registry's largest chunk: the heaviest message a publisher can
// make. Part of the module is absorbed by timers, which run only when the instance runs rounds (as
// the IC does by itself): the benchmark ticks meanwhile, and the timers' messages count.
await measure('registry: publish 1 MiB in 512 KiB chunks (the largest the registry takes), hashes declared', async () => {
  let ticking = true;
  const ticker = (async () => {
    while (ticking) await pic.tick();
  })();
  try {
    await publishWasm(registry as never, { canisterType: TYPES[2]!, version: [1, 0, 0], wasm: new Uint8Array(randomBytes(MiB)), declareChunkHashes: true, chunkSize: 512 * 1024, pollIntervalMs: 20 });
  } finally {
    ticking = false;
    await ticker;
  }
});
await measure('registry: fetch 1 MiB', () => fetchWasm(registry as never, hash!, { onProgress: () => undefined }));
await measure('registry: query page (`icrc118_get_canister_types`, 100)', () => registry.icrc118_get_canister_types({ filter: [], prev: [], take: [100n] }));
await measure('registry: query page (`icrc118_get_wasms`, 100)', () => registry.icrc118_get_wasms({ filter: [], prev: [], take: [100n] }));

reportCosts('registry', new URL('./costs.json', import.meta.url), rows);
await pic.tearDown();
await server.close();
