/**
 * The emulator's record of the last install (`Canister.lastInstall`, in process): the mode and the
 * upgrade options exactly as the management canister received them, so a suite can see that
 * `skip_pre_upgrade` and `wasm_memory_persistence` reached the IC. The IC itself records only the
 * mode (`canister_info`); the checks on the options are the replica's and are tested beside.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { IcInstance } from '../../src/index.js';
import { topologyRequest } from '../../src/server/pocketic.js';
import { canister } from '../support/canister.js';

const user = Principal.fromText('2vxsx-fae');
const ProvisionalCreate = IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(IDL.Record({})), specified_id: IDL.Opt(IDL.Principal) });
const Mode = IDL.Variant({
  install: IDL.Null, reinstall: IDL.Null,
  upgrade: IDL.Opt(IDL.Record({ skip_pre_upgrade: IDL.Opt(IDL.Bool), wasm_memory_persistence: IDL.Opt(IDL.Variant({ keep: IDL.Null, replace: IDL.Null })) })),
});
const InstallCode = IDL.Record({ mode: Mode, canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });

describe('the record of the last install', () => {
  it('keeps the mode and the upgrade options as they were sent', async () => {
    const wasm = await canister(`(func (export "canister_pre_upgrade") (unreachable))`, []);
    const ic = new IcInstance({ topology: topologyRequest(undefined), seed: 'install-record' });
    const { canister_id: id } = ic.managementCall<{ canister_id: Principal }>(user, 'provisional_create_canister_with_cycles', ProvisionalCreate,
      { amount: [], settings: [], specified_id: [] }, IDL.Record({ canister_id: IDL.Principal }));
    const install = (mode: unknown) => ic.managementCall(user, 'install_code', InstallCode, { mode, canister_id: id, wasm_module: wasm, arg: new Uint8Array() });

    install({ install: null });
    expect(ic.canister(id)!.lastInstall).toMatchObject({ mode: 'install', skipPreUpgrade: false, wasmMemoryPersistence: undefined });

    // The pre_upgrade traps: only an upgrade that skips it goes through, and the record says so.
    expect(() => install({ upgrade: [] })).toThrow(/unreachable/);
    expect(ic.canister(id)!.lastInstall?.mode).toBe('install');
    install({ upgrade: [{ skip_pre_upgrade: [true], wasm_memory_persistence: [{ replace: null }] }] });
    expect(ic.canister(id)!.lastInstall).toMatchObject({ mode: 'upgrade', skipPreUpgrade: true, wasmMemoryPersistence: 'replace' });

    // `keep` needs a module that declares enhanced orthogonal persistence; this one does not (replica wording).
    expect(() => install({ upgrade: [{ skip_pre_upgrade: [true], wasm_memory_persistence: [{ keep: null }] }] }))
      .toThrow('Invalid upgrade option: The `wasm_memory_persistence: opt Keep` upgrade option requires that the new canister module supports enhanced orthogonal persistence.');
    expect(ic.canister(id)!.lastInstall?.wasmMemoryPersistence).toBe('replace');
  });
});
