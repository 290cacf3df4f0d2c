import { describe, expect, it } from 'vitest';

import { loadConfig, parseConfig } from './config.js';

describe('parseConfig', () => {
  it('accepts a deploy-time config and fills defaults', () => {
    const r = parseConfig({ rootKey: 'AB12', registry: 'rrkah-fqaaa-aaaaa-aaaaq-cai', collections: ['ryjl3-tyaaa-aaaaa-aaaba-cai'] });
    expect(r).toEqual({ ok: { host: '', rootKey: 'ab12', network: 'local', registry: 'rrkah-fqaaa-aaaaa-aaaaq-cai', collections: ['ryjl3-tyaaa-aaaaa-aaaba-cai'], localKeys: true } });
  });
  it('offers no local keys on mainnet unless asked', () => {
    const r = parseConfig({ rootKey: 'ab', network: 'ic', identityProvider: 'https://identity.ic0.app' });
    expect('ok' in r && r.ok.localKeys).toBe(false);
    expect('ok' in r && r.ok.identityProvider).toBe('https://identity.ic0.app');
  });
  it.each([
    [null, 'JSON object'], [[], 'JSON object'], [{ rootKey: 'xyz' }, 'rootKey'], [{}, 'rootKey'],
    [{ rootKey: 'fetch', host: 'ftp://x' }, 'host'], [{ rootKey: 'fetch', registry: 'NOT AN ID' }, 'registry'],
    [{ rootKey: 'fetch', collections: 'abc' }, 'collections'], [{ rootKey: 'fetch', identityProvider: 'x' }, 'identityProvider'],
  ])('refuses %j naming the field', (raw, field) => {
    const r = parseConfig(raw);
    expect('error' in r && r.error).toContain(field);
  });
  it('reports an unreachable or missing config.json', async () => {
    expect(await loadConfig((async () => new Response('', { status: 404 })) as typeof fetch)).toEqual({ error: 'config.json: HTTP 404' });
    expect(await loadConfig((async () => { throw new Error('offline'); }) as typeof fetch)).toEqual({ error: 'config.json: offline' });
    expect(await loadConfig((async () => new Response('{"rootKey":"fetch"}')) as typeof fetch)).toMatchObject({ ok: { rootKey: 'fetch' } });
  });
});
