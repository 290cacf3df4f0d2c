/**
 * The manager's upgrade against the IC's install limit (issue 14, item 7): `post_upgrade`
 * instructions with N history entries, filled through the real API (`set_trust_policy`, one
 * history block each). The history lives in stable memory and `post_upgrade` reads only its tip,
 * so the figure must not grow with N: the bench measures it empty and at N.
 *
 * Run: `node --conditions=@lineage/source --import tsx bench/upgrade.ts [entries]` here, after `pnpm build`.
 */
import { readFileSync } from 'node:fs';

import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { PocketServer } from '@lineage/pocket';
import { managerIdl, managerInit, type ManagerInitArgs } from '@lineage/types';

const ENTRIES = Number(process.argv[2] ?? 1000);
const wasm = new Uint8Array(readFileSync(new URL('../dist/manager.wasm', import.meta.url)));
const owner = Principal.selfAuthenticating(new Uint8Array(32).fill(9));
const server = new PocketServer({});
const pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`);
const ic = server.api.instance(0)!;
const registry = Principal.fromText('aaaaa-aa');
const args: [ManagerInitArgs] = [{ registry, managed: [], watch_interval_seconds: [], snapshots_kept: [] }];
const arg = new Uint8Array(IDL.encode(managerInit({ IDL } as never) as unknown as IDL.Type[], [args]));
const { actor, canisterId } = await pic.setupCanister({ idlFactory: managerIdl as never, wasm, arg, sender: owner, controllers: [owner] });
actor.setPrincipal(owner);
const manager = actor as unknown as { set_trust_policy(r: unknown): Promise<{ Ok?: null; Err?: unknown }> };

async function upgradeCost(label: string): Promise<void> {
  ic.stats.reset();
  await pic.upgradeCanister({ canisterId, wasm, arg, sender: owner });
  for (const e of ic.stats.executions.filter((x) => x.canister === canisterId.toText())) {
    console.log(`${label}: ${e.kind} ${e.method ?? ''} ${(Number(e.instructions) / 1e9).toFixed(3)} billion instructions (${((Number(e.instructions) / 300e9) * 100).toFixed(2)}% of the install limit)`);
  }
}

await upgradeCost('empty history');
const started = performance.now();
for (let i = 0; i < ENTRIES; i++) {
  const r = await manager.set_trust_policy({ policy: i % 2 === 0 ? [{ threshold: 1, verifiers: [owner] }] : [], requested_by: owner });
  if (!('Ok' in r)) throw new Error(`set_trust_policy ${i}: ${JSON.stringify(r)}`);
}
console.log(`${ENTRIES} history entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
await upgradeCost(`${ENTRIES} more history entries`);
await pic.tearDown();
await server.close();
