import { describe, expect, it } from 'vitest';

import { resolveCanisterId } from './gateway-canister-id.js';

const A = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const B = 'rrkah-fqaaa-aaaaa-aaaaq-cai';
const url = (path: string) => new URL(path, 'http://gateway.invalid');
const found = (lookup: ReturnType<typeof resolveCanisterId>) => (lookup.kind === 'found' ? [lookup.id.toText(), lookup.from] : lookup.kind);

describe('the canister of a gateway request', () => {
  it('comes from the host name first, whatever the query says (ic-gateway)', () => {
    expect(found(resolveCanisterId(`${A}.localhost:4943`, url(`/?canisterId=${B}`), undefined))).toEqual([A, 'host']);
    expect(found(resolveCanisterId(`${A}.raw.localhost`, url('/'), undefined))).toEqual([A, 'host']);
  });

  it('then from the canisterId parameter, which must be a principal', () => {
    expect(found(resolveCanisterId('127.0.0.1:4943', url(`/x?y=1&canisterId=${B}`), `http://127.0.0.1/?canisterId=${A}`))).toEqual([B, 'query']);
    expect(resolveCanisterId('localhost', url('/?canisterId=nope'), undefined)).toMatchObject({ kind: 'incorrect' });
    expect(resolveCanisterId('localhost', url('/?canisterId='), undefined)).toMatchObject({ kind: 'incorrect' });
  });

  it("then from the Referer's host name or its canisterId parameter", () => {
    expect(found(resolveCanisterId('127.0.0.1:4943', url('/app.js'), `http://127.0.0.1:4943/index.html?canisterId=${A}`))).toEqual([A, 'referer']);
    expect(found(resolveCanisterId('localhost:4943', url('/app.js'), `http://${B}.localhost:4943/`))).toEqual([B, 'referer']);
  });

  it('is none when nothing names a canister, and bad hosts or referers are no canister id', () => {
    for (const [host, referer] of [[undefined, undefined], ['[::1]:80', undefined], ['[', 'http://['], ['a b', 'not a url'], ['aaaaa-aa.localhost', 'http://localhost/?canisterId=%zz']]) {
      expect(resolveCanisterId(host, url('/'), referer)).toEqual({ kind: 'none' });
    }
  });
});
