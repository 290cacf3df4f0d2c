import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { acct } from '../../test/fixtures.js';
import { accountKey, type Account } from './accounts.js';
import { DEFAULT_TAKE_VALUE, MAX_QUERY_BATCH_SIZE, MAX_TAKE_VALUE } from './limits.js';
import { effectiveTake, queryPrefix, TokenIndex } from './tokens.js';

const ids = (...n: number[]) => n.map(BigInt);

describe('TokenIndex', () => {
  it('tracks holders, balances and pages through mints and transfers', () => {
    const index = new TokenIndex();
    index.add(5n, acct(1));
    index.add(2n, acct(1));
    index.add(9n, acct(2, 1));
    index.add(2n ** 80n, acct(1));
    expect(index.size).toBe(4);
    expect(index.page(undefined, 10)).toEqual([2n, 5n, 9n, 2n ** 80n]);
    expect(index.page(2n, 2)).toEqual(ids(5, 9));
    expect(index.page(3n, 10)).toEqual([5n, 9n, 2n ** 80n]);
    expect(index.page(2n ** 80n, 10)).toEqual([]);
    expect(index.pageOf(acct(1), undefined, 10)).toEqual([2n, 5n, 2n ** 80n]);
    expect(index.balance(acct(1))).toBe(3);
    expect(index.balance(acct(2))).toBe(0);
    expect(index.balance(acct(2, 1))).toBe(1);

    index.move(5n, acct(2));
    expect(index.ownerOf(5n)).toEqual(acct(2));
    expect(index.pageOf(acct(1), undefined, 10)).toEqual([2n, 2n ** 80n]);
    expect(index.pageOf(acct(2), undefined, 10)).toEqual(ids(5));
    expect(index.pageOf(acct(1), 2n, 10)).toEqual([2n ** 80n]);
    expect(index.size).toBe(4);
  });

  it('refuses to add a token twice or move a missing one', () => {
    const index = new TokenIndex();
    index.add(1n, acct(1));
    expect(() => index.add(1n, acct(2))).toThrow(/already exists/);
    expect(() => index.move(2n, acct(2))).toThrow(/does not exist/);
    expect(index.has(1n)).toBe(true);
    expect(index.has(2n)).toBe(false);
    expect(index.ownerOf(2n)).toBeUndefined();
  });

  it('agrees with a naive model under random mints and transfers', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('mint' as const), id: fc.bigInt({ min: 0n, max: 40n }), to: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ kind: fc.constant('move' as const), id: fc.bigInt({ min: 0n, max: 40n }), to: fc.integer({ min: 0, max: 4 }) }),
    );
    const accounts: Account[] = [acct(1), acct(1, 1), acct(2), acct(3, 5), acct(4)];
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.bigInt({ min: -1n, max: 41n }), fc.integer({ min: 0, max: 12 }), (ops, prev, take) => {
        const index = new TokenIndex();
        const model = new Map<bigint, string>();
        for (const o of ops) {
          const to = accounts[o.to]!;
          if (o.kind === 'mint' && !model.has(o.id)) {
            index.add(o.id, to);
            model.set(o.id, accountKey(to));
          } else if (o.kind === 'move' && model.has(o.id)) {
            index.move(o.id, to);
            model.set(o.id, accountKey(to));
          }
        }
        const sorted = [...model.keys()].sort((a, b) => (a < b ? -1 : 1));
        const after = prev < 0n ? undefined : prev;
        const expected = sorted.filter((id) => after === undefined || id > after).slice(0, take);
        expect(index.page(after, take)).toEqual(expected);
        expect(index.size).toBe(model.size);
        for (const a of accounts) {
          const mine = sorted.filter((id) => model.get(id) === accountKey(a));
          expect(index.balance(a)).toBe(mine.length);
          expect(index.pageOf(a, after, take)).toEqual(mine.filter((id) => after === undefined || id > after).slice(0, take));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('paging limits', () => {
  it('uses the default take when none is given and caps it at the maximum', () => {
    expect(effectiveTake(undefined)).toBe(DEFAULT_TAKE_VALUE);
    expect(effectiveTake(0n)).toBe(0);
    expect(effectiveTake(7n)).toBe(7);
    expect(effectiveTake(BigInt(MAX_TAKE_VALUE) + 1n)).toBe(MAX_TAKE_VALUE);
    expect(effectiveTake(2n ** 100n)).toBe(MAX_TAKE_VALUE);
  });

  it('answers a prefix of an oversized batch query', () => {
    const many = Array.from({ length: MAX_QUERY_BATCH_SIZE + 5 }, (_, i) => i);
    expect(queryPrefix(many)).toEqual(many.slice(0, MAX_QUERY_BATCH_SIZE));
    expect(queryPrefix([1, 2])).toEqual([1, 2]);
  });
});
