/**
 * Small hand-written canisters for conformance tests: a WAT prelude importing the `ic0` functions a
 * test names, a 1-page memory, and helpers; plus pic-js helpers that install them and call them
 * with raw bytes. The tests run on any PocketIC server (this emulator or the real one).
 */
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { inject } from 'vitest';

import { IC0_SIGNATURES, concreteType } from '../../src/system-api/signatures.js';
import { wat } from './wat.js';

function importLine(name: string): string {
  const sig = IC0_SIGNATURES[name];
  if (!sig) throw new Error(`unknown ic0 function ${name}`);
  const params = sig.params.length ? ` (param ${sig.params.map((t) => concreteType(t, false)).join(' ')})` : '';
  const results = sig.results.length ? ` (result ${sig.results.map((t) => concreteType(t, false)).join(' ')})` : '';
  return `  (import "ic0" "${name}" (func $${name}${params}${results}))`;
}

/** The ic0 imports every test canister has, for the helpers below. */
const BASE = ['msg_reply_data_append', 'msg_reply', 'msg_reject', 'msg_arg_data_size', 'msg_arg_data_copy', 'trap', 'debug_print'];

/**
 * Builds a canister module from `body` (functions, exports, data) with `imports` added to the base
 * imports. Helpers: `$reply_data (ptr len)`, `$reply_i32 (v)`, `$reply_i64 (v)`, `$reply_empty`,
 * `$arg_to (dst) -> len` (copies the argument to `dst`), `$arg_i32 -> i32` (first 4 argument bytes),
 * and 64 KiB of memory whose first 256 bytes are scratch space.
 */
export async function canister(body: string, imports: string[] = [], options: { memory?: string } = {}): Promise<Uint8Array> {
  const all = [...new Set([...BASE, ...imports])];
  const source = `(module
${all.map(importLine).join('\n')}
  ${options.memory ?? '(memory (export "memory") 1)'}
  (func $reply_data (param $ptr i32) (param $len i32)
    (call $msg_reply_data_append (local.get $ptr) (local.get $len))
    (call $msg_reply))
  (func $reply_empty (call $msg_reply))
  (func $reply_i32 (param $v i32)
    (i32.store (i32.const 0) (local.get $v))
    (call $reply_data (i32.const 0) (i32.const 4)))
  (func $reply_i64 (param $v i64)
    (i64.store (i32.const 0) (local.get $v))
    (call $reply_data (i32.const 0) (i32.const 8)))
  (func $arg_to (param $dst i32) (result i32)
    (call $msg_arg_data_copy (local.get $dst) (i32.const 0) (call $msg_arg_data_size))
    (call $msg_arg_data_size))
  (func $arg_i32 (result i32)
    (call $msg_arg_data_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (i32.load (i32.const 0)))
${body}
)`;
  return wat(source);
}

export async function newPic(): Promise<PocketIc> {
  return PocketIc.create(inject('PIC_URL'));
}

/** Creates a canister and installs `wasm` in it; returns its id. */
export async function install(pic: PocketIc, wasm: Uint8Array, options: { arg?: Uint8Array; sender?: Principal; controllers?: Principal[]; cycles?: bigint } = {}): Promise<Principal> {
  const canisterId = await pic.createCanister({ sender: options.sender, controllers: options.controllers, cycles: options.cycles });
  await pic.installCode({ canisterId, wasm, arg: options.arg ?? new Uint8Array(), sender: options.sender });
  return canisterId;
}

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

export function readI64(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigInt64(0, true);
}

export function readI32(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0, true);
}

export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);
export { Principal };
