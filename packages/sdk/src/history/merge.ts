/**
 * One history of a canister from two sources: the IC's own record (`canister_info`: the most recent
 * changes, at least 20, with origins) and the manager's unbounded deployment history (every upgrade
 * it made with who asked for it, failed attempts, and the changes it observed others make). A change
 * both sources know appears once, with the IC's timestamp and origin and the manager's request.
 */
import type { CanisterInfo, ChangeDetails, ChangeKind as ManagerChange, HistoryEntry } from '@lineage/types';

import { toHex } from '../bytes.js';

export type HistoryChange =
  | 'create' | 'install' | 'reinstall' | 'upgrade' | 'controllers' | 'uninstall' | 'load-snapshot'
  /** A deployment the manager attempted that left the canister as it was. */
  | 'upgrade-failed'
  /** Changes that happened while the manager was not looking and that the IC no longer lists. */
  | 'gap'
  /** The manager's snapshot before an upgrade step, and its health check after one (issue 15). */
  | 'snapshot' | 'health'
  /** An upgrade step that failed its health check, undone by loading the snapshot back. */
  | 'rollback'
  /** The holder asked for the last pre-upgrade snapshot back. */
  | 'restore'
  /** The holder set or cleared the dapp's trust policy (a manager entry about the whole dapp). */
  | 'trust-policy';

export type HistorySource = 'ic' | 'manager';

export interface HistoryOrigin {
  kind: 'user' | 'canister';
  principal: string;
}

export interface HistoryRow {
  /** When the change happened (nanoseconds since the epoch). */
  timestampNanos: bigint;
  /** The canister's version after the change, when known (it counts every change). */
  canisterVersion?: bigint;
  change: HistoryChange;
  /** Hex sha256 of the module installed (code changes and failed upgrades: the target). */
  moduleHash?: string;
  /** The controllers after a creation or a controllers change. */
  controllers?: string[];
  /** Relative to the previous controllers, when the previous ones are known. */
  added?: string[];
  removed?: string[];
  origin?: HistoryOrigin;
  /** Who asked the manager for the deployment (the NFT holder). */
  requestedBy?: string;
  /** The manager's operation and step. */
  operation?: { id: bigint; step: number; steps: number };
  /** Why a deployment failed. */
  error?: string;
  /** For a gap: how many changes were missed. */
  missed?: bigint;
  /** Snapshots, rollbacks and restores: the IC's snapshot id (hex). */
  snapshot?: string;
  /** Health checks, rollbacks and restores: whether it went well, and what was said. */
  ok?: boolean;
  detail?: string;
  /** For a trust-policy change: the new policy, or null when it was cleared. */
  policy?: { threshold: number; verifiers: string[] } | null;
  /** Which records show this change. */
  sources: HistorySource[];
}

export interface MergeHistoriesInput {
  /** `canister_info` of the canister; undefined when the network refused it. */
  ic?: CanisterInfo;
  /** The manager's entries (any canisters: only `canister`'s are used), in any order. */
  manager?: HistoryEntry[];
  /** The canister whose history this is (text). */
  canister: string;
}

type Detail = ChangeDetails extends infer D ? D : never;

function fromIcDetails(details: Detail): Pick<HistoryRow, 'change' | 'moduleHash' | 'controllers'> {
  if ('creation' in details) return { change: 'create', controllers: details.creation.controllers.map((p) => p.toText()) };
  if ('code_uninstall' in details) return { change: 'uninstall' };
  if ('code_deployment' in details) {
    const mode = Object.keys(details.code_deployment.mode)[0] as 'install' | 'reinstall' | 'upgrade';
    return { change: mode, moduleHash: toHex(details.code_deployment.module_hash) };
  }
  if ('controllers_change' in details) return { change: 'controllers', controllers: details.controllers_change.controllers.map((p) => p.toText()) };
  return { change: 'load-snapshot' };
}

function fromManagerChange(change: ManagerChange): Pick<HistoryRow, 'change' | 'moduleHash' | 'controllers'> {
  if ('Creation' in change) return { change: 'create', controllers: change.Creation.controllers.map((p) => p.toText()) };
  if ('CodeUninstall' in change) return { change: 'uninstall' };
  if ('CodeDeployment' in change) {
    const mode = change.CodeDeployment.mode;
    const known = mode === 'install' || mode === 'reinstall' || mode === 'upgrade';
    return { change: known ? mode : 'upgrade', moduleHash: toHex(change.CodeDeployment.module_hash) };
  }
  if ('ControllersChange' in change) return { change: 'controllers', controllers: change.ControllersChange.controllers.map((p) => p.toText()) };
  return { change: 'load-snapshot' };
}

function icRows(info: CanisterInfo): HistoryRow[] {
  return info.recent_changes.map((c) => {
    const origin: HistoryOrigin = 'from_user' in c.origin
      ? { kind: 'user', principal: c.origin.from_user.user_id.toText() }
      : { kind: 'canister', principal: c.origin.from_canister.canister_id.toText() };
    return { timestampNanos: c.timestamp_nanos, canisterVersion: c.canister_version, ...fromIcDetails(c.details), origin, sources: ['ic'] };
  });
}

/** Rows from the manager's entries; deployments not yet tied to a canister version keep `canisterVersion` undefined. */
function managerRows(entries: HistoryEntry[], canister: string): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const e of [...entries].sort((a, b) => (a.index < b.index ? -1 : 1))) {
    const ev = e.event;
    // The trust policy is the whole dapp's: it belongs in the history of each of its canisters.
    if ('TrustPolicy' in ev) {
      const p = ev.TrustPolicy.policy[0];
      rows.push({
        timestampNanos: e.time, change: 'trust-policy', policy: p ? { threshold: p.threshold, verifiers: p.verifiers.map((v) => v.toText()) } : null,
        requestedBy: ev.TrustPolicy.requested_by.toText(), sources: ['manager'],
      });
      continue;
    }
    if (e.canister.toText() !== canister) continue;
    if ('Deployed' in ev) {
      const d = ev.Deployed;
      rows.push({
        timestampNanos: e.time, canisterVersion: d.canister_version[0], change: 'upgrade', moduleHash: toHex(d.to),
        requestedBy: d.requested_by.toText(), operation: { id: d.operation, step: d.step, steps: d.steps }, sources: ['manager'],
      });
    } else if ('DeployFailed' in ev) {
      const d = ev.DeployFailed;
      rows.push({
        timestampNanos: e.time, change: 'upgrade-failed', moduleHash: toHex(d.to), requestedBy: d.requested_by.toText(),
        operation: { id: d.operation, step: d.step, steps: d.steps }, error: d.error, sources: ['manager'],
      });
    } else if ('Observed' in ev) {
      const o = ev.Observed;
      const origin: HistoryOrigin = 'User' in o.origin ? { kind: 'user', principal: o.origin.User.toText() } : { kind: 'canister', principal: o.origin.Canister.toText() };
      rows.push({ timestampNanos: o.at, canisterVersion: o.canister_version, ...fromManagerChange(o.change), origin, sources: ['manager'] });
    } else if ('Gap' in ev) {
      rows.push({ timestampNanos: e.time, change: 'gap', missed: ev.Gap.missed, sources: ['manager'] });
    } else if ('SnapshotTaken' in ev) {
      const d = ev.SnapshotTaken;
      // When it was taken (before the install), not when the manager recorded it (after).
      rows.push({ timestampNanos: d.taken_at, change: 'snapshot', snapshot: toHex(d.snapshot), operation: { id: d.operation, step: d.step, steps: 1 }, sources: ['manager'] });
    } else if ('HealthChecked' in ev) {
      const d = ev.HealthChecked;
      rows.push({ timestampNanos: e.time, change: 'health', ok: d.healthy, detail: d.detail, operation: { id: d.operation, step: d.step, steps: 1 }, sources: ['manager'] });
    } else if ('RolledBack' in ev) {
      const d = ev.RolledBack;
      rows.push({
        timestampNanos: e.time, change: 'rollback', moduleHash: toHex(d.to), snapshot: toHex(d.snapshot), ok: d.loaded, error: d.reason, detail: d.detail,
        operation: { id: d.operation, step: d.step, steps: 1 }, sources: ['manager'],
      });
    } else {
      const d = ev.Restored;
      rows.push({
        timestampNanos: e.time, change: 'restore', snapshot: toHex(d.snapshot), ok: d.loaded, detail: d.detail, requestedBy: d.requested_by.toText(),
        operation: { id: d.operation, step: 0, steps: 1 }, sources: ['manager'],
      });
    }
  }
  return rows;
}

/** The IC's row enriched with what the manager knows about the same change. */
function combine(ic: HistoryRow, manager: HistoryRow): HistoryRow {
  return {
    ...ic,
    requestedBy: manager.requestedBy ?? ic.requestedBy,
    operation: manager.operation ?? ic.operation,
    sources: ['ic', 'manager'],
  };
}

/** Oldest first: by time, then by canister version (several changes can share one round's time). */
const order = (a: HistoryRow, b: HistoryRow): number => {
  if (a.timestampNanos !== b.timestampNanos) return a.timestampNanos < b.timestampNanos ? -1 : 1;
  // A snapshot taken in the same round as the install it protects came first.
  if ((a.change === 'snapshot') !== (b.change === 'snapshot')) return a.change === 'snapshot' ? -1 : 1;
  if (a.canisterVersion !== undefined && b.canisterVersion !== undefined && a.canisterVersion !== b.canisterVersion) {
    return a.canisterVersion < b.canisterVersion ? -1 : 1;
  }
  return 0;
};

/**
 * Merges the IC's and the manager's records of one canister into rows, oldest first.
 *
 * Rows are matched by canister version (the IC numbers every change). A manager deployment without
 * a canister version is matched to the IC's code change with the same module hash made at or
 * after the request, if there is one. Controller changes list who was added and removed, relative
 * to the previous row that names controllers.
 *
 * @example
 * const rows = mergeHistories({ ic: info, manager: page.entries, canister: backendId.toText() });
 * console.log(formatHistoryTable(rows, { versionName: (hash) => names.get(hash) }));
 */
export function mergeHistories(input: MergeHistoriesInput): HistoryRow[] {
  const ic = input.ic ? icRows(input.ic) : [];
  const fromManager = managerRows(input.manager ?? [], input.canister);
  const byVersion = new Map<bigint, number>();
  ic.forEach((row, i) => byVersion.set(row.canisterVersion!, i));
  const merged = [...ic];
  const claimed = new Set<number>();
  for (const row of fromManager) {
    let at = row.canisterVersion !== undefined ? byVersion.get(row.canisterVersion) : undefined;
    if (at === undefined && row.change === 'upgrade' && row.canisterVersion === undefined) {
      at = ic.findIndex((r, i) => !claimed.has(i) && r.moduleHash === row.moduleHash && r.change !== 'create' && r.timestampNanos <= row.timestampNanos
        && (r.change === 'upgrade' || r.change === 'install' || r.change === 'reinstall'));
      if (at < 0) at = undefined;
    }
    if (at !== undefined) {
      claimed.add(at);
      merged[at] = combine(merged[at]!, row);
    } else {
      merged.push(row);
    }
  }
  merged.sort(order);
  let current: string[] | undefined;
  return merged.map((row) => {
    if (!row.controllers) return row;
    const out = { ...row };
    if (row.change === 'create') out.added = [...row.controllers];
    else if (current) {
      out.added = row.controllers.filter((p) => !current!.includes(p));
      out.removed = current.filter((p) => !row.controllers!.includes(p));
    }
    current = row.controllers;
    return out;
  });
}
