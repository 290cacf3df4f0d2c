/**
 * Canister snapshots through the in-process API (`IcInstance.takeCanisterSnapshot` and friends),
 * and kept in `state_dir`: an instance saved and restored still has every snapshot, with its
 * module, memories and globals, and can load it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { IcInstance, IcError } from '../../src/index.js';
import { topologyRequest } from '../../src/server/pocketic.js';
import { canister } from '../support/canister.js';

const COUNTER = `
  (global $count (mut i64) (i64.const 0))
  (func (export "canister_update inc")
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (i64.store (i32.const 512) (global.get $count))
    (if (i32.eqz (call $stable_size)) (then (drop (call $stable_grow (i32.const 1)))))
    (call $stable_write (i32.const 8) (i32.const 512) (i32.const 8))
    (call $reply_empty))
  ;; the global, the heap copy, the stable copy
  (func (export "canister_query get")
    (i64.store (i32.const 16) (global.get $count))
    (i64.store (i32.const 24) (i64.load (i32.const 512)))
    (i64.store (i32.const 32) (i64.const 0))
    (if (call $stable_size) (then (call $stable_read (i32.const 32) (i32.const 8) (i32.const 8))))
    (call $reply_data (i32.const 16) (i32.const 24)))
`;

const user = Principal.fromText('2vxsx-fae');
const ProvisionalCreate = IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(IDL.Record({})), specified_id: IDL.Opt(IDL.Principal) });
const InstallCode = IDL.Record({
  mode: IDL.Variant({ install: IDL.Null }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8),
});

function call(ic: IcInstance, id: Principal, method: string): void {
  const submitted = ic.submitIngress(user, id, method, new Uint8Array(), { kind: 'canister', id });
  if ('err' in submitted) throw new Error('refused');
  const result = ic.awaitIngress(submitted.ok.messageId);
  if ('Err' in result) throw new Error(result.Err.reject_message);
}

function get(ic: IcInstance, id: Principal): bigint[] {
  const result = ic.query(user, id, 'get', new Uint8Array(), { kind: 'canister', id });
  if ('Err' in result) throw new Error(result.Err.reject_message);
  const view = new DataView(result.Ok.buffer, result.Ok.byteOffset, result.Ok.byteLength);
  return [view.getBigInt64(0, true), view.getBigInt64(8, true), view.getBigInt64(16, true)];
}

describe('snapshots in process and in state_dir', () => {
  it('takes, lists and loads snapshots through IcInstance, and keeps them across saveTo/restoreFrom', async () => {
    const wasm = await canister(COUNTER, ['stable_size', 'stable_grow', 'stable_write', 'stable_read']);
    const ic = new IcInstance({ topology: topologyRequest(undefined), seed: 'snapshots-state' });
    const { canister_id: id } = ic.managementCall<{ canister_id: Principal }>(user, 'provisional_create_canister_with_cycles', ProvisionalCreate,
      { amount: [], settings: [], specified_id: [] }, IDL.Record({ canister_id: IDL.Principal }));
    ic.managementCall(user, 'install_code', InstallCode, { mode: { install: null }, canister_id: id, wasm_module: wasm, arg: new Uint8Array() });
    call(ic, id, 'inc');
    const first = ic.takeCanisterSnapshot(user, id);
    call(ic, id, 'inc');
    const second = ic.takeCanisterSnapshot(user, id);
    call(ic, id, 'inc');
    expect(get(ic, id)).toEqual([3n, 3n, 3n]);
    expect(ic.listCanisterSnapshots(user, id).map((s) => s.totalSize)).toEqual([first.totalSize, second.totalSize]);

    const dir = mkdtempSync(join(tmpdir(), 'pocket-snapshots-'));
    ic.saveTo(dir);
    const back = IcInstance.restoreFrom(dir);
    expect(back.listCanisterSnapshots(user, id)).toEqual(ic.listCanisterSnapshots(user, id));
    expect(get(back, id)).toEqual([3n, 3n, 3n]);
    back.loadCanisterSnapshot(user, id, first.id);
    expect(get(back, id)).toEqual([1n, 1n, 1n]);
    back.loadCanisterSnapshot(user, id, second.id);
    expect(get(back, id)).toEqual([2n, 2n, 2n]);
    // The next id continues where the saved instance left off.
    const third = back.takeCanisterSnapshot(user, id);
    expect(Buffer.from(third.id.subarray(0, 8)).toString('hex')).toBe('0000000000000002');

    back.deleteCanisterSnapshot(user, id, first.id);
    let error: unknown;
    try {
      back.loadCanisterSnapshot(user, id, first.id);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IcError);
    expect((error as IcError).errorCode).toBe('CanisterSnapshotNotFound');
  });
});
