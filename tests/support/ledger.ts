/**
 * The ledger fixture (tests/fixtures/ledger, compiled Motoko with enhanced orthogonal persistence)
 * in its good and bad versions, a ledger canister the manager controls, and the management
 * calls a suite about snapshots needs.
 */
import { readFileSync } from 'node:fs';
import type { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { Principal } from '@icp-sdk/core/principal';

import { hex } from './ic.js';

export type LedgerVersion = 'v1' | 'v2' | 'v3' | 'v4' | 'v5' | 'unhealthy' | 'corrupting' | 'stuck';

export function ledgerWasm(name: LedgerVersion): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/ledger/dist/${name}.wasm`, import.meta.url)));
}

/**
 * `name`'s module with a custom section `lineage:stamp` holding `label` appended: the same code
 * under another module hash, so a suite can publish as many versions of it as it needs.
 */
export function stampedLedger(name: LedgerVersion, label: string): Uint8Array {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n !== 0) byte |= 0x80;
      out.push(byte);
    } while (n !== 0);
    return out;
  };
  const sectionName = new TextEncoder().encode('lineage:stamp');
  const payload = [...leb(sectionName.length), ...sectionName, ...new TextEncoder().encode(label)];
  return new Uint8Array([...ledgerWasm(name), 0, ...leb(payload.length), ...payload]);
}

export const LEDGER_TYPE = 'org.lineage.ledger';

/** Every version of the ledger keeps its Wasm memory: enhanced orthogonal persistence needs `keep`. */
export const KEEP = ['lineage:wasm_memory_persistence', { Text: 'keep' }] as [string, { Text: string }];

const HealthResult = IDL.Variant({ Ok: IDL.Null, Err: IDL.Text });
export const ledgerIdl: IDL.InterfaceFactory = ({ IDL: I }) => I.Service({
  add: I.Func([I.Text, I.Nat], [I.Nat], []),
  all: I.Func([], [I.Vec(I.Tuple(I.Text, I.Nat))], ['query']),
  version: I.Func([], [I.Text], ['query']),
  lineage_health: I.Func([], [HealthResult], ['query']),
});

export interface LedgerService {
  add(name: string, amount: bigint): Promise<bigint>;
  all(): Promise<[string, bigint][]>;
  version(): Promise<string>;
  lineage_health(): Promise<{ Ok: null } | { Err: string }>;
}

const management = Principal.managementCanister();
const Snapshot = IDL.Record({ id: IDL.Vec(IDL.Nat8), taken_at_timestamp: IDL.Nat64, total_size: IDL.Nat64 });

/** The snapshots the IC keeps of `canister` (ids in hex), asked as a controller. */
export async function snapshotIds(pic: PocketIc, canister: Principal, sender: Principal): Promise<string[]> {
  const reply = await pic.updateCall({
    canisterId: management, method: 'list_canister_snapshots', sender,
    arg: new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal })], [{ canister_id: canister }])),
  });
  const [list] = IDL.decode([IDL.Vec(Snapshot)], reply) as unknown as [{ id: Uint8Array }[]];
  return list.map((s) => hex(s.id));
}

/** Takes a snapshot of `canister` as `sender` (a controller other than the manager). */
export async function takeSnapshot(pic: PocketIc, canister: Principal, sender: Principal): Promise<string> {
  const reply = await pic.updateCall({
    canisterId: management, method: 'take_canister_snapshot', sender,
    arg: new Uint8Array(IDL.encode([IDL.Record({
      canister_id: IDL.Principal, replace_snapshot: IDL.Opt(IDL.Vec(IDL.Nat8)), uninstall_code: IDL.Opt(IDL.Bool), sender_canister_version: IDL.Opt(IDL.Nat64),
    })], [{ canister_id: canister, replace_snapshot: [], uninstall_code: [], sender_canister_version: [] }])),
  });
  return hex((IDL.decode([Snapshot], reply)[0] as unknown as { id: Uint8Array }).id);
}

const watBytes = (b: Uint8Array) => Array.from(b, (x) => `\\${x.toString(16).padStart(2, '0')}`).join('');

/**
 * A release that installs cleanly but cannot serve: its `lineage_health` answers
 * `variant { Err = reason }` and it has no other method (a broken build of a dapp canister).
 */
export async function unhealthyModule(reason: string): Promise<Uint8Array> {
  const { watModule } = await import('./ic.js');
  const reply = new Uint8Array(IDL.encode([HealthResult], [{ Err: reason }]));
  return watModule(`(module
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (data (i32.const 0) "${watBytes(reply)}")
  (func (export "canister_query lineage_health") (call $append (i32.const 0) (i32.const ${reply.length})) (call $reply)))`);
}

/**
 * A release that freezes the canister it runs on, then reports itself unhealthy: its
 * `lineage_health` (an update here) asks the management canister to set the canister's own
 * freezing threshold to the largest value (a canister that controls itself may), then answers
 * `variant { Err = reason }` whether or not that was accepted. Afterwards the canister's balance
 * is below its freezing threshold: it is frozen.
 */
export async function freezingModule(reason: string): Promise<Uint8Array> {
  const { watModule } = await import('./ic.js');
  const reply = new Uint8Array(IDL.encode([HealthResult], [{ Err: reason }]));
  const method = new TextEncoder().encode('update_settings');
  const program = `(module
  (import "ic0" "canister_self_size" (func $self_size (result i32)))
  (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_append (param i32 i32)))
  (import "ic0" "call_perform" (func $perform (result i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory 1)
  (table 1 funcref)
  (elem (i32.const 0) $answer)
  (data (i32.const 0) "${watBytes(reply)}")
  (data (i32.const 1024) "${watBytes(method)}")
  (func $answer (param i32) (call $append (i32.const 0) (i32.const ${reply.length})) (call $reply))
  ARG_BUILDER
  (func (export "canister_update lineage_health")
    (local $size i32)
    (local.set $size (call $arg))
    (call $call_new (i32.const 1100) (i32.const 0) (i32.const 1024) (i32.const ${method.length}) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $call_append (i32.const 2048) (local.get $size))
    (drop (call $perform))))`;
  return watModule(program.replace('ARG_BUILDER', freezeArgBuilder()));
}

/**
 * WAT for `$arg`: completes at 2048 the Candid of `update_settings`'s argument naming this canister
 * (`canister_self`), `record { canister_id; settings = record { freezing_threshold = opt (2^64-1) } }`,
 * and answers its length. The bytes around the principal are Candid's, computed here.
 */
function freezeArgBuilder(): string {
  const Settings = IDL.Record({ freezing_threshold: IDL.Opt(IDL.Nat) });
  const Arg = IDL.Record({ canister_id: IDL.Principal, settings: Settings });
  // Encoded with a 10-byte principal (canister ids are 10 bytes): split around its bytes.
  const sample = Principal.fromUint8Array(new Uint8Array(10).fill(0xab));
  const bytes = new Uint8Array(IDL.encode([Arg], [{ canister_id: sample, settings: { freezing_threshold: [2n ** 64n - 1n] } }]));
  const at = Buffer.from(bytes).indexOf(Buffer.from(sample.toUint8Array()));
  const head = bytes.slice(0, at);
  const tail = bytes.slice(at + 10);
  return `(data (i32.const 2048) "${watBytes(head)}")
  (data (i32.const ${2048 + head.length + 10}) "${watBytes(tail)}")
  (func $arg (result i32)
    (call $self_copy (i32.const ${2048 + head.length}) (i32.const 0) (call $self_size))
    (i32.const ${bytes.length}))`;
}
