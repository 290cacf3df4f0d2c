/**
 * History entries as ICRC-3 blocks. The block log is the history: every entry is one block that
 * carries its parent's hash, the tip is certified, and `deployment_history` decodes blocks back
 * into typed entries, so there is one source of truth that anyone can verify.
 *
 * Block types (`btype`), each with `tx.canister` (the canister the entry is about, principal bytes):
 * - `lineage_deploy`: an upgrade step the manager made. `operation`, `step`, `steps` (Nat), `from`
 *   (Blob, absent if the canister was empty), `to` (Blob), `version` (Array of three Nat),
 *   `requested_by` (principal Blob), `canister_version` (Nat, the IC's version of the change).
 * - `lineage_deploy_failed`: the same without `canister_version`, plus `error` (Text).
 * - `lineage_change`: a change the IC recorded that the manager did not make: `change` (Text:
 *   `creation`, `code_uninstall`, `code_deployment`, `controllers_change`, `load_snapshot`), `origin`
 *   (principal Blob) and `origin_kind` (`user` | `canister`), `canister_version` and `at` (Nat),
 *   and per kind `mode` (Text) + `module_hash` (Blob), `controllers` (Array of Blob), or
 *   `snapshot_version` + `taken_at` (Nat).
 * - `lineage_gap`: changes lost before the manager could read them: `missed`, `last_seen`, `now_total` (Nat).
 * - `lineage_snapshot`: the snapshot taken before a step: `operation`, `step`, `snapshot` (Blob, the IC's id),
 *   `taken_at` (Nat), `replaced` (Blob, the manager's older snapshot it replaced, if any).
 * - `lineage_health`: the check after a step: `operation`, `step`, `healthy` (Nat 1/0), `detail` (Text).
 * - `lineage_rollback`: a step that failed its check: `operation`, `step`, `from`, `to`, `reason` (Text),
 *   `snapshot`, `loaded` (Nat 1 when the snapshot is back, 0 when loading failed), `detail` (Text).
 * - `lineage_restore`: the holder's restore: `operation`, `snapshot`, `taken_at`, `requested_by`, `loaded`, `detail`.
 * - `lineage_trust_policy`: the owner's trust policy changed (`canister` is the manager):
 *   `requested_by`, and unless the policy was cleared `threshold` (Nat) and `verifiers` (Array of Blob).
 */
import { Principal } from '@dfinity/principal';

import { fromHex, toHex, type Value } from '@lineage/kit';

import type { HistoryEntry, HistoryEvent, ObservedChange, Version } from './model.js';
import { policyFromFields, policyTx } from './trust.js';

export const BLOCK_TYPES = [
  'lineage_deploy', 'lineage_deploy_failed', 'lineage_change', 'lineage_gap', 'lineage_snapshot', 'lineage_health', 'lineage_rollback', 'lineage_restore',
  'lineage_trust_policy',
] as const;

const principal = (text: string): Value => ({ Blob: Principal.fromText(text).toUint8Array() });
const nat = (n: bigint | number): Value => ({ Nat: BigInt(n) });
const blob = (hex: string): Value => ({ Blob: fromHex(hex) });

/** The `tx` of the block that records `event` about `canister`. */
export function eventToTx(canister: string, event: HistoryEvent): { btype: string; tx: [string, Value][] } {
  const tx: [string, Value][] = [['canister', principal(canister)]];
  switch (event.kind) {
    case 'deployed':
    case 'deploy_failed': {
      tx.push(['operation', nat(event.operation)], ['step', nat(event.step)], ['steps', nat(event.steps)]);
      if (event.from !== undefined) tx.push(['from', blob(event.from)]);
      tx.push(['to', blob(event.to)], ['version', { Array: event.version.map(nat) }], ['requested_by', principal(event.requestedBy)]);
      if (event.kind === 'deployed') {
        if (event.canisterVersion !== undefined) tx.push(['canister_version', nat(event.canisterVersion)]);
        return { btype: 'lineage_deploy', tx };
      }
      tx.push(['error', { Text: event.error }]);
      return { btype: 'lineage_deploy_failed', tx };
    }
    case 'observed': {
      const c = event.change;
      tx.push(['change', { Text: c.details.kind }], ['origin', principal(c.origin.principal)], ['origin_kind', { Text: c.origin.kind }]);
      tx.push(['canister_version', nat(c.canisterVersion)], ['at', nat(c.at)]);
      const d = c.details;
      if (d.kind === 'code_deployment') tx.push(['mode', { Text: d.mode }], ['module_hash', blob(d.moduleHash)]);
      if (d.kind === 'creation' || d.kind === 'controllers_change') tx.push(['controllers', { Array: d.controllers.map(principal) }]);
      if (d.kind === 'load_snapshot') tx.push(['snapshot_version', nat(d.snapshotVersion)], ['taken_at', nat(d.takenAt)]);
      return { btype: 'lineage_change', tx };
    }
    case 'gap':
      tx.push(['missed', nat(event.missed)], ['last_seen', nat(event.lastSeen)], ['now_total', nat(event.nowTotal)]);
      return { btype: 'lineage_gap', tx };
    case 'snapshot_taken':
      tx.push(['operation', nat(event.operation)], ['step', nat(event.step)], ['snapshot', blob(event.snapshot)], ['taken_at', nat(event.takenAt)]);
      if (event.replaced !== undefined) tx.push(['replaced', blob(event.replaced)]);
      return { btype: 'lineage_snapshot', tx };
    case 'health_checked':
      tx.push(['operation', nat(event.operation)], ['step', nat(event.step)], ['healthy', nat(event.healthy ? 1 : 0)], ['detail', { Text: event.detail }]);
      return { btype: 'lineage_health', tx };
    case 'rolled_back':
      tx.push(['operation', nat(event.operation)], ['step', nat(event.step)], ['from', blob(event.from)], ['to', blob(event.to)]);
      tx.push(['reason', { Text: event.reason }], ['snapshot', blob(event.snapshot)], ['loaded', nat(event.loaded ? 1 : 0)], ['detail', { Text: event.detail }]);
      return { btype: 'lineage_rollback', tx };
    case 'restored':
      tx.push(['operation', nat(event.operation)], ['snapshot', blob(event.snapshot)], ['taken_at', nat(event.takenAt)], ['requested_by', principal(event.requestedBy)]);
      tx.push(['loaded', nat(event.loaded ? 1 : 0)], ['detail', { Text: event.detail }]);
      return { btype: 'lineage_restore', tx };
    case 'trust_policy':
      tx.push(...policyTx(event.policy, event.requestedBy));
      return { btype: 'lineage_trust_policy', tx };
  }
}

// ---- reading blocks back -------------------------------------------------------------------

class Fields {
  constructor(private readonly map: Map<string, Value>, private readonly where: string) {}

  static of(value: Value, where: string): Fields {
    if (!('Map' in value)) throw new Error(`${where} is not a map`);
    return new Fields(new Map(value.Map), where);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  private get(name: string): Value {
    const v = this.map.get(name);
    if (v === undefined) throw new Error(`${this.where} has no field ${name}`);
    return v;
  }

  nat(name: string): bigint {
    const v = this.get(name);
    if (!('Nat' in v)) throw new Error(`${this.where}.${name} is not a Nat`);
    return v.Nat;
  }

  text(name: string): string {
    const v = this.get(name);
    if (!('Text' in v)) throw new Error(`${this.where}.${name} is not Text`);
    return v.Text;
  }

  bytes(name: string): Uint8Array {
    const v = this.get(name);
    if (!('Blob' in v)) throw new Error(`${this.where}.${name} is not a Blob`);
    return v.Blob;
  }

  hex(name: string): string {
    return toHex(this.bytes(name));
  }

  principal(name: string): string {
    return Principal.fromUint8Array(this.bytes(name)).toText();
  }

  array(name: string): Value[] {
    const v = this.get(name);
    if (!('Array' in v)) throw new Error(`${this.where}.${name} is not an Array`);
    return v.Array;
  }

  nested(name: string): Fields {
    return Fields.of(this.get(name), `${this.where}.${name}`);
  }
}

function observedChange(tx: Fields): ObservedChange {
  const kind = tx.text('change');
  const principals = () => tx.array('controllers').map((v) => {
    if (!('Blob' in v)) throw new Error('a controller is not a Blob');
    return Principal.fromUint8Array(v.Blob).toText();
  });
  let details: ObservedChange['details'];
  switch (kind) {
    case 'creation': details = { kind, controllers: principals() }; break;
    case 'controllers_change': details = { kind, controllers: principals() }; break;
    case 'code_uninstall': details = { kind }; break;
    case 'code_deployment': {
      const mode = tx.text('mode');
      if (mode !== 'install' && mode !== 'reinstall' && mode !== 'upgrade') throw new Error(`unknown deployment mode ${mode}`);
      details = { kind, mode, moduleHash: tx.hex('module_hash') };
      break;
    }
    case 'load_snapshot': details = { kind, snapshotVersion: tx.nat('snapshot_version'), takenAt: tx.nat('taken_at') }; break;
    default: throw new Error(`unknown change kind ${kind}`);
  }
  const originKind = tx.text('origin_kind');
  if (originKind !== 'user' && originKind !== 'canister') throw new Error(`unknown origin kind ${originKind}`);
  return { canisterVersion: tx.nat('canister_version'), at: tx.nat('at'), origin: { kind: originKind, principal: tx.principal('origin') }, details };
}

/** The entry a block of this log records (throws on a block this log never writes). */
export function blockToEntry(index: bigint, block: Value): HistoryEntry {
  const b = Fields.of(block, `block ${index}`);
  const btype = b.text('btype');
  const tx = b.nested('tx');
  const canister = tx.principal('canister');
  const time = b.nat('ts');
  let event: HistoryEvent;
  if (btype === 'lineage_deploy' || btype === 'lineage_deploy_failed') {
    const parts = tx.array('version');
    if (parts.length !== 3 || parts.some((v) => !('Nat' in v))) throw new Error(`block ${index}: version must be three Nat`);
    const version = parts.map((v) => (v as { Nat: bigint }).Nat) as Version;
    const common = {
      operation: tx.nat('operation'), step: Number(tx.nat('step')), steps: Number(tx.nat('steps')),
      from: tx.has('from') ? tx.hex('from') : undefined, to: tx.hex('to'), version, requestedBy: tx.principal('requested_by'),
    };
    event = btype === 'lineage_deploy'
      ? { kind: 'deployed', ...common, canisterVersion: tx.has('canister_version') ? tx.nat('canister_version') : undefined }
      : { kind: 'deploy_failed', ...common, error: tx.text('error') };
  } else if (btype === 'lineage_change') {
    event = { kind: 'observed', change: observedChange(tx) };
  } else if (btype === 'lineage_gap') {
    event = { kind: 'gap', missed: tx.nat('missed'), lastSeen: tx.nat('last_seen'), nowTotal: tx.nat('now_total') };
  } else if (btype === 'lineage_snapshot') {
    event = {
      kind: 'snapshot_taken', operation: tx.nat('operation'), step: Number(tx.nat('step')), snapshot: tx.hex('snapshot'), takenAt: tx.nat('taken_at'),
      replaced: tx.has('replaced') ? tx.hex('replaced') : undefined,
    };
  } else if (btype === 'lineage_health') {
    event = { kind: 'health_checked', operation: tx.nat('operation'), step: Number(tx.nat('step')), healthy: tx.nat('healthy') === 1n, detail: tx.text('detail') };
  } else if (btype === 'lineage_rollback') {
    event = {
      kind: 'rolled_back', operation: tx.nat('operation'), step: Number(tx.nat('step')), from: tx.hex('from'), to: tx.hex('to'), reason: tx.text('reason'),
      snapshot: tx.hex('snapshot'), loaded: tx.nat('loaded') === 1n, detail: tx.text('detail'),
    };
  } else if (btype === 'lineage_restore') {
    event = {
      kind: 'restored', operation: tx.nat('operation'), snapshot: tx.hex('snapshot'), takenAt: tx.nat('taken_at'), requestedBy: tx.principal('requested_by'),
      loaded: tx.nat('loaded') === 1n, detail: tx.text('detail'),
    };
  } else if (btype === 'lineage_trust_policy') {
    const policy = policyFromFields(tx.has('threshold') ? tx.nat('threshold') : undefined, tx.has('verifiers') ? tx.array('verifiers') : undefined);
    event = { kind: 'trust_policy', policy, requestedBy: tx.principal('requested_by') };
  } else {
    throw new Error(`block ${index} has unknown btype ${btype}`);
  }
  return { index, time, canister, event };
}

/** Whether the entry is about `canister` and passes the filter of a history request. */
export function entryMatches(entry: HistoryEntry, canister: string | undefined): boolean {
  return canister === undefined || entry.canister === canister;
}
