/**
 * Keys a person signs with in the console. On a local network: an Ed25519 key generated in the
 * browser and kept in IndexedDB (so the principal can receive an NFT and sign later), or an
 * imported dfx PEM (Ed25519). On mainnet: Internet Identity (see `ii.ts`). Signing out deletes the
 * stored key.
 */
import { Ed25519KeyIdentity } from '@dfinity/identity';

const DB = 'lineage-console';
const STORE = 'keys';
const KEY = 'session';

export interface StoredKey {
  kind: 'local' | 'pem';
  json: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  return new Promise<T>((resolve, reject) => {
    const request = work(db.transaction(STORE, mode).objectStore(STORE));
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(request.error);
  }).finally(() => db.close());
}

/** The stored key, if any. */
export async function loadStoredKey(): Promise<{ kind: StoredKey['kind']; identity: Ed25519KeyIdentity } | undefined> {
  const stored = await tx<StoredKey | undefined>('readonly', (s) => s.get(KEY));
  return stored ? { kind: stored.kind, identity: Ed25519KeyIdentity.fromJSON(stored.json) } : undefined;
}

/** Keeps `identity` as the session's key. */
export async function storeKey(kind: StoredKey['kind'], identity: Ed25519KeyIdentity): Promise<void> {
  await tx('readwrite', (s) => s.put({ kind, json: JSON.stringify(identity.toJSON()) } satisfies StoredKey, KEY));
}

/** Forgets the stored key (sign-out). */
export async function clearStoredKey(): Promise<void> {
  await tx('readwrite', (s) => s.delete(KEY));
}

/** A new Ed25519 key, generated with the browser's random source. */
export function generateKey(): Ed25519KeyIdentity {
  return Ed25519KeyIdentity.generate(crypto.getRandomValues(new Uint8Array(32)));
}

const ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];

/**
 * The Ed25519 identity of a dfx PEM (`dfx identity export`, PKCS#8). Other key types are refused
 * with a message saying so.
 *
 * @example
 * pemIdentity('-----BEGIN PRIVATE KEY-----\nMFMC…\n-----END PRIVATE KEY-----');
 */
export function pemIdentity(pem: string): { ok: Ed25519KeyIdentity } | { error: string } {
  if (/BEGIN EC PRIVATE KEY/.test(pem)) return { error: 'this is a secp256k1 key; the console imports Ed25519 PEM files (dfx identity new --storage-mode plaintext creates one)' };
  const body = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem)?.[1];
  if (!body) return { error: 'not a PEM private key (expected -----BEGIN PRIVATE KEY-----)' };
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(body.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
  } catch {
    return { error: 'the PEM body is not base64' };
  }
  const at = indexOf(der, ED25519_OID);
  if (at < 0) return { error: 'not an Ed25519 key (no Ed25519 algorithm identifier in the PEM)' };
  // PrivateKey ::= OCTET STRING wrapping an OCTET STRING of the 32-byte seed: 04 22 04 20 <seed>.
  const seedAt = indexOf(der, [0x04, 0x20], at + ED25519_OID.length);
  if (seedAt < 0 || seedAt + 34 > der.length) return { error: 'the PEM holds no 32-byte Ed25519 seed' };
  return { ok: Ed25519KeyIdentity.fromSecretKey(der.slice(seedAt + 2, seedAt + 34)) };
}

function indexOf(haystack: Uint8Array, needle: number[], from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
