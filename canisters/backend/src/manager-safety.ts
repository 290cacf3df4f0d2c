/**
 * The manager's own upgrade, protected as the manager protects every other (issue 15): the backend
 * installs the manager (a canister cannot install code on itself), so the backend takes the
 * manager's snapshot while it is stopped, asks the new manager's `lineage_health` after
 * `complete_self_upgrade`, and loads the snapshot back when the check fails. The old manager,
 * running again with its old state, then records the rollback in its history.
 */
import { call, IDL, Principal, StableBTreeMap } from 'azle';
import { managementTypes, managerTypes, type HealthResult, type SelfUpgradeStep } from '@lineage/types';

const M = managerTypes(IDL);
const MGMT = managementTypes(IDL);
const MANAGEMENT = 'aaaaa-aa';
/** Where the id of the backend's snapshot of the manager is kept (the backend's meta map). */
const SNAPSHOT_KEY = 'managerSnapshot';

const SnapshotId = IDL.Vec(IDL.Nat8);
const Snapshot = IDL.Record({ id: SnapshotId, taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });
const TakeSnapshotArgs = IDL.Record({
  canister_id: IDL.Principal, replace_snapshot: IDL.Opt(SnapshotId), uninstall_code: IDL.Opt(IDL.Bool), sender_canister_version: IDL.Opt(IDL.Nat64),
});
const LoadSnapshotArgs = IDL.Record({ canister_id: IDL.Principal, snapshot_id: SnapshotId, sender_canister_version: IDL.Opt(IDL.Nat64) });
type SnapshotWire = { id: Uint8Array; taken_at_timestamp: bigint; total_size: bigint };

interface KeptSnapshot {
  id: Uint8Array;
  takenAt: bigint;
  operation: bigint;
}

function message(error: unknown): string {
  const e = error as { rejectMessage?: string; message?: string };
  return e.rejectMessage ?? e.message ?? String(error);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Takes a snapshot of the (stopped) manager, replacing the backend's previous one; throws when the
 * IC refuses, so nothing is installed without a way back.
 */
export async function snapshotManager(meta: StableBTreeMap<string, unknown>, manager: Principal, operation: bigint): Promise<void> {
  const listed = await call<unknown[], SnapshotWire[]>(MANAGEMENT, 'list_canister_snapshots', {
    paramIdlTypes: [MGMT.CanisterId], returnIdlType: IDL.Vec(Snapshot), args: [{ canister_id: manager }],
  });
  const previous = meta.get(SNAPSHOT_KEY) as KeptSnapshot | undefined;
  const replace = previous && listed.some((s) => sameBytes(Uint8Array.from(s.id), Uint8Array.from(previous.id))) ? [previous.id] : [];
  try {
    const taken = await call<unknown[], SnapshotWire>(MANAGEMENT, 'take_canister_snapshot', {
      paramIdlTypes: [TakeSnapshotArgs], returnIdlType: Snapshot,
      args: [{ canister_id: manager, replace_snapshot: replace, uninstall_code: [], sender_canister_version: [] }],
    });
    meta.insert(SNAPSHOT_KEY, { id: Uint8Array.from(taken.id), takenAt: taken.taken_at_timestamp, operation });
  } catch (error) {
    throw new Error(`the snapshot before the install failed, so nothing was installed: ${message(error)}`);
  }
}

/** The new manager's `lineage_health`; a manager without the method is judged by its module hash alone. */
export async function managerHealth(manager: string): Promise<HealthResult> {
  try {
    return await call<unknown[], HealthResult>(manager, 'lineage_health', { paramIdlTypes: [], returnIdlType: M.HealthResult, args: [] });
  } catch (error) {
    const text = message(error);
    if (/has no (update|query) method/i.test(text)) return { Ok: null };
    return { Err: `lineage_health was rejected: ${text}` };
  }
}

/**
 * Stop, load the backend's snapshot of the manager, start, and ask the old manager to record the
 * rollback (`record_rollback`). If loading fails the manager is left stopped, the snapshot kept.
 */
export async function loadManagerSnapshot(
  meta: StableBTreeMap<string, unknown>, managerText: string, step: SelfUpgradeStep, reason: string,
): Promise<{ loaded: boolean; detail: string }> {
  const manager = Principal.fromText(managerText);
  const kept = meta.get(SNAPSHOT_KEY) as KeptSnapshot | undefined;
  if (!kept || kept.operation !== step.operation) return { loaded: false, detail: 'the backend holds no snapshot of this upgrade' };
  const mgmt = (method: string, types: IDL.Type[], args: unknown[]) => call(MANAGEMENT, method, { paramIdlTypes: types, args });
  try {
    await mgmt('stop_canister', [MGMT.CanisterId], [{ canister_id: manager }]);
    await mgmt('load_canister_snapshot', [LoadSnapshotArgs], [{ canister_id: manager, snapshot_id: kept.id, sender_canister_version: [] }]);
  } catch (error) {
    return { loaded: false, detail: message(error) };
  }
  try {
    await mgmt('start_canister', [MGMT.CanisterId], [{ canister_id: manager }]);
  } catch (error) {
    return { loaded: true, detail: `the old manager did not start: ${message(error)}` };
  }
  const health = await managerHealth(managerText);
  const detail = 'Ok' in health ? 'lineage_health: Ok' : `lineage_health: Err ${health.Err}`;
  try {
    await call(managerText, 'record_rollback', {
      paramIdlTypes: [M.RollbackReport], args: [{
        operation: step.operation, step: step.step, reason, snapshot: kept.id, loaded: true, detail,
      }],
    });
  } catch {
    // An old manager without `record_rollback` still runs its old code and state; the rollback
    // shows in the IC's canister_info (load_snapshot), which the manager's watcher records.
  }
  return { loaded: true, detail };
}
