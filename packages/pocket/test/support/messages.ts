/**
 * Shared canisters and helpers for the message-semantics and management-canister conformance
 * tests (`messages.*.test.ts`, `management.*.test.ts`). Everything here goes through the public
 * `@dfinity/pic` API, so the same tests run on a real PocketIC server.
 *
 * - The **proxy** performs any inter-canister call a test describes (callee, method, payload)
 *   and surfaces what came back: `R` + reply bytes, or `J` + reject code (u32 LE) + message.
 *   It reaches the management canister from a canister (origin `from_canister`, methods users
 *   may not call, an explicit target for `install_chunked_code`).
 * - The **callee** answers in every way a method can: reply, reject, trap, no reply.
 * - The **waiter** keeps a call open across rounds (it polls `raw_rand` until released), so a
 *   test can stop or uninstall a canister while a call context is open.
 */
import { createHash } from 'node:crypto';
import type { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';

import { canister, text, untext } from './canister.js';

export const MANAGEMENT = Principal.managementCanister();

/** A principal that controls nothing (a self-authenticating id). */
export const STRANGER = Principal.selfAuthenticating(new Uint8Array(32).fill(7));

export const sha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());
export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Candid `()`: what a method with no results replies. */
export const EMPTY_CANDID = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x00, 0x00]);

// ---- the proxy -------------------------------------------------------------------------------

const SCRATCH_RESULT_LEN = 256;
const SCRATCH_SPEC_LEN = 260;
const RESULT = 65_536;
const SPEC = 327_680;

/**
 * Memory: 16 pages. `[0, 256)` scratch; `256` length of the last result; `260` length of the
 * prepared call; `RESULT` the last result; `SPEC` the call being made.
 * Callbacks: table slot 0 reply, 1 reject; their env is 1 when the call came from `fire`
 * (reply Candid `()` so a pic deferred actor can await it) and 0 otherwise (reply the result).
 */
const PROXY = `
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (data (i32.const 200) "call_perform")
  (data (i32.const 216) "DIDL\\00\\00")
  (func $perform (param $ptr i32) (param $len i32) (param $env i32)
    (local $clen i32) (local $mlen i32) (local $m i32) (local $p i32) (local $end i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $clen (i32.load (local.get $ptr)))
    (local.set $mlen (i32.load (i32.add (i32.add (local.get $ptr) (i32.const 4)) (local.get $clen))))
    (local.set $m (i32.add (i32.add (local.get $ptr) (i32.const 8)) (local.get $clen)))
    (local.set $p (i32.add (local.get $m) (local.get $mlen)))
    (call $call_new
      (i32.add (local.get $ptr) (i32.const 4)) (local.get $clen)
      (local.get $m) (local.get $mlen)
      (i32.const 0) (local.get $env) (i32.const 1) (local.get $env))
    (call $call_data_append (local.get $p) (i32.sub (local.get $end) (local.get $p)))
    (if (i32.ne (call $call_perform) (i32.const 0))
      (then (call $trap (i32.const 200) (i32.const 12)))))
  (func $finish (param $env i32)
    (if (i32.eq (local.get $env) (i32.const 1))
      (then (call $reply_data (i32.const 216) (i32.const 6)))
      (else (call $reply_data (i32.const ${RESULT}) (i32.load (i32.const ${SCRATCH_RESULT_LEN}))))))
  (func $on_reply (param $env i32)
    (local $n i32)
    (local.set $n (call $msg_arg_data_size))
    (i32.store8 (i32.const ${RESULT}) (i32.const 82))
    (call $msg_arg_data_copy (i32.const ${RESULT + 1}) (i32.const 0) (local.get $n))
    (i32.store (i32.const ${SCRATCH_RESULT_LEN}) (i32.add (local.get $n) (i32.const 1)))
    (call $finish (local.get $env)))
  (func $on_reject (param $env i32)
    (local $n i32)
    (i32.store8 (i32.const ${RESULT}) (i32.const 74))
    (i32.store (i32.const ${RESULT + 1}) (call $msg_reject_code))
    (local.set $n (call $msg_reject_msg_size))
    (call $msg_reject_msg_copy (i32.const ${RESULT + 5}) (i32.const 0) (local.get $n))
    (i32.store (i32.const ${SCRATCH_RESULT_LEN}) (i32.add (local.get $n) (i32.const 5)))
    (call $finish (local.get $env)))

  ;; Makes the call the argument describes; replies with its outcome.
  (func (export "canister_update call")
    (call $perform (i32.const ${SPEC}) (call $arg_to (i32.const ${SPEC})) (i32.const 0)))
  ;; The same from a composite query.
  (func (export "canister_composite_query cq_call")
    (call $perform (i32.const ${SPEC}) (call $arg_to (i32.const ${SPEC})) (i32.const 0)))
  ;; The same from a plain query (which may not call: call_new traps).
  (func (export "canister_query q_call")
    (call $perform (i32.const ${SPEC}) (call $arg_to (i32.const ${SPEC})) (i32.const 0)))
  ;; Stores a call for \`fire\`.
  (func (export "canister_update prepare")
    (i32.store (i32.const ${SCRATCH_SPEC_LEN}) (call $arg_to (i32.const ${SPEC})))
    (call $reply_empty))
  ;; Makes the prepared call; replies Candid () once it completes (see \`last\`).
  (func (export "canister_update fire")
    (call $perform (i32.const ${SPEC}) (i32.load (i32.const ${SCRATCH_SPEC_LEN})) (i32.const 1)))
  ;; The outcome of the last completed call.
  (func (export "canister_query last")
    (call $reply_data (i32.const ${RESULT}) (i32.load (i32.const ${SCRATCH_RESULT_LEN}))))
  (func (export "canister_update ping") (call $reply_i32 (i32.const 7)))
  (func (export "canister_query q_ping") (call $reply_i32 (i32.const 7)))
`;

const CALL_IMPORTS = ['call_new', 'call_data_append', 'call_perform', 'msg_reject_code', 'msg_reject_msg_size', 'msg_reject_msg_copy'];

export function proxyWasm(): Promise<Uint8Array> {
  return canister(PROXY, CALL_IMPORTS, { memory: '(memory (export "memory") 16)' });
}

/** The proxy's description of a call: callee, method name, payload. */
export function callSpec(callee: Principal, method: string, payload: Uint8Array = new Uint8Array()): Uint8Array {
  const c = callee.toUint8Array();
  const m = text(method);
  const out = new Uint8Array(8 + c.length + m.length + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, c.length, true);
  out.set(c, 4);
  view.setUint32(4 + c.length, m.length, true);
  out.set(m, 8 + c.length);
  out.set(payload, 8 + c.length + m.length);
  return out;
}

export type Outcome = { reply: Uint8Array } | { reject: { code: number; message: string } };

export function outcome(bytes: Uint8Array): Outcome {
  if (bytes[0] === 82) return { reply: bytes.slice(1) };
  if (bytes[0] === 74) {
    const code = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
    return { reject: { code, message: untext(bytes.slice(5)) } };
  }
  throw new Error(`not a proxy outcome: ${hex(bytes)}`);
}

export function replyOf(o: Outcome): Uint8Array {
  if ('reply' in o) return o.reply;
  throw new Error(`expected a reply, got reject ${o.reject.code}: ${o.reject.message}`);
}

export function rejectOf(o: Outcome): { code: number; message: string } {
  if ('reject' in o) return o.reject;
  throw new Error(`expected a reject, got a reply of ${o.reply.length} bytes`);
}

/** Has `proxy` make a call and returns what came back. */
export async function viaProxy(pic: PocketIc, proxy: Principal, callee: Principal, method: string, payload?: Uint8Array, sender?: Principal): Promise<Outcome> {
  return outcome(await pic.updateCall({ canisterId: proxy, method: 'call', arg: callSpec(callee, method, payload), sender }));
}

/** Has `proxy` call the management canister with a Candid argument; decodes a reply as `ret`. */
export async function manage(pic: PocketIc, proxy: Principal, method: string, argType: IDL.Type, arg: unknown): Promise<Outcome> {
  return viaProxy(pic, proxy, MANAGEMENT, method, new Uint8Array(IDL.encode([argType], [arg])));
}

/** A deferred actor for the proxy's `fire` (Candid `() -> ()`): submitted now, run by later rounds. */
export const fireIdl: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({ fire: I.Func([], [], []) });

// ---- the callee ------------------------------------------------------------------------------

/**
 * `echo` replies its argument; `reject` rejects with its argument as message; `trap` traps with
 * "callee boom"; `noreply` returns without replying; `record` appends its argument to a log and
 * replies it; `log` (query) replies the log; `q_echo` (query) replies its argument; `q_value`
 * (query) replies the u32 given at install; `size` replies the argument's size (u32).
 */
const CALLEE = `
  (data (i32.const 100) "callee boom")
  (func (export "canister_init")
    (if (i32.ge_u (call $msg_arg_data_size) (i32.const 4))
      (then (i32.store (i32.const 300) (call $arg_i32)))))
  (func (export "canister_update echo") (call $reply_data (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_update reject") (call $msg_reject (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_update trap") (call $trap (i32.const 100) (i32.const 11)))
  (func (export "canister_update noreply"))
  (func (export "canister_update record")
    (local $n i32)
    (local.set $n (call $arg_to (i32.add (i32.const 8192) (i32.load (i32.const 304)))))
    (i32.store (i32.const 304) (i32.add (i32.load (i32.const 304)) (local.get $n)))
    (call $reply_data (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_query log") (call $reply_data (i32.const 8192) (i32.load (i32.const 304))))
  (func (export "canister_query q_echo") (call $reply_data (i32.const 1024) (call $arg_to (i32.const 1024))))
  (func (export "canister_query q_value") (call $reply_i32 (i32.load (i32.const 300))))
  (func (export "canister_update size") (call $reply_i32 (call $msg_arg_data_size)))
`;

export function calleeWasm(): Promise<Uint8Array> {
  // The argument of `size` can be close to 2 MiB, but only its size is read.
  return canister(CALLEE, [], { memory: '(memory (export "memory") 1)' });
}

// ---- the waiter ------------------------------------------------------------------------------

/**
 * `wait` keeps its call open: it calls `raw_rand` (answered in a later round) again and again
 * until `release` has been called, then replies "done". `ping`/`q_ping` reply u32 7.
 */
const WAITER = `
  (table 2 funcref)
  (elem (i32.const 0) $again $failed)
  (data (i32.const 100) "raw_rand")
  (data (i32.const 116) "DIDL\\00\\00")
  (data (i32.const 124) "done")
  (data (i32.const 132) "raw_rand failed")
  (func $rand
    (call $call_new (i32.const 0) (i32.const 0) (i32.const 100) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_data_append (i32.const 116) (i32.const 6))
    (if (i32.ne (call $call_perform) (i32.const 0)) (then (call $trap (i32.const 132) (i32.const 15)))))
  (func $again (param $env i32)
    (i32.store (i32.const 404) (i32.add (i32.load (i32.const 404)) (i32.const 1)))
    (if (i32.load (i32.const 400))
      (then (call $reply_data (i32.const 124) (i32.const 4)))
      (else (call $rand))))
  (func $failed (param $env i32) (call $msg_reject (i32.const 132) (i32.const 15)))
  (func (export "canister_update wait") (call $rand))
  (func (export "canister_update release") (i32.store (i32.const 400) (i32.const 1)) (call $reply_empty))
  (func (export "canister_query polls") (call $reply_i32 (i32.load (i32.const 404))))
  (func (export "canister_update ping") (call $reply_i32 (i32.const 7)))
  (func (export "canister_query q_ping") (call $reply_i32 (i32.const 7)))
`;

export function waiterWasm(): Promise<Uint8Array> {
  return canister(WAITER, ['call_new', 'call_data_append', 'call_perform']);
}

// ---- the management canister's Candid --------------------------------------------------------

export const CanisterIdRecord = IDL.Record({ canister_id: IDL.Principal });

export const CanisterSettings = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
  compute_allocation: IDL.Opt(IDL.Nat),
  memory_allocation: IDL.Opt(IDL.Nat),
  freezing_threshold: IDL.Opt(IDL.Nat),
  reserved_cycles_limit: IDL.Opt(IDL.Nat),
  wasm_memory_limit: IDL.Opt(IDL.Nat),
  wasm_memory_threshold: IDL.Opt(IDL.Nat),
});

export function settings(s: { controllers?: Principal[]; freezing_threshold?: bigint } = {}) {
  return {
    controllers: s.controllers ? [s.controllers] : [],
    compute_allocation: [],
    memory_allocation: [],
    freezing_threshold: s.freezing_threshold === undefined ? [] : [s.freezing_threshold],
    reserved_cycles_limit: [],
    wasm_memory_limit: [],
    wasm_memory_threshold: [],
  };
}

export const UpdateSettingsArgs = IDL.Record({ canister_id: IDL.Principal, settings: CanisterSettings, sender_canister_version: IDL.Opt(IDL.Nat64) });

export const InstallMode = IDL.Variant({
  install: IDL.Null,
  reinstall: IDL.Null,
  upgrade: IDL.Opt(IDL.Record({
    skip_pre_upgrade: IDL.Opt(IDL.Bool),
    wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })),
  })),
});

export const InstallCodeArgs = IDL.Record({
  mode: InstallMode,
  canister_id: IDL.Principal,
  wasm_module: IDL.Vec(IDL.Nat8),
  arg: IDL.Vec(IDL.Nat8),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});

export const ChunkHash = IDL.Record({ hash: IDL.Vec(IDL.Nat8) });
export const UploadChunkArgs = IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) });

export const SnapshotId = IDL.Vec(IDL.Nat8);
export const Snapshot = IDL.Record({ id: SnapshotId, taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });
export const TakeSnapshotArgs = IDL.Record({
  canister_id: IDL.Principal, replace_snapshot: IDL.Opt(SnapshotId), uninstall_code: IDL.Opt(IDL.Bool), sender_canister_version: IDL.Opt(IDL.Nat64),
});
export const LoadSnapshotArgs = IDL.Record({ canister_id: IDL.Principal, snapshot_id: SnapshotId, sender_canister_version: IDL.Opt(IDL.Nat64) });
export const InstallChunkedCodeArgs = IDL.Record({
  mode: InstallMode,
  target_canister: IDL.Principal,
  store_canister: IDL.Opt(IDL.Principal),
  chunk_hashes_list: IDL.Vec(ChunkHash),
  wasm_module_hash: IDL.Vec(IDL.Nat8),
  arg: IDL.Vec(IDL.Nat8),
  sender_canister_version: IDL.Opt(IDL.Nat64),
});
export const UninstallCodeArgs = IDL.Record({ canister_id: IDL.Principal, sender_canister_version: IDL.Opt(IDL.Nat64) });

export const ChangeOrigin = IDL.Variant({
  from_user: IDL.Record({ user_id: IDL.Principal }),
  from_canister: IDL.Record({ canister_id: IDL.Principal, canister_version: IDL.Opt(IDL.Nat64) }),
});
export const ChangeDetails = IDL.Variant({
  creation: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
  code_uninstall: IDL.Null,
  code_deployment: IDL.Record({
    mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Null }),
    module_hash: IDL.Vec(IDL.Nat8),
  }),
  controllers_change: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
});
export const Change = IDL.Record({ timestamp_nanos: IDL.Nat64, canister_version: IDL.Nat64, origin: ChangeOrigin, details: ChangeDetails });
export const CanisterInfoArgs = IDL.Record({ canister_id: IDL.Principal, num_requested_changes: IDL.Opt(IDL.Nat64) });
export const CanisterInfoResult = IDL.Record({
  total_num_changes: IDL.Nat64,
  recent_changes: IDL.Vec(Change),
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  controllers: IDL.Vec(IDL.Principal),
});

export interface ChangeValue {
  timestamp_nanos: bigint;
  canister_version: bigint;
  origin: { from_user: { user_id: Principal } } | { from_canister: { canister_id: Principal; canister_version: [] | [bigint] } };
  details:
    | { creation: { controllers: Principal[] } }
    | { code_uninstall: null }
    | { code_deployment: { mode: { install?: null; reinstall?: null; upgrade?: null }; module_hash: Uint8Array | number[] } }
    | { controllers_change: { controllers: Principal[] } };
}

export interface CanisterInfoValue {
  total_num_changes: bigint;
  recent_changes: ChangeValue[];
  module_hash: [] | [Uint8Array | number[]];
  controllers: Principal[];
}

export function decode<T>(type: IDL.Type, bytes: Uint8Array): T {
  return IDL.decode([type], bytes)[0] as unknown as T;
}

/** Principals as sorted text, to compare sets whose order the IC leaves open. */
export const texts = (ps: Principal[]) => ps.map((p) => p.toText()).sort();

/** Management calls by ingress (pic has no helper for these). */
export async function ingress(pic: PocketIc, method: string, argType: IDL.Type, arg: unknown, sender?: Principal, targetSubnetId?: Principal): Promise<Uint8Array> {
  return pic.updateCall({ canisterId: MANAGEMENT, method, arg: new Uint8Array(IDL.encode([argType], [arg])), sender, targetSubnetId });
}

/** A canister id in the default subnet's range that no canister has: `base` plus `offset`. */
export function unusedCanisterId(base: Principal, offset: number): Principal {
  const bytes = base.toUint8Array().slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  view.setBigUint64(0, view.getBigUint64(0) + BigInt(offset));
  return Principal.fromUint8Array(bytes);
}

export { IDL, Principal };
