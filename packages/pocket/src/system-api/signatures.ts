/**
 * The `ic0` System API imports a canister may declare, with their Wasm signatures
 * (IC interface spec § Overview of imports). `I` is the pointer/size type: `i32` for a 32-bit
 * memory, `i64` for a 64-bit one (wasm64). A callback's `env` is an `I` too, but it is opaque
 * data the canister gets back, so lowering a wasm64 module (see `wasm/memory64.ts`) keeps it 64-bit.
 * A module importing anything else, or with another signature, is invalid.
 */

/** `p`: a pointer or size (`I`); `e`: a callback's env (`I`, kept whole); `i32`/`i64`: fixed. */
export type ParamType = 'i32' | 'i64' | 'I' | 'E';
export interface Signature { params: ParamType[]; results: ParamType[] }

const s = (params: ParamType[], results: ParamType[] = []): Signature => ({ params, results });
const i = 'i32' as const;
const l = 'i64' as const;
const p = 'I' as const;
const e = 'E' as const;

export const IC0_SIGNATURES: Readonly<Record<string, Signature>> = {
  msg_arg_data_size: s([], [p]),
  msg_arg_data_copy: s([p, p, p]),
  msg_caller_size: s([], [p]),
  msg_caller_copy: s([p, p, p]),
  msg_caller_info_data_size: s([], [p]),
  msg_caller_info_data_copy: s([p, p, p]),
  msg_caller_info_signer_size: s([], [p]),
  msg_caller_info_signer_copy: s([p, p, p]),
  msg_reject_code: s([], [i]),
  msg_reject_msg_size: s([], [p]),
  msg_reject_msg_copy: s([p, p, p]),
  msg_deadline: s([], [l]),
  msg_reply_data_append: s([p, p]),
  msg_reply: s([]),
  msg_reject: s([p, p]),
  msg_cycles_available: s([], [l]),
  msg_cycles_available128: s([p]),
  msg_cycles_refunded: s([], [l]),
  msg_cycles_refunded128: s([p]),
  msg_cycles_accept: s([l], [l]),
  msg_cycles_accept128: s([l, l, p]),
  cycles_burn128: s([l, l, p]),
  canister_self_size: s([], [p]),
  canister_self_copy: s([p, p, p]),
  canister_cycle_balance: s([], [l]),
  canister_cycle_balance128: s([p]),
  canister_liquid_cycle_balance128: s([p]),
  canister_status: s([], [i]),
  canister_version: s([], [l]),
  subnet_self_size: s([], [p]),
  subnet_self_copy: s([p, p, p]),
  subnet_self_node_count: s([], [i]),
  msg_method_name_size: s([], [p]),
  msg_method_name_copy: s([p, p, p]),
  accept_message: s([]),
  call_new: s([p, p, p, p, p, e, p, e]),
  call_on_cleanup: s([p, e]),
  call_data_append: s([p, p]),
  call_with_best_effort_response: s([i]),
  call_cycles_add: s([l]),
  call_cycles_add128: s([l, l]),
  call_perform: s([], [i]),
  stable_size: s([], [i]),
  stable_grow: s([i], [i]),
  stable_write: s([i, i, i]),
  stable_read: s([i, i, i]),
  stable64_size: s([], [l]),
  stable64_grow: s([l], [l]),
  stable64_write: s([l, l, l]),
  stable64_read: s([l, l, l]),
  root_key_size: s([], [p]),
  root_key_copy: s([p, p, p]),
  certified_data_set: s([p, p]),
  data_certificate_present: s([], [i]),
  data_certificate_size: s([], [p]),
  data_certificate_copy: s([p, p, p]),
  time: s([], [l]),
  global_timer_set: s([l], [l]),
  performance_counter: s([i], [l]),
  is_controller: s([p, p], [i]),
  in_replicated_execution: s([], [i]),
  cost_call: s([l, l, p]),
  cost_create_canister: s([p]),
  cost_http_request: s([l, l, p]),
  cost_http_request_v2: s([p, p, p]),
  cost_sign_with_ecdsa: s([p, p, i, p], [i]),
  cost_sign_with_schnorr: s([p, p, i, p], [i]),
  cost_vetkd_derive_key: s([p, p, i, p], [i]),
  env_var_count: s([], [p]),
  env_var_name_size: s([p], [p]),
  env_var_name_copy: s([p, p, p, p]),
  env_var_name_exists: s([p, p], [i]),
  env_var_value_size: s([p, p], [p]),
  env_var_value_copy: s([p, p, p, p, p]),
  debug_print: s([p, p]),
  trap: s([p, p]),
};

const VALTYPE_NAMES: Record<number, 'i32' | 'i64'> = { 0x7f: 'i32', 0x7e: 'i64' };

/** The concrete Wasm type of `t` for a module whose memory is 64-bit (`memory64`) or not. */
export function concreteType(t: ParamType, memory64: boolean): 'i32' | 'i64' {
  if (t === 'I' || t === 'E') return memory64 ? 'i64' : 'i32';
  return t;
}

/**
 * Whether a declared import type matches `sig` for a 32-bit or 64-bit memory.
 * @example signatureMatches(IC0_SIGNATURES.trap!, [0x7e, 0x7e], [], true) // true: wasm64's trap(src: i64, size: i64)
 */
export function signatureMatches(sig: Signature, params: number[], results: number[], memory64 = false): boolean {
  return (
    sig.params.length === params.length &&
    sig.results.length === results.length &&
    sig.params.every((t, k) => VALTYPE_NAMES[params[k]!] === concreteType(t, memory64)) &&
    sig.results.every((t, k) => VALTYPE_NAMES[results[k]!] === concreteType(t, memory64))
  );
}
