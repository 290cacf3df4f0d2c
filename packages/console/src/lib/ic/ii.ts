/**
 * Internet Identity sign-in (mainnet) through `@icp-sdk/auth`, loaded only when used so the first
 * load stays small. Its identity comes from `@icp-sdk/core`, the successor of the `@dfinity/agent`
 * the console's agent is built on; the agent only calls `getPrincipal` and `transformRequest`,
 * which both have.
 */
import type { Identity } from '@dfinity/agent';

/** The auth client for `provider`; its session (a delegation kept in IndexedDB) outlives a reload. */
async function client(provider?: string) {
  const { AuthClient } = await import('@icp-sdk/auth/client');
  return new AuthClient(provider ? { identityProvider: provider } : {});
}

/**
 * Opens Internet Identity at `provider` (a window of its own) and resolves with the delegated
 * identity once the user approved.
 *
 * @example
 * const identity = await signInWithII('https://id.ai');
 */
export async function signInWithII(provider: string): Promise<Identity> {
  return (await (await client(provider)).signIn()) as unknown as Identity;
}

/** The Internet Identity session kept by the auth client, if still valid. */
export async function restoreII(): Promise<Identity | undefined> {
  const c = await client();
  return c.isAuthenticated() ? ((await c.getIdentity()) as unknown as Identity) : undefined;
}

/** Ends the Internet Identity session. */
export async function signOutII(): Promise<void> {
  await (await client()).signOut();
}
