/** Domain records to the manager's Candid types. */
import { Principal } from 'azle';

import { fromHex } from '@lineage/kit';
import type {
  ChangeKind, FailureKind, HistoryEntry as CandidEntry, Operation, OperationState as CandidState, TrustPolicy, UntrustedVersion, UpgradeError, UpgradeStep,
} from '@lineage/types';

import type {
  HistoryEntry, ObservedChange, OperationFailure, OperationRecord, OperationState, Refusal, Step, TrustPolicy as TrustPolicyRecord, Untrusted,
} from './domain/index.js';

const opt = <T>(v: T | undefined): [] | [T] => (v === undefined ? [] : [v]);
const principal = (text: string) => Principal.fromText(text);

export function stepToCandid(s: Step): UpgradeStep {
  const options = s.options
    ? [{ wasm_memory_persistence: s.options.wasmMemoryPersistence ? [s.options.wasmMemoryPersistence] : [], skip_pre_upgrade: s.options.skipPreUpgrade }] as UpgradeStep['options']
    : [] as UpgradeStep['options'];
  return { from: fromHex(s.from), to: fromHex(s.to), version: s.version, options };
}

export function stateToCandid(s: OperationState): CandidState {
  switch (s.kind) {
    case 'scheduled': return { Scheduled: null };
    case 'running': return { Running: { step: s.step, phase: s.phase ? [s.phase] : [] } };
    case 'completed': return { Completed: null };
    case 'failed': return { Failed: { step: s.step, error: s.error, kind: failureKindToCandid(s.failure) } };
  }
}

export function operationToCandid(op: OperationRecord): Operation {
  return {
    id: op.id, canister: principal(op.canister), requested_by: principal(op.requestedBy), requested_at: op.requestedAt,
    steps: op.steps.map(stepToCandid), state: stateToCandid(op.state), entries: op.entries,
  };
}

export function refusalToCandid(r: Refusal): UpgradeError {
  switch (r.kind) {
    case 'VersionNotFound': return { VersionNotFound: fromHex(r.hash) };
    case 'NotVerified': return { NotVerified: fromHex(r.hash) };
    case 'Deprecated': return { Deprecated: fromHex(r.hash) };
    case 'AlreadyAtVersion': return { AlreadyAtVersion: fromHex(r.hash) };
    case 'NoUpgradePath': return { NoUpgradePath: { from: opt(r.from === undefined ? undefined : fromHex(r.from)), to: fromHex(r.to), reason: r.reason } };
  }
}

export function failureKindToCandid(f: OperationFailure): FailureKind {
  switch (f.kind) {
    case 'RegistryUnavailable': return { RegistryUnavailable: null };
    case 'ChunkHashMismatch': return { ChunkHashMismatch: { chunk: BigInt(f.chunk), expected: fromHex(f.expected), actual: fromHex(f.actual) } };
    case 'ModuleHashMismatch': return { ModuleHashMismatch: { expected: fromHex(f.expected), actual: opt(f.actual === undefined ? undefined : fromHex(f.actual)) } };
    case 'InstallRejected': return { InstallRejected: null };
    case 'ManagementRejected': return { ManagementRejected: { method: f.method } };
    case 'StateChanged': return { StateChanged: null };
    case 'SnapshotFailed': return { SnapshotFailed: null };
    case 'Unhealthy': return { Unhealthy: { rolled_back: f.rolledBack } };
  }
}

function changeToCandid(c: ObservedChange): ChangeKind {
  const d = c.details;
  switch (d.kind) {
    case 'creation': return { Creation: { controllers: d.controllers.map(principal) } };
    case 'code_uninstall': return { CodeUninstall: null };
    case 'code_deployment': return { CodeDeployment: { mode: d.mode, module_hash: fromHex(d.moduleHash) } };
    case 'controllers_change': return { ControllersChange: { controllers: d.controllers.map(principal) } };
    case 'load_snapshot': return { LoadSnapshot: { canister_version: d.snapshotVersion, taken_at: d.takenAt } };
  }
}

export function entryToCandid(e: HistoryEntry): CandidEntry {
  const ev = e.event;
  let event: CandidEntry['event'];
  switch (ev.kind) {
    case 'deployed':
    case 'deploy_failed': {
      const common = {
        operation: ev.operation, step: ev.step, steps: ev.steps, from: opt(ev.from === undefined ? undefined : fromHex(ev.from)),
        to: fromHex(ev.to), version: ev.version, requested_by: principal(ev.requestedBy),
      };
      event = ev.kind === 'deployed'
        ? { Deployed: { ...common, canister_version: opt(ev.canisterVersion) } }
        : { DeployFailed: { ...common, error: ev.error } };
      break;
    }
    case 'observed': {
      const c = ev.change;
      event = {
        Observed: {
          change: changeToCandid(c),
          origin: c.origin.kind === 'user' ? { User: principal(c.origin.principal) } : { Canister: principal(c.origin.principal) },
          canister_version: c.canisterVersion, at: c.at,
        },
      };
      break;
    }
    case 'gap':
      event = { Gap: { missed: ev.missed, last_seen: ev.lastSeen, now_total: ev.nowTotal } };
      break;
    case 'snapshot_taken':
      event = { SnapshotTaken: { operation: ev.operation, step: ev.step, snapshot: fromHex(ev.snapshot), taken_at: ev.takenAt, replaced: opt(ev.replaced === undefined ? undefined : fromHex(ev.replaced)) } };
      break;
    case 'health_checked':
      event = { HealthChecked: { operation: ev.operation, step: ev.step, healthy: ev.healthy, detail: ev.detail } };
      break;
    case 'rolled_back':
      event = {
        RolledBack: {
          operation: ev.operation, step: ev.step, from: fromHex(ev.from), to: fromHex(ev.to), reason: ev.reason, snapshot: fromHex(ev.snapshot),
          loaded: ev.loaded, detail: ev.detail,
        },
      };
      break;
    case 'restored':
      event = {
        Restored: {
          operation: ev.operation, snapshot: fromHex(ev.snapshot), taken_at: ev.takenAt, requested_by: principal(ev.requestedBy), loaded: ev.loaded, detail: ev.detail,
        },
      };
      break;
    case 'trust_policy':
      event = { TrustPolicy: { policy: opt(ev.policy && policyToCandid(ev.policy)), requested_by: principal(ev.requestedBy) } };
      break;
  }
  return { index: e.index, time: e.time, canister: principal(e.canister), event };
}

export function policyToCandid(p: TrustPolicyRecord): TrustPolicy {
  return { threshold: p.threshold, verifiers: p.verifiers.map(principal) };
}

export function untrustedToCandid(u: Untrusted): UntrustedVersion {
  return { hash: fromHex(u.hash), version: u.version, attested_by: u.attestedBy.map(principal), diverged_by: u.divergedBy.map(principal), needed: u.needed };
}
