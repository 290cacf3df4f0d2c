/**
 * Internet Identity sign-in (mainnet) through `@icp-sdk/auth`, loaded only when the config names a
 * provider, so the first load stays small. Its identity comes from `@icp-sdk/core`, the successor
 * of the `@dfinity/agent` the console's agent is built on; the agent only calls `getPrincipal` and
 * `transformRequest`, which both have.
 *
 * The provider's window must open inside the click handler, with nothing awaited before it (the
 * signer channel refuses otherwise, as browsers block late pop-ups): the client is made ahead of
 * the click, when the session is restored.
 */
import type { Identity } from '@dfinity/agent';
import type { AuthClient } from '@icp-sdk/auth/client';

const clients = new Map<string, AuthClient>();

/**
 * Loads `@icp-sdk/auth` and makes the client for `provider`, so that a later click can open the
 * provider's window at once.
 *
 * @example
 * await prepareII('https://id.ai/authorize');
 */
export async function prepareII(provider: string): Promise<AuthClient> {
  let client = clients.get(provider);
  if (!client) {
    const { AuthClient } = await import('@icp-sdk/auth/client');
    client = new AuthClient({ identityProvider: provider });
    clients.set(provider, client);
  }
  return client;
}

/**
 * Opens Internet Identity at `provider` (a window of its own) and resolves with the delegated
 * identity once the user approved. Call it from the click handler, after `prepareII(provider)`.
 *
 * @example
 * button.onclick = () => signInWithII('https://id.ai/authorize').then(useIdentity);
 */
export function signInWithII(provider: string): Promise<Identity> {
  const ready = clients.get(provider);
  // Not prepared (the module was still loading): the window may then be refused, with a clear error.
  const signIn = ready ? ready.signIn() : prepareII(provider).then((c) => c.signIn());
  return signIn as unknown as Promise<Identity>;
}

/** The Internet Identity session kept by the auth client for `provider`, if still valid. */
export async function restoreII(provider: string): Promise<Identity | undefined> {
  const client = await prepareII(provider);
  return client.isAuthenticated() ? ((await client.getIdentity()) as unknown as Identity) : undefined;
}

/** Ends the Internet Identity session. */
export async function signOutII(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.signOut()));
}
