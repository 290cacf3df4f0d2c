/**
 * An in-process instance with one canister installed from WAT, driven by ingress as a client
 * would: for tests of what happens between submission and reply (rounds, slices, the ingress history).
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { IcInstance, type EffectivePrincipal } from '../../src/instance.js';
import { wat } from './wat.js';

const none: EffectivePrincipal = { kind: 'none' };

/** Submits an ingress message from the anonymous principal; returns its id (throws if refused). */
export function submit(ic: IcInstance, canister: Principal, method: string, arg: Uint8Array, effective: EffectivePrincipal = none): string {
  const submitted = ic.submitIngress(Principal.anonymous(), canister, method, arg, effective);
  if ('err' in submitted) throw new Error(JSON.stringify(submitted.err));
  return submitted.ok.messageId;
}

/** A one-application-subnet instance (seeded with `seed`) and a canister running the WAT `source`. */
export async function instanceWithWat(seed: string, source: string): Promise<{ ic: IcInstance; id: Principal }> {
  const ic = new IcInstance({
    topology: { named: {}, system: [], application: [{ kind: 'Application', instructionConfig: 'Production', costSchedule: 'Normal' }], verifiedApplication: [] },
    seed,
  });
  const mgmt = Principal.managementCanister();
  const created = ic.awaitIngress(submit(ic, mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat) })], [{ amount: [10n ** 15n] }]))));
  if ('Err' in created) throw new Error(created.Err.reject_message);
  const id = (IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created.Ok)[0] as unknown as { canister_id: Principal }).canister_id;
  const Install = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
  const installed = ic.awaitIngress(submit(ic, mgmt, 'install_code', new Uint8Array(IDL.encode([Install], [{ mode: { install: null }, canister_id: id, wasm_module: await wat(source), arg: new Uint8Array() }])), { kind: 'canister', id }));
  if ('Err' in installed) throw new Error(installed.Err.reject_message);
  return { ic, id };
}
