/**
 * Asset canister benchmark: the time of a commit that changes one file, on the emulator, with 10,
 * 100 and 1,000 assets in the canister, and its ratio to the 10-asset case measured in the same
 * run. The certified tree is updated incrementally (only the changed paths), so the cost must not
 * grow linearly with the number of assets; the first upload of the N assets is shown for contrast.
 *
 * For the 1,000-asset canister it also times a second sync of the unchanged site, as `ic-asset`
 * (dfx, icp) does it (list, every asset's properties, an empty batch) and as AssetManager does it
 * (every file sent again, CreateAsset and content), and a `compute_evidence` of a proposed batch of
 * 1,000 operations.
 *
 * Run: `node --import tsx bench/run.ts` here (after `pnpm build`), or `pnpm bench` from the root.
 */
import { PocketIc, PocketIcServer } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import type { AssetService, BatchOperationKind } from '@lineage/types';

import { hashStats, type Operation } from '../src/domain/index.js';
import { MemoryStore } from '../test/memory-store.js';
import { bodyOf, installAssetCanister, keyOf, put, text } from './asset-bench.js';

process.env.POCKET_IC_BIN ??= new URL('../../../packages/pocket/bin/pocket-ic', import.meta.url).pathname;
const SIZES = [10, 100, 1000];
const CHANGES = 25;
// Files per commit: a commit of 100 small files takes about 26 billion of the 40 billion instructions one update may run (bench/costs.ts).
const PER_BATCH = 50;
const owner = Principal.fromUint8Array(new Uint8Array(29).fill(1));

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
// A shared build machine can be slow: allow long commits (the first upload of 250 assets each).
const pic = await PocketIc.create(server.getUrl(), { processingTimeoutMs: 300_000 });
const results: { n: number; populate: number; change: number; store: number; min: number; empty: number }[] = [];
let resync: { icAsset: number; pages: number; assets: number; manager: number; entries: bigint } | undefined;
let evidence: { ms: number; calls: number; operations: number } | undefined;

/** A second sync of the unchanged site: ic-asset's way, then AssetManager's; neither may add a history entry. */
async function unchangedSync(actor: AssetService, n: number) {
  const before = (await actor.get_recent_hashes([1n]))[0]!.index;
  let started = performance.now();
  let pages = 0;
  const keys: string[] = [];
  for (;;) {
    const page = await actor.list({ start: [BigInt(keys.length)], length: [] });
    pages++;
    if (page.length === 0) break;
    keys.push(...page.map((a) => a.key));
  }
  await Promise.all(keys.map((k) => actor.get_asset_properties(k)));
  const { batch_id } = await actor.create_batch({});
  await actor.commit_batch({ batch_id, operations: [] });
  const icAsset = performance.now() - started;
  started = performance.now();
  for (let at = 0; at < n; at += PER_BATCH) {
    const ops: BatchOperationKind[] = [];
    for (let i = at; i < Math.min(n, at + PER_BATCH); i++) ops.push(...put(keyOf(i), bodyOf(i)));
    await commit(actor, ops);
  }
  const manager = performance.now() - started;
  const entries = (await actor.get_recent_hashes([1n]))[0]!.index - before;
  return { icAsset, pages, assets: keys.length, manager, entries };
}

/** Proposes a batch of `operations` operations and computes its evidence as ic-asset does (97 steps per call). */
async function proposalEvidence(actor: AssetService, operations: number) {
  const { batch_id } = await actor.create_batch({});
  const ops: BatchOperationKind[] = [];
  for (let i = 0; ops.length < operations; i++) ops.push(...put(`/proposed/page${i}.html`, `<p>proposed ${i}</p>`));
  await actor.propose_commit_batch({ batch_id, operations: ops.slice(0, operations) });
  const started = performance.now();
  let calls = 0;
  for (;;) {
    calls++;
    if ((await actor.compute_evidence({ batch_id, max_iterations: [97] })).length) break;
  }
  const ms = performance.now() - started;
  await actor.delete_batch({ batch_id });
  return { ms, calls, operations };
}
try {
  for (const n of SIZES) {
    const { actor } = await installAssetCanister(pic, owner);
    let populate = 0;
    for (let at = 0; at < n; at += PER_BATCH) {
      const ops: BatchOperationKind[] = [];
      for (let i = at; i < Math.min(n, at + PER_BATCH); i++) ops.push(...put(keyOf(i), bodyOf(i)));
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
    if (n === SIZES[SIZES.length - 1]) {
      // Bring the assets the changes above touched (contents, and `store`'s content types) back
      // to what the site has, then sync the site again unchanged.
      const touched = new Set([0, ...Array.from({ length: CHANGES }, (_, r) => (r * 7919) % n), ...Array.from({ length: 5 }, (_, r) => (r * 31) % n)]);
      await commit(actor, [...touched].flatMap((i) => [{ DeleteAsset: { key: keyOf(i) } }, ...put(keyOf(i), bodyOf(i))]));
      resync = await unchangedSync(actor, n);
      if (resync.entries !== 0n) throw new Error(`an unchanged sync added ${resync.entries} history entries`);
      evidence = await proposalEvidence(actor, 1000);
    }
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
if (resync) {
  console.log(`\n  Second sync of the unchanged ${SIZES[SIZES.length - 1]}-file site (no history entry, nothing written):`);
  console.log(`    ic-asset's way (${resync.pages} list pages, ${resync.assets} get_asset_properties, an empty batch): ${(resync.icAsset / 1000).toFixed(2)} s, ${resync.pages + resync.assets} queries + 2 updates`);
  console.log(`    AssetManager's way (every file again in batches of ${PER_BATCH}): ${(resync.manager / 1000).toFixed(2)} s (first upload: ${(results[results.length - 1]!.populate / 1000).toFixed(2)} s)`);
}
if (evidence) {
  console.log(`\n  compute_evidence of a proposed batch of ${evidence.operations} operations: ${(evidence.ms / 1000).toFixed(2)} s in ${evidence.calls} calls of 97 steps`);
}
const last = results[results.length - 1]!;
const growth = last.change / base.change;
console.log(`\n  ${last.n / base.n}× the assets → ${growth.toFixed(2)}× the commit time (linear would be ${last.n / base.n}×): ${growth < (last.n / base.n) / 4 ? 'sub-linear' : 'TOO CLOSE TO LINEAR'}`);
if (growth >= (last.n / base.n) / 4) process.exitCode = 1;
