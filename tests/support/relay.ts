/**
 * The relay: a tiny canister that forwards one call, so that a canister, not a user, calls
 * another (the registry, a manager). Apart from the registry fixtures so that code outside vitest
 * (the global setup's shared world, the benchmarks, through `./dapp.ts` and `./ic.ts`) can load it.
 */
import type { Principal } from '@icp-sdk/core/principal';

import { wat } from './api.js';

/**
 * A canister that forwards one call and replies with the callee's reply: the update `relay` takes
 * `[u32 callee length][callee][u32 method length][method][Candid payload]` (see `relayArg`). Lets a
 * canister, not a user, call the registry.
 */
export function relayModule(): Promise<Uint8Array> {
  return wat(`(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $reply_append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reject_msg_size" (func $reject_size (result i32)))
  (import "ic0" "msg_reject_msg_copy" (func $reject_copy (param i32 i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (memory 4)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (func (export "canister_update relay")
    (local $size i32) (local $callee i32) (local $method_at i32) (local $method i32) (local $payload_at i32)
    (local.set $size (call $arg_size))
    (call $arg_copy (i32.const 0) (i32.const 0) (local.get $size))
    (local.set $callee (i32.load (i32.const 0)))
    (local.set $method (i32.load (i32.add (i32.const 4) (local.get $callee))))
    (local.set $method_at (i32.add (i32.const 8) (local.get $callee)))
    (local.set $payload_at (i32.add (local.get $method_at) (local.get $method)))
    (call $call_new (i32.const 4) (local.get $callee) (local.get $method_at) (local.get $method)
      (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_data_append (local.get $payload_at) (i32.sub (local.get $size) (local.get $payload_at)))
    (if (call $call_perform) (then (call $trap (i32.const 0) (i32.const 0)))))
  (func $on_reply (param $env i32)
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $reply_append (i32.const 0) (call $arg_size))
    (call $reply))
  (func $on_reject (param $env i32)
    (call $reject_copy (i32.const 0) (i32.const 0) (call $reject_size))
    (call $trap (i32.const 0) (call $reject_size))))`);
}

/** The argument of the relay's `relay` update. */
export function relayArg(callee: Principal, method: string, payload: Uint8Array): Uint8Array {
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  };
  const id = callee.toUint8Array();
  const name = new TextEncoder().encode(method);
  return new Uint8Array(Buffer.concat([u32(id.length), id, u32(name.length), name, payload]));
}
