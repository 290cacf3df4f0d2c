import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ANONYMOUS, checkOwner, ownerFromReply } from './owner.js';

// Principal texts of two canisters (well-formed, with checksums).
const HOLDER = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const STRANGER = 'ryjl3-tyaaa-aaaaa-aaaba-cai';

describe('checkOwner', () => {
  it('lets the holder act', () => {
    expect(checkOwner(HOLDER, HOLDER)).toEqual({ ok: true });
  });

  it('refuses a caller who does not hold the token, saying who does', () => {
    expect(checkOwner(STRANGER, HOLDER)).toEqual({ ok: false, caller: STRANGER, owner: HOLDER });
  });

  it('refuses everyone when the token has no owner (burnt or unknown)', () => {
    expect(checkOwner(HOLDER, undefined)).toEqual({ ok: false, caller: HOLDER, owner: undefined });
    expect(checkOwner(ANONYMOUS, undefined)).toEqual({ ok: false, caller: ANONYMOUS, owner: undefined });
  });

  it('never lets the anonymous principal act, even when the collection names it as owner', () => {
    expect(checkOwner(ANONYMOUS, ANONYMOUS)).toEqual({ ok: false, caller: ANONYMOUS, owner: ANONYMOUS });
    expect(checkOwner(ANONYMOUS, HOLDER)).toEqual({ ok: false, caller: ANONYMOUS, owner: HOLDER });
  });

  it('accepts exactly a non-anonymous caller equal to the owner', () => {
    const who = fc.oneof(fc.constantFrom(HOLDER, STRANGER, ANONYMOUS), fc.string({ maxLength: 63 }));
    fc.assert(
      fc.property(who, fc.option(who, { nil: undefined }), (caller, owner) => {
        const r = checkOwner(caller, owner);
        expect(r.ok).toBe(caller !== ANONYMOUS && caller === owner);
        if (!r.ok) expect(r).toEqual({ ok: false, caller, owner });
      }),
      { numRuns: 200 },
    );
  });
});

describe('ownerFromReply', () => {
  it('answers no owner for an empty reply', () => {
    expect(ownerFromReply([])).toBeUndefined();
  });

  it('answers no owner when the collection has no entry for the token (null)', () => {
    expect(ownerFromReply([undefined])).toBeUndefined();
  });

  it('answers the owner of the one token asked for', () => {
    expect(ownerFromReply([{ owner: HOLDER, subaccount: undefined }])).toBe(HOLDER);
  });

  it('answers the principal when the token is held in a subaccount', () => {
    expect(ownerFromReply([{ owner: HOLDER, subaccount: new Uint8Array(32).fill(1) }])).toBe(HOLDER);
  });

  it('answers no owner for a reply that does not answer exactly one token', () => {
    expect(ownerFromReply([{ owner: HOLDER, subaccount: undefined }, { owner: STRANGER, subaccount: undefined }])).toBeUndefined();
    expect(ownerFromReply([undefined, { owner: HOLDER, subaccount: undefined }])).toBeUndefined();
  });
});
