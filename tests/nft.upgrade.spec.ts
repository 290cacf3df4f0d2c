// Upgrades keep everything: tokens, holders, metadata, the log and its certified tip, the
// deduplication memory and the settings; an upgrade argument replaces the settings, and one the
// collection cannot accept fails the upgrade and changes nothing.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  acct, allBlocks, err, hex, initArgs, mint, mintArg, nowNanos, ok, outcome, plain, setupNft, transfer, upgradeNft, verifyChain,
  verifyTip, who, type Nft, type NftFixture,
} from './support/nft.js';

/** Everything a client can read, in a comparable form. */
async function snapshot(actor: Nft) {
  const tokens = await actor.icrc7_tokens([], []);
  return plain({
    Map: [
      ['tokens', { Array: tokens.map((t) => ({ Nat: t })) }],
      ['owners', { Array: (await actor.icrc7_owner_of(tokens)).map((o) => ({ Text: o[0] ? `${o[0].owner.toText()}/${hex(o[0].subaccount[0] ?? [])}` : '-' })) }],
      ['metadata', { Array: (await actor.icrc7_token_metadata(tokens)).map((m) => ({ Map: m[0] ?? [] })) }],
      ['balances', { Array: (await actor.icrc7_balance_of([acct(who.alice), acct(who.alice, 2), acct(who.bob)])).map((n) => ({ Nat: n })) }],
      ['collection', { Map: await actor.icrc7_collection_metadata() }],
      ['blocks', { Array: (await allBlocks(actor)).map((b) => b.block) }],
    ],
  });
}

describe('the NFT collection: upgrades', () => {
  let pic: PocketIc;
  let nft: NftFixture;
  let dedupArg: { created_at_time: [bigint] };
  let dedupIndex: bigint;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    nft = await setupNft(pic, initArgs({ supply_cap: [10n], tx_window: [3600n] }));
    await mint(nft.as.authority, 1n, acct(who.alice));
    await mint(nft.as.authority, 2n, acct(who.alice, 2));
    await mint(nft.as.authority, 3n, acct(who.bob));
    dedupArg = { created_at_time: [await nowNanos(pic)] };
    dedupIndex = ok(await transfer(nft.as.alice, 1n, acct(who.bob), dedupArg));
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('keeps tokens, holders, metadata, settings and the log across an upgrade without argument', async () => {
    const before = await snapshot(nft.as.anonymous);
    const tipBefore = await verifyTip(pic, nft.as.anonymous, nft.canisterId);
    await upgradeNft(pic, nft.canisterId, null);
    expect(await snapshot(nft.as.anonymous)).toEqual(before);
    const tipAfter = await verifyTip(pic, nft.as.anonymous, nft.canisterId);
    expect(tipAfter.index).toBe(tipBefore.index);
    expect(hex(tipAfter.hash)).toBe(hex(tipBefore.hash));
    expect((await nft.as.anonymous.lineage_minting_authority()).toText()).toBe(who.authority.toText());
  });

  it('still recognises a retried transfer after the upgrade', async () => {
    expect(err(await transfer(nft.as.alice, 1n, acct(who.bob), dedupArg))).toEqual({ Duplicate: { duplicate_of: dedupIndex } });
  });

  it('goes on after the upgrade: the holder transfers, the authority mints, the chain continues', async () => {
    ok(await transfer(nft.as.bob, 1n, acct(who.alice)));
    expect(outcome(await transfer(nft.as.bob, 1n, acct(who.alice)))).toBe('Unauthorized');
    await mint(nft.as.authority, 4n, acct(who.bob));
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.bob), [], [])).toEqual([3n, 4n]);
    expect(await verifyChain(pic, nft.as.anonymous, nft.canisterId)).toHaveLength(6);
  });

  it('replaces the settings with an upgrade argument, the minting authority included', async () => {
    await upgradeNft(pic, nft.canisterId, initArgs({ minting_authority: who.stranger, symbol: 'LDAPP2', name: 'Lineage dapps, v2', supply_cap: [5n], description: [] }));
    expect(await nft.as.anonymous.icrc7_symbol()).toBe('LDAPP2');
    expect(await nft.as.anonymous.icrc7_name()).toBe('Lineage dapps, v2');
    expect(await nft.as.anonymous.icrc7_description()).toEqual([]);
    expect(await nft.as.anonymous.icrc7_supply_cap()).toEqual([5n]);
    expect(await nft.as.anonymous.icrc7_tx_window()).toEqual([86_400n]);
    expect((await nft.as.anonymous.lineage_minting_authority()).toText()).toBe(who.stranger.toText());
    expect((await nft.as.authority.lineage_mint([mintArg(5n, acct(who.bob))])).map(outcome)).toEqual(['Unauthorized']);
    expect((await nft.as.stranger.lineage_mint([mintArg(5n, acct(who.bob)), mintArg(6n, acct(who.bob))])).map(outcome)).toEqual(['Ok', 'SupplyCapReached']);
    expect(await nft.as.anonymous.icrc7_total_supply()).toBe(5n);
  });

  it('refuses an upgrade argument it cannot accept and keeps everything', async () => {
    const before = await snapshot(nft.as.anonymous);
    await expect(upgradeNft(pic, nft.canisterId, initArgs({ minting_authority: who.stranger, supply_cap: [4n] }))).rejects.toThrow(/below the 5 tokens/);
    await expect(upgradeNft(pic, nft.canisterId, initArgs({ minting_authority: who.anonymous }))).rejects.toThrow(/anonymous/);
    expect(await snapshot(nft.as.anonymous)).toEqual(before);
    expect((await nft.as.anonymous.lineage_minting_authority()).toText()).toBe(who.stranger.toText());
    await verifyChain(pic, nft.as.anonymous, nft.canisterId);
  });
});
