/**
 * The console's connection to the network: one `HttpAgent` per identity, with the root key the
 * config names (every certificate is verified against it by `@dfinity/agent`), and a retry loop
 * that reports each failed attempt so a page can show "the network does not answer, retrying".
 */
import { HttpAgent, type Identity } from '@dfinity/agent';
import { fromHex } from '@lineage/sdk/browser';

import type { ConsoleConfig } from '../config.js';

/** Whether the root key came from the network itself (local development) rather than the config. */
export function rootKeyIsFetched(config: ConsoleConfig): boolean {
  return config.rootKey === 'fetch';
}

/**
 * An agent for `config`'s network, signing as `identity` (anonymous when absent).
 *
 * @example
 * const agent = await makeAgent(config);
 */
export async function makeAgent(config: ConsoleConfig, identity?: Identity): Promise<HttpAgent> {
  const host = config.host || globalThis.location?.origin;
  const agent = await HttpAgent.create({
    host, ...(identity ? { identity } : {}), retryTimes: 1,
    ...(config.rootKey === 'fetch' ? { shouldFetchRootKey: true } : { rootKey: fromHex(config.rootKey) }),
  });
  return agent;
}

/** Whether an error means the network did not answer (as opposed to answering "no"). */
export function isUnreachable(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return /Failed to fetch|NetworkError|fetch failed|ECONNREFUSED|Load failed|ERR_|HTTP 50[234]|status: 50[234]|timed out|aborted/i.test(text);
}

/**
 * Runs `work`, retrying while the network does not answer; `onRetry` hears each failed attempt.
 *
 * @example
 * await withRetry(() => load(), { onRetry: (n, e) => state.set({ retrying: n, error: e }) });
 */
export async function withRetry<T>(work: () => Promise<T>, o: { attempts?: number; delayMs?: number; onRetry?: (attempt: number, error: string) => void } = {}): Promise<T> {
  const attempts = o.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isUnreachable(error) || attempt >= attempts) throw error;
      o.onRetry?.(attempt, (error as Error).message.split('\n')[0]!);
      await new Promise((r) => setTimeout(r, (o.delayMs ?? 1000) * attempt));
    }
  }
}
