/**
 * An upgrade step with a way back: stop, snapshot, install, start, confirm the module hash, ask
 * the health check; if the new version is not healthy, stop it, load the snapshot (the old module
 * and the old state), start it and check it again. A rollback that cannot load the snapshot leaves
 * the target stopped and the snapshot in place: a stopped canister loses no data, and a controller
 * can load the snapshot later (`restore`).
 *
 * Written over `IcEffects` and `SafetyEffects` so every path is unit-tested in Node.
 */
import { judge, healthPlan, type HealthAnswer, type HealthVerdict } from './health.js';
import type { OperationPhase, RegistryVersion, Step } from './model.js';
import { DEFAULT_POLICY, type UpgradePolicy } from './policy.js';
import { afterTaking, snapshotToReplace, type OwnSnapshot } from './snapshots.js';
import { confirmModule, failureOf, installStaged, stageChunks, startWithRetry, type IcEffects, type StepFailure } from './steps.js';

/** Snapshots and health calls, as one safe step sees them. Snapshot ids are hex. */
export interface SafetyEffects {
  listSnapshots(canister: string): Promise<{ id: string; takenAt: bigint }[]>;
  takeSnapshot(canister: string, replace: string | undefined): Promise<{ id: string; takenAt: bigint }>;
  loadSnapshot(canister: string, id: string): Promise<void>;
  /** Calls `method` with no argument; `probe`: any reply counts as `ok` (an ordinary query). Never throws. */
  call(canister: string, method: string, probe: boolean): Promise<HealthAnswer>;
  /** The IC's time, nanoseconds. */
  now(): bigint;
  /** Told the phase the step enters (live progress); optional, never throws. */
  phase?(phase: OperationPhase): void;
}

/** What the manager needs to know to take the snapshot: its own snapshots of the target and how many to keep. */
export interface SnapshotPlan {
  take: boolean;
  keep: number;
  ours: OwnSnapshot[];
  operation: bigint;
  module: string;
}

export type RollbackOutcome =
  | { loaded: true; health: HealthVerdict }
  | { loaded: false; error: string };

export interface SafeStepResult {
  /** The snapshot taken before the install, and the manager's snapshots of the target afterwards. */
  snapshot?: { taken: OwnSnapshot; replaced: string | undefined; ours: OwnSnapshot[] };
  health?: HealthVerdict;
  rollback?: RollbackOutcome;
}

/**
 * Asks the health check of a version with `policy` on `target`.
 *
 * @example
 * await checkHealth(safety, 'bkyz2-…', DEFAULT_POLICY) // → { healthy: true, detail: 'lineage_health: Ok' }
 */
export async function checkHealth(safety: SafetyEffects, target: string, policy: UpgradePolicy): Promise<HealthVerdict> {
  const plan = healthPlan(policy.healthMethod);
  const started = safety.now();
  const answer = await safety.call(target, plan.method, false);
  if (answer.kind === 'no_method' && plan.fallback) {
    const probe = await safety.call(target, plan.fallback, true);
    if (probe.kind === 'no_method') {
      return { healthy: true, detail: `no ${plan.method} and no ${plan.fallback}: checked by module hash only` };
    }
    return judge(plan.fallback, probe, safety.now() - started, policy.healthDeadlineSeconds);
  }
  return judge(plan.method, answer, safety.now() - started, policy.healthDeadlineSeconds);
}

async function takeSnapshot(safety: SafetyEffects, target: string, plan: SnapshotPlan): Promise<{ taken: OwnSnapshot; replaced: string | undefined; ours: OwnSnapshot[] } | { failure: StepFailure }> {
  try {
    const onIc = (await safety.listSnapshots(target)).map((s) => s.id);
    const replaced = snapshotToReplace(plan.ours, onIc, plan.keep);
    const made = await safety.takeSnapshot(target, replaced);
    const taken: OwnSnapshot = { id: made.id, takenAt: made.takenAt, module: plan.module, operation: plan.operation };
    return { taken, replaced, ours: afterTaking(plan.ours, onIc, taken, replaced) };
  } catch (error) {
    const { message } = failureOf(error);
    return { failure: { kind: 'SnapshotFailed', message: `the snapshot before the install failed, so nothing was installed: ${message}` } };
  }
}

/**
 * Puts `snapshot` back on `target`: stop, `load_canister_snapshot`, start, and the old version's
 * health check. If loading fails the target stays stopped and the snapshot stays.
 */
export async function loadBack(ic: IcEffects, safety: SafetyEffects, target: string, snapshot: string, oldPolicy: UpgradePolicy): Promise<RollbackOutcome> {
  safety.phase?.('rollback');
  try {
    await ic.stop(target);
    await safety.loadSnapshot(target, snapshot);
  } catch (error) {
    return { loaded: false, error: failureOf(error).message };
  }
  const notStarted = await startWithRetry(ic, target);
  if (notStarted) return { loaded: true, health: { healthy: false, detail: `the snapshot was loaded but the canister did not start: ${notStarted.message}` } };
  return { loaded: true, health: await checkHealth(safety, target, oldPolicy) };
}

/**
 * One whole step on a canister other than the manager: stage, stop, snapshot, install, start,
 * confirm, health check, and the rollback when the check fails.
 */
export async function runSafeStep(
  ic: IcEffects, safety: SafetyEffects, step: Step, version: RegistryVersion, target: string, arg: Uint8Array,
  o: { policy: UpgradePolicy; oldPolicy: UpgradePolicy | undefined; snapshot: SnapshotPlan },
): Promise<SafeStepResult & ({ ok: true } | { failure: StepFailure })> {
  safety.phase?.('fetching');
  const staged = await stageChunks(ic, version, target);
  if ('failure' in staged) return staged;
  let snapshot: SafeStepResult['snapshot'];
  const whileStopped = o.snapshot.take
    ? async () => {
      safety.phase?.('snapshot');
      const taken = await takeSnapshot(safety, target, o.snapshot);
      if ('failure' in taken) return taken.failure;
      snapshot = taken;
      return undefined;
    }
    : undefined;
  const installed = await installStaged(ic, step, target, target, staged.chunkHashes, arg, {
    policy: o.policy, ...(whileStopped ? { whileStopped } : {}), ...(safety.phase ? { phase: safety.phase.bind(safety) } : {}),
  });
  if ('failure' in installed) return { ...installed, ...(snapshot ? { snapshot } : {}) };
  safety.phase?.('health');
  const confirmed = await confirmModule(ic, step, target);
  const health: HealthVerdict = 'failure' in confirmed
    ? { healthy: false, detail: confirmed.failure.message }
    : await checkHealth(safety, target, o.policy);
  if (health.healthy) return { ok: true, health, ...(snapshot ? { snapshot } : {}) };
  if (!snapshot) {
    return { failure: { kind: 'Unhealthy', rolledBack: false, message: `version ${step.to} failed its health check (${health.detail}) and no snapshot was taken, so it stays installed` }, health };
  }
  const rollback = await loadBack(ic, safety, target, snapshot.taken.id, o.oldPolicy ?? DEFAULT_POLICY);
  const message = rollback.loaded
    ? `version ${step.to} failed its health check (${health.detail}); snapshot ${snapshot.taken.id} was loaded back (${rollback.health.detail})`
    : `version ${step.to} failed its health check (${health.detail}); loading snapshot ${snapshot.taken.id} failed (${rollback.error}): the canister is left stopped and the snapshot kept`;
  return { failure: { kind: 'Unhealthy', rolledBack: rollback.loaded, message }, health, snapshot, rollback };
}
