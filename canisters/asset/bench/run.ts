/**
 * Asset canister benchmark: the time of a commit that changes one file, on the emulator, with 10,
 * 100 and 1,000 assets in the canister, and its ratio to the 10-asset case measured in the same
 * run. The certified tree is updated incrementally (only the changed paths), so the cost must not
 * grow linearly with the number of assets; the first upload of the N assets is shown for contrast.
 *
 * Run: `node --import tsx bench/run.ts` here (after `pnpm build`), or `pnpm bench` from the root.
 */
import { readFileSync } from 'node:fs';

import { IDL } from '@icp-sdk/core/candid';
import { PocketIc, PocketIcServer } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { assetIdlFactory, assetInitArgs, type AssetService, type BatchOperationKind } from '@lineage/types';

import { hashStats, type Operation } from '../src/domain/index.js';
import { MemoryStore } from '../test/memory-store.js';

process.env.POCKET_IC_BIN ??= new URL('../../../packages/pocket/bin/pocket-ic', import.meta.url).pathname;
const wasm = new Uint8Array(readFileSync(new URL('../dist/asset.wasm', import.meta.url)));
const SIZES = [10, 100, 1000];
const CHANGES = 25;
const PER_BATCH = 250;
const owner = Principal.fromUint8Array(new Uint8Array(29).fill(1));
const text = (s: string) => new TextEncoder().encode(s);

/** A realistic spread of keys: pages (with aliases), scripts and styles in a few directories. */
function keyOf(i: number): string {
  const dir = `/section${i % 10}`;
  return i % 3 === 0 ? `${dir}/page${i}.html` : i % 3 === 1 ? `${dir}/js/chunk${i}.js` : `${dir}/css/style${i}.css`;
}

function put(key: string, body: string): BatchOperationKind[] {
  return [
    { CreateAsset: { key, content_type: key.endsWith('.html') ? 'text/html' : 'text/plain', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
    { SetAssetContent: { key, content_encoding: 'identity', chunk_ids: [], last_chunk: [text(body)], sha256: [] } },
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let batchTimes: number[] = [];

async function commit(actor: AssetService, operations: BatchOperationKind[]): Promise<number> {
  const before = performance.now();
  const { batch_id } = await actor.create_batch({});
  const started = performance.now();
  batchTimes.push(started - before);
  const r = await actor.lineage_commit_batch({ batch_id, operations });
  const ms = performance.now() - started;
  if ('Err' in r) throw new Error(JSON.stringify(r.Err, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
  return ms;
}

// ---- the cost model, in process: hashes a one-file commit computes (the canister's own code) ----
const model: { n: number; calls: number; blocks: number }[] = [];
for (const n of SIZES) {
  const store = new MemoryStore();
  for (let at = 0; at < n; at += PER_BATCH) {
    const ops: BatchOperationKind[] = [];
    for (let i = at; i < Math.min(n, at + PER_BATCH); i++) ops.push(...put(keyOf(i), `<p>asset ${i}</p>`));
    store.commit(ops as Operation[]);
  }
  const calls: number[] = [];
  const blocks: number[] = [];
  for (let r = 0; r < CHANGES; r++) {
    hashStats.calls = 0;
    hashStats.blocks = 0;
    store.commit([{ SetAssetContent: { key: keyOf((r * 7919) % n), content_encoding: 'identity', chunk_ids: [], last_chunk: [text(`<p>change ${r}</p>`)], sha256: [] } }]);
    calls.push(hashStats.calls);
    blocks.push(hashStats.blocks);
  }
  model.push({ n, calls: median(calls), blocks: median(blocks) });
}

const server = await PocketIcServer.start();
const pic = await PocketIc.create(server.getUrl());
const results: { n: number; populate: number; change: number; store: number; min: number; empty: number }[] = [];
try {
  for (const n of SIZES) {
    const { actor } = await pic.setupCanister<AssetService>({
      idlFactory: assetIdlFactory as never, wasm, sender: owner, controllers: [owner],
      arg: new Uint8Array(IDL.encode(assetInitArgs({ IDL: IDL as never }) as never, [[]])),
    });
    actor.setPrincipal(owner);
    let populate = 0;
    for (let at = 0; at < n; at += PER_BATCH) {
      const ops: BatchOperationKind[] = [];
      for (let i = at; i < Math.min(n, at + PER_BATCH); i++) ops.push(...put(keyOf(i), `<p>asset ${i}</p>`));
      populate += await commit(actor, ops);
    }
    // Warm up, then change one file per commit (a different one each time).
    await commit(actor, [{ SetAssetContent: { key: keyOf(0), content_encoding: 'identity', chunk_ids: [], last_chunk: [text('warm')], sha256: [] } }]);
    const changes: number[] = [];
    batchTimes = [];
    for (let r = 0; r < CHANGES; r++) {
      const key = keyOf((r * 7919) % n);
      changes.push(await commit(actor, [{ SetAssetContent: { key, content_encoding: 'identity', chunk_ids: [], last_chunk: [text(`<p>change ${r}</p>`)], sha256: [] } }]));
    }
    const stores: number[] = [];
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      await actor.store({ key: keyOf((r * 31) % n), content_type: 'text/html', content_encoding: 'identity', content: text(`<p>store ${r}</p>`), sha256: [] });
      stores.push(performance.now() - started);
    }
    const history = await actor.get_recent_hashes([1n]);
    if (history[0]!.asset_count !== BigInt(n)) throw new Error('the canister does not hold the assets it should');
    results.push({ n, populate, change: median(changes), store: median(stores), min: Math.min(...changes), empty: median(batchTimes) });
  }
} finally {
  await pic.tearDown();
  await server.stop();
}

const base = results[0]!;
console.log('\nAsset canister: one-file commit on the emulator (median of %d commits; store = single-call `store`)\n', CHANGES);
console.log('  assets   first upload   one-file commit   ratio to 10   min      store    ratio to 10   create_batch (a near-empty update)');
for (const r of results) {
  console.log(
    `  ${String(r.n).padStart(6)}   ${`${(r.populate / 1000).toFixed(2)} s`.padStart(12)}   ${`${r.change.toFixed(1)} ms`.padStart(15)}   ${`${(r.change / base.change).toFixed(2)}×`.padStart(11)}   ${`${r.min.toFixed(1)} ms`.padStart(8)} ${`${r.store.toFixed(1)} ms`.padStart(8)}   ${`${(r.store / base.store).toFixed(2)}×`.padStart(11)}   ${`${r.empty.toFixed(1)} ms`.padStart(8)}`,
  );
}
console.log('\n  Hashes a one-file commit computes (the canister\'s domain code in process, independent of machine load):');
for (const m of model) {
  console.log(`  ${String(m.n).padStart(6)} assets: ${String(m.calls).padStart(4)} sha256 calls, ${String(m.blocks).padStart(5)} blocks   ${(m.blocks / model[0]!.blocks).toFixed(2)}×`);
}
const last = results[results.length - 1]!;
const growth = last.change / base.change;
console.log(`\n  ${last.n / base.n}× the assets → ${growth.toFixed(2)}× the commit time (linear would be ${last.n / base.n}×): ${growth < (last.n / base.n) / 4 ? 'sub-linear' : 'TOO CLOSE TO LINEAR'}`);
if (growth >= (last.n / base.n) / 4) process.exitCode = 1;
