/**
 * The `ic0` System API imports a canister may declare, with their Wasm signatures
 * (IC interface spec § Overview of imports; 32-bit memories, i.e. `I = i32`).
 * A module importing anything else, or with another signature, is invalid.
 */

type T = 'i32' | 'i64';
export interface Signature { params: T[]; results: T[] }

const s = (params: T[], results: T[] = []): Signature => ({ params, results });
const i = 'i32' as const;
const l = 'i64' as const;

export const IC0_SIGNATURES: Readonly<Record<string, Signature>> = {
  msg_arg_data_size: s([], [i]),
  msg_arg_data_copy: s([i, i, i]),
  msg_caller_size: s([], [i]),
  msg_caller_copy: s([i, i, i]),
  msg_caller_info_data_size: s([], [i]),
  msg_caller_info_data_copy: s([i, i, i]),
  msg_caller_info_signer_size: s([], [i]),
  msg_caller_info_signer_copy: s([i, i, i]),
  msg_reject_code: s([], [i]),
  msg_reject_msg_size: s([], [i]),
  msg_reject_msg_copy: s([i, i, i]),
  msg_deadline: s([], [l]),
  msg_reply_data_append: s([i, i]),
  msg_reply: s([]),
  msg_reject: s([i, i]),
  msg_cycles_available: s([], [l]),
  msg_cycles_available128: s([i]),
  msg_cycles_refunded: s([], [l]),
  msg_cycles_refunded128: s([i]),
  msg_cycles_accept: s([l], [l]),
  msg_cycles_accept128: s([l, l, i]),
  cycles_burn128: s([l, l, i]),
  canister_self_size: s([], [i]),
  canister_self_copy: s([i, i, i]),
  canister_cycle_balance: s([], [l]),
  canister_cycle_balance128: s([i]),
  canister_liquid_cycle_balance128: s([i]),
  canister_status: s([], [i]),
  canister_version: s([], [l]),
  subnet_self_size: s([], [i]),
  subnet_self_copy: s([i, i, i]),
  subnet_self_node_count: s([], [i]),
  msg_method_name_size: s([], [i]),
  msg_method_name_copy: s([i, i, i]),
  accept_message: s([]),
  call_new: s([i, i, i, i, i, i, i, i]),
  call_on_cleanup: s([i, i]),
  call_data_append: s([i, i]),
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
  root_key_size: s([], [i]),
  root_key_copy: s([i, i, i]),
  certified_data_set: s([i, i]),
  data_certificate_present: s([], [i]),
  data_certificate_size: s([], [i]),
  data_certificate_copy: s([i, i, i]),
  time: s([], [l]),
  global_timer_set: s([l], [l]),
  performance_counter: s([i], [l]),
  is_controller: s([i, i], [i]),
  in_replicated_execution: s([], [i]),
  cost_call: s([l, l, i]),
  cost_create_canister: s([i]),
  cost_http_request: s([l, l, i]),
  cost_http_request_v2: s([i, i, i]),
  cost_sign_with_ecdsa: s([i, i, i, i], [i]),
  cost_sign_with_schnorr: s([i, i, i, i], [i]),
  cost_vetkd_derive_key: s([i, i, i, i], [i]),
  env_var_count: s([], [i]),
  env_var_name_size: s([i], [i]),
  env_var_name_copy: s([i, i, i, i]),
  env_var_name_exists: s([i, i], [i]),
  env_var_value_size: s([i, i], [i]),
  env_var_value_copy: s([i, i, i, i, i]),
  debug_print: s([i, i]),
  trap: s([i, i]),
};

const VALTYPE_NAMES: Record<number, T> = { 0x7f: 'i32', 0x7e: 'i64' };

export function signatureMatches(sig: Signature, params: number[], results: number[]): boolean {
  return (
    sig.params.length === params.length &&
    sig.results.length === results.length &&
    sig.params.every((p, k) => VALTYPE_NAMES[params[k]!] === p) &&
    sig.results.every((r, k) => VALTYPE_NAMES[results[k]!] === r)
  );
}
