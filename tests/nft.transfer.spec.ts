// ICRC-7 transfers: the holder moves a token, and every error variant of the standard with its
// rule (ownership by account, the created_at_time window, deduplication, memo size, batch limits,
// unknown tokens, invalid recipients).
import { PocketIc } from '@dfinity/pic';
import { NFT_ERROR_CODES } from '@lineage/types';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  acct, err, initArgs, LIMITS, mint, nowNanos, ok, opt, outcome, setupNft, showAccount, transfer, transferArg, who, type NftFixture,
} from './support/nft.js';

const SECOND = 1_000_000_000n;

describe('the NFT collection: transfers', () => {
  let pic: PocketIc;
  let nft: NftFixture;

  const ownerOf = async (id: bigint) => showAccount(opt((await nft.as.anonymous.icrc7_owner_of([id]))[0]!));

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    nft = await setupNft(pic, initArgs({ tx_window: [3600n], permitted_drift: [60n] }));
    // alice holds 1, 2, 3 (default account) and 10 (subaccount 1); bob holds 20.
    for (const id of [1n, 2n, 3n]) await mint(nft.as.authority, id, acct(who.alice));
    await mint(nft.as.authority, 10n, acct(who.alice, 1));
    await mint(nft.as.authority, 20n, acct(who.bob));
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('lets the holder transfer a token; the new holder may transfer it on, the previous one may not', async () => {
    const index = ok(await transfer(nft.as.alice, 1n, acct(who.bob)));
    expect(index).toBeGreaterThan(0n);
    expect(await ownerOf(1n)).toBe(showAccount(acct(who.bob)));
    expect(await nft.as.anonymous.icrc7_balance_of([acct(who.alice), acct(who.bob)])).toEqual([3n - 1n, 2n]);
    expect(err(await transfer(nft.as.alice, 1n, acct(who.stranger)))).toEqual({ Unauthorized: null });
    ok(await transfer(nft.as.bob, 1n, acct(who.alice)));
    expect(await ownerOf(1n)).toBe(showAccount(acct(who.alice)));
  });

  it('moves tokens between subaccounts: only from the subaccount that holds the token', async () => {
    expect(err(await transfer(nft.as.alice, 10n, acct(who.bob)))).toEqual({ Unauthorized: null });
    expect(err(await transfer(nft.as.alice, 2n, acct(who.bob), { from_subaccount: [acct(who.alice, 1).subaccount[0]!] }))).toEqual({ Unauthorized: null });
    ok(await transfer(nft.as.alice, 10n, acct(who.alice, 2), { from_subaccount: acct(who.alice, 1).subaccount }));
    expect(await ownerOf(10n)).toBe(showAccount(acct(who.alice, 2)));
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice, 2), [], [])).toEqual([10n]);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.alice, 1), [], [])).toEqual([]);
    // An all-zero from_subaccount is the default account.
    ok(await transfer(nft.as.alice, 2n, acct(who.alice, 3), { from_subaccount: [new Uint8Array(32)] }));
    ok(await transfer(nft.as.alice, 2n, acct(who.alice), { from_subaccount: acct(who.alice, 3).subaccount }));
  });

  it('refuses tokens that do not exist', async () => {
    expect(err(await transfer(nft.as.alice, 999n, acct(who.bob)))).toEqual({ NonExistingTokenId: null });
  });

  it('refuses strangers and anonymous callers', async () => {
    expect(err(await transfer(nft.as.stranger, 2n, acct(who.stranger)))).toEqual({ Unauthorized: null });
    // The anonymous principal holds no token: its ingress is refused before it runs (canister_inspect_message).
    await expect(transfer(nft.as.anonymous, 2n, acct(who.bob))).rejects.toThrow(/icrc7_transfer refuses the anonymous principal/);
    expect(err(await transfer(nft.as.authority, 2n, acct(who.authority)))).toEqual({ Unauthorized: null });
    expect(err(await transfer(nft.as.controller, 2n, acct(who.controller)))).toEqual({ Unauthorized: null });
    expect(await ownerOf(2n)).toBe(showAccount(acct(who.alice)));
  });

  it('refuses invalid recipients: the same account, anonymous, a malformed subaccount', async () => {
    expect(err(await transfer(nft.as.alice, 2n, acct(who.alice)))).toEqual({ InvalidRecipient: null });
    expect(err(await transfer(nft.as.alice, 2n, acct(who.alice, new Uint8Array(32))))).toEqual({ InvalidRecipient: null });
    expect(err(await transfer(nft.as.alice, 2n, acct(who.anonymous)))).toEqual({ InvalidRecipient: null });
    expect(err(await transfer(nft.as.alice, 2n, acct(who.bob, new Uint8Array(20))))).toEqual({ InvalidRecipient: null });
    expect(await ownerOf(2n)).toBe(showAccount(acct(who.alice)));
  });

  it('refuses memos over icrc7_max_memo_size and malformed from_subaccounts with GenericError', async () => {
    const tooLong = err(await transfer(nft.as.alice, 2n, acct(who.bob), { memo: [new Uint8Array(Number(LIMITS.maxMemo) + 1)] }));
    expect(tooLong).toMatchObject({ GenericError: { error_code: NFT_ERROR_CODES.memoTooLarge } });
    expect('GenericError' in tooLong && tooLong.GenericError.message).toMatch(/at most 32/);
    const malformed = err(await transfer(nft.as.alice, 2n, acct(who.bob), { from_subaccount: [new Uint8Array(31)] }));
    expect(malformed).toMatchObject({ GenericError: { error_code: NFT_ERROR_CODES.malformedSubaccount } });
    expect(await ownerOf(2n)).toBe(showAccount(acct(who.alice)));
    // A memo of exactly the limit is fine.
    ok(await transfer(nft.as.alice, 2n, acct(who.bob), { memo: [new Uint8Array(Number(LIMITS.maxMemo)).fill(1)] }));
    ok(await transfer(nft.as.bob, 2n, acct(who.alice)));
  });

  it('refuses transfers created before the window or after the permitted drift', async () => {
    const now = await nowNanos(pic);
    const tooOld = now - (3600n + 60n) * SECOND - 1n;
    expect(err(await transfer(nft.as.alice, 2n, acct(who.bob), { created_at_time: [tooOld] }))).toEqual({ TooOld: null });
    const future = now + 60n * SECOND + SECOND;
    const inFuture = err(await transfer(nft.as.alice, 2n, acct(who.bob), { created_at_time: [future] }));
    expect(Object.keys(inFuture)).toEqual(['CreatedInFuture']);
    const ledgerTime = 'CreatedInFuture' in inFuture ? inFuture.CreatedInFuture.ledger_time : 0n;
    expect(ledgerTime).toBeGreaterThanOrEqual(now);
    expect(ledgerTime).toBeLessThan(future);
    expect(await ownerOf(2n)).toBe(showAccount(acct(who.alice)));
  });

  it('deduplicates a transfer with created_at_time: the retry is told Duplicate with the first block', async () => {
    const now = await nowNanos(pic);
    const arg = { created_at_time: [now] as [bigint], memo: [Uint8Array.of(1, 2, 3)] as [Uint8Array] };
    const first = ok(await transfer(nft.as.alice, 3n, acct(who.bob), arg));
    expect(err(await transfer(nft.as.alice, 3n, acct(who.bob), arg))).toEqual({ Duplicate: { duplicate_of: first } });
    // The same payload from the new holder is a different transaction (a different caller).
    expect(outcome(await transfer(nft.as.bob, 3n, acct(who.bob), arg))).toBe('InvalidRecipient');
    // A different memo or time is a new transaction: alice no longer holds the token.
    expect(err(await transfer(nft.as.alice, 3n, acct(who.bob), { ...arg, memo: [Uint8Array.of(9)] }))).toEqual({ Unauthorized: null });
    expect(err(await transfer(nft.as.alice, 3n, acct(who.bob), { ...arg, created_at_time: [now + 1n] }))).toEqual({ Unauthorized: null });
    // Without created_at_time there is no deduplication.
    ok(await transfer(nft.as.bob, 3n, acct(who.alice)));
    ok(await transfer(nft.as.alice, 3n, acct(who.bob)));
    expect(err(await transfer(nft.as.alice, 3n, acct(who.bob)))).toEqual({ Unauthorized: null });
    ok(await transfer(nft.as.bob, 3n, acct(who.alice)));
  });

  it('forgets transfers once they are too old to be retried: a late retry is TooOld', async () => {
    const now = await nowNanos(pic);
    const arg = { created_at_time: [now] as [bigint] };
    const first = ok(await transfer(nft.as.alice, 3n, acct(who.stranger), arg));
    expect(err(await transfer(nft.as.alice, 3n, acct(who.stranger), arg))).toEqual({ Duplicate: { duplicate_of: first } });
    await pic.advanceTime(Number((3600n + 60n + 1n) * 1000n));
    await pic.tick();
    expect(err(await transfer(nft.as.alice, 3n, acct(who.stranger), arg))).toEqual({ TooOld: null });
    ok(await transfer(nft.as.stranger, 3n, acct(who.alice), { created_at_time: [await nowNanos(pic)] }));
  });

  it('deduplicates within one batch too', async () => {
    const now = await nowNanos(pic);
    const arg = transferArg(3n, acct(who.stranger), { created_at_time: [now] });
    const reply = await nft.as.alice.icrc7_transfer([arg, arg]);
    const first = ok(opt(reply[0]!));
    expect(err(opt(reply[1]!))).toEqual({ Duplicate: { duplicate_of: first } });
    ok(await transfer(nft.as.stranger, 3n, acct(who.alice)));
  });

  it('processes a batch element by element, answering each in its position', async () => {
    const reply = await nft.as.alice.icrc7_transfer([
      transferArg(1n, acct(who.bob)),
      transferArg(999n, acct(who.bob)),
      transferArg(20n, acct(who.alice)),
      transferArg(2n, acct(who.alice)),
      transferArg(3n, acct(who.bob)),
    ]);
    expect(reply.map((r) => outcome(opt(r)))).toEqual(['Ok', 'NonExistingTokenId', 'Unauthorized', 'InvalidRecipient', 'Ok']);
    const [a, , , , b] = reply.map((r) => opt(r));
    expect(ok(b)).toBe(ok(a) + 1n);
    expect(await nft.as.anonymous.icrc7_tokens_of(acct(who.bob), [], [])).toEqual([1n, 3n, 20n]);
    expect(await nft.as.alice.icrc7_transfer([])).toEqual([]);
  });

  it('refuses a batch over icrc7_max_update_batch_size whole with GenericBatchError', async () => {
    const tooMany = Array.from({ length: Number(LIMITS.maxUpdateBatch) + 1 }, () => transferArg(1n, acct(who.stranger)));
    const reply = await nft.as.bob.icrc7_transfer(tooMany);
    expect(reply).toHaveLength(1);
    const e = err(opt(reply[0]!));
    expect(e).toMatchObject({ GenericBatchError: { error_code: NFT_ERROR_CODES.batchTooLarge } });
    expect(await ownerOf(1n)).toBe(showAccount(acct(who.bob)));
    // At the limit, every element is processed.
    const atLimit = Array.from({ length: Number(LIMITS.maxUpdateBatch) }, () => transferArg(1n, acct(who.stranger)));
    const results = (await nft.as.bob.icrc7_transfer(atLimit)).map((r) => outcome(opt(r)));
    expect(results).toEqual(['Ok', ...Array.from({ length: Number(LIMITS.maxUpdateBatch) - 1 }, () => 'Unauthorized')]);
  });
});
