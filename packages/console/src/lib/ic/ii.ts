/**
 * Internet Identity sign-in (mainnet), loaded only when used so the first load stays small.
 * `@dfinity/auth-client` matches the agent version the console uses.
 */
import type { Identity } from '@dfinity/agent';

/**
 * Opens Internet Identity at `provider` and resolves with the delegated identity.
 *
 * @example
 * const identity = await signInWithII('https://identity.ic0.app');
 */
export async function signInWithII(provider: string): Promise<Identity> {
  const { AuthClient } = await import('@dfinity/auth-client');
  const client = await AuthClient.create();
  await new Promise<void>((resolve, reject) => {
    void client.login({ identityProvider: provider, onSuccess: () => resolve(), onError: (e) => reject(new Error(e ?? 'Internet Identity sign-in failed')) });
  });
  return client.getIdentity() as unknown as Identity;
}

/** The Internet Identity session kept by the auth client, if still valid. */
export async function restoreII(): Promise<Identity | undefined> {
  const { AuthClient } = await import('@dfinity/auth-client');
  const client = await AuthClient.create();
  return (await client.isAuthenticated()) ? (client.getIdentity() as unknown as Identity) : undefined;
}

/** Ends the Internet Identity session. */
export async function signOutII(): Promise<void> {
  const { AuthClient } = await import('@dfinity/auth-client');
  await (await AuthClient.create()).logout();
}
