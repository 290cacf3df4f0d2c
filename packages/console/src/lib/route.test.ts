import { describe, expect, it } from 'vitest';

import { parseCanisterId } from './canister-id.js';
import { parseRoute, routeHash, type Route } from './route.js';

describe('routes', () => {
  it.each<[string, Route]>([
    ['', { view: 'home' }], ['#/', { view: 'home' }], ['#/nowhere', { view: 'home' }], ['#/canister', { view: 'home' }],
    ['#/canister/aaaaa-aa', { view: 'canister', id: 'aaaaa-aa' }], ['#/dapp/x%20y', { view: 'dapp', id: 'x y' }],
    ['#/mine', { view: 'mine' }], ['#/registry', { view: 'registry' }], ['#/registry/org.lineage.backend', { view: 'registry', type: 'org.lineage.backend' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });
  it('round-trips through routeHash', () => {
    for (const r of [{ view: 'dapp', id: 'rrkah-fqaaa-aaaaa-aaaaq-cai' }, { view: 'mine' }, { view: 'registry', type: 'a/b' }] as Route[]) {
      expect(parseRoute(routeHash(r))).toEqual(r);
    }
  });
});

describe('parseCanisterId', () => {
  it('accepts a canonical id', () => {
    const r = parseCanisterId(' rrkah-fqaaa-aaaaa-aaaaq-cai ');
    expect('ok' in r && r.ok.toText()).toBe('rrkah-fqaaa-aaaaa-aaaaq-cai');
  });
  it.each([['', 'enter a canister id'], ['not an id!', 'characters'], ['rrkah-fqaaa-aaaaa-aaaaq-caj', 'not a canister id'], ['abc', 'not a canister id']])('refuses %j', (text, words) => {
    const r = parseCanisterId(text);
    expect('error' in r && r.error).toContain(words);
  });
});
