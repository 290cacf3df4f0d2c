/**
 * Who the CLI acts as. `--identity <pem>` reads a dfx-compatible private key: Ed25519 in PKCS#8
 * (`-----BEGIN PRIVATE KEY-----`, what `dfx identity new --storage-mode plaintext` writes for
 * ed25519) or secp256k1 in SEC1 (`-----BEGIN EC PRIVATE KEY-----`, dfx's default) or PKCS#8.
 * `--identity anonymous` acts anonymously. Without the flag the project's own identity is used:
 * `.lineage/identity.pem`, an Ed25519 key generated on first use.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

import { AnonymousIdentity, type Identity, type SignIdentity } from '@dfinity/agent';
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { Secp256k1KeyIdentity } from '@dfinity/identity-secp256k1';

import { usageError } from './errors.js';
import { projectPath, writeFileAtomic } from './project.js';

export interface LoadedIdentity {
  identity: Identity;
  /** Where it came from: a file path, `anonymous`, or the generated project identity's path. */
  source: string;
  kind: 'ed25519' | 'secp256k1' | 'anonymous';
  /** True when this command generated the project identity. */
  created: boolean;
}

const base64url = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));

/** An identity from PEM text; `where` names the source in error messages. */
export function identityFromPem(pem: string, where: string): { identity: SignIdentity; kind: 'ed25519' | 'secp256k1' } {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw usageError(
      `--identity: ${where} is not a PEM private key (${(error as Error).message.replace(/^error:\w+:/, '').trim()})`,
      'export one with `dfx identity export <name> > identity.pem`, or omit --identity to use the project identity',
    );
  }
  const jwk = key.export({ format: 'jwk' }) as { kty?: string; crv?: string; d?: string };
  if (key.asymmetricKeyType === 'ed25519' && jwk.d) return { identity: Ed25519KeyIdentity.fromSecretKey(base64url(jwk.d)), kind: 'ed25519' };
  if (key.asymmetricKeyType === 'ec' && jwk.crv === 'secp256k1' && jwk.d) return { identity: Secp256k1KeyIdentity.fromSecretKey(base64url(jwk.d)), kind: 'secp256k1' };
  const curve = jwk.crv ? ` on curve ${jwk.crv}` : '';
  throw usageError(`--identity: ${where} holds an ${key.asymmetricKeyType?.toUpperCase()} key${curve}; Lineage reads Ed25519 and secp256k1 keys (as dfx does)`);
}

/** A new Ed25519 private key in PKCS#8 PEM, as dfx writes it. */
export function generatePem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * The identity named by `--identity` (a PEM path or `anonymous`), or the project identity,
 * generated in `.lineage/identity.pem` (mode 0600) when missing.
 */
export function loadIdentity(spec: string | undefined): LoadedIdentity {
  if (spec === 'anonymous') return { identity: new AnonymousIdentity(), source: 'anonymous', kind: 'anonymous', created: false };
  if (spec !== undefined && spec !== '') {
    if (!existsSync(spec)) throw usageError(`--identity: no file at ${spec}`, 'pass the path of a PEM file, or `anonymous`');
    const { identity, kind } = identityFromPem(readFileSync(spec, 'utf8'), spec);
    return { identity, source: spec, kind, created: false };
  }
  const path = projectPath('identity.pem');
  let created = false;
  if (!existsSync(path)) {
    writeFileAtomic(path, generatePem(), 0o600);
    created = true;
  }
  const { identity, kind } = identityFromPem(readFileSync(path, 'utf8'), path);
  return { identity, source: path, kind, created };
}
