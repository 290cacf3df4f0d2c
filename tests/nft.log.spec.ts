// The collection's ICRC-3 log: one block per mint and per transfer, following the ICRC-7 block
// schema (btype 7mint / 7xfer; tx.tid, from, to, meta, memo, ts), chained by phash, its tip
// certified and verified with @dfinity/agent against the subnet's root key.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  accountValue, acct, field, fieldNames, hex, initArgs, LIMITS, logLength, mint, mintArg, nowNanos, ok, plain, setupNft, sub, tokenMetadata, transfer,
  verifyChain, verifyTip, who, type NftFixture,
} from './support/nft.js';

describe('the NFT collection: the ICRC-3 log', () => {
  let pic: PocketIc;
  let nft: NftFixture;

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    nft = await setupNft(pic, initArgs());
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('records a mint as a 7mint block with tid, from (the authority), to and the full metadata', async () => {
    const before = await nowNanos(pic);
    const index = await mint(nft.as.authority, 7n, acct(who.alice, 4));
    expect(index).toBe(0n);
    const { blocks, log_length } = await nft.as.anonymous.icrc3_get_blocks([{ start: 0n, length: 1n }]);
    expect(log_length).toBe(1n);
    const block = blocks[0]!.block;
    expect(fieldNames(block)).toEqual(['btype', 'ts', 'tx']);
    expect(plain(field(block, 'btype')!)).toEqual({ Text: '7mint' });
    const ts = field(block, 'ts');
    expect(ts && 'Nat' in ts && ts.Nat).toBeGreaterThanOrEqual(before);
    const tx = field(block, 'tx');
    expect(fieldNames(tx)).toEqual(['from', 'meta', 'tid', 'to']);
    expect(plain(field(tx, 'tid')!)).toEqual({ Nat: '7n' });
    expect(plain(field(tx, 'from')!)).toEqual(plain(accountValue(who.authority)));
    expect(plain(field(tx, 'to')!)).toEqual(plain(accountValue(who.alice, sub(4))));
    expect(plain(field(tx, 'meta')!)).toEqual(plain({ Map: [['icrc7:token_metadata', { Map: tokenMetadata(7n) }]] }));
  });

  it('records a transfer as a 7xfer block with tid, from, to, and memo and ts when given', async () => {
    const plainIndex = ok(await transfer(nft.as.alice, 7n, acct(who.bob), { from_subaccount: acct(who.alice, 4).subaccount }));
    const createdAt = await nowNanos(pic);
    const fullIndex = ok(await transfer(nft.as.bob, 7n, acct(who.alice), { memo: [Uint8Array.of(0xca, 0xfe)], created_at_time: [createdAt] }));
    expect([plainIndex, fullIndex]).toEqual([1n, 2n]);
    const { blocks } = await nft.as.anonymous.icrc3_get_blocks([{ start: 1n, length: 2n }]);
    expect(blocks.map((b) => b.id)).toEqual([1n, 2n]);
    const [first, second] = blocks.map((b) => b.block);
    expect(plain(field(first, 'btype')!)).toEqual({ Text: '7xfer' });
    expect(fieldNames(field(first, 'tx'))).toEqual(['from', 'tid', 'to']);
    expect(plain(field(field(first, 'tx'), 'from')!)).toEqual(plain(accountValue(who.alice, sub(4))));
    expect(plain(field(field(first, 'tx'), 'to')!)).toEqual(plain(accountValue(who.bob)));
    const tx = field(second, 'tx');
    expect(fieldNames(tx)).toEqual(['from', 'memo', 'tid', 'to', 'ts']);
    expect(plain(field(tx, 'memo')!)).toEqual(plain({ Blob: Uint8Array.of(0xca, 0xfe) }));
    expect(plain(field(tx, 'ts')!)).toEqual({ Nat: `${createdAt}n` });
    expect(plain(field(tx, 'tid')!)).toEqual({ Nat: '7n' });
  });

  it('appends no block for refused mints and transfers', async () => {
    const before = await logLength(nft.as.anonymous);
    await nft.as.stranger.lineage_mint([{ token_id: 8n, to: acct(who.stranger), metadata: [] }]);
    await transfer(nft.as.bob, 7n, acct(who.stranger));
    await transfer(nft.as.alice, 7n, acct(who.alice));
    expect(await logLength(nft.as.anonymous)).toBe(before);
  });

  it('chains every block to its parent and certifies the tip', async () => {
    for (let i = 0n; i < 5n; i++) await mint(nft.as.authority, 100n + i, acct(who.bob));
    ok(await transfer(nft.as.bob, 100n, acct(who.alice)));
    const blocks = await verifyChain(pic, nft.as.anonymous, nft.canisterId);
    expect(blocks).toHaveLength(9);
    expect(blocks.map((b) => { const t = field(b.block, 'btype'); return t && 'Text' in t ? t.Text : ''; }))
      .toEqual(['7mint', '7xfer', '7xfer', '7mint', '7mint', '7mint', '7mint', '7mint', '7xfer']);
  });

  it('answers ranges of blocks, clipped to the log', async () => {
    const length = await logLength(nft.as.anonymous);
    const reply = await nft.as.anonymous.icrc3_get_blocks([{ start: 1n, length: 2n }, { start: length - 1n, length: 10n }, { start: length + 5n, length: 1n }]);
    expect(reply.log_length).toBe(length);
    expect(reply.blocks.map((b) => b.id)).toEqual([1n, 2n, length - 1n]);
    expect(reply.archived_blocks).toEqual([]);
  });

  it('answers at most 100 blocks per reply; a client pages through the rest', async () => {
    let id = 1000n;
    while ((await logLength(nft.as.anonymous)) <= LIMITS.maxBlocksPerReply) {
      const batch = Array.from({ length: Number(LIMITS.maxUpdateBatch) }, () => mintArg(id++, acct(who.bob), []));
      expect((await nft.as.authority.lineage_mint(batch)).every((r) => 'Ok' in r)).toBe(true);
    }
    const length = await logLength(nft.as.anonymous);
    const first = await nft.as.anonymous.icrc3_get_blocks([{ start: 0n, length }]);
    expect(first.log_length).toBe(length);
    expect(first.blocks.map((b) => b.id)).toEqual(Array.from({ length: Number(LIMITS.maxBlocksPerReply) }, (_, i) => BigInt(i)));
    expect(await verifyChain(pic, nft.as.anonymous, nft.canisterId)).toHaveLength(Number(length));
  });

  it('certifies a new tip after every change, verifiable by anyone', async () => {
    const before = await verifyTip(pic, nft.as.stranger, nft.canisterId);
    const index = await mint(nft.as.authority, 200n, acct(who.stranger));
    const after = await verifyTip(pic, nft.as.anonymous, nft.canisterId);
    expect(after.index).toBe(index);
    expect(after.index).toBe(before.index + 1n);
    expect(hex(after.hash)).not.toBe(hex(before.hash));
    const { blocks } = await nft.as.anonymous.icrc3_get_blocks([{ start: index, length: 1n }]);
    const phash = field(blocks[0]!.block, 'phash');
    expect(phash && 'Blob' in phash ? hex(phash.Blob) : undefined).toBe(hex(before.hash));
  });
});
