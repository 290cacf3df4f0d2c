/**
 * Loading a page's data with a visible state: loading, retrying (the network does not answer:
 * which attempt and why), loaded, or failed with the reason (and a way to try again).
 */
import { writable, type Readable } from 'svelte/store';

import { withRetry } from '../ic/network.js';
import { reason } from './check.js';

export type Loaded<T> =
  | { phase: 'loading'; retry?: { attempt: number; error: string } }
  | { phase: 'ok'; value: T }
  | { phase: 'error'; error: string };

/**
 * A store that runs `work` now (and again on `reload()`), retrying while the network is silent.
 *
 * @example
 * const page = loader(() => loadCanister(agent, id));
 */
export function loader<T>(work: () => Promise<T>, o: { attempts?: number; delayMs?: number } = {}): Readable<Loaded<T>> & { reload(): void; refresh(): void } {
  const store = writable<Loaded<T>>({ phase: 'loading' });
  let run = 0;
  // `refresh` keeps showing the loaded value until the new one arrives (what a page shows stays put).
  const start = (quiet = false) => {
    const mine = ++run;
    if (!quiet) store.set({ phase: 'loading' });
    withRetry(work, { ...o, onRetry: (attempt, error) => { if (mine === run) store.set({ phase: 'loading', retry: { attempt, error } }); } })
      .then((value) => { if (mine === run) store.set({ phase: 'ok', value }); })
      .catch((error: unknown) => { if (mine === run) store.set({ phase: 'error', error: reason(error) }); });
  };
  start();
  return { subscribe: store.subscribe, reload: () => start(), refresh: () => start(true) };
}
