/**
 * The manager's calls to the management canister and to the registry, with Azle's `call`. Each
 * rejected call becomes an `EffectError` naming the method, which the domain turns into a typed
 * failure. Hashes cross this boundary as hex, principals as text.
 */
import { call, IDL, Principal } from 'azle';

import { asBytes, fromHex, toHex } from '@lineage/kit';
import { managementTypes, registryTypes, type CanisterInfo, type CanisterStatus, type GetWasmChunkResult, type UpgradePathResult, type Wasm } from '@lineage/types';

import {
  DEFAULT_POLICY, EffectError, isNoMethod, policyOf, upgradeMode,
  type Filing, type HealthAnswer, type IcEffects, type MetadataValue, type ObservedChange, type PathError, type RegistryVersion, type SafetyEffects,
} from './domain/index.js';

const M = managementTypes(IDL);
const R = registryTypes(IDL);
const MANAGEMENT = 'aaaaa-aa';
const ZERO_HASH = '00'.repeat(32);

function rejectMessage(error: unknown): string {
  const e = error as { rejectMessage?: string; type?: string; message?: string };
  return e.rejectMessage ?? e.message ?? e.type ?? String(error);
}

async function invoke<T>(canister: string, method: string, argTypes: IDL.Type[], args: unknown[], returnType?: IDL.Type): Promise<T> {
  try {
    return await call<unknown[], T>(canister, method, { paramIdlTypes: argTypes, returnIdlType: returnType, args });
  } catch (error) {
    throw new EffectError(method, rejectMessage(error));
  }
}

const id = (text: string) => Principal.fromText(text);

// ---- management canister ----------------------------------------------------------------

export async function canisterStatus(canister: string): Promise<CanisterStatus> {
  return invoke<CanisterStatus>(MANAGEMENT, 'canister_status', [M.CanisterId], [{ canister_id: id(canister) }], M.CanisterStatus);
}

export async function canisterInfo(canister: string, changes: bigint): Promise<CanisterInfo> {
  return invoke<CanisterInfo>(MANAGEMENT, 'canister_info', [M.CanisterInfoArgs], [{ canister_id: id(canister), num_requested_changes: [changes] }], M.CanisterInfo);
}

/** A change of `canister_info`, as the domain reads it. */
export function observedChange(c: CanisterInfo['recent_changes'][number]): ObservedChange {
  const origin = 'from_user' in c.origin
    ? { kind: 'user' as const, principal: c.origin.from_user.user_id.toText() }
    : { kind: 'canister' as const, principal: c.origin.from_canister.canister_id.toText() };
  const d = c.details;
  let details: ObservedChange['details'];
  if ('creation' in d) details = { kind: 'creation', controllers: d.creation.controllers.map((p) => p.toText()) };
  else if ('code_uninstall' in d) details = { kind: 'code_uninstall' };
  else if ('code_deployment' in d) {
    const mode = 'install' in d.code_deployment.mode ? 'install' : 'reinstall' in d.code_deployment.mode ? 'reinstall' : 'upgrade';
    details = { kind: 'code_deployment', mode, moduleHash: toHex(d.code_deployment.module_hash) };
  } else if ('controllers_change' in d) details = { kind: 'controllers_change', controllers: d.controllers_change.controllers.map((p) => p.toText()) };
  else details = { kind: 'load_snapshot', snapshotVersion: d.load_snapshot.canister_version, takenAt: d.load_snapshot.taken_at_timestamp };
  return { canisterVersion: c.canister_version, at: c.timestamp_nanos, origin, details };
}

// ---- registry ---------------------------------------------------------------------------

export function registryVersion(w: Wasm): RegistryVersion {
  const calculated = toHex(w.calculated_hash);
  const hash = toHex(w.hash);
  return {
    hash,
    namespace: w.canister_type_namespace,
    version: w.version_number,
    previousHash: w.previous_hash.length === 0 ? undefined : toHex(w.previous_hash[0]),
    // An unverified version carries 32 zero bytes as calculated_hash (registry contract).
    verified: calculated !== ZERO_HASH && calculated === hash,
    deprecated: w.deprecated,
    chunks: Number(w.chunkCount),
    chunkHashes: w.chunk_hashes.length === 0 ? undefined : w.chunk_hashes[0].map(toHex),
    ...policyFields(w.metadata as [string, MetadataValue][]),
  };
}

function policyFields(metadata: [string, MetadataValue][]): Pick<RegistryVersion, 'policy' | 'policyProblem'> {
  const read = policyOf(metadata);
  return 'policy' in read ? { policy: read.policy } : { policy: DEFAULT_POLICY, policyProblem: read.problem };
}

export class Registry {
  constructor(readonly canister: string) {}

  /** The registry records of `hashes` (those it knows). */
  async versions(hashes: string[]): Promise<Map<string, RegistryVersion>> {
    const wasms = await invoke<Wasm[]>(this.canister, 'icrc118_get_wasms', [R.GetWasmsRequest], [{
      filter: [hashes.map((h) => ({ hash: fromHex(h) }))], prev: [], take: [BigInt(hashes.length)],
    }], IDL.Vec(R.Wasm));
    return new Map(wasms.map((w) => [toHex(w.hash), registryVersion(w)]));
  }

  /** The hashes to install, in order, from `current` to `target` (the registry's path). */
  async path(namespace: string, current: string, target: string): Promise<{ ok: string[] } | { error: PathError }> {
    const result = await invoke<UpgradePathResult>(this.canister, 'icrc118_get_upgrade_path', [R.GetUpgradePathRequest], [{
      canister_type_namespace: namespace, current_version: fromHex(current), target_version: fromHex(target),
    }], R.UpgradePathResult);
    if ('Ok' in result) return { ok: result.Ok.map((v) => toHex(v.hash)) };
    const e = result.Error;
    if ('DeprecatedStep' in e) return { error: { kind: 'DeprecatedStep', hash: toHex(e.DeprecatedStep) } };
    if ('UnverifiedStep' in e) return { error: { kind: 'UnverifiedStep', hash: toHex(e.UnverifiedStep) } };
    return { error: { kind: Object.keys(e)[0] as Exclude<PathError['kind'], 'DeprecatedStep' | 'UnverifiedStep'> } };
  }

  async chunk(hash: string, index: number): Promise<{ bytes: Uint8Array; declared: string | undefined }> {
    const result = await invoke<GetWasmChunkResult>(this.canister, 'icrc118_get_wasm_chunk', [R.GetWasmChunkRequest], [{
      hash: fromHex(hash), chunk_id: BigInt(index),
    }], R.GetWasmChunkResult);
    if ('Error' in result) throw new EffectError('icrc118_get_wasm_chunk', `chunk ${index} of ${hash}: ${Object.keys(result.Error)[0]}`);
    const declared = result.Ok.chunk_hash.length === 0 ? undefined : toHex(result.Ok.chunk_hash[0]);
    return { bytes: asBytes(result.Ok.wasm_chunk), declared };
  }

  /**
   * The current ICRC-126 filings of the named `verifiers` on version `hash`: one query each (a
   * verifier has at most one filing per version), so filings by others cost nothing here.
   */
  async filings(hash: string, verifiers: string[]): Promise<Filing[]> {
    const out: Filing[] = [];
    for (const verifier of verifiers) {
      const found = await invoke<{ verifier: Principal; outcome: { Attested: null } | { Diverged: { report: string } } }[]>(this.canister, 'lineage_get_verifications',
        [R.GetVerificationsRequest], [{ wasm_hash: [fromHex(hash)], verifier: [id(verifier)], prev: [], take: [1n] }], IDL.Vec(R.Verification));
      for (const f of found) out.push({ verifier: f.verifier.toText(), outcome: 'Attested' in f.outcome ? 'attested' : 'diverged' });
    }
    return out;
  }

  /** Asks the registry to record the installation; it confirms with `canister_info` itself. */
  async reportInstallation(canister: string, hash: string): Promise<string | undefined> {
    try {
      const result = await invoke<{ Ok: bigint } | { Error: Record<string, unknown> }>(this.canister, 'lineage_report_installation',
        [R.ReportInstallationRequest], [{ canister: id(canister), hash: fromHex(hash) }], R.ReportInstallationResult);
      return 'Ok' in result ? undefined : Object.keys(result.Error)[0];
    } catch (error) {
      return (error as Error).message;
    }
  }
}

/** The effects of one upgrade step, over the registry `registry`. */
export function icEffects(registry: Registry): IcEffects {
  return {
    registryChunk: (hash, index) => registry.chunk(hash, index),
    clearChunkStore: async (store) => {
      await invoke(MANAGEMENT, 'clear_chunk_store', [M.CanisterId], [{ canister_id: id(store) }]);
    },
    uploadChunk: async (store, bytes) => {
      const r = await invoke<{ hash: Uint8Array }>(MANAGEMENT, 'upload_chunk', [M.UploadChunkArgs], [{ canister_id: id(store), chunk: bytes }], M.ChunkHash);
      return toHex(r.hash);
    },
    stop: async (canister) => {
      await invoke(MANAGEMENT, 'stop_canister', [M.CanisterId], [{ canister_id: id(canister) }]);
    },
    start: async (canister) => {
      await invoke(MANAGEMENT, 'start_canister', [M.CanisterId], [{ canister_id: id(canister) }]);
    },
    installChunked: async ({ target, store, chunkHashes, moduleHash, arg, policy }) => {
      await invoke(MANAGEMENT, 'install_chunked_code', [M.InstallChunkedCodeArgs], [{
        mode: upgradeMode(policy ?? DEFAULT_POLICY), target_canister: id(target), store_canister: [id(store)],
        chunk_hashes_list: chunkHashes.map((h) => ({ hash: fromHex(h) })), wasm_module_hash: fromHex(moduleHash), arg,
      }]);
    },
    moduleHash: async (canister) => {
      const status = await canisterStatus(canister);
      return status.module_hash.length === 0 ? undefined : toHex(status.module_hash[0]);
    },
  };
}

// ---- snapshots and health checks --------------------------------------------------------

const SnapshotId = IDL.Vec(IDL.Nat8);
const Snapshot = IDL.Record({ id: SnapshotId, taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });
const TakeSnapshotArgs = IDL.Record({
  canister_id: IDL.Principal, replace_snapshot: IDL.Opt(SnapshotId), uninstall_code: IDL.Opt(IDL.Bool), sender_canister_version: IDL.Opt(IDL.Nat64),
});
const LoadSnapshotArgs = IDL.Record({ canister_id: IDL.Principal, snapshot_id: SnapshotId, sender_canister_version: IDL.Opt(IDL.Nat64) });
const HealthResult = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
type SnapshotWire = { id: Uint8Array; taken_at_timestamp: bigint; total_size: bigint };

/** Snapshots (IC interface spec § take/load/list_canister_snapshot) and health calls. */
export function safetyEffects(now: () => bigint): SafetyEffects {
  return {
    listSnapshots: async (canister) => {
      const list = await invoke<SnapshotWire[]>(MANAGEMENT, 'list_canister_snapshots', [M.CanisterId], [{ canister_id: id(canister) }], IDL.Vec(Snapshot));
      return list.map((s) => ({ id: toHex(s.id), takenAt: s.taken_at_timestamp }));
    },
    takeSnapshot: async (canister, replace) => {
      const s = await invoke<SnapshotWire>(MANAGEMENT, 'take_canister_snapshot', [TakeSnapshotArgs], [{
        canister_id: id(canister), replace_snapshot: replace === undefined ? [] : [fromHex(replace)], uninstall_code: [], sender_canister_version: [],
      }], Snapshot);
      return { id: toHex(s.id), takenAt: s.taken_at_timestamp };
    },
    loadSnapshot: async (canister, snapshot) => {
      await invoke(MANAGEMENT, 'load_canister_snapshot', [LoadSnapshotArgs], [{ canister_id: id(canister), snapshot_id: fromHex(snapshot), sender_canister_version: [] }]);
    },
    call: async (canister, method, probe): Promise<HealthAnswer> => {
      try {
        if (probe) {
          // Any reply will do: decode nothing (the answer's type is the canister's business).
          await call<Uint8Array, Uint8Array>(canister, method, { raw: true, args: EMPTY_CANDID });
          return { kind: 'ok' };
        }
        const reply = await call<unknown[], { Ok: null } | { Err: string }>(canister, method, { paramIdlTypes: [], returnIdlType: HealthResult, args: [] });
        return 'Ok' in reply ? { kind: 'ok' } : { kind: 'err', message: reply.Err };
      } catch (error) {
        const message = rejectMessage(error);
        if (isNoMethod(message)) return { kind: 'no_method' };
        const e = error as { rejectMessage?: string };
        // A reply that is not `variant { Ok; Err : text }` fails to decode here, in the manager.
        return e.rejectMessage === undefined ? { kind: 'malformed', message: `answered something other than variant { Ok; Err : text } (${message})` } : { kind: 'rejected', message };
      }
    },
    now,
  };
}

const EMPTY_CANDID = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 0]);
