/**
 * What each `ic0` call costs in instructions: a fixed overhead, plus one instruction per byte it
 * moves between the canister's memory and the system. Figures from the replica (dfinity/ic,
 * `rs/embedders/src/wasmtime_embedder/system_api_complexity.rs`, module `overhead`; applied in
 * `system_api/linker.rs` by `charge_for_cpu` / `charge_for_cpu_and_mem`, one instruction per
 * byte for a 32-bit memory).
 */

/** Overhead and, if the call moves bytes, the positions of its size arguments. */
export interface ApiCharge {
  overhead: number;
  sizeArgs: readonly number[];
}

const c = (overhead: number, ...sizeArgs: number[]): ApiCharge => ({ overhead, sizeArgs });

/** `(dst, offset, size)` copies: the size is the third argument. */
const COPY = c(500, 2);

export const API_CHARGES: Readonly<Record<string, ApiCharge>> = {
  msg_arg_data_size: c(500), msg_arg_data_copy: COPY,
  msg_caller_size: c(500), msg_caller_copy: COPY,
  msg_caller_info_data_size: c(500), msg_caller_info_data_copy: COPY,
  msg_caller_info_signer_size: c(500), msg_caller_info_signer_copy: COPY,
  msg_reject_code: c(500), msg_reject_msg_size: c(500), msg_reject_msg_copy: COPY,
  msg_deadline: c(500),
  msg_reply_data_append: c(500, 1), msg_reply: c(500), msg_reject: c(500, 1),
  msg_cycles_available: c(500), msg_cycles_available128: c(500),
  msg_cycles_refunded: c(500), msg_cycles_refunded128: c(500),
  msg_cycles_accept: c(500), msg_cycles_accept128: c(500),
  cycles_burn128: c(500),
  canister_self_size: c(500), canister_self_copy: COPY,
  canister_cycle_balance: c(500), canister_cycle_balance128: c(500), canister_liquid_cycle_balance128: c(500),
  canister_status: c(500), canister_version: c(500),
  subnet_self_size: c(500), subnet_self_copy: COPY, subnet_self_node_count: c(500),
  msg_method_name_size: c(500), msg_method_name_copy: COPY,
  accept_message: c(500),
  // call_new(callee_src, callee_size, name_src, name_size, …): the callee and method name bytes.
  call_new: c(1_500, 1, 3), call_on_cleanup: c(500), call_data_append: c(500, 1),
  call_with_best_effort_response: c(500), call_cycles_add: c(500), call_cycles_add128: c(500),
  call_perform: c(5_000),
  stable_size: c(20), stable_grow: c(500), stable_read: c(20, 2), stable_write: c(20, 2),
  stable64_size: c(20), stable64_grow: c(500), stable64_read: c(20, 2), stable64_write: c(20, 2),
  root_key_size: c(500), root_key_copy: COPY,
  certified_data_set: c(500, 1),
  data_certificate_present: c(500), data_certificate_size: c(500), data_certificate_copy: COPY,
  time: c(500), global_timer_set: c(500),
  performance_counter: c(200),
  is_controller: c(1_000, 1),
  in_replicated_execution: c(500),
  cost_call: c(500), cost_create_canister: c(500), cost_http_request: c(500), cost_http_request_v2: c(10_000, 1),
  cost_sign_with_ecdsa: c(500, 1), cost_sign_with_schnorr: c(500, 1), cost_vetkd_derive_key: c(500, 1),
  env_var_count: c(500), env_var_name_size: c(500), env_var_name_copy: c(500, 3), env_var_name_exists: c(500, 1),
  env_var_value_size: c(500, 1), env_var_value_copy: c(500, 1, 4),
  // The replica charges debug_print for the bytes it keeps in the canister log (twice) and
  // transmits (fifty times); see `logging_charge_bytes` in linker.rs. `debugPrintCharge` below.
  debug_print: c(100),
  trap: c(500, 1),
};

/** The log bytes of a `debug_print` of `size` bytes: kept twice, transmitted at 50 per byte (capped by the log's 4 KiB). */
export function debugPrintCharge(size: number, logCapacity: number): number {
  const bytes = Math.min(size, logCapacity);
  return 2 * bytes + 50 * bytes;
}

/** The number an `ic0` argument holds as an unsigned size (i32 as number, i64 as bigint). */
export function sizeOf(arg: unknown): number {
  if (typeof arg === 'bigint') return Number(BigInt.asUintN(64, arg));
  return (arg as number) >>> 0;
}
