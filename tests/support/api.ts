/**
 * Helpers for pocket.api.spec.ts: tiny hand-written canisters (WAT compiled with wabt), canister ids
 * from integers, Wasm padding, and small byte utilities. Nothing here depends on the emulator, so
 * the suite runs unchanged on a real PocketIC server.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';
import { concatBytes } from '@lineage/kit/bytes';
import wabtInit from 'wabt';

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

/** Compiles WebAssembly text to a binary module. */
export async function wat(source: string): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const module = wabt.parseWat('canister.wat', source, { bulk_memory: true, mutable_globals: true, sign_extension: true });
  try {
    module.resolveNames();
    module.validate();
    return new Uint8Array(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

/** The `ic0` imports the test canisters use, with their signatures from the IC interface specification. */
const IC0: Record<string, string> = {
  msg_arg_data_size: '(result i32)',
  msg_arg_data_copy: '(param i32 i32 i32)',
  msg_caller_size: '(result i32)',
  msg_caller_copy: '(param i32 i32 i32)',
  msg_reject_code: '(result i32)',
  msg_reject_msg_size: '(result i32)',
  msg_reject_msg_copy: '(param i32 i32 i32)',
  msg_reply_data_append: '(param i32 i32)',
  msg_reply: '',
  trap: '(param i32 i32)',
  time: '(result i64)',
  stable64_size: '(result i64)',
  stable64_grow: '(param i64) (result i64)',
  stable64_write: '(param i64 i64 i64)',
  stable64_read: '(param i64 i64 i64)',
  call_new: '(param i32 i32 i32 i32 i32 i32 i32 i32)',
  call_data_append: '(param i32 i32)',
  call_cycles_add128: '(param i64 i64)',
  call_perform: '(result i32)',
};

const imports = () => Object.entries(IC0).map(([name, sig]) => `  (import "ic0" "${name}" (func $${name} ${sig}))`).join('\n');

/**
 * Memory map of the probe canister:
 *   0..64      scratch for raw replies
 *   64         counter (i64, heap: lost on reinstall, saved to stable memory by pre_upgrade)
 *   72         length of the init / post_upgrade argument (i32)
 *   76         which entry point ran last: 1 = canister_init, 2 = canister_post_upgrade (i32)
 *   80/84/88   outcome of the last management call made by run_call: status (0 pending, 1 reply,
 *              2 reject), length, reject code
 *   128        Candid prefix of a `(nat64)` reply, 160 of a `(principal)` reply, 200 of `()`
 *   1024       the init / post_upgrade argument (up to 1 KiB)
 *   4092/4096  the call stored by set_call: length, then [u32 method length][method][payload]
 *   20480      the reply or reject message of that call
 *   65536      buffer for stable memory reads (up to 192 KiB)
 */
const PROBE_BODY = `
  (memory (export "memory") 4)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (data (i32.const 128) "DIDL\\00\\01\\78")
  (data (i32.const 160) "DIDL\\00\\01\\68\\01")
  (data (i32.const 200) "DIDL\\00\\00")

  (func $arg_to (param $dst i32) (result i32)
    (call $msg_arg_data_copy (local.get $dst) (i32.const 0) (call $msg_arg_data_size))
    (call $msg_arg_data_size))
  (func $reply_nat64 (param $v i64)
    (i64.store (i32.const 135) (local.get $v))
    (call $msg_reply_data_append (i32.const 128) (i32.const 15))
    (call $msg_reply))
  (func $reply_caller
    (i32.store8 (i32.const 168) (call $msg_caller_size))
    (call $msg_caller_copy (i32.const 169) (i32.const 0) (call $msg_caller_size))
    (call $msg_reply_data_append (i32.const 160) (i32.add (i32.const 9) (call $msg_caller_size)))
    (call $msg_reply))
  (func $reply_echo
    (call $msg_reply_data_append (i32.const 65536) (call $arg_to (i32.const 65536)))
    (call $msg_reply))
  (func $bump (i64.store (i32.const 64) (i64.add (i64.load (i32.const 64)) (i64.const 1))))

  (func (export "canister_init")
    (i32.store (i32.const 72) (call $arg_to (i32.const 1024)))
    (i32.store (i32.const 76) (i32.const 1)))
  (func (export "canister_pre_upgrade")
    (if (i64.eqz (call $stable64_size)) (then (drop (call $stable64_grow (i64.const 1)))))
    (call $stable64_write (i64.const 0) (i64.const 64) (i64.const 8)))
  (func (export "canister_post_upgrade")
    (if (i64.ne (call $stable64_size) (i64.const 0))
      (then (call $stable64_read (i64.const 64) (i64.const 0) (i64.const 8))))
    (i32.store (i32.const 72) (call $arg_to (i32.const 1024)))
    (i32.store (i32.const 76) (i32.const 2)))

  ;; Candid methods (see PROBE_IDL)
  (func (export "canister_update inc") (call $bump) (call $reply_nat64 (i64.load (i32.const 64))))
  (func (export "canister_query get") (call $reply_nat64 (i64.load (i32.const 64))))
  (func (export "canister_query time") (call $reply_nat64 (call $time)))
  (func (export "canister_update whoami") (call $reply_caller))
  (func (export "canister_query whoami_query") (call $reply_caller))

  ;; Raw methods
  (func (export "canister_update inc_then_trap")
    (call $bump)
    (i32.store (i32.const 0) (i32.const 0x6d6f6f62)) ;; "boom"
    (call $trap (i32.const 0) (i32.const 4)))
  (func (export "canister_update echo") (call $reply_echo))
  (func (export "canister_query echo_query") (call $reply_echo))
  (func (export "canister_query init_arg")
    (call $msg_reply_data_append (i32.const 76) (i32.const 4))
    (call $msg_reply_data_append (i32.const 1024) (i32.load (i32.const 72)))
    (call $msg_reply))
  (func (export "canister_query stable_size")
    (i64.store (i32.const 0) (call $stable64_size))
    (call $msg_reply_data_append (i32.const 0) (i32.const 8))
    (call $msg_reply))
  ;; argument: u32 length n; replies the first n bytes of stable memory
  (func (export "canister_query stable_read")
    (local $n i32)
    (drop (call $arg_to (i32.const 0)))
    (local.set $n (i32.load (i32.const 0)))
    (call $stable64_read (i64.const 65536) (i64.const 0) (i64.extend_i32_u (local.get $n)))
    (call $msg_reply_data_append (i32.const 65536) (local.get $n))
    (call $msg_reply))

  ;; A call to the management canister in two steps: set_call stores [u32 method length][method]
  ;; [payload]; run_call sends it with 100 B cycles and replies at once; the callbacks record the
  ;; outcome, which the query call_result returns as [u32 status][u32 reject code][bytes].
  (func (export "canister_update set_call")
    (i32.store (i32.const 4092) (call $arg_to (i32.const 4096)))
    (i32.store (i32.const 80) (i32.const 0))
    (call $msg_reply))
  (func (export "canister_update run_call")
    (local $name_len i32)
    (local.set $name_len (i32.load (i32.const 4096)))
    (call $call_new (i32.const 0) (i32.const 0) (i32.const 4100) (local.get $name_len)
      (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_data_append (i32.add (i32.const 4100) (local.get $name_len))
      (i32.sub (i32.sub (i32.load (i32.const 4092)) (i32.const 4)) (local.get $name_len)))
    (call $call_cycles_add128 (i64.const 0) (i64.const 100000000000))
    (if (call $call_perform) (then (call $trap (i32.const 0) (i32.const 0))))
    (i32.store (i32.const 80) (i32.const 0))
    (call $msg_reply_data_append (i32.const 200) (i32.const 6))
    (call $msg_reply))
  (func $on_reply (param $env i32)
    (i32.store (i32.const 80) (i32.const 1))
    (i32.store (i32.const 84) (call $arg_to (i32.const 20480))))
  (func $on_reject (param $env i32)
    (i32.store (i32.const 80) (i32.const 2))
    (i32.store (i32.const 88) (call $msg_reject_code))
    (i32.store (i32.const 84) (call $msg_reject_msg_size))
    (call $msg_reject_msg_copy (i32.const 20480) (i32.const 0) (call $msg_reject_msg_size)))
  (func (export "canister_query call_result")
    (call $msg_reply_data_append (i32.const 80) (i32.const 4))
    (call $msg_reply_data_append (i32.const 88) (i32.const 4))
    (call $msg_reply_data_append (i32.const 20480) (i32.load (i32.const 84)))
    (call $msg_reply))
`;

/** A canister whose heartbeat counts rounds; the raw query `beats` returns the count as a u64. */
const BEAT_BODY = `
  (memory (export "memory") 1)
  (func (export "canister_heartbeat")
    (i64.store (i32.const 64) (i64.add (i64.load (i32.const 64)) (i64.const 1))))
  (func (export "canister_query beats")
    (call $msg_reply_data_append (i32.const 64) (i32.const 8))
    (call $msg_reply))
`;

export const probeWasm = () => wat(`(module\n${imports()}\n${PROBE_BODY})`);
export const beatWasm = () => wat(`(module\n${imports()}\n${BEAT_BODY})`);

/** The Candid interface of the probe canister's Candid methods. */
export const probeIdl: IDL.InterfaceFactory = ({ IDL }) =>
  IDL.Service({
    inc: IDL.Func([], [IDL.Nat64], []),
    get: IDL.Func([], [IDL.Nat64], ['query']),
    time: IDL.Func([], [IDL.Nat64], ['query']),
    whoami: IDL.Func([], [IDL.Principal], []),
    whoami_query: IDL.Func([], [IDL.Principal], ['query']),
  });

export interface ProbeService {
  inc: () => Promise<bigint>;
  get: () => Promise<bigint>;
  time: () => Promise<bigint>;
  whoami: () => Promise<Principal>;
  whoami_query: () => Promise<Principal>;
}

/** The raw argument of the probe's `set_call`. */
export function managementCall(method: string, payload: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(method);
  return concatBytes(u32(name.length), name, payload);
}

/** Decodes the probe's `call_result`. */
export function callResult(bytes: Uint8Array): { status: 'pending' | 'reply' | 'reject'; rejectCode: number; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const status = (['pending', 'reply', 'reject'] as const)[view.getUint32(0, true)];
  if (!status) throw new Error(`bad call_result status ${view.getUint32(0, true)}`);
  return { status, rejectCode: view.getUint32(4, true), data: bytes.slice(8) };
}

/** The canister id for the integer `n`: 8 big-endian bytes, then 0x01 0x01. */
export function canisterIdFromU64(n: bigint): Principal {
  const bytes = new Uint8Array(10);
  new DataView(bytes.buffer).setBigUint64(0, n);
  bytes[8] = 1;
  bytes[9] = 1;
  return Principal.fromUint8Array(bytes);
}

/** The integer of the first canister id of the k-th block PocketIC hands out, top down (pocketic-rest.md §3.3). */
export const allocationBlockStart = (k: number): bigint => ((1n << 44n) - 2n - BigInt(k)) * (1n << 20n);

/** The k-th 2^20-canister block PocketIC hands out, top down. */
export function allocationBlock(k: number): { start: Principal; end: Principal } {
  const startN = allocationBlockStart(k);
  return { start: canisterIdFromU64(startN), end: canisterIdFromU64(startN + (1n << 20n) - 1n) };
}

export function rangeText(range: { start: Principal; end: Principal }): string {
  return `${range.start.toText()}..${range.end.toText()}`;
}

export function inRanges(id: Principal, ranges: { start: Principal; end: Principal }[]): boolean {
  const b = Buffer.from(id.toUint8Array());
  return ranges.some((r) => Buffer.compare(Buffer.from(r.start.toUint8Array()), b) <= 0 && Buffer.compare(b, Buffer.from(r.end.toUint8Array())) <= 0);
}

/** Appends a custom section so the module reaches `targetSize` bytes (it still behaves the same). */
export function padWasm(wasm: Uint8Array, targetSize: number): Uint8Array {
  const name = new TextEncoder().encode('padding');
  const header = 1 + 5 + 1 + name.length; // id, fixed 5-byte LEB128 size, name length, name
  const contentSize = targetSize - wasm.length - header;
  if (contentSize < 0) throw new Error('module already larger than the target');
  const out = new Uint8Array(targetSize);
  out.set(wasm);
  let at = wasm.length;
  out[at++] = 0;
  let size = 1 + name.length + contentSize;
  for (let i = 0; i < 5; i++) {
    out[at++] = (size & 0x7f) | (i < 4 ? 0x80 : 0);
    size >>>= 7;
  }
  out[at++] = name.length;
  out.set(name, at);
  at += name.length;
  for (let i = 0; at < targetSize; i++) out[at++] = (i * 137 + 43) & 0xff;
  return out;
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
export const hex = (bytes: Uint8Array | number[]) => Buffer.from(Uint8Array.from(bytes)).toString('hex');
export const text = (s: string) => new TextEncoder().encode(s);
export const untext = (b: Uint8Array) => new TextDecoder().decode(b);

export function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

export function readU32(bytes: Uint8Array, at = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}

export function readU64(bytes: Uint8Array, at = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(at, true);
}


/** Sorted principal texts, to compare sets of principals. */
export const texts = (ps: { toText(): string }[]) => ps.map((p) => p.toText()).sort();

/** Runs `fn` and returns its rejection, with how long it took to settle (never hangs the suite). */
export async function rejectionOf(fn: () => Promise<unknown>, timeoutMs = 10_000): Promise<{ error: Error; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${timeoutMs} ms (a hang)`)), timeoutMs);
  });
  try {
    await Promise.race([fn(), timeout]);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('still pending after')) throw error;
    return { error: error as Error, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Candid types of the management canister's `http_request` (the optional fields left out). */
export const HttpHeader = IDL.Record({ name: IDL.Text, value: IDL.Text });
export const HttpRequestArgs = IDL.Record({
  url: IDL.Text,
  max_response_bytes: IDL.Opt(IDL.Nat64),
  method: IDL.Variant({ get: IDL.Null, head: IDL.Null, post: IDL.Null }),
  headers: IDL.Vec(HttpHeader),
  body: IDL.Opt(IDL.Vec(IDL.Nat8)),
});
export const HttpRequestResult = IDL.Record({ status: IDL.Nat, headers: IDL.Vec(HttpHeader), body: IDL.Vec(IDL.Nat8) });

export { Principal };
