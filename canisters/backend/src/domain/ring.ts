/**
 * The controller ring (seed 000): the backend and the manager control each other and the
 * frontend, so the manager can upgrade the backend (a canister cannot upgrade itself) and the
 * backend can upgrade the manager. An owner may add controllers, but not cut either out.
 */

export interface Ring {
  backend: string;
  manager: string;
}

/** Why a new controller list would break the ring, or undefined when it keeps it. */
export function ringProblem(controllers: string[], ring: Ring): string | undefined {
  const missing = [ring.backend, ring.manager].filter((p) => !controllers.includes(p));
  if (missing.length > 0) {
    return `the controllers must keep the backend (${ring.backend}) and the manager (${ring.manager}); missing: ${missing.join(', ')}`;
  }
  if (controllers.length > 10) return 'a canister has at most 10 controllers';
  return undefined;
}
