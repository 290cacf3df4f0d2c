/**
 * Manager cost table: spawning a dapp, an owner-triggered upgrade of each of its canisters
 * (backend, manager, asset: the holder asks the backend, the manager snapshots, installs from the
 * registry and health-checks), the transfer of the dapp's token (the collection tells the backend)
 * and a page of the deployment history, each with the instructions
 * of its heaviest message, its share of that message's limit, the instructions in total and the
 * cycles, over every canister involved, as the emulator meters them. Prints the rows and saves
 * them for the root's combined table.
 *
 * The world (registry, collection, published releases) and the dapp are the dapp suites' own
 * fixtures (`tests/support/dapp.ts`), on an in-process emulator so the executions can be read.
 *
 * Run: `pnpm bench` here (after `run.ts`) or at the root, or `node --conditions=@lineage/source --import tsx bench/costs.ts`.
 */
import { PocketIc } from '@dfinity/pic';
import { PocketServer, measureCosts, reportCosts, summarizeCosts, type CostRow } from '@lineage/pocket';

import { historyRequest, setupWorld, spawn, upgradeDapp, who, type Dapp, type PublishedVersion, type Role } from '../../../tests/support/dapp.js';

/** The IC's canister creation fee on a 13-node application subnet (500 billion cycles). */
const CREATION_FEE = 500_000_000_000n;

const server = new PocketServer({});
const pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`, { processingTimeoutMs: 600_000 });
const ic = server.api.instance(0)!;
const world = await setupWorld(pic, { withAsset: true });

const rows: CostRow[] = [];
const names: Record<string, string> = { [world.registryId.toText()]: 'registry', [world.nftId.toText()]: 'nft' };
async function measure<T>(operation: string, f: () => Promise<T>, extra?: CostRow['extra']): Promise<T> {
  const result = await measureCosts(ic, operation, f);
  rows.push({ operation, summary: summarizeCosts(ic.stats), names, ...(extra ? { extra } : {}) });
  return result;
}

// The fixture creates the dapp's canisters with pic's provisional calls, which the IC does not
// charge; on mainnet each costs the creation fee: added to the row, named in its breakdown.
const dapp: Dapp = await measure(
  'manager: spawn a dapp (backend, manager, asset; incl. 3 canister creation fees)',
  () => spawn(world, who.alice, { withAsset: true }),
  { label: 'creation (3 canisters, mainnet)', cycles: 3n * CREATION_FEE },
);
Object.assign(names, { [dapp.backendId.toText()]: 'backend', [dapp.managerId.toText()]: 'manager', [dapp.assetId!.toText()]: 'asset' });

/**
 * The holder upgrades `role` through the backend: every message of every canister (backend,
 * manager, registry, the upgraded canister's `install_code`, the snapshot and the health check).
 */
async function upgrade(role: Role, to: PublishedVersion, label: string): Promise<void> {
  const { reply, operation } = await measure(`manager: owner-triggered upgrade of the ${label}, all messages (snapshot, install, health check)`, () => upgradeDapp(world, dapp, who.alice, role, to));
  if ('Err' in reply) throw new Error(`the ${label} upgrade was refused: ${Object.keys(reply.Err)[0]}`);
  if (!operation || !('Completed' in operation.state)) throw new Error(`the ${label} upgrade did not complete: ${Object.keys(operation?.state ?? {})[0]}`);
}
const mb = (v: PublishedVersion) => `${(v.wasm.length / 1e6).toFixed(1)} MB`;
await upgrade('Backend', world.backend.v2, `backend (${mb(world.backend.v2)} gzipped release)`);
await upgrade('Manager', world.manager.v2, `manager (${mb(world.manager.v2)})`);
await upgrade('Asset', world.asset!.v2, `asset canister (${mb(world.asset!.v2)})`);

// A full page: the holder's trust-policy changes add one history entry each until there are 100.
const owner = dapp.backendAs(who.alice);
const manager = dapp.managerAs(who.anonymous);
for (let total = (await manager.deployment_history(historyRequest({ take: 1n }))).total; total < 100n;) {
  const set = await owner.set_trust_policy([]);
  if ('Err' in set) throw new Error(`set_trust_policy: ${Object.keys(set.Err)[0]}`);
  const now = (await manager.deployment_history(historyRequest({ take: 1n }))).total;
  if (now <= total) throw new Error('a trust-policy change added no history entry');
  total = now;
}
// A page stops once it spent 16% of the query limit (about 45 entries); the caller pages on.
const page = await measure('manager: deployment history page (`deployment_history`, 100 asked of 100 entries; ends near a fifth of the query limit)', () => manager.deployment_history(historyRequest({ take: 100n })));
if (page.entries.length === 0 || page.total < 100n) throw new Error(`the page holds ${page.entries.length} of ${page.total} entries`);
console.log(`history page: ${page.entries.length} of ${page.total} entries served in one query`);

// The dapp changes hands: the collection transfers the token and tells the backend (one-way call).
const transferred = await measure('nft: transfer of a dapp\'s token (the collection tells its backend)', async () => {
  const reply = await world.nft(who.alice).icrc7_transfer([{ from_subaccount: [], to: { owner: who.bob as never, subaccount: [] }, token_id: dapp.tokenId, memo: [], created_at_time: [] }]);
  for (let round = 0; round < 3; round++) await pic.tick();
  return reply[0]?.[0];
});
if (!transferred || 'Err' in transferred) throw new Error(`the dapp's token was not transferred: ${JSON.stringify(transferred, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
if (!ic.stats.executions.some((r) => r.canister === dapp.backendId.toText() && r.method?.endsWith('lineage_holder_changed'))) throw new Error('the backend was not told of the transfer');

reportCosts('manager', new URL('./costs.json', import.meta.url), rows);
await pic.tearDown();
await server.close();
