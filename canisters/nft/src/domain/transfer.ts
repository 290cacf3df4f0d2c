/**
 * The rules of `icrc7_transfer`, one element of a batch at a time: memo size, the
 * `created_at_time` window, deduplication, existence, ownership, the recipient. The shell applies
 * what this plans and appends the block `transferTx` describes.
 */
import { hashValue, toHex, type Value } from '@lineage/kit';
import { NFT_ERROR_CODES, type TransferError } from '@lineage/types';

import { account, accountValue, isAnonymous, normalizeSubaccount, sameAccount, type Account } from './accounts.js';
import { MAX_MEMO_SIZE, NANOS_PER_SECOND } from './limits.js';

/** One element of a transfer batch, as given (subaccounts not yet checked). */
export interface TransferRequest {
  caller: Uint8Array;
  fromSubaccount?: Uint8Array | undefined;
  to: { owner: Uint8Array; subaccount?: Uint8Array | undefined };
  tokenId: bigint;
  memo?: Uint8Array | undefined;
  createdAt?: bigint | undefined;
}

/** What the rules need to know of the ledger. */
export interface TransferContext {
  /** The ledger's time, nanoseconds. */
  now: bigint;
  /** ICRC-7 `TX_WINDOW` and `PERMITTED_DRIFT`, seconds. */
  txWindow: bigint;
  permittedDrift: bigint;
  ownerOf(tokenId: bigint): Account | undefined;
  /** The block index of an earlier transfer with this deduplication key, if it is remembered. */
  findDuplicate(createdAt: bigint, key: string): bigint | undefined;
}

export interface PlannedTransfer {
  tokenId: bigint;
  from: Account;
  to: Account;
  memo?: Uint8Array | undefined;
  createdAt?: bigint | undefined;
  /** Set when `createdAt` is: the transfer's deduplication key. */
  dedupKey?: string | undefined;
}

export type TransferPlan = { ok: PlannedTransfer } | { err: TransferError };

const generic = (error_code: bigint, message: string): TransferError => ({ GenericError: { error_code, message } });

/**
 * ICRC-7's time rule: a `created_at_time` before `now - TX_WINDOW - PERMITTED_DRIFT` is `TooOld`,
 * one after `now + PERMITTED_DRIFT` is `CreatedInFuture`.
 */
export function timeProblem(createdAt: bigint, now: bigint, txWindow: bigint, permittedDrift: bigint): TransferError | undefined {
  const window = txWindow * NANOS_PER_SECOND;
  const drift = permittedDrift * NANOS_PER_SECOND;
  if (createdAt + window + drift < now) return { TooOld: null };
  if (createdAt > now + drift) return { CreatedInFuture: { ledger_time: now } };
  return undefined;
}

/**
 * The deduplication key: the hash of every field of the transfer and the caller ("structurally
 * equal" transfers have equal keys; a default subaccount given as null or as 32 zero bytes is the
 * same account).
 */
export function dedupKey(caller: Uint8Array, from: Account, to: Account, tokenId: bigint, memo: Uint8Array | undefined, createdAt: bigint): string {
  const fields: [string, Value][] = [
    ['caller', { Blob: caller }],
    ['from', accountValue(from)],
    ['to', accountValue(to)],
    ['tid', { Nat: tokenId }],
    ['ts', { Nat: createdAt }],
  ];
  if (memo !== undefined) fields.push(['memo', { Blob: memo }]);
  return toHex(hashValue({ Map: fields }));
}

/** Checks one transfer; the order matters: a retried transfer is a `Duplicate`, not `Unauthorized`. */
export function planTransfer(request: TransferRequest, ctx: TransferContext): TransferPlan {
  const { caller, tokenId, memo, createdAt } = request;
  if (memo !== undefined && memo.length > MAX_MEMO_SIZE) {
    return { err: generic(NFT_ERROR_CODES.memoTooLarge, `the memo has ${memo.length} bytes; at most ${MAX_MEMO_SIZE} are allowed`) };
  }
  const fromSub = normalizeSubaccount(request.fromSubaccount);
  if (fromSub === 'malformed') {
    return { err: generic(NFT_ERROR_CODES.malformedSubaccount, `from_subaccount must be 32 bytes, not ${request.fromSubaccount?.length}`) };
  }
  const from: Account = fromSub === undefined ? { owner: caller } : { owner: caller, subaccount: fromSub };
  const to = account(request.to.owner, request.to.subaccount);

  let key: string | undefined;
  if (createdAt !== undefined) {
    const problem = timeProblem(createdAt, ctx.now, ctx.txWindow, ctx.permittedDrift);
    if (problem) return { err: problem };
    if (to) {
      key = dedupKey(caller, from, to, tokenId, memo, createdAt);
      const duplicate = ctx.findDuplicate(createdAt, key);
      if (duplicate !== undefined) return { err: { Duplicate: { duplicate_of: duplicate } } };
    }
  }

  const owner = ctx.ownerOf(tokenId);
  if (!owner) return { err: { NonExistingTokenId: null } };
  if (!sameAccount(owner, from)) return { err: { Unauthorized: null } };
  if (!to || isAnonymous(to.owner) || sameAccount(to, from)) return { err: { InvalidRecipient: null } };
  return { ok: { tokenId, from, to, memo, createdAt, dedupKey: key } };
}

/** The `tx` of a `7xfer` block (ICRC-7 block schema): `tid`, `from`, `to`, and `memo` / `ts` when given. */
export function transferTx(t: PlannedTransfer): [string, Value][] {
  const tx: [string, Value][] = [
    ['tid', { Nat: t.tokenId }],
    ['from', accountValue(t.from)],
    ['to', accountValue(t.to)],
  ];
  if (t.memo !== undefined) tx.push(['memo', { Blob: t.memo }]);
  if (t.createdAt !== undefined) tx.push(['ts', { Nat: t.createdAt }]);
  return tx;
}
