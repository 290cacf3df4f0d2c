/**
 * The canister's view of itself and the system: ids, status, version, time, timer, counters,
 * controllers, environment variables, costs, debug output and explicit traps
 * (IC interface spec § Canister id, § Time, § Global timer, § Performance counter, § Cost calculation,
 * § Environment variables, § Debugging aids).
 */
import { IDL } from '@dfinity/candid';

import { LIMITS } from '../constants.js';
import { HELP, Trap, traps } from '../errors.js';
import type { ExecutionContext } from './context.js';
import { copyToCanister, decodeLossy, decodeUtf8, readFromCanister, utf8, writeU128 } from './memory-access.js';

const STATUS_CODES = { running: 1, stopping: 2, stopped: 3 } as const;

/** Threshold-key fees on PocketIC's test keys (`dfx_test_key`, `test_key_1`, `key_1`). */
const KEY_FEES: Record<string, bigint> = { dfx_test_key: 0n, test_key_1: 10_000_000_000n, key_1: 26_153_846_153n };

const HttpCostParams = IDL.Record({
  request_bytes: IDL.Nat64,
  http_roundtrip_time_ms: IDL.Nat64,
  raw_response_bytes: IDL.Nat64,
  transformed_response_bytes: IDL.Nat64,
  transform_instructions: IDL.Nat64,
});

function sortedEnv(c: ExecutionContext): [string, string][] {
  return [...c.canister.envVars].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function envName(c: ExecutionContext, api: string, src: number, size: number): string {
  if ((size >>> 0) > LIMITS.maxEnvVarNameLength) throw traps.toolchain(`${api}: the variable name is longer than ${LIMITS.maxEnvVarNameLength} bytes`);
  const name = decodeUtf8(readFromCanister(c, api, src, size));
  if (name === undefined) throw traps.toolchain(`${api}: the variable name is not valid UTF-8`);
  return name;
}

function envValue(c: ExecutionContext, api: string, src: number, size: number): string {
  const name = envName(c, api, src, size);
  const entry = c.canister.envVars.find(([k]) => k === name);
  if (!entry) throw traps.toolchain(`${api}: no environment variable named '${name}'`);
  return entry[1];
}

function keyCost(c: ExecutionContext, api: string, src: number, size: number, validCurve: boolean, dst: number): number {
  if (!validCurve) return 1;
  const name = decodeLossy(readFromCanister(c, api, src, size));
  const fee = KEY_FEES[name];
  if (fee === undefined) return 2;
  writeU128(c, api.replace('ic0.', 'ic0_'), dst, fee);
  return 0;
}

export function environmentImports(ctx: () => ExecutionContext) {
  return {
    canister_self_size: () => ctx().canister.id.length,
    canister_self_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.canister_self_copy', 'id', c.canister.id, dst, offset, size);
    },
    canister_status: () => STATUS_CODES[ctx().canister.status],
    canister_version: () => ctx().canister.version,
    subnet_self_size: () => ctx().canister.subnetId.length,
    subnet_self_copy: (dst: number, offset: number, size: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.subnet_self_copy', 'id', c.canister.subnetId, dst, offset, size);
    },
    subnet_self_node_count: () => ctx().canister.subnetSize,
    time: () => ctx().time,
    global_timer_set: (timestamp: bigint) => {
      const c = ctx();
      const previous = c.globalTimer ?? c.canister.globalTimer;
      c.globalTimer = BigInt.asUintN(64, timestamp);
      return previous;
    },
    // Exact counts of the metered module (its 200-instruction overhead already charged, as the
    // replica charges it before reading the counter). Other types trap, as on the replica.
    performance_counter: (type: number) => {
      const c = ctx();
      if (type === 0) return c.meter.instructions();
      if (type === 1) return c.callContextCounterBase + c.meter.instructions();
      throw traps.contract(`Error getting performance counter type ${type}`, '');
    },
    is_controller: (src: number, size: number) => {
      const c = ctx();
      if ((size >>> 0) > 29) throw new Trap('CanisterContractViolation', 'Canister provided invalid principal id', HELP.toolchain);
      const principal = readFromCanister(c, 'ic0.is_controller', src, size);
      return c.canister.controllers.some((p) => p.length === principal.length && p.every((b, k) => b === principal[k])) ? 1 : 0;
    },
    in_replicated_execution: () => (ctx().replicated ? 1 : 0),
    cost_call: (methodNameSize: bigint, payloadSize: bigint, dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_cost_call', dst, c.canister.cost.callReservation(BigInt.asUintN(64, methodNameSize), BigInt.asUintN(64, payloadSize)));
    },
    cost_create_canister: (dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_cost_create_canister', dst, c.canister.cost.createCanister());
    },
    cost_http_request: (requestSize: bigint, maxResponseBytes: bigint, dst: number) => {
      const c = ctx();
      writeU128(c, 'ic0_cost_http_request', dst, c.canister.cost.httpRequest(BigInt.asUintN(64, requestSize), BigInt.asUintN(64, maxResponseBytes)));
    },
    cost_http_request_v2: (src: number, size: number, dst: number) => {
      const c = ctx();
      let params: { request_bytes: bigint; raw_response_bytes: bigint };
      try {
        [params] = IDL.decode([HttpCostParams], readFromCanister(c, 'ic0.cost_http_request_v2', src, size)) as unknown as [typeof params];
      } catch {
        throw traps.toolchain('ic0.cost_http_request_v2: the parameters are not a valid Candid encoding of the expected record');
      }
      writeU128(c, 'ic0_cost_http_request_v2', dst, c.canister.cost.httpRequest(params.request_bytes, params.raw_response_bytes));
    },
    cost_sign_with_ecdsa: (src: number, size: number, curve: number, dst: number) => keyCost(ctx(), 'ic0.cost_sign_with_ecdsa', src, size, curve === 0 || curve === 1, dst),
    cost_sign_with_schnorr: (src: number, size: number, algorithm: number, dst: number) => keyCost(ctx(), 'ic0.cost_sign_with_schnorr', src, size, algorithm === 0 || algorithm === 1, dst),
    cost_vetkd_derive_key: (src: number, size: number, curve: number, dst: number) => keyCost(ctx(), 'ic0.cost_vetkd_derive_key', src, size, curve === 0, dst),
    env_var_count: () => ctx().canister.envVars.length,
    env_var_name_size: (index: number) => {
      const entry = sortedEnv(ctx())[index >>> 0];
      if (!entry) throw traps.toolchain(`ic0.env_var_name_size: index ${index >>> 0} is out of bounds`);
      return utf8.encode(entry[0]).length;
    },
    env_var_name_copy: (index: number, dst: number, offset: number, size: number) => {
      const c = ctx();
      const entry = sortedEnv(c)[index >>> 0];
      if (!entry) throw traps.toolchain(`ic0.env_var_name_copy: index ${index >>> 0} is out of bounds`);
      copyToCanister(c, 'ic0.env_var_name_copy', 'name', utf8.encode(entry[0]), dst, offset, size);
    },
    env_var_name_exists: (src: number, size: number) => {
      const c = ctx();
      const name = envName(c, 'ic0.env_var_name_exists', src, size);
      return c.canister.envVars.some(([k]) => k === name) ? 1 : 0;
    },
    env_var_value_size: (src: number, size: number) => utf8.encode(envValue(ctx(), 'ic0.env_var_value_size', src, size)).length,
    env_var_value_copy: (src: number, size: number, dst: number, offset: number, copySize: number) => {
      const c = ctx();
      copyToCanister(c, 'ic0.env_var_value_copy', 'value', utf8.encode(envValue(c, 'ic0.env_var_value_copy', src, size)), dst, offset, copySize);
    },
    debug_print: (src: number, size: number) => {
      const c = ctx();
      // Never traps (IC spec § Debugging aids), even when the message is outside the memory.
      c.logs.push(c.heap.inBounds(src >>> 0, size >>> 0) ? c.heap.read(src >>> 0, size >>> 0) : utf8.encode('(debug message out of memory bounds)'));
    },
    trap: (src: number, size: number) => {
      const c = ctx();
      const len = Math.min(size >>> 0, LIMITS.maxTrapMessageBytes);
      const message = c.heap.inBounds(src >>> 0, len) ? decodeLossy(c.heap.read(src >>> 0, len)) : '(trap message out of memory bounds)';
      throw traps.explicit(message);
    },
  };
}
