import { describe, expect, it } from 'vitest';

import { acct, principal, sub } from '../../test/fixtures.js';
import { account, accountKey, accountValue, isAnonymous, normalizeSubaccount, sameAccount } from './accounts.js';

describe('accounts', () => {
  it('treats a null and an all-zero subaccount as the default account', () => {
    expect(normalizeSubaccount(undefined)).toBeUndefined();
    expect(normalizeSubaccount(new Uint8Array(32))).toBeUndefined();
    expect(normalizeSubaccount(sub(7))).toEqual(sub(7));
    expect(account(principal(1), new Uint8Array(32))).toEqual({ owner: principal(1) });
    expect(sameAccount(account(principal(1), new Uint8Array(32))!, account(principal(1))!)).toBe(true);
  });

  it('refuses subaccounts that are not 32 bytes', () => {
    expect(normalizeSubaccount(new Uint8Array(31))).toBe('malformed');
    expect(normalizeSubaccount(new Uint8Array(33))).toBe('malformed');
    expect(normalizeSubaccount(new Uint8Array(0))).toBe('malformed');
    expect(account(principal(1), new Uint8Array(5))).toBeUndefined();
  });

  it('gives distinct keys to distinct accounts', () => {
    const keys = [acct(1), acct(1, 1), acct(1, 2), acct(2), acct(2, 1)].map(accountKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(sameAccount(acct(1, 3), acct(1, 3))).toBe(true);
    expect(sameAccount(acct(1, 3), acct(2, 3))).toBe(false);
  });

  it('encodes accounts as ICRC-3 does: the owner, then the subaccount unless default', () => {
    expect(accountValue(acct(1))).toEqual({ Array: [{ Blob: principal(1) }] });
    expect(accountValue(acct(1, 9))).toEqual({ Array: [{ Blob: principal(1) }, { Blob: sub(9) }] });
  });

  it('knows the anonymous principal', () => {
    expect(isAnonymous(Uint8Array.of(4))).toBe(true);
    expect(isAnonymous(principal(4))).toBe(false);
    expect(isAnonymous(Uint8Array.of(4, 0))).toBe(false);
  });
});
