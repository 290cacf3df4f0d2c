import { describe, expect, it } from 'vitest';

import { NFT_ERROR_CODES } from '@lineage/types';

import { acct, ANON, principal, sub } from '../../test/fixtures.js';
import { accountKey, accountValue, type Account } from './accounts.js';
import { MAX_MEMO_SIZE, NANOS_PER_SECOND } from './limits.js';
import { dedupKey, planTransfer, timeProblem, transferTx, type TransferContext, type TransferRequest } from './transfer.js';

const NOW = 1_700_000_000n * NANOS_PER_SECOND;
const WINDOW = 86_400n;
const DRIFT = 120n;

/** A ledger where `alice` (principal 1) holds token 1 in her default account and token 2 in subaccount 5. */
function ledger(extra: Partial<TransferContext> = {}, seen = new Map<string, bigint>()): TransferContext {
  const owners = new Map<bigint, Account>([[1n, acct(1)], [2n, acct(1, 5)]]);
  return {
    now: NOW, txWindow: WINDOW, permittedDrift: DRIFT,
    ownerOf: (id) => owners.get(id),
    findDuplicate: (createdAt, key) => seen.get(`${createdAt}:${key}`),
    ...extra,
  };
}

const alice = principal(1);
const bob = principal(2);
const req = (extra: Partial<TransferRequest> = {}): TransferRequest => ({ caller: alice, to: { owner: bob }, tokenId: 1n, ...extra });
const errOf = (plan: ReturnType<typeof planTransfer>) => ('err' in plan ? plan.err : 'Ok');

describe('planTransfer', () => {
  it('lets the holder transfer from the subaccount that holds the token', () => {
    const plan = planTransfer(req(), ledger());
    expect(plan).toEqual({ ok: { tokenId: 1n, from: acct(1), to: acct(2), memo: undefined, createdAt: undefined, dedupKey: undefined } });
    const fromSub = planTransfer(req({ tokenId: 2n, fromSubaccount: sub(5), to: { owner: bob, subaccount: sub(3) } }), ledger());
    expect('ok' in fromSub && fromSub.ok.from).toEqual(acct(1, 5));
    expect('ok' in fromSub && fromSub.ok.to).toEqual(acct(2, 3));
  });

  it('lets the holder move a token between her own subaccounts', () => {
    expect(errOf(planTransfer(req({ to: { owner: alice, subaccount: sub(1) } }), ledger()))).toBe('Ok');
  });

  it('refuses a token that does not exist', () => {
    expect(errOf(planTransfer(req({ tokenId: 99n }), ledger()))).toEqual({ NonExistingTokenId: null });
  });

  it('refuses anyone but the holder, and the holder from another subaccount', () => {
    expect(errOf(planTransfer(req({ caller: bob, to: { owner: alice } }), ledger()))).toEqual({ Unauthorized: null });
    expect(errOf(planTransfer(req({ caller: ANON }), ledger()))).toEqual({ Unauthorized: null });
    expect(errOf(planTransfer(req({ fromSubaccount: sub(5) }), ledger()))).toEqual({ Unauthorized: null });
    expect(errOf(planTransfer(req({ tokenId: 2n }), ledger()))).toEqual({ Unauthorized: null });
    // The all-zero subaccount is the default account: it holds token 1.
    expect(errOf(planTransfer(req({ fromSubaccount: new Uint8Array(32) }), ledger()))).toBe('Ok');
  });

  it('refuses invalid recipients: the same account, anonymous, a malformed subaccount', () => {
    expect(errOf(planTransfer(req({ to: { owner: alice } }), ledger()))).toEqual({ InvalidRecipient: null });
    expect(errOf(planTransfer(req({ to: { owner: alice, subaccount: new Uint8Array(32) } }), ledger()))).toEqual({ InvalidRecipient: null });
    expect(errOf(planTransfer(req({ tokenId: 2n, fromSubaccount: sub(5), to: { owner: alice, subaccount: sub(5) } }), ledger()))).toEqual({ InvalidRecipient: null });
    expect(errOf(planTransfer(req({ to: { owner: ANON } }), ledger()))).toEqual({ InvalidRecipient: null });
    expect(errOf(planTransfer(req({ to: { owner: bob, subaccount: new Uint8Array(16) } }), ledger()))).toEqual({ InvalidRecipient: null });
  });

  it('refuses memos over the limit and malformed from_subaccounts with generic errors', () => {
    expect(errOf(planTransfer(req({ memo: new Uint8Array(MAX_MEMO_SIZE) }), ledger()))).toBe('Ok');
    const tooLong = errOf(planTransfer(req({ memo: new Uint8Array(MAX_MEMO_SIZE + 1) }), ledger()));
    expect(tooLong).toMatchObject({ GenericError: { error_code: NFT_ERROR_CODES.memoTooLarge } });
    const malformed = errOf(planTransfer(req({ fromSubaccount: new Uint8Array(3) }), ledger()));
    expect(malformed).toMatchObject({ GenericError: { error_code: NFT_ERROR_CODES.malformedSubaccount } });
  });

  it('refuses transfers created too long ago or in the future', () => {
    const oldest = NOW - (WINDOW + DRIFT) * NANOS_PER_SECOND;
    expect(errOf(planTransfer(req({ createdAt: oldest }), ledger()))).toBe('Ok');
    expect(errOf(planTransfer(req({ createdAt: oldest - 1n }), ledger()))).toEqual({ TooOld: null });
    const latest = NOW + DRIFT * NANOS_PER_SECOND;
    expect(errOf(planTransfer(req({ createdAt: latest }), ledger()))).toBe('Ok');
    expect(errOf(planTransfer(req({ createdAt: latest + 1n }), ledger()))).toEqual({ CreatedInFuture: { ledger_time: NOW } });
    expect(timeProblem(NOW, NOW, 0n, 0n)).toBeUndefined();
  });

  it('finds duplicates before checking ownership, so a retried transfer is told Duplicate', () => {
    const seen = new Map<string, bigint>();
    const first = planTransfer(req({ createdAt: NOW, memo: Uint8Array.of(1) }), ledger({}, seen));
    if (!('ok' in first)) throw new Error('expected ok');
    expect(first.ok.dedupKey).toMatch(/^[0-9a-f]{64}$/);
    seen.set(`${NOW}:${first.ok.dedupKey}`, 7n);
    // The token has moved to bob meanwhile: the retry is still recognised.
    const moved = ledger({ ownerOf: () => acct(2) }, seen);
    expect(errOf(planTransfer(req({ createdAt: NOW, memo: Uint8Array.of(1) }), moved))).toEqual({ Duplicate: { duplicate_of: 7n } });
    // Anything different is a new transaction.
    expect(errOf(planTransfer(req({ createdAt: NOW, memo: Uint8Array.of(2) }), ledger({}, seen)))).toBe('Ok');
    expect(errOf(planTransfer(req({ createdAt: NOW + 1n, memo: Uint8Array.of(1) }), ledger({}, seen)))).toBe('Ok');
    // Without created_at_time nothing is deduplicated.
    const plain = planTransfer(req({ memo: Uint8Array.of(1) }), ledger({}, seen));
    expect('ok' in plain && plain.ok.dedupKey).toBeUndefined();
  });

  it('computes keys that tell transfers apart and equal accounts alike', () => {
    const base = dedupKey(alice, acct(1), acct(2), 1n, undefined, NOW);
    expect(dedupKey(alice, acct(1), acct(2), 1n, undefined, NOW)).toBe(base);
    const variants = [
      dedupKey(bob, acct(1), acct(2), 1n, undefined, NOW),
      dedupKey(alice, acct(1, 1), acct(2), 1n, undefined, NOW),
      dedupKey(alice, acct(1), acct(2, 1), 1n, undefined, NOW),
      dedupKey(alice, acct(1), acct(3), 1n, undefined, NOW),
      dedupKey(alice, acct(1), acct(2), 2n, undefined, NOW),
      dedupKey(alice, acct(1), acct(2), 1n, new Uint8Array(0), NOW),
      dedupKey(alice, acct(1), acct(2), 1n, undefined, NOW + 1n),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    const viaZeros = planTransfer(req({ createdAt: NOW, fromSubaccount: new Uint8Array(32), to: { owner: bob, subaccount: new Uint8Array(32) } }), ledger());
    const viaNull = planTransfer(req({ createdAt: NOW }), ledger());
    expect('ok' in viaZeros && viaZeros.ok.dedupKey).toBe('ok' in viaNull && viaNull.ok.dedupKey);
    expect(accountKey(acct(1))).not.toBe(accountKey(acct(2)));
  });
});

describe('transferTx', () => {
  it('holds tid, from, to and, when given, memo and ts (created_at_time)', () => {
    expect(transferTx({ tokenId: 1n, from: acct(1), to: acct(2, 4) })).toEqual([
      ['tid', { Nat: 1n }], ['from', accountValue(acct(1))], ['to', accountValue(acct(2, 4))],
    ]);
    expect(transferTx({ tokenId: 1n, from: acct(1), to: acct(2), memo: Uint8Array.of(9), createdAt: 5n }).map(([k]) => k)).toEqual(['tid', 'from', 'to', 'memo', 'ts']);
  });
});
