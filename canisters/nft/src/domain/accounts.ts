/**
 * ICRC-1 accounts as plain bytes: `owner` is the principal's bytes, `subaccount` is absent for the
 * default account (null or 32 zero bytes are the same account), so equal accounts have equal keys.
 */
import { toHex, type Value } from '@lineage/kit';

import { SUBACCOUNT_BYTES } from './limits.js';

export interface Account {
  owner: Uint8Array;
  /** 32 bytes, not all zero; absent for the default subaccount. */
  subaccount?: Uint8Array | undefined;
}

/** The anonymous principal's bytes (`2vxsx-fae`). */
export const ANONYMOUS_BYTES = Uint8Array.of(4);

export function isAnonymous(owner: Uint8Array): boolean {
  return owner.length === 1 && owner[0] === 4;
}

/**
 * The canonical form of a subaccount given over Candid: `undefined` for the default subaccount,
 * the bytes otherwise, or `'malformed'` when it is not 32 bytes long.
 */
export function normalizeSubaccount(subaccount: Uint8Array | undefined): Uint8Array | undefined | 'malformed' {
  if (subaccount === undefined) return undefined;
  if (subaccount.length !== SUBACCOUNT_BYTES) return 'malformed';
  for (let i = 0; i < subaccount.length; i++) if (subaccount[i] !== 0) return subaccount;
  return undefined;
}

/** The canonical account, or `undefined` when the subaccount is malformed. */
export function account(owner: Uint8Array, subaccount?: Uint8Array): Account | undefined {
  const sub = normalizeSubaccount(subaccount);
  if (sub === 'malformed') return undefined;
  return sub === undefined ? { owner } : { owner, subaccount: sub };
}

/** A string that is equal for equal accounts (a map key). */
export function accountKey(a: Account): string {
  return a.subaccount === undefined ? toHex(a.owner) : `${toHex(a.owner)}.${toHex(a.subaccount)}`;
}

export function sameAccount(a: Account, b: Account): boolean {
  return accountKey(a) === accountKey(b);
}

/** ICRC-3's representation of an account: an array of the owner's bytes and, unless default, the subaccount. */
export function accountValue(a: Account): Value {
  return { Array: a.subaccount === undefined ? [{ Blob: a.owner }] : [{ Blob: a.owner }, { Blob: a.subaccount }] };
}
