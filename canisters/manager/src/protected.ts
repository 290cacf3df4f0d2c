/**
 * The shell's side of a protected upgrade step (`domain/safety.ts` holds the rules): it gives the
 * step the manager's snapshots of the target, and records what happened — the snapshot, the
 * health check and any rollback — in the hash-chained history, before the step's outcome.
 */
import {
  DEFAULT_SNAPSHOTS_KEPT, runSafeStep, stepOptionsProblem,
  type HealthVerdict, type HistoryEvent, type IcEffects, type RegistryVersion, type Refusal, type SafetyEffects, type Step, type StepFailure,
} from './domain/index.js';
import type { Storage } from './storage.js';

export interface ProtectHost {
  store: Storage;
  record(canister: string, event: HistoryEvent): bigint;
}

/**
 * Refuses a plan whose steps the IC could not install with the options their versions declare
 * (unusable metadata, or an enhanced-orthogonal-persistence canister upgraded without
 * `wasm_memory_persistence`), before anything is touched.
 */
export function planProblem(steps: Step[], versions: Map<string, RegistryVersion>): Refusal | undefined {
  for (const s of steps) {
    const to = versions.get(s.to);
    if (!to) continue;
    const reason = to.policyProblem
      ? `version ${s.to} has unusable upgrade metadata: ${to.policyProblem}`
      : stepOptionsProblem(versions.get(s.from)?.policy, to.policy);
    if (reason) return { kind: 'NoUpgradePath', from: steps[0]!.from, to: steps[steps.length - 1]!.to, reason: `step ${s.from} → ${s.to}: ${reason}` };
  }
  return undefined;
}

export interface ProtectedStep {
  operation: bigint;
  index: number;
  step: Step;
  version: RegistryVersion;
  oldPolicy: RegistryVersion['policy'] | undefined;
  target: string;
  arg: Uint8Array;
  /** False only for `upgrade_without_snapshot`. */
  takeSnapshot: boolean;
}

/** Runs one step with its snapshot, health check and rollback, recording each in the history. */
export async function runProtectedStep(
  host: ProtectHost, ic: IcEffects, safety: SafetyEffects, r: ProtectedStep,
): Promise<{ ok: true; health: HealthVerdict | undefined } | { failure: StepFailure }> {
  const result = await runSafeStep(ic, safety, r.step, r.version, r.target, r.arg, {
    policy: r.version.policy, oldPolicy: r.oldPolicy,
    snapshot: { take: r.takeSnapshot, keep: host.store.config.snapshotsKept ?? DEFAULT_SNAPSHOTS_KEPT, ours: host.store.snapshotsOf(r.target), operation: r.operation, module: r.step.from },
  });
  if (result.snapshot) {
    host.store.putSnapshots(r.target, result.snapshot.ours);
    host.record(r.target, {
      kind: 'snapshot_taken', operation: r.operation, step: r.index, snapshot: result.snapshot.taken.id, takenAt: result.snapshot.taken.takenAt,
      replaced: result.snapshot.replaced,
    });
  }
  if ('ok' in result) return { ok: true, health: result.health };
  if (result.health) host.record(r.target, { kind: 'health_checked', operation: r.operation, step: r.index, healthy: false, detail: result.health.detail });
  if (result.snapshot && result.rollback) {
    host.record(r.target, {
      kind: 'rolled_back', operation: r.operation, step: r.index, from: r.step.from, to: r.step.to, reason: result.health?.detail ?? result.failure.message,
      snapshot: result.snapshot.taken.id, loaded: result.rollback.loaded,
      detail: result.rollback.loaded ? result.rollback.health.detail : `loading the snapshot failed: ${result.rollback.error}; the canister is left stopped and the snapshot kept`,
    });
  }
  return { failure: result.failure };
}
