/**
 * The controller ring (seed 000): the backend and the manager control each other and the
 * frontend, so the manager can upgrade the backend (a canister cannot upgrade itself) and the
 * backend can upgrade the manager. Nobody else controls a dapp canister, ever: a holder who added
 * herself as a controller could, after selling, remove the ring through the management canister
 * and keep the dapp (issue 11). So a controller list is the ring, exactly.
 */

export interface Ring {
  backend: string;
  manager: string;
}

/** Why a new controller list is not exactly the ring, or undefined when it is. */
export function ringProblem(controllers: string[], ring: Ring): string | undefined {
  const missing = [ring.backend, ring.manager].filter((p) => !controllers.includes(p));
  if (missing.length > 0) {
    return `the controllers must keep the backend (${ring.backend}) and the manager (${ring.manager}); missing: ${missing.join(', ')}`;
  }
  const extra = [...new Set(controllers)].filter((p) => p !== ring.backend && p !== ring.manager);
  if (extra.length > 0) {
    return `a dapp canister is controlled by the backend and the manager only, so that selling the NFT hands everything over; not allowed: ${extra.join(', ')}`;
  }
  return undefined;
}

/** Whether a canister's controllers are exactly the ring (what the hand-over restores). */
export function isExactRing(controllers: string[], ring: Ring): boolean {
  return ringProblem(controllers, ring) === undefined;
}
