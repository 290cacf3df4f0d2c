/**
 * The state of one message execution as the System API sees it, and which `ic0` functions each
 * kind of execution may call (IC interface spec § Overview of imports: a function called from a
 * context not listed for it traps).
 */
import type { Heap } from '../wasm/heap.js';
import type { StableMemory } from '../state/stable-memory.js';

/**
 * The spec's context letters: `s` start, `I` init/post_upgrade, `G` pre_upgrade, `U` update,
 * `RQ`/`NRQ` query in replicated/non-replicated mode, `CQ` composite query, `Ry`/`Rt` reply/reject
 * callback, `CRy`/`CRt` the same in a composite query, `C`/`CC` cleanup, `F` inspect_message,
 * `T` system task (heartbeat, global timer, low-memory hook).
 */
export type ContextKind = 's' | 'I' | 'G' | 'U' | 'RQ' | 'NRQ' | 'CQ' | 'Ry' | 'Rt' | 'CRy' | 'CRt' | 'C' | 'CC' | 'F' | 'T';

/** The replica's name for each context, used in "cannot be executed in … mode" errors. */
export const MODE_NAMES: Record<ContextKind, string> = {
  s: 'start', I: 'init', G: 'pre upgrade', U: 'update', RQ: 'replicated query', NRQ: 'non replicated query',
  CQ: 'composite query', Ry: 'reply callback', Rt: 'reject callback', CRy: 'composite reply callback',
  CRt: 'composite reject callback', C: 'cleanup', CC: 'composite cleanup', F: 'inspect message', T: 'system task',
};

const ALL: ContextKind[] = ['I', 'G', 'U', 'RQ', 'NRQ', 'CQ', 'Ry', 'Rt', 'CRy', 'CRt', 'C', 'CC', 'F', 'T'];
const c = (spec: string): ReadonlySet<ContextKind> => {
  const kinds = spec.split(' ').flatMap((k) => (k === '*' ? ALL : [k as ContextKind]));
  return new Set(kinds);
};

/** Where each `ic0` function may be called, as the spec's import table lists it. */
export const ALLOWED: Readonly<Record<string, ReadonlySet<ContextKind>>> = {
  msg_arg_data_size: c('I U RQ NRQ CQ Ry CRy F'),
  msg_arg_data_copy: c('I U RQ NRQ CQ Ry CRy F'),
  msg_caller_size: c('*'),
  msg_caller_copy: c('*'),
  msg_caller_info_data_size: c('U RQ NRQ CQ Ry Rt CRy CRt C CC F'),
  msg_caller_info_data_copy: c('U RQ NRQ CQ Ry Rt CRy CRt C CC F'),
  msg_caller_info_signer_size: c('U RQ NRQ CQ Ry Rt CRy CRt C CC F'),
  msg_caller_info_signer_copy: c('U RQ NRQ CQ Ry Rt CRy CRt C CC F'),
  msg_reject_code: c('Ry Rt CRy CRt C'),
  msg_reject_msg_size: c('Rt CRt'),
  msg_reject_msg_copy: c('Rt CRt'),
  msg_deadline: c('U RQ NRQ CQ Ry Rt CRy CRt'),
  msg_reply_data_append: c('U RQ NRQ CQ Ry Rt CRy CRt'),
  msg_reply: c('U RQ NRQ CQ Ry Rt CRy CRt'),
  msg_reject: c('U RQ NRQ CQ Ry Rt CRy CRt'),
  msg_cycles_available: c('U RQ Rt Ry'),
  msg_cycles_available128: c('U RQ Rt Ry'),
  msg_cycles_refunded: c('Rt Ry'),
  msg_cycles_refunded128: c('Rt Ry'),
  msg_cycles_accept: c('U RQ Rt Ry'),
  msg_cycles_accept128: c('U RQ Rt Ry'),
  cycles_burn128: c('I G U RQ Ry Rt C T'),
  canister_self_size: c('*'),
  canister_self_copy: c('*'),
  canister_cycle_balance: c('*'),
  canister_cycle_balance128: c('*'),
  canister_liquid_cycle_balance128: c('*'),
  canister_status: c('*'),
  canister_version: c('*'),
  subnet_self_size: c('*'),
  subnet_self_copy: c('*'),
  subnet_self_node_count: c('*'),
  msg_method_name_size: c('F'),
  msg_method_name_copy: c('F'),
  accept_message: c('F'),
  call_new: c('U CQ Ry Rt CRy CRt T'),
  call_on_cleanup: c('U CQ Ry Rt CRy CRt T'),
  call_data_append: c('U CQ Ry Rt CRy CRt T'),
  call_with_best_effort_response: c('U CQ Ry Rt CRy CRt T'),
  call_cycles_add: c('U Ry Rt T'),
  call_cycles_add128: c('U Ry Rt T'),
  call_perform: c('U CQ Ry Rt CRy CRt T'),
  stable_size: c('* s'), stable_grow: c('* s'), stable_write: c('* s'), stable_read: c('* s'),
  stable64_size: c('* s'), stable64_grow: c('* s'), stable64_write: c('* s'), stable64_read: c('* s'),
  root_key_size: c('I G U RQ Ry Rt C T'),
  root_key_copy: c('I G U RQ Ry Rt C T'),
  certified_data_set: c('I G U Ry Rt T'),
  data_certificate_present: c('*'),
  data_certificate_size: c('NRQ CQ'),
  data_certificate_copy: c('NRQ CQ'),
  time: c('*'),
  global_timer_set: c('I G U Ry Rt C T'),
  performance_counter: c('* s'),
  is_controller: c('* s'),
  in_replicated_execution: c('* s'),
  cost_call: c('* s'), cost_create_canister: c('* s'), cost_http_request: c('* s'), cost_http_request_v2: c('* s'),
  cost_sign_with_ecdsa: c('* s'), cost_sign_with_schnorr: c('* s'), cost_vetkd_derive_key: c('* s'),
  env_var_count: c('*'), env_var_name_size: c('*'), env_var_name_copy: c('*'), env_var_name_exists: c('*'),
  env_var_value_size: c('*'), env_var_value_copy: c('*'),
  debug_print: c('* s'),
  trap: c('* s'),
};

/** An inter-canister call being built or performed by the current execution. */
export interface OutgoingCall {
  callee: Uint8Array;
  method: string;
  reply: { fn: number; env: number | bigint };
  reject: { fn: number; env: number | bigint };
  cleanup: { fn: number; env: number | bigint } | undefined;
  payload: Uint8Array[];
  payloadSize: number;
  cycles: bigint;
  /** Bounded-wait call timeout, in seconds, if `call_with_best_effort_response` was used. */
  timeoutSeconds: number | undefined;
  /** What `ic0.call_perform` charged: the call fee and the request's bytes (noted when it is sent). */
  fees?: { call: bigint; bytes: bigint };
  /**
   * What `ic0.call_perform` set aside beyond the fees: the transmission of the largest response and
   * the execution of a callback of the whole limit, given back when the response arrives.
   */
  reserved?: bigint;
}

export type Response = { kind: 'reply'; data: Uint8Array } | { kind: 'reject'; message: string };

/** What the System API needs to know about the canister it runs on. */
export interface CanisterFacts {
  id: Uint8Array;
  idText: string;
  subnetId: Uint8Array;
  subnetSize: number;
  controllers: Uint8Array[];
  status: 'running' | 'stopping' | 'stopped';
  version: bigint;
  globalTimer: bigint;
  envVars: [string, string][];
  rootKey: Uint8Array;
  /** Cycles the canister must keep (freezing threshold); liquid balance is above it. */
  freezingLimit: bigint;
  /** Whether an inter-canister call to `callee` stays on this subnet (for payload limits). */
  sameSubnet(callee: Uint8Array): boolean;
  cost: CostFacts;
}

export interface CostFacts {
  call(methodNameSize: bigint, payloadSize: bigint): bigint;
  /** `call`, and what the caller must also be able to reserve for the response (`ic0.cost_call`). */
  callReservation(methodNameSize: bigint, payloadSize: bigint): bigint;
  /** The per-call part of `call`. */
  callMessage(): bigint;
  /** Transmitting `bytes` between canisters (a request's method name and argument, a response). */
  transmission(bytes: bigint): bigint;
  createCanister(): bigint;
  httpRequest(requestSize: bigint, maxResponseBytes: bigint): bigint;
  /** The base fee of executing an update message. */
  execution(): bigint;
  /** The fee for executing `n` instructions in replicated mode (of a wasm64 module: twice as much). */
  instructions(n: bigint, wasm64?: boolean): bigint;
}

export interface ExecutionContext {
  kind: ContextKind;
  /** Overrides the mode name in errors (system tasks say "heartbeat", "global timer"). */
  modeName: string | undefined;
  canister: CanisterFacts;
  heap: Heap;
  stable: StableMemory;
  time: bigint;
  replicated: boolean;
  caller: Uint8Array;
  arg: Uint8Array | undefined;
  methodName: string | undefined;
  /** 0 for a reply (or anything else), the reject code in reject callbacks. */
  rejectCode: number;
  rejectMessage: string | undefined;
  deadline: bigint;
  /** Whether the call context still needs a response (false in system tasks, after a reply…). */
  canRespond: boolean;
  replyParts: Uint8Array[];
  replySize: number;
  maxReplySize: number;
  response: Response | undefined;
  /** Cycles the caller attached and this call context has not accepted yet. */
  cyclesAvailable: bigint;
  cyclesAccepted: bigint;
  cyclesRefunded: bigint;
  /** The canister's balance as this execution sees it (accepted in, attached and burned out). */
  balance: bigint;
  pendingCall: OutgoingCall | undefined;
  /** Calls performed with `call_perform` (queued only if the execution does not trap). */
  calls: OutgoingCall[];
  certifiedData: Uint8Array | undefined;
  globalTimer: bigint | undefined;
  messageAccepted: boolean;
  /** The data certificate for a query on the target canister of a query call. */
  dataCertificate: (() => Uint8Array) | undefined;
  logs: Uint8Array[];
  /** The instruction counter of the running instance. */
  meter: Meter;
  /** Instructions of the call context before this execution, for `performance_counter(1)`. */
  callContextCounterBase: bigint;
}

/** The instruction counter as the System API sees it. */
export interface Meter {
  /** Instructions this execution has used so far. */
  instructions(): bigint;
  /** Charges System API work; traps when the limit is exceeded. */
  charge(n: number): void;
}
