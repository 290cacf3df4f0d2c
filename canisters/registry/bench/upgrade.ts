/**
 * The registry's upgrade against the IC's install limit (issue 14, item 7): `post_upgrade` (and
 * `pre_upgrade`) instructions with N versions registered, verified, through the real API (each a
 * small module in one chunk, chained by previous_hash within 10 types). The install limit is 300
 * billion; Lineage keeps every message under a quarter of its limit.
 *
 * Run: `node --conditions=@lineage/source --import tsx bench/upgrade.ts [versions]` here, after `pnpm build`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { IDL } from '@icp-sdk/core/candid';
import { summarizeCosts } from '@lineage/pocket';
import { registryInit } from '@lineage/types';

import { startRegistryBench } from './registry-bench.js';

const VERSIONS = Number(process.argv[2] ?? 1000);
const TYPES = Array.from({ length: 10 }, (_, i) => `org.bench.upgrade${i}`);
const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());
const { server, pic, ic, publisher, registryId, registry } = await startRegistryBench(TYPES);
const r = registry as never as {
  icrc118_update_wasm(q: unknown): Promise<unknown>;
  icrc118_upload_wasm_chunk(q: unknown): Promise<{ Ok?: { calculated_hash: [] | [Uint8Array] }; Error?: unknown }>;
};

const started = performance.now();
const previous = new Map<string, Uint8Array>();
for (let i = 0; i < VERSIONS; i++) {
  const type = TYPES[i % TYPES.length]!;
  const n = Math.floor(i / TYPES.length);
  const wasm = new TextEncoder().encode(`\0asm module ${type} ${n} ${'x'.repeat(200)}`);
  const hash = sha256(wasm);
  const prev = previous.get(type);
  const reg = await r.icrc118_update_wasm({
    canister_type: type, version_number: [1n, BigInt(n), 0n], description: `version ${n}`, repo: 'https://example.org/bench',
    metadata: [['build', { Text: String(n) }]], previous_hash: prev ? [prev] : [], expected_hash: hash, expected_chunks: 1n, chunk_hashes: [],
  });
  if (!(reg as { Ok?: unknown }).Ok && (reg as { Ok?: unknown }).Ok !== 0n) {
    if (!('Ok' in (reg as object))) throw new Error(`registration ${i}: ${JSON.stringify(reg, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  }
  const up = await r.icrc118_upload_wasm_chunk({ hash, chunk_id: 0n, wasm_chunk: wasm });
  if (!up.Ok || up.Ok.calculated_hash.length === 0) throw new Error(`upload ${i}: ${JSON.stringify(up, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  previous.set(type, hash);
}
console.log(`${VERSIONS} versions registered and verified in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const wasm = new Uint8Array(readFileSync(new URL('../dist/registry.wasm', import.meta.url)));
ic.stats.reset();
await pic.upgradeCanister({
  canisterId: registryId, wasm, sender: publisher,
  arg: new Uint8Array(IDL.encode(registryInit({ IDL } as never) as unknown as IDL.Type[], [[]])),
});
for (const e of ic.stats.executions.filter((x) => x.canister === registryId.toText())) {
  console.log(`  ${e.kind} ${e.method ?? ''}: ${(Number(e.instructions) / 1e9).toFixed(2)} billion instructions (${((Number(e.instructions) / 300e9) * 100).toFixed(1)}% of the install limit)`);
}
const s = summarizeCosts(ic.stats, registryId.toText());
console.log(`upgrade with ${VERSIONS} versions: heaviest ${(Number(s.heaviest) / 1e9).toFixed(2)} billion (${s.heaviestKind}), ${s.percentOfLimit.toFixed(1)}% of its limit`);
await pic.tearDown();
await server.close();
