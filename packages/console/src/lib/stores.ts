/**
 * The console's state, in Svelte stores: the config, the session (who signs), the current route,
 * and agents for both. Components read these and call view-model functions; they hold no IC logic.
 */
import type { HttpAgent, Identity } from '@dfinity/agent';
import { get, writable } from 'svelte/store';

import type { ConsoleConfig } from './config.js';
import { makeAgent } from './ic/network.js';
import { parseRoute, type Route } from './route.js';

export type Session =
  | { kind: 'anonymous' }
  | { kind: 'local' | 'pem' | 'ii'; identity: Identity; principal: string };

export const config = writable<ConsoleConfig | undefined>(undefined);
export const configError = writable<string | undefined>(undefined);
export const session = writable<Session>({ kind: 'anonymous' });
/** Whether the Internet Identity client is loaded, so a click can open its window at once (see lib/ic/ii.ts). */
export const iiReady = writable(false);
export const route = writable<Route>(parseRoute(globalThis.location?.hash ?? ''));

globalThis.addEventListener?.('hashchange', () => route.set(parseRoute(location.hash)));

/**
 * An agent for the configured network: anonymous, or signing as the session's identity. Made
 * afresh per load, so a network that comes back after a failure is used again.
 */
export function agentNow(signed = false): Promise<HttpAgent> {
  const c = get(config);
  if (!c) return Promise.reject(new Error('the console has no configuration'));
  const s = get(session);
  return makeAgent(c, signed && s.kind !== 'anonymous' ? s.identity : undefined);
}
