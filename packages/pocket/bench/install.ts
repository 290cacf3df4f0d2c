/** Installs a module on an in-process instance as a client would: create, upload chunks, install. */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import type { EffectivePrincipal, IcInstance } from '../src/instance.js';

/** One ingress update from the anonymous principal, awaited; throws on a reject. */
export function updateCall(ic: IcInstance, canister: Principal, method: string, payload: Uint8Array, effective: EffectivePrincipal = { kind: 'none' }): Uint8Array {
  const submitted = ic.submitIngress(Principal.anonymous(), canister, method, payload, effective);
  if ('err' in submitted) throw new Error(JSON.stringify(submitted.err));
  const result = ic.awaitIngress(submitted.ok.messageId);
  if ('Err' in result) throw new Error(result.Err.reject_message);
  return result.Ok;
}

/** Creates a canister and installs `wasm` on it through the chunk store, with `arg` for `canister_init`. */
export function installCounter(ic: IcInstance, wasm: Uint8Array, arg: Uint8Array): Principal {
  const mgmt = Principal.managementCanister();
  const created = updateCall(ic, mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat) })], [{ amount: [10n ** 18n] }])));
  const id = (IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created)[0] as unknown as { canister_id: Principal }).canister_id;
  const hashes: Uint8Array[] = [];
  for (let at = 0; at < wasm.length; at += 1_000_000) {
    const r = updateCall(ic, mgmt, 'upload_chunk', new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) })], [{ canister_id: id, chunk: wasm.subarray(at, at + 1_000_000) }])));
    hashes.push((IDL.decode([IDL.Record({ hash: IDL.Vec(IDL.Nat8) })], r)[0] as unknown as { hash: Uint8Array }).hash);
  }
  const Chunked = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), target_canister: IDL.Principal, chunk_hashes_list: IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) })), wasm_module_hash: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
  updateCall(ic, mgmt, 'install_chunked_code', new Uint8Array(IDL.encode([Chunked], [{ mode: { install: null }, target_canister: id, chunk_hashes_list: hashes.map((hash) => ({ hash })), wasm_module_hash: createHash('sha256').update(wasm).digest(), arg }])), { kind: 'canister', id });
  return id;
}
