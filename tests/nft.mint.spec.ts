// Minting by the collection's authority (`lineage_mint`) and the ICRC-7 token queries over what was
// minted: owner_of, balance_of, tokens, tokens_of, token_metadata, total_supply, their limits.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  acct, initArgs, LIMITS, mint, mintArg, outcome, plain, setupNft, showAccount, sub, tokenMetadata, who, type NftFixture,
} from './support/nft.js';

describe('the NFT collection: minting and token queries', () => {
  let pic: PocketIc;
  let nft: NftFixture;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    nft = await setupNft(pic, initArgs({ supply_cap: [12n] }));
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('lets the minting authority mint, answering block indices', async () => {
    const results = await nft.as.authority.lineage_mint([mintArg(1n, acct(who.alice)), mintArg(2n, acct(who.bob, 7))]);
    expect(results).toEqual([{ Ok: 0n }, { Ok: 1n }]);
    expect(await nft.as.anonymous.icrc7_total_supply()).toBe(2n);
    const owners = await nft.as.anonymous.icrc7_owner_of([1n, 2n]);
    expect(owners.map((o) => showAccount(o[0]))).toEqual([showAccount(acct(who.alice)), showAccount(acct(who.bob, 7))]);
  });

  it('refuses everyone but the minting authority, the canister controller and anonymous included', async () => {
    for (const role of ['controller', 'alice', 'stranger'] as const) {
      const results = await nft.as[role].lineage_mint([mintArg(100n, acct(who[role]))]);
      expect(results.map(outcome), role).toEqual(['Unauthorized']);
    }
    // The anonymous principal mints nothing: its ingress is refused before it runs (canister_inspect_message).
    await expect(nft.as.anonymous.lineage_mint([mintArg(100n, acct(who.alice))])).rejects.toThrow(/lineage_mint refuses the anonymous principal/);
    expect(await nft.as.anonymous.icrc7_owner_of([100n])).toEqual([[]]);
    expect(await nft.as.anonymous.icrc7_total_supply()).toBe(2n);
  });

  it('refuses an existing token id, invalid recipients and oversized metadata, element by element', async () => {
    const big: [string, { Blob: Uint8Array }][] = [['lineage:blob', { Blob: new Uint8Array(Number(LIMITS.maxMetadataBytes)) }]];
    const results = await nft.as.authority.lineage_mint([
      mintArg(1n, acct(who.bob)),
      mintArg(3n, acct(who.anonymous)),
      mintArg(3n, acct(who.bob, new Uint8Array(31))),
      mintArg(3n, acct(who.bob), big),
      mintArg(3n, acct(who.bob)),
      mintArg(3n, acct(who.alice)),
    ]);
    expect(results.map(outcome)).toEqual(['TokenExists', 'InvalidRecipient', 'InvalidRecipient', 'MetadataTooLarge', 'Ok', 'TokenExists']);
    expect(results[3]).toEqual({ Err: { MetadataTooLarge: { max_bytes: LIMITS.maxMetadataBytes } } });
    expect((await nft.as.anonymous.icrc7_owner_of([1n, 3n])).map((o) => showAccount(o[0]))).toEqual([showAccount(acct(who.alice)), showAccount(acct(who.bob))]);
  });

  it('treats an all-zero subaccount as the default account', async () => {
    expect(await mint(nft.as.authority, 4n, acct(who.alice, new Uint8Array(32)))).toBe(3n);
    expect((await nft.as.anonymous.icrc7_owner_of([4n]))[0]).toEqual([{ owner: who.alice, subaccount: [] }]);
  });

  it('refuses a batch over icrc7_max_update_batch_size whole', async () => {
    const tooMany = Array.from({ length: Number(LIMITS.maxUpdateBatch) + 1 }, (_, i) => mintArg(1000n + BigInt(i), acct(who.alice)));
    expect(await nft.as.authority.lineage_mint(tooMany)).toEqual([{ Err: { BatchTooLarge: { max_batch_size: LIMITS.maxUpdateBatch } } }]);
    expect(await nft.as.anonymous.icrc7_owner_of([1000n])).toEqual([[]]);
    expect(await nft.as.authority.lineage_mint([])).toEqual([]);
  });

  it('answers token metadata, null for tokens that do not exist', async () => {
    const [one, missing, three] = await nft.as.anonymous.icrc7_token_metadata([1n, 99n, 3n]);
    expect(one!.length).toBe(1);
    expect(plain({ Map: one![0]! })).toEqual(plain({ Map: tokenMetadata(1n) }));
    expect(missing).toEqual([]);
    expect(plain({ Map: three![0]! })).toEqual(plain({ Map: tokenMetadata(3n) }));
    // A token minted with no metadata has an empty vector, not null.
    await mint(nft.as.authority, 5n, acct(who.stranger), []);
    expect(await nft.as.anonymous.icrc7_token_metadata([5n])).toEqual([[[]]]);
  });

  it('answers balances per account, subaccounts apart, zero for unknown accounts', async () => {
    // alice: 1, 4; bob.7: 2; bob: 3; stranger: 5
    const balances = await nft.as.anonymous.icrc7_balance_of([
      acct(who.alice), acct(who.alice, new Uint8Array(32)), acct(who.bob), acct(who.bob, 7), acct(who.bob, 8), acct(who.stranger),
      acct(who.controller), acct(who.bob, new Uint8Array(3)),
    ]);
    expect(balances).toEqual([2n, 2n, 1n, 1n, 0n, 1n, 0n, 0n]);
  });

  it('pages through all tokens and an account tokens in ascending order', async () => {
    for (const id of [40n, 12n, 2n ** 70n, 25n]) await mint(nft.as.authority, id, acct(who.alice, 1));
    const all = [1n, 2n, 3n, 4n, 5n, 12n, 25n, 40n, 2n ** 70n];
    expect(await nft.as.anonymous.icrc7_tokens([], [])).toEqual(all);
    expect(await nft.as.anonymous.icrc7_tokens([], [4n])).toEqual(all.slice(0, 4));
    expect(await nft.as.anonymous.icrc7_tokens([4n], [4n])).toEqual(all.slice(4, 8));
    expect(await nft.as.anonymous.icrc7_tokens([40n], [4n])).toEqual([2n ** 70n]);
    expect(await nft.as.anonymous.icrc7_tokens([2n ** 70n], [4n])).toEqual([]);
    expect(await nft.as.anonymous.icrc7_tokens([6n], [0n])).toEqual([]);
    // A take over the maximum is the maximum.
    expect(await nft.as.anonymous.icrc7_tokens([], [LIMITS.maxTake * 10n])).toEqual(all);

    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice, 1), [], [])).toEqual([12n, 25n, 40n, 2n ** 70n]);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice, 1), [12n], [2n])).toEqual([25n, 40n]);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice), [], [])).toEqual([1n, 4n]);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice, new Uint8Array(32)), [1n], [])).toEqual([4n]);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.controller), [], [])).toEqual([]);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice, sub(99)), [], [])).toEqual([]);
  });

  it('answers a prefix of batch queries over icrc7_max_query_batch_size', async () => {
    const ids = Array.from({ length: Number(LIMITS.maxQueryBatch) + 5 }, (_, i) => BigInt(i + 1));
    expect(await nft.as.anonymous.icrc7_owner_of(ids)).toHaveLength(Number(LIMITS.maxQueryBatch));
    expect(await nft.as.anonymous.icrc7_token_metadata(ids)).toHaveLength(Number(LIMITS.maxQueryBatch));
    expect(await nft.as.anonymous.icrc7_balance_of(ids.map(() => acct(who.alice)))).toHaveLength(Number(LIMITS.maxQueryBatch));
  });

  it('stops minting at the supply cap', async () => {
    const supply = await nft.as.anonymous.icrc7_total_supply();
    const room = 12n - supply;
    expect(room).toBe(3n);
    const results = await nft.as.authority.lineage_mint(Array.from({ length: Number(room) + 2 }, (_, i) => mintArg(500n + BigInt(i), acct(who.bob))));
    expect(results.filter((r) => 'Ok' in r)).toHaveLength(Number(room));
    expect(results.slice(Number(room))).toEqual([{ Err: { SupplyCapReached: { supply_cap: 12n } } }, { Err: { SupplyCapReached: { supply_cap: 12n } } }]);
    expect(await nft.as.anonymous.icrc7_total_supply()).toBe(12n);
  });
});
