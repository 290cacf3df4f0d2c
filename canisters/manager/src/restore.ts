/**
 * The holder's restore (issue 15): the manager loads back the last snapshot it took of one of the
 * dapp's canisters before an upgrade (the old module and the old state), starts it, checks it, and
 * records a `lineage_restore` entry. Only snapshots the manager took, and only while the IC still
 * keeps them (the next upgrade replaces it), can be restored.
 */
import { setTimer, time } from 'azle';
import { fromHex } from '@lineage/kit';
import type { RestoreResult, UpgradeError } from '@lineage/types';

import { DEFAULT_POLICY, latestSnapshot, loadBack, type OperationRecord, type OwnSnapshot } from './domain/index.js';
import { stateToCandid } from './convert.js';
import { icEffects, safetyEffects, type Registry } from './ic.js';
import type { ProtectHost } from './protected.js';

const EMPTY_ARGS = '4449444c0000';

export interface RestoreHost extends ProtectHost {
  lockFor(canister: string): { operation: bigint } | { error: UpgradeError };
  readonly selfId: string;
  readonly registryClient: Registry;
}

/** Plans and runs (or, for the caller itself, schedules) the restore of `canister`. */
export async function restoreCanister(host: RestoreHost, canister: string, requestedBy: string, caller: string): Promise<RestoreResult> {
  if (canister === host.selfId) {
    return { Err: { InvalidArgument: 'the manager cannot load a snapshot onto itself while it runs; its snapshot is loaded by its controller (the backend)' } };
  }
  const locked = host.lockFor(canister);
  if ('error' in locked) return { Err: locked.error };
  const id = locked.operation;
  const safety = safetyEffects(time);
  let snapshot: OwnSnapshot | undefined;
  try {
    const onIc = (await safety.listSnapshots(canister)).map((s) => s.id);
    snapshot = latestSnapshot(host.store.snapshotsOf(canister), onIc);
  } catch (error) {
    host.store.releaseLock(canister, id);
    return { Err: { NotAController: `the manager cannot list the snapshots of ${canister} (${(error as Error).message})` } };
  }
  if (!snapshot) {
    host.store.releaseLock(canister, id);
    return { Err: { InvalidArgument: `the manager keeps no snapshot of ${canister}: none was taken yet, or the IC no longer has it` } };
  }
  const op: OperationRecord = {
    id, canister, requestedBy, requestedAt: time(), steps: [], arg: EMPTY_ARGS, state: { kind: 'scheduled' }, entries: [], self: false,
  };
  host.store.putOperation(op);
  const chosen = snapshot;
  const answer = (state: OperationRecord['state']): RestoreResult => ({
    Ok: { operation: id, snapshot: fromHex(chosen.id), taken_at: chosen.takenAt, state: stateToCandid(state) },
  });
  if (canister === caller) {
    // The caller (the backend) cannot be stopped while it waits for this reply.
    setTimer(0, () => runRestore(host, id, chosen));
    return answer({ kind: 'scheduled' });
  }
  await runRestore(host, id, chosen);
  return answer(host.store.operation(id)!.state);
}

async function runRestore(host: RestoreHost, id: bigint, snapshot: OwnSnapshot): Promise<void> {
  const op = host.store.operation(id)!;
  try {
    // Loading a snapshot back: the same phase as an upgrade's rollback.
    host.store.putOperation({ ...op, state: { kind: 'running', step: 0, phase: 'rollback' } });
    let policy = DEFAULT_POLICY;
    if (snapshot.module !== undefined) {
      try {
        policy = (await host.registryClient.versions([snapshot.module])).get(snapshot.module)?.policy ?? DEFAULT_POLICY;
      } catch {
        // The registry's policy only names the health query; the default one is asked without it.
      }
    }
    const outcome = await loadBack(icEffects(host.registryClient), safetyEffects(time), op.canister, snapshot.id, policy);
    const detail = outcome.loaded ? outcome.health.detail : `loading the snapshot failed: ${outcome.error}; the canister is left stopped and the snapshot kept`;
    const entry = host.record(op.canister, {
      kind: 'restored', operation: id, snapshot: snapshot.id, takenAt: snapshot.takenAt, requestedBy: op.requestedBy, loaded: outcome.loaded, detail,
    });
    const ok = outcome.loaded && outcome.health.healthy;
    host.store.putOperation({
      ...host.store.operation(id)!, entries: [entry],
      state: ok ? { kind: 'completed' } : { kind: 'failed', step: 0, error: detail, failure: { kind: 'Unhealthy', rolledBack: outcome.loaded, message: detail } },
    });
  } finally {
    host.store.releaseLock(op.canister, id);
  }
}
