/**
 * The manager's own `lineage_health`: its state is loaded and its invariants hold. The backend asks
 * it after installing a new manager (and the manager asks every canister it upgrades the same).
 */
import type { HealthResult } from '@lineage/types';

import { problemsOfManagerState } from './domain/index.js';
import type { Storage } from './storage.js';

export function healthOfManager(store: Storage, now: bigint): HealthResult {
  if (!store.hasConfig()) return { Err: 'the manager has no configuration (installed without its init argument?)' };
  const problems = problemsOfManagerState({
    logLength: store.log.length,
    tipPresent: store.log.length === 0n || store.log.block(store.log.length - 1n) !== undefined,
    certified: store.log.length === 0n || store.log.certifiedData() !== undefined,
    watched: store.watched().map((w) => ({ canister: w.canister, entries: store.entryCount(w.canister) })),
    locks: store.watched().flatMap((w) => {
      const lock = store.lock(w.canister);
      return lock ? [{ canister: w.canister, operationKnown: store.operation(lock.operation) !== undefined, since: lock.since }] : [];
    }),
    now,
  });
  return problems.length === 0 ? { Ok: null } : { Err: problems.join('; ') };
}
