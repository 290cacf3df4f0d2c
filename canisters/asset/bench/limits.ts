/**
 * The asset canister against the IC's instruction limits (issue 14, item 7): the heaviest message
 * of a commit of one large file, uploaded as AssetManager and dfx upload it (1,900,000-byte chunks,
 * the declared sha256), and the instructions of `post_upgrade` with 1,000 assets in the canister.
 * Read from the in-process emulator's execution records (the replica's instruction costs).
 *
 * Run: `node --conditions=@lineage/source --import tsx bench/limits.ts [MiB]` here, after `pnpm build`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { PocketServer, summarizeCosts } from '@lineage/pocket';
import { assetIdlFactory, assetInitArgs, type AssetService, type BatchOperationKind } from '@lineage/types';

const MiB = 1024 * 1024;
const CHUNK = 1_900_000;
const ASSETS = 1000;
const PER = Number(process.argv[3] ?? 100);
const size = Math.round(Number(process.argv[2] ?? 5) * MiB);
const wasm = new Uint8Array(readFileSync(new URL('../dist/asset.wasm', import.meta.url)));
const owner = Principal.fromUint8Array(new Uint8Array(29).fill(1));
const text = (s: string) => new TextEncoder().encode(s);
const billions = (n: bigint) => `${(Number(n) / 1e9).toFixed(2)} billion`;

const server = new PocketServer({});
const pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`, { processingTimeoutMs: 600_000 });
const ic = server.api.instance(0)!;
const arg = new Uint8Array(IDL.encode(assetInitArgs({ IDL: IDL as never }) as never, [[]]));
const { actor: a, canisterId } = await pic.setupCanister<AssetService>({ idlFactory: assetIdlFactory as never, wasm, arg, sender: owner, controllers: [owner] });
a.setPrincipal(owner);
const actor = a as unknown as AssetService;
const id = canisterId.toText();

/** Runs `f` and prints the heaviest message of the asset canister meanwhile. */
async function measure(label: string, f: () => Promise<unknown>) {
  ic.stats.reset();
  const started = performance.now();
  await f();
  const s = summarizeCosts(ic.stats, id);
  console.log(`${label}: heaviest message ${billions(s.heaviest)} instructions (${s.heaviestKind}), ${s.percentOfLimit.toFixed(1)}% of its limit; `
    + `${s.executions} executions, ${billions(s.total)} in total; ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return s;
}

// One large file, as AssetManager uploads it.
const big = new Uint8Array(randomBytes(size));
const { batch_id } = await actor.create_batch({});
const chunkIds: bigint[] = [];
await measure(`create_chunk × ${Math.ceil(size / CHUNK)} (1,900,000 bytes)`, async () => {
  for (let at = 0; at < size; at += CHUNK) chunkIds.push((await actor.create_chunk({ batch_id, content: big.subarray(at, at + CHUNK) })).chunk_id);
});
await measure(`commit_batch of one ${size / MiB} MiB file (sha256 declared)`, () => actor.commit_batch({
  batch_id,
  operations: [
    { CreateAsset: { key: '/big.bin', content_type: 'application/octet-stream', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
    { SetAssetContent: { key: '/big.bin', content_encoding: 'identity', chunk_ids: chunkIds, last_chunk: [], sha256: [createHash('sha256').update(big).digest()] } },
  ],
}));
console.log(`  executions: ${ic.stats.executions.filter((e) => e.canister === id).map((e) => `${e.kind} ${e.method ?? ""} ${billions(e.instructions)}`).join("; ")}`);
const served = await actor.get({ key: '/big.bin', accept_encodings: ['identity'] });
const ok = served.total_length === BigInt(size) && Buffer.from(served.sha256[0]!).equals(createHash('sha256').update(big).digest());
console.log(`  served sha256 and length are the content's: ${ok}`);
if (!ok) process.exit(1);

// 1,000 small assets, then an upgrade.
const put = (i: number): BatchOperationKind[] => {
  const key = `/section${i % 10}/page${i}.html`;
  return [
    { CreateAsset: { key, content_type: 'text/html', max_age: [], headers: [], enable_aliasing: [], allow_raw_access: [] } },
    { SetAssetContent: { key, content_encoding: 'identity', chunk_ids: [], last_chunk: [text(`<p>asset ${i}</p>`)], sha256: [] } },
  ];
};
// The first commit of PER new assets, on its own; then the rest.
await measure(`commit_batch of ${PER} new small assets`, async () => {
  const { batch_id: b } = await actor.create_batch({});
  await actor.commit_batch({ batch_id: b, operations: Array.from({ length: PER }, (_, k) => put(k)).flat() });
});
await measure(`${ASSETS - PER} more assets in batches of ${PER}`, async () => {
  for (let from = PER; from < ASSETS; from += PER) {
    const { batch_id: b } = await actor.create_batch({});
    await actor.commit_batch({ batch_id: b, operations: Array.from({ length: PER }, (_, k) => put(from + k)).flat() });
  }
});
await measure(`upgrade with ${ASSETS + 1} assets (pre_upgrade, post_upgrade)`, () => pic.upgradeCanister({ canisterId, wasm, arg: new Uint8Array(IDL.encode([IDL.Opt(IDL.Reserved)], [[]])), sender: owner }));
console.log(`  executions: ${ic.stats.executions.filter((e) => e.canister === id).map((e) => `${e.kind} ${e.method ?? ''} ${billions(e.instructions)}`).join('; ')}`);
await pic.tearDown();
await server.close();
