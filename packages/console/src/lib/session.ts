/**
 * Signing in and out: sets the `session` store from a stored local key, an imported PEM or
 * Internet Identity, and clears every trace on sign-out.
 */
import type { Identity } from '@dfinity/agent';

import type { ConsoleConfig } from './config.js';
import { prepareII, restoreII, signInWithII, signOutII } from './ic/ii.js';
import { clearStoredKey, generateKey, loadStoredKey, pemIdentity, storeKey } from './ic/keys.js';
import { iiReady, session } from './stores.js';

const set = (kind: 'local' | 'pem' | 'ii', identity: Identity) => session.set({ kind, identity, principal: identity.getPrincipal().toText() });

/** Restores the previous session (a stored key, or a live Internet Identity delegation). */
export async function restoreSession(config: ConsoleConfig): Promise<void> {
  // The Internet Identity client is made now, whoever is signed in: its window must open inside a
  // later click, with nothing left to load (see ./ic/ii.ts).
  // Until it is, the sign-in button waits (a click before would have its window blocked).
  if (config.identityProvider) void prepareII(config.identityProvider).then(() => iiReady.set(true), () => undefined);
  const stored = config.localKeys ? await loadStoredKey().catch(() => undefined) : undefined;
  if (stored) return set(stored.kind, stored.identity);
  if (config.identityProvider) {
    const ii = await restoreII(config.identityProvider).catch(() => undefined);
    if (ii && !ii.getPrincipal().isAnonymous()) set('ii', ii);
  }
}

/** Creates a key in this browser and keeps it in IndexedDB. */
export async function signInWithLocalKey(): Promise<void> {
  const identity = generateKey();
  await storeKey('local', identity);
  set('local', identity);
}

/** Imports a dfx PEM (Ed25519); returns the error in words when it is not one. */
export async function signInWithPem(pem: string): Promise<string | undefined> {
  const r = pemIdentity(pem);
  if ('error' in r) return r.error;
  await storeKey('pem', r.ok);
  set('pem', r.ok);
  return undefined;
}

/** Opens Internet Identity; call it from the click handler (the window opens before anything is awaited). */
export async function signInII(provider: string): Promise<void> {
  set('ii', await signInWithII(provider));
}

/** Signs out: forgets the stored key and the Internet Identity delegation. */
export async function signOut(): Promise<void> {
  await clearStoredKey().catch(() => undefined);
  await signOutII().catch(() => undefined);
  session.set({ kind: 'anonymous' });
}
