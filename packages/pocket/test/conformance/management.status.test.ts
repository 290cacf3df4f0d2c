/**
 * The current management interface (the IC interface spec's `ic.did`): `canister_status` replies
 * with every field of today's record (a decoder that requires them all accepts it), callable by
 * update and by query, and `status_visibility` says who may ask; `minimum_incoming_canister_call_cycles`
 * is kept and enforced on calls from other canisters; environment variables are kept and their
 * hash is in the creation record (§ canister_info); `canister_metadata` answers public sections
 * to every canister and private ones to controllers only.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { canister, install, newPic, type Principal } from '../support/canister.js';
import {
  CanisterIdRecord, CanisterInfoArgs, IDL, MANAGEMENT, STRANGER, calleeWasm, decode, hex, ingress, manage, proxyWasm, rejectOf, replyOf, viaProxy, Principal as P,
} from '../support/messages.js';

// ---- today's types, from ic.did (plus the two fields agents decode that the spec text lacks) ----

const Visibility = IDL.Variant({ controllers: IDL.Null, public: IDL.Null, allowed_viewers: IDL.Vec(IDL.Principal) });
const EnvVar = IDL.Record({ name: IDL.Text, value: IDL.Text });
const Settings = IDL.Record({
  controllers: IDL.Opt(IDL.Vec(IDL.Principal)),
  minimum_incoming_canister_call_cycles: IDL.Opt(IDL.Nat),
  status_visibility: IDL.Opt(Visibility),
  environment_variables: IDL.Opt(IDL.Vec(EnvVar)),
});
const UpdateSettings = IDL.Record({ canister_id: IDL.Principal, settings: Settings, sender_canister_version: IDL.Opt(IDL.Nat64) });
const StatusResult = IDL.Record({
  status: IDL.Variant({ running: IDL.Null, stopping: IDL.Null, stopped: IDL.Null }),
  ready_for_migration: IDL.Bool,
  version: IDL.Nat64,
  settings: IDL.Record({
    controllers: IDL.Vec(IDL.Principal),
    compute_allocation: IDL.Nat,
    memory_allocation: IDL.Nat,
    freezing_threshold: IDL.Nat,
    reserved_cycles_limit: IDL.Nat,
    minimum_incoming_canister_call_cycles: IDL.Nat,
    log_visibility: Visibility,
    snapshot_visibility: Visibility,
    status_visibility: Visibility,
    log_memory_limit: IDL.Nat,
    wasm_memory_limit: IDL.Nat,
    wasm_memory_threshold: IDL.Nat,
    environment_variables: IDL.Vec(EnvVar),
  }),
  module_hash: IDL.Opt(IDL.Vec(IDL.Nat8)),
  memory_size: IDL.Nat,
  memory_metrics: IDL.Record({
    wasm_memory_size: IDL.Nat,
    stable_memory_size: IDL.Nat,
    global_memory_size: IDL.Nat,
    wasm_binary_size: IDL.Nat,
    custom_sections_size: IDL.Nat,
    canister_history_size: IDL.Nat,
    wasm_chunk_store_size: IDL.Nat,
    snapshots_size: IDL.Nat,
    log_memory_store_size: IDL.Nat,
  }),
  cycles: IDL.Nat,
  reserved_cycles: IDL.Nat,
  idle_cycles_burned_per_day: IDL.Nat,
  query_stats: IDL.Record({
    num_calls_total: IDL.Nat,
    num_instructions_total: IDL.Nat,
    request_payload_bytes_total: IDL.Nat,
    response_payload_bytes_total: IDL.Nat,
  }),
});
type Status = {
  ready_for_migration: boolean;
  settings: {
    minimum_incoming_canister_call_cycles: bigint; status_visibility: Record<string, unknown>; environment_variables: { name: string; value: string }[];
  };
  memory_metrics: { log_memory_store_size: bigint; wasm_binary_size: bigint };
};
const InfoResult = IDL.Record({
  recent_changes: IDL.Vec(IDL.Record({
    details: IDL.Variant({
      creation: IDL.Record({ controllers: IDL.Vec(IDL.Principal), environment_variables_hash: IDL.Opt(IDL.Vec(IDL.Nat8)) }),
      code_uninstall: IDL.Null,
      code_deployment: IDL.Record({ mode: IDL.Variant({ install: IDL.Null, reinstall: IDL.Null, upgrade: IDL.Null }), module_hash: IDL.Vec(IDL.Nat8) }),
      controllers_change: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }),
    }),
  })),
});
const MetadataArgs = IDL.Record({ canister_id: IDL.Principal, name: IDL.Text });
const MetadataResult = IDL.Record({ value: IDL.Vec(IDL.Nat8) });
const CreateArgs = IDL.Record({ amount: IDL.Opt(IDL.Nat), settings: IDL.Opt(Settings), specified_id: IDL.Opt(IDL.Principal), sender_canister_version: IDL.Opt(IDL.Nat64) });

/** `wasm` with a custom section `name` holding `content` appended. */
function withCustomSection(wasm: Uint8Array, name: string, content: string): Uint8Array {
  const leb = (n: number) => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n) b |= 0x80;
      out.push(b);
    } while (n);
    return out;
  };
  const nameBytes = new TextEncoder().encode(name);
  const body = [...leb(nameBytes.length), ...nameBytes, ...new TextEncoder().encode(content)];
  return Uint8Array.from([...wasm, 0, ...leb(body.length), ...body]);
}

/** The spec's representation-independent hash of a map of text to text (https-interface § hash-of-map). */
function hashOfTextMap(entries: [string, string][]): string {
  const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest();
  const parts = entries.map(([k, v]) => Buffer.concat([sha(k), sha(v)])).sort(Buffer.compare);
  return hex(sha(Buffer.concat(parts)));
}

describe('the current management interface', () => {
  let pic: PocketIc;
  let proxy: Principal;
  const user = P.anonymous();
  const failure = (p: Promise<unknown>) => p.then(() => 'succeeded', (e: Error) => e.message);
  const status = async (id: Principal, sender?: Principal) =>
    decode<Status>(StatusResult, await ingress(pic, 'canister_status', CanisterIdRecord, { canister_id: id }, sender));
  const update = (id: Principal, settings: Partial<Record<'controllers' | 'minimum_incoming_canister_call_cycles' | 'status_visibility' | 'environment_variables', unknown>>) =>
    ingress(pic, 'update_settings', UpdateSettings, {
      canister_id: id, sender_canister_version: [],
      settings: {
        controllers: settings.controllers ? [settings.controllers] : [],
        minimum_incoming_canister_call_cycles: settings.minimum_incoming_canister_call_cycles === undefined ? [] : [settings.minimum_incoming_canister_call_cycles],
        status_visibility: settings.status_visibility ? [settings.status_visibility] : [],
        environment_variables: settings.environment_variables ? [settings.environment_variables] : [],
      },
    });

  beforeAll(async () => {
    pic = await newPic();
    proxy = await install(pic, await proxyWasm());
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('answers canister_status with every field of today\'s record, with the defaults the spec gives', async () => {
    const wasm = await calleeWasm();
    const id = await install(pic, wasm);
    const s = await status(id);
    expect(s.settings.minimum_incoming_canister_call_cycles).toBe(0n);
    expect(s.settings.status_visibility).toEqual({ controllers: null });
    expect(s.settings.environment_variables).toEqual([]);
    expect(s.memory_metrics.wasm_binary_size).toBe(BigInt(wasm.length));
    expect(s.ready_for_migration).toBe(false);
  });

  it('status_visibility: controllers only by default, then public, then the allowed viewers', async () => {
    const id = await install(pic, await calleeWasm());
    const viewer = P.selfAuthenticating(new Uint8Array(32).fill(9));
    expect(await failure(status(id, STRANGER))).toContain(`Only controllers of canister ${id.toText()} can call ic00 method canister_status`);
    await update(id, { status_visibility: { public: null } });
    expect((await status(id, STRANGER)).settings.status_visibility).toEqual({ public: null });
    await update(id, { status_visibility: { allowed_viewers: [viewer] } });
    expect((await status(id, viewer)).settings.status_visibility).toEqual({ allowed_viewers: [viewer] });
    expect(await failure(status(id, STRANGER))).toContain('Only controllers');
    // A canister that is neither controller nor viewer is refused too.
    const reject = rejectOf(await manage(pic, proxy, 'canister_status', CanisterIdRecord, { canister_id: id }));
    expect(reject.message).toContain(`Only the controllers of the canister ${id.toText()} can control it.`);
  });

  it('answers canister_status as a query, with the same visibility rule', async () => {
    const id = await install(pic, await calleeWasm());
    const arg = new Uint8Array(IDL.encode([CanisterIdRecord], [{ canister_id: id }]));
    const reply = await pic.queryCall({ canisterId: MANAGEMENT, method: 'canister_status', arg, sender: user });
    expect(decode<Status>(StatusResult, reply).settings.status_visibility).toEqual({ controllers: null });
    expect(await failure(pic.queryCall({ canisterId: MANAGEMENT, method: 'canister_status', arg, sender: STRANGER }))).toContain('Only the controllers');
  });

  it('keeps environment variables, and puts their hash in the creation record when creation set them', async () => {
    const env: [string, string][] = [['NETWORK', 'local'], ['API', 'https://example.invalid']];
    const created = decode<{ canister_id: Principal }>(CanisterIdRecord, await ingress(pic, 'provisional_create_canister_with_cycles', CreateArgs, {
      amount: [], specified_id: [], sender_canister_version: [],
      settings: [{ controllers: [[user]], minimum_incoming_canister_call_cycles: [], status_visibility: [], environment_variables: [env.map(([name, value]) => ({ name, value }))] }],
    }));
    const id = created.canister_id;
    expect((await status(id)).settings.environment_variables).toEqual(env.map(([name, value]) => ({ name, value })));
    type Info = { recent_changes: { details: { creation?: { environment_variables_hash: [] | [Uint8Array] } } }[] };
    const info = decode<Info>(InfoResult, replyOf(await manage(pic, proxy, 'canister_info', CanisterInfoArgs, { canister_id: id, num_requested_changes: [1n] })));
    expect(info.recent_changes[0]!.details.creation!.environment_variables_hash.map((h) => hex(new Uint8Array(h)))).toEqual([hashOfTextMap(env)]);

    // Created without environment variables: no hash.
    const plain = await pic.createCanister();
    const plainInfo = decode<Info>(InfoResult, replyOf(await manage(pic, proxy, 'canister_info', CanisterInfoArgs, { canister_id: plain, num_requested_changes: [1n] })));
    expect(plainInfo.recent_changes[0]!.details.creation!.environment_variables_hash).toEqual([]);

    await update(id, { environment_variables: [{ name: 'ONLY', value: 'one' }] });
    expect((await status(id)).settings.environment_variables).toEqual([{ name: 'ONLY', value: 'one' }]);
  });

  it('refuses too many or too long environment variables with the replica\'s wording, changing nothing', async () => {
    const id = await install(pic, await calleeWasm());
    await update(id, { environment_variables: [{ name: 'KEPT', value: 'yes' }] });
    const many = Array.from({ length: 21 }, (_, k) => ({ name: `V${k}`, value: 'x' }));
    expect(await failure(update(id, { environment_variables: many }))).toContain('Too many environment variables: 21 (max: 20)');
    const long = 'v'.repeat(129);
    expect(await failure(update(id, { environment_variables: [{ name: 'LONG', value: long }] })))
      .toContain(`Environment variable value "${long}" exceeds the maximum allowed length of 128.`);
    expect(await failure(update(id, { environment_variables: [{ name: 'N'.repeat(129), value: '' }] })))
      .toContain(`Environment variable name "${'N'.repeat(129)}" exceeds the maximum allowed length of 128.`);
    expect((await status(id)).settings.environment_variables).toEqual([{ name: 'KEPT', value: 'yes' }]);
  });

  it('minimum_incoming_canister_call_cycles refuses calls from other canisters that attach fewer cycles, not ingress', async () => {
    const id = await install(pic, await calleeWasm());
    expect(replyOf(await viaProxy(pic, proxy, id, 'echo', Uint8Array.from([1])))).toEqual(Uint8Array.from([1]));
    await update(id, { minimum_incoming_canister_call_cycles: 1_000n });
    expect((await status(id)).settings.minimum_incoming_canister_call_cycles).toBe(1_000n);
    const reject = rejectOf(await viaProxy(pic, proxy, id, 'echo', Uint8Array.from([1])));
    expect(reject.code).toBe(5);
    expect(reject.message).toContain('at least 1000 cycles');
    expect(await pic.updateCall({ canisterId: id, method: 'echo', arg: Uint8Array.from([2]) })).toEqual(Uint8Array.from([2]));
  });

  it('canister_metadata: public sections to any canister, private ones to controllers, errors as the replica words them', async () => {
    const base = await canister('');
    const wasm = withCustomSection(withCustomSection(base, 'icp:public candid:service', 'service : {}'), 'icp:private secret', 'hidden');
    const mine = await install(pic, wasm, { controllers: [user, proxy] });
    const theirs = await install(pic, wasm, { controllers: [user] });
    const read = async (id: Principal, name: string) => manage(pic, proxy, 'canister_metadata', MetadataArgs, { canister_id: id, name });
    const value = (o: Awaited<ReturnType<typeof read>>) => new TextDecoder().decode(new Uint8Array(decode<{ value: Uint8Array }>(MetadataResult, replyOf(o)).value));
    expect(value(await read(theirs, 'candid:service'))).toBe('service : {}');
    expect(value(await read(mine, 'secret'))).toBe('hidden');
    expect(rejectOf(await read(theirs, 'secret')).message).toBe(`The canister ${theirs.toText()} has no metadata section with the name secret.`);
    expect(rejectOf(await read(theirs, 'nothing')).message).toBe(`The canister ${theirs.toText()} has no metadata section with the name nothing.`);
    const empty = await pic.createCanister();
    expect(rejectOf(await read(empty, 'candid:service')).message).toBe(`The canister ${empty.toText()} has no Wasm module and hence no metadata is available.`);
    // Users cannot call it: canisters only.
    expect(await failure(ingress(pic, 'canister_metadata', MetadataArgs, { canister_id: theirs, name: 'candid:service' }))).toContain('can not be called via ingress messages');
  });
});
