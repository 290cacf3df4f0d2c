/** Builders for the domain unit tests: principals as bytes, accounts, subaccounts. */
import type { Account } from '../src/domain/accounts.js';

/** A principal's bytes derived from a small number (29 bytes, like a self-authenticating principal). */
export function principal(n: number): Uint8Array {
  const bytes = new Uint8Array(29);
  bytes[0] = n & 0xff;
  bytes[1] = (n >> 8) & 0xff;
  bytes[28] = 2;
  return bytes;
}

/** A 32-byte subaccount whose last byte is `n` (`n = 0` is the default subaccount). */
export function sub(n: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes[31] = n;
  return bytes;
}

export const acct = (owner: number, subaccount?: number): Account =>
  subaccount === undefined || subaccount === 0 ? { owner: principal(owner) } : { owner: principal(owner), subaccount: sub(subaccount) };

export const ANON = Uint8Array.of(4);
