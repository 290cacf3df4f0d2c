/**
 * The management canister `aaaaa-aa`: decodes a call, checks who may make it, and runs the method
 * (IC interface spec § The IC management canister). Also the ingress filter, which refuses at
 * submission what the IC refuses there.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import { IcError } from '../errors.js';
import type { Canister } from '../canister.js';
import type { CallResult } from '../messages.js';
import type { ManagementCall, ManagementHost, Reply } from './host.js';
import * as T from './idl.js';
import { HttpRequestArgs, httpRequestMethod } from './http-outcalls.js';
import { DELAYED_INGRESS_FEE_PAYLOAD, methods, type MethodContext } from './methods.js';
import { mayView } from './settings.js';
import * as S from './snapshot-idl.js';
import { snapshotMethods } from './snapshots.js';

/** Who may send the method in an ingress message: controllers, anyone, or whom a visibility setting names. */
type Access = 'controllers' | 'anyone' | 'status_viewers' | 'snapshot_viewers';

interface MethodSpec {
  arg: IDL.Type | undefined;
  /** Who may call it in an ingress message; undefined: canisters only. */
  ingress: Access | undefined;
  /** The payload field naming the canister the call is about (its effective canister id). */
  target: 'canister_id' | 'target_canister' | undefined;
  run: (ctx: MethodContext, arg: never) => void;
}

const spec = (arg: IDL.Type | undefined, ingress: Access | undefined, target: MethodSpec['target'], run: MethodSpec['run']): MethodSpec => ({ arg, ingress, target, run });

const METHODS: Record<string, MethodSpec> = {
  provisional_create_canister_with_cycles: spec(T.ProvisionalCreateArgs, 'anyone', undefined, methods.provisional_create_canister_with_cycles),
  create_canister: spec(T.CreateCanisterArgs, undefined, undefined, methods.create_canister),
  update_settings: spec(T.UpdateSettingsArgs, 'controllers', 'canister_id', methods.update_settings),
  upload_chunk: spec(T.UploadChunkArgs, 'controllers', 'canister_id', methods.upload_chunk),
  clear_chunk_store: spec(T.CanisterIdRecord, 'controllers', 'canister_id', methods.clear_chunk_store),
  stored_chunks: spec(T.CanisterIdRecord, 'controllers', 'canister_id', methods.stored_chunks),
  install_code: spec(T.InstallCodeArgs, 'controllers', 'canister_id', methods.install_code),
  install_chunked_code: spec(T.InstallChunkedCodeArgs, 'controllers', 'target_canister', methods.install_chunked_code),
  uninstall_code: spec(T.UninstallCodeArgs, 'controllers', 'canister_id', methods.uninstall_code),
  start_canister: spec(T.CanisterIdRecord, 'controllers', 'canister_id', methods.start_canister),
  stop_canister: spec(T.CanisterIdRecord, 'controllers', 'canister_id', methods.stop_canister),
  canister_status: spec(T.CanisterIdRecord, 'status_viewers', 'canister_id', methods.canister_status),
  canister_info: spec(T.CanisterInfoArgs, undefined, 'canister_id', methods.canister_info),
  canister_metadata: spec(T.CanisterMetadataArgs, undefined, 'canister_id', methods.canister_metadata),
  take_canister_snapshot: spec(S.TakeSnapshotArgs, 'controllers', 'canister_id', snapshotMethods.take_canister_snapshot),
  load_canister_snapshot: spec(S.LoadSnapshotArgs, 'controllers', 'canister_id', snapshotMethods.load_canister_snapshot),
  list_canister_snapshots: spec(T.CanisterIdRecord, 'snapshot_viewers', 'canister_id', snapshotMethods.list_canister_snapshots),
  delete_canister_snapshot: spec(S.SnapshotRef, 'controllers', 'canister_id', snapshotMethods.delete_canister_snapshot),
  read_canister_snapshot_metadata: spec(S.SnapshotRef, 'snapshot_viewers', 'canister_id', snapshotMethods.read_canister_snapshot_metadata),
  read_canister_snapshot_data: spec(S.ReadDataArgs, 'snapshot_viewers', 'canister_id', snapshotMethods.read_canister_snapshot_data),
  upload_canister_snapshot_metadata: spec(S.UploadMetadataArgs, 'controllers', 'canister_id', snapshotMethods.upload_canister_snapshot_metadata),
  upload_canister_snapshot_data: spec(S.UploadDataArgs, 'controllers', 'canister_id', snapshotMethods.upload_canister_snapshot_data),
  delete_canister: spec(T.CanisterIdRecord, 'controllers', 'canister_id', methods.delete_canister),
  deposit_cycles: spec(T.CanisterIdRecord, undefined, 'canister_id', methods.deposit_cycles),
  provisional_top_up_canister: spec(T.TopUpArgs, 'anyone', 'canister_id', methods.provisional_top_up_canister),
  raw_rand: spec(undefined, undefined, undefined, methods.raw_rand),
  http_request: spec(HttpRequestArgs, undefined, undefined, httpRequestMethod),
};

/** Methods of the management canister this emulator does not provide, with what is missing. */
const UNSUPPORTED: Record<string, string> = {
  flexible_http_request: 'flexible HTTPS outcalls',
  ecdsa_public_key: 'threshold ECDSA', sign_with_ecdsa: 'threshold ECDSA',
  schnorr_public_key: 'threshold Schnorr', sign_with_schnorr: 'threshold Schnorr',
  vetkd_public_key: 'vetKD', vetkd_derive_key: 'vetKD',
  bitcoin_get_balance: 'the Bitcoin API', bitcoin_get_utxos: 'the Bitcoin API', bitcoin_send_transaction: 'the Bitcoin API',
  bitcoin_get_current_fee_percentiles: 'the Bitcoin API', bitcoin_get_block_headers: 'the Bitcoin API',
  node_metrics_history: 'node metrics', subnet_info: 'subnet info',
  // Cycles consumed per use case are not counted yet.
  canister_metrics: 'canister metrics',
};

function reject(error: IcError): CallResult {
  return { kind: 'reject', code: error.rejectCode, message: error.message, errorCode: error.errorCode };
}

function decode(method: string, type: IDL.Type, payload: Uint8Array): unknown {
  try {
    return IDL.decode([type], payload)[0];
  } catch (error) {
    throw new IcError('InvalidManagementPayload', `Error decoding candid: ${(error as Error).message} (ic00 method ${method})`);
  }
}

/** Executes a call to the management canister; `reply` answers it (possibly in a later round). */
export function executeManagement(host: ManagementHost, call: ManagementCall, reply: Reply): void {
  let answered = false;
  const once: Reply = (result, refund) => {
    if (answered) throw new Error(`internal: management method ${call.method} answered twice`);
    answered = true;
    reply(result, refund);
  };
  try {
    const method = METHODS[call.method];
    if (!method) {
      const feature = UNSUPPORTED[call.method];
      throw feature
        ? new IcError('UnknownManagementMessage', `Management canister method ${call.method} is not supported by the Lineage emulator (${feature} are out of its scope).`)
        : new IcError('CanisterMethodNotFound', `Management canister has no method '${call.method}'`);
    }
    if (call.method === 'fetch_canister_logs') throw new IcError('CanisterRejectedMessage', 'fetch_canister_logs API is only accessible in non-replicated mode');
    const arg = method.arg ? decode(call.method, method.arg, call.payload) : undefined;
    method.run({ host, call, reply: once }, arg as never);
  } catch (error) {
    if (!(error instanceof IcError)) throw error;
    if (!answered) once(reject(error), call.cycles);
  }
}

/** The canister a management call is about, for routing (`None` effective principal). */
export function effectiveCanisterId(method: string, payload: Uint8Array): Principal | undefined {
  const target = METHODS[method]?.target;
  if (!target) return undefined;
  try {
    const record = target === 'canister_id' ? T.CanisterIdRecord : IDL.Record({ target_canister: IDL.Principal });
    const decoded = IDL.decode([record], payload)[0] as unknown as Record<string, Principal>;
    return decoded[target];
  } catch {
    return undefined;
  }
}

/**
 * Which canister pays the induction fee of an ingress message to the management canister
 * (replica: `ingress_induction_cost`): the canister it is about (its effective canister id), except
 * for the provisional methods (free) and a small `update_settings` (charged once it has run,
 * see `DELAYED_INGRESS_FEE_PAYLOAD`). Undefined: nobody pays now.
 * @example ingressFeePayer('canister_status', payload) // the canister_id in the payload
 */
export function ingressFeePayer(method: string, payload: Uint8Array): Principal | undefined {
  if (method === 'provisional_create_canister_with_cycles' || method === 'provisional_top_up_canister') return undefined;
  if (method === 'update_settings' && payload.length <= DELAYED_INGRESS_FEE_PAYLOAD) return undefined;
  return effectiveCanisterId(method, payload);
}

/**
 * The IC's ingress filter for the management canister: refuses methods users may not call, a
 * message whose paying canister cannot pay its induction fee (`payable`; replica:
 * `should_accept_ingress_message` checks this before the sender's rights) and senders who do
 * not control the canister, before anything is queued.
 */
export function checkManagementIngress(host: ManagementHost, sender: Principal, method: string, payload: Uint8Array, payable: (payer: Canister) => CallResult | undefined): CallResult | undefined {
  const spec = METHODS[method];
  if (!spec) {
    if (UNSUPPORTED[method]) return reject(new IcError('CanisterRejectedMessage', `ic00 method ${method} can not be called via ingress messages`));
    return reject(new IcError('CanisterMethodNotFound', `ic00 interface does not expose method ${method}`));
  }
  if (!spec.ingress) return reject(new IcError('CanisterRejectedMessage', `ic00 method ${method} can not be called via ingress messages`));
  if (spec.ingress === 'anyone' && !spec.target) return undefined;
  const target = effectiveCanisterId(method, payload);
  if (!target) return reject(new IcError('InvalidManagementPayload', `Failed to decode payload for ic00 method: ${method}`));
  const canister = host.canister(target);
  const payer = ingressFeePayer(method, payload);
  if (payer) {
    if (!canister) return reject(new IcError('CanisterNotFound', `Canister ${target.toText()} not found`));
    const refused = payable(canister);
    if (refused) return refused;
  }
  if (spec.ingress === 'anyone') return undefined;
  if (!canister) return reject(new IcError('CanisterNotFound', `Canister ${target.toText()} not found`));
  const visibility = spec.ingress === 'status_viewers' ? canister.settings.statusVisibility
    : spec.ingress === 'snapshot_viewers' ? canister.settings.snapshotVisibility : undefined;
  if (visibility ? !mayView(canister, visibility, sender) : !canister.isController(sender)) {
    return reject(new IcError('CanisterInvalidController', `Only controllers of canister ${target.toText()} can call ic00 method ${method}`));
  }
  return undefined;
}

export function isManagementMethod(method: string): boolean {
  return method in METHODS;
}
