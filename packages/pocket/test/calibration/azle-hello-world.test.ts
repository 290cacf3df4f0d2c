/**
 * Calibration against the replica: Azle publishes, for its `hello_world` example, the
 * instructions `performance_counter(1)` returned after `setMessage` on a real replica
 * (`examples/stable/demo/hello_world/benchmarks.json` in the npm package). The same canister,
 * built to record that figure, must report it within ±5% on the emulator.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { describe, expect, it } from 'vitest';

import { IcInstance, type EffectivePrincipal } from '../../src/instance.js';
import { buildHelloWorldWithBenchmarks, publishedHelloWorldFigure } from './azle-benchmark-build.js';

const anonymous = Principal.anonymous();
const none: EffectivePrincipal = { kind: 'none' };
const Benchmarks = IDL.Vec(IDL.Record({ method_name: IDL.Text, instructions: IDL.Nat64, timestamp: IDL.Nat64 }));

function update(ic: IcInstance, canister: Principal, method: string, payload: Uint8Array, effective: EffectivePrincipal = none): Uint8Array {
  const submitted = ic.submitIngress(anonymous, canister, method, payload, effective);
  if ('err' in submitted) throw new Error(JSON.stringify(submitted.err));
  const result = ic.awaitIngress(submitted.ok.messageId);
  if ('Err' in result) throw new Error(result.Err.reject_message);
  return result.Ok;
}

/** Creates a canister and installs `wasm` (chunked: Azle modules exceed one ingress message). */
function installChunked(ic: IcInstance, wasm: Uint8Array): Principal {
  const mgmt = Principal.managementCanister();
  const created = update(ic, mgmt, 'provisional_create_canister_with_cycles', new Uint8Array(IDL.encode([IDL.Record({ amount: IDL.Opt(IDL.Nat) })], [{ amount: [10n ** 15n] }])));
  const id = (IDL.decode([IDL.Record({ canister_id: IDL.Principal })], created)[0] as unknown as { canister_id: Principal }).canister_id;
  const hashes: { hash: Uint8Array }[] = [];
  for (let at = 0; at < wasm.length; at += 1_000_000) {
    const r = update(ic, mgmt, 'upload_chunk', new Uint8Array(IDL.encode([IDL.Record({ canister_id: IDL.Principal, chunk: IDL.Vec(IDL.Nat8) })], [{ canister_id: id, chunk: wasm.subarray(at, at + 1_000_000) }])));
    hashes.push(IDL.decode([IDL.Record({ hash: IDL.Vec(IDL.Nat8) })], r)[0] as unknown as { hash: Uint8Array });
  }
  const Chunked = IDL.Record({ mode: IDL.Variant({ install: IDL.Null }), target_canister: IDL.Principal, chunk_hashes_list: IDL.Vec(IDL.Record({ hash: IDL.Vec(IDL.Nat8) })), wasm_module_hash: IDL.Vec(IDL.Nat8), arg: IDL.Vec(IDL.Nat8) });
  update(ic, mgmt, 'install_chunked_code', new Uint8Array(IDL.encode([Chunked], [{
    mode: { install: null }, target_canister: id, chunk_hashes_list: hashes,
    wasm_module_hash: createHash('sha256').update(wasm).digest(), arg: new Uint8Array(IDL.encode([], [])),
  }])), { kind: 'canister', id });
  return id;
}

describe('calibration against the replica', () => {
  it("reproduces Azle's published hello_world setMessage instruction count within 5%", { timeout: 180_000 }, async () => {
    const published = await publishedHelloWorldFigure();
    const wasm = new Uint8Array(await readFile(await buildHelloWorldWithBenchmarks()));
    const ic = new IcInstance({
      topology: { named: {}, system: [], application: [{ kind: 'Application', instructionConfig: 'Production', costSchedule: 'Normal' }], verifiedApplication: [] },
      seed: 'calibration',
    });
    const id = installChunked(ic, wasm);
    update(ic, id, published.method, new Uint8Array(IDL.encode([IDL.Text], ['Goodbye world!'])));
    const answer = ic.query(anonymous, id, '_azle_get_benchmarks', new Uint8Array(IDL.encode([], [])), none);
    if ('Err' in answer) throw new Error(answer.Err.reject_message);
    const [entries] = IDL.decode([Benchmarks], answer.Ok) as unknown as [{ method_name: string; instructions: bigint }[]];
    expect(entries.map((e) => e.method_name)).toEqual([published.method]);
    const ratio = Number(entries[0]!.instructions) / Number(published.instructions);
    expect(ratio).toBeGreaterThan(0.95);
    expect(ratio).toBeLessThan(1.05);
  });
});
