/**
 * NFT cost table: a mint and a transfer of one token, and a transfer batch of 20 (the collection's
 * largest update batch), each with the instructions of its heaviest message, its share of that
 * message's limit, the instructions in total and the cycles, as the emulator meters and charges them. The
 * transfer of a dapp's token, which also tells its backend, is measured with the dapp in the
 * manager's bench. Prints the rows and saves them for the root's combined table.
 *
 * Run: `pnpm bench` here or at the root, or `node --conditions=@lineage/source --import tsx bench/costs.ts`.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { PocketServer, measureCosts, reportCosts, summarizeCosts, type CostRow } from '@lineage/pocket';
import { nftIdl, nftInit, type NftService } from '@lineage/types';

const user = (name: string) => Principal.selfAuthenticating(new Uint8Array(createHash('sha256').update(`nft bench ${name}`).digest()));
const [authority, alice, bob] = [user('authority'), user('alice'), user('bob')];
const account = (owner: Principal) => ({ owner: owner as never, subaccount: [] as [] });

const server = new PocketServer({});
const pic = await PocketIc.create(`http://127.0.0.1:${await server.listen()}`);
const ic = server.api.instance(0)!;
const nftId = await pic.createCanister({ sender: authority });
await pic.installCode({
  canisterId: nftId, wasm: new Uint8Array(readFileSync(new URL('../dist/nft.wasm', import.meta.url))), sender: authority,
  arg: new Uint8Array(IDL.encode(nftInit({ IDL } as never) as unknown as IDL.Type[], [[{
    minting_authority: authority, symbol: 'B', name: 'bench', description: [], logo: [], supply_cap: [], tx_window: [], permitted_drift: [],
  }]])),
});
const as = (p: Principal) => {
  const actor = pic.createActor<NftService>(nftIdl as unknown as IDL.InterfaceFactory, nftId);
  actor.setPrincipal(p);
  return actor;
};

const rows: CostRow[] = [];
async function measure(operation: string, f: () => Promise<unknown[]>): Promise<void> {
  const results = await measureCosts(ic, operation, f);
  const failed = results.find((r) => !r || (typeof r === 'object' && 'Err' in r));
  if (failed !== undefined) throw new Error(`${operation}: ${JSON.stringify(failed, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  rows.push({ operation, summary: summarizeCosts(ic.stats, nftId.toText()) });
}

const metadata = (id: bigint): [string, { Text: string }][] => [['icrc7:name', { Text: `dapp #${id}` }]];
await measure('nft: mint one token', () => as(authority).lineage_mint([{ token_id: 1n, to: account(alice), metadata: metadata(1n) }]));
await as(authority).lineage_mint(Array.from({ length: 20 }, (_, k) => ({ token_id: BigInt(k + 2), to: account(alice), metadata: metadata(BigInt(k + 2)) })));
const transfer = (id: bigint) => ({ from_subaccount: [] as [], to: account(bob), token_id: id, memo: [] as [], created_at_time: [] as [] });
const first = (reply: unknown[]) => reply.map((r) => (r as unknown[])[0]);
await measure('nft: transfer one token (`icrc7_transfer`)', async () => first(await as(alice).icrc7_transfer([transfer(1n)])));
await measure('nft: transfer 20 tokens in one call', async () => first(await as(alice).icrc7_transfer(Array.from({ length: 20 }, (_, k) => transfer(BigInt(k + 2))))));

reportCosts('nft', new URL('./costs.json', import.meta.url), rows);
await pic.tearDown();
await server.close();
