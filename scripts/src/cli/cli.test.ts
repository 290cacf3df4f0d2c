import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { CanisterIds } from './canister-ids.js';
import { asCliError, CliError, EXIT, rejectText } from './errors.js';
import { identityFromPem } from './identity.js';
import { resolveNetwork } from './network.js';
import { Output, toJsonValue } from './output.js';

const sink = () => {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { stream, text: () => text };
};

describe('identities', () => {
  it('reads Ed25519 PKCS#8 and secp256k1 SEC1 keys to the principal of their public key', () => {
    const ed = generateKeyPairSync('ed25519');
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const expected = (key: typeof ed.publicKey) => Principal.selfAuthenticating(new Uint8Array(key.export({ type: 'spki', format: 'der' }))).toText();
    const a = identityFromPem(ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'ed.pem');
    const b = identityFromPem(k1.privateKey.export({ type: 'sec1', format: 'pem' }).toString(), 'k1.pem');
    expect([a.kind, a.identity.getPrincipal().toText()]).toEqual(['ed25519', expected(ed.publicKey)]);
    expect([b.kind, b.identity.getPrincipal().toText()]).toEqual(['secp256k1', expected(k1.publicKey)]);
  });

  it('refuses other curves and garbage with a usage error naming --identity', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    expect(() => identityFromPem(p256, 'p.pem')).toThrow(/--identity: p\.pem holds an EC key on curve P-256; Lineage reads Ed25519 and secp256k1 keys/);
    try {
      identityFromPem('hello', 'x.pem');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(EXIT.usage);
      expect((error as CliError).message).toMatch(/^--identity: x\.pem is not a PEM private key/);
    }
  });
});

describe('the canister ids file', () => {
  it('resolves names per network and principals, and lists known names for unknown ones', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ids-')), 'canister_ids.json');
    writeFileSync(path, JSON.stringify({ registry: { local: 'lxzze-o7777-77777-aaaaa-cai', ic: 'rrkah-fqaaa-aaaaa-aaaaq-cai' } }));
    const ids = CanisterIds.load(path);
    expect(ids.resolve('registry', 'local').toText()).toBe('lxzze-o7777-77777-aaaaa-cai');
    expect(ids.resolve('registry', 'ic').toText()).toBe('rrkah-fqaaa-aaaaa-aaaaq-cai');
    expect(ids.resolve('ryjl3-tyaaa-aaaaa-aaaba-cai', 'local').toText()).toBe('ryjl3-tyaaa-aaaaa-aaaba-cai');
    expect(() => ids.resolve('nft', 'local')).toThrow('unknown canister "nft" on network local');
    expect(() => ids.resolve('aaaaa-aaaaa', 'local')).toThrow(/not a valid principal/);
    ids.set('nft', 'local', Principal.fromText('lqy7q-dh777-77777-aaaaq-cai'));
    ids.save();
    expect(CanisterIds.load(path).nameOf('lqy7q-dh777-77777-aaaaq-cai', 'local')).toBe('nft');
  });

  it('names the bad field of an invalid file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ids-')), 'canister_ids.json');
    writeFileSync(path, JSON.stringify({ registry: { local: 42 } }));
    expect(() => CanisterIds.load(path)).toThrow(/canister_ids\.json: registry\.local: /);
  });
});

describe('networks', () => {
  it('resolves local, ic and URLs, fetching root keys only from loopback networks', () => {
    expect(resolveNetwork('ic')).toEqual({ name: 'ic', url: 'https://icp-api.io', fetchRootKey: false });
    expect(resolveNetwork('http://127.0.0.1:8080/')).toEqual({ name: 'http://127.0.0.1:8080', url: 'http://127.0.0.1:8080', fetchRootKey: true });
    expect(resolveNetwork('https://testnet.example.org').fetchRootKey).toBe(false);
    expect(() => resolveNetwork('mainnet')).toThrow('--network: "mainnet" is neither local, ic nor a URL');
  });
});

describe('errors and output', () => {
  it('keeps the reject text of an agent error and drops the request details', () => {
    const message = 'Call failed:\n  Canister: x\n  Reject code: 5\n  Reject text: Canister trapped: boom\nmore\n  Error code: IC0503\n  HTTP details: {"body": [1,2,3]}';
    expect(rejectText(message)).toBe('Canister trapped: boom');
    expect(asCliError(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } })).exitCode).toBe(EXIT.network);
    expect(asCliError(new Error('something odd')).exitCode).toBe(EXIT.internal);
  });

  it('prints JSON with bigints as strings, bytes as hex and principals as text', () => {
    expect(toJsonValue({ n: 2n ** 64n, b: Uint8Array.from([1, 255]), p: Principal.fromText('aaaaa-aa'), u: undefined, l: [1n] }))
      .toEqual({ n: '18446744073709551616', b: '01ff', p: 'aaaaa-aa', l: ['1'] });
    const out = sink();
    const err = sink();
    new Output({ json: true, quiet: false }, out.stream, err.stream).error(new CliError('bad', EXIT.usage, 'fix it'));
    expect(JSON.parse(out.text())).toEqual({ error: { message: 'bad', hint: 'fix it', exitCode: 2 } });
    const human = sink();
    const herr = sink();
    const o = new Output({ json: false, quiet: true }, human.stream, herr.stream);
    o.step('hidden');
    o.result({ a: 1 }, 'long text', 'short');
    expect([human.text(), herr.text()]).toEqual(['short\n', '']);
  });
});
