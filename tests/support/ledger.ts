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
