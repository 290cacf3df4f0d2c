/**
 * The ingress history forgets: the replica deletes a completed message's status `MAX_INGRESS_TTL`
 * (5 minutes) after it completed, so `request_status` is unknown afterwards and an instance that
 * runs for days does not keep every reply.
 */
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { MAX_INGRESS_TTL_NS } from '../constants.js';
import { IcInstance, type EffectivePrincipal } from '../instance.js';

const anonymous = Principal.anonymous();
const none: EffectivePrincipal = { kind: 'none' };

function submit(ic: IcInstance, canister: Principal, method: string, arg: Uint8Array, effective: EffectivePrincipal = none): string {
  const submitted = ic.submitIngress(anonymous, canister, method, arg, effective);
  if ('err' in submitted) throw new Error(JSON.stringify(submitted.err));
  return submitted.ok.messageId;
}

async function withPing(): Promise<{ ic: IcInstance; id: Principal }> {
  const ic = new IcInstance({
    topology: { named: {}, system: [], application: [{ kind: 'Application', instructionConfig: 'Production', costSchedule: 'Normal' }], verifiedApplication: [] },
    seed: 'ingress-history',
  });
  const mgmt = Principal.managementCanister();
  const created = ic.awaitIngress(submit(ic, mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat) })], [{ amount: [10n ** 15n] }]))));
  if ('Err' in created) throw new Error(created.Err.reject_message);
  const id = (IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created.Ok)[0] as unknown as { canister_id: Principal }).canister_id;
  const module = await wat(`(module (import "ic0" "msg_reply" (func $reply)) (func (export "canister_update ping") (call $reply)))`);
  const Install = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), canister_id: IDL.Principal, wasm_module: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
  const installed = ic.awaitIngress(submit(ic, mgmt, 'install_code', new Uint8Array(IDL.encode([Install], [{ mode: { install: null }, canister_id: id, wasm_module: module, arg: new Uint8Array() }])), { kind: 'canister', id }));
  if ('Err' in installed) throw new Error(installed.Err.reject_message);
  return { ic, id };
}

describe('the ingress history', () => {
  it('keeps a completed status for MAX_INGRESS_TTL, then forgets it', async () => {
    const { ic, id } = await withPing();
    const first = submit(ic, id, 'ping', new Uint8Array());
    expect(ic.awaitIngress(first)).toEqual({ Ok: new Uint8Array() });
    const completed = ic.time;
    // A later message completes four minutes on: both statuses are still known.
    ic.setTime(completed + MAX_INGRESS_TTL_NS - 60_000_000_000n);
    const second = submit(ic, id, 'ping', new Uint8Array());
    ic.awaitIngress(second);
    expect(ic.ingressStatus(first)).toBeDefined();
    // Past five minutes after it completed, the first is forgotten at the next round; the second is not.
    ic.setTime(completed + MAX_INGRESS_TTL_NS + 1n);
    ic.tick();
    expect(ic.ingressStatus(first)).toBeUndefined();
    expect(ic.ingressRecord(first)).toBeUndefined();
    expect(() => ic.awaitIngress(first)).toThrow(/the message is unknown/);
    expect(ic.ingressStatus(second)).toEqual({ Ok: new Uint8Array() });
    // And the second too, five minutes after it completed.
    ic.setTime(ic.time + MAX_INGRESS_TTL_NS);
    ic.tick();
    expect(ic.ingressStatus(second)).toBeUndefined();
  });
});
