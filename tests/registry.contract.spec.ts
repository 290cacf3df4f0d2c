// The contract: the Candid the build produces is the checked-in registry.did byte for byte, the module
// carries it as its public candid:service metadata, the client IDL (@lineage/types) names the same
// methods, and every method of the contract answers its happy path through that IDL.
import { readFileSync } from 'node:fs';
import { PocketIc } from '@dfinity/pic';
import { IDL } from '@icp-sdk/core/candid';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  canisterModule, deployTarget, fetchModule, hex, moduleBytes, ok, publish, REGISTRY_CONTRACT_PATH, REGISTRY_DID_PATH,
  registryFactory, registryWasm, setupRegistry, typeRequest, updateRequest, uploadChunk, user, verifyTip, who,
  type RegistryFixture,
} from './support/registry.js';

/** The custom sections of a Wasm module, by name. */
function customSections(wasm: Uint8Array): Map<string, Uint8Array> {
  const sections = new Map<string, Uint8Array>();
  const leb = (at: number): [number, number] => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[at++]!;
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return [value, at];
    }
  };
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at++]!;
    const [size, start] = leb(at);
    if (id === 0) {
      const [nameLength, nameStart] = leb(start);
      const name = new TextDecoder().decode(wasm.subarray(nameStart, nameStart + nameLength));
      sections.set(name, wasm.subarray(nameStart + nameLength, start + size));
    }
    at = start + size;
  }
  return sections;
}

/** `name: (...) -> (...) [query]` entries of the service in a .did file. */
function didMethods(did: string): Map<string, 'query' | 'update'> {
  const service = did.slice(did.indexOf('service'));
  const methods = new Map<string, 'query' | 'update'>();
  for (const line of service.split('\n')) {
    const m = /^\s+([a-z0-9_]+): \(.*\) -> \(.*\)( query)?;\s*$/.exec(line);
    if (m) methods.set(m[1]!, m[2] ? 'query' : 'update');
  }
  return methods;
}

describe('the contract snapshot', () => {
  it('is what the build produces, byte for byte', () => {
    const built = readFileSync(REGISTRY_DID_PATH);
    const contract = readFileSync(REGISTRY_CONTRACT_PATH);
    expect(built.length).toBeGreaterThan(0);
    expect(built.toString('utf8')).toBe(contract.toString('utf8'));
    expect(Buffer.compare(built, contract)).toBe(0);
  });

  it('is the module\'s public candid:service metadata', () => {
    const section = customSections(registryWasm()).get('icp:public candid:service');
    expect(section).toBeDefined();
    expect(new TextDecoder().decode(section)).toBe(readFileSync(REGISTRY_CONTRACT_PATH, 'utf8'));
  });

  it('names the methods of the client IDL, with the same query annotations', () => {
    const did = didMethods(readFileSync(REGISTRY_CONTRACT_PATH, 'utf8'));
    const service = registryFactory({ IDL });
    const idl = new Map(service._fields.map(([name, func]) => [name, func.annotations.includes('query') ? 'query' : 'update'] as const));
    expect([...did.keys()].sort()).toEqual([...idl.keys()].sort());
    expect(Object.fromEntries([...did.entries()].sort())).toEqual(Object.fromEntries([...idl.entries()].sort()));
    expect(readFileSync(REGISTRY_CONTRACT_PATH, 'utf8')).toContain('service: (opt record {open_type_creation:bool; admins:vec principal}) -> {');
  });
});

describe('every method of the contract', () => {
  let pic: PocketIc;
  let registry: RegistryFixture;
  const deployer = user('deployer');
  const called = new Set<string>();
  /** Calls through the client IDL, recording which methods were exercised. */
  const as = (actor: RegistryFixture['as'][keyof RegistryFixture['as']]): RegistryFixture['as']['admin'] =>
    new Proxy(actor, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof key === 'string' && typeof value === 'function' && key.includes('_')) called.add(key);
        return value;
      },
    });

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    registry = await setupRegistry(pic, { admins: [who.admin] });
  });

  afterAll(async () => {
    await pic.tearDown();
  });

  it('answers its happy path', async () => {
    const admin = as(registry.as.admin);
    const publisher = as(registry.as.publisher);
    const reader = as(registry.as.anonymous);

    expect(await admin.icrc118_create_canister_type([typeRequest('org.contract.app', { controllers: [[who.publisher]] })])).toEqual([{ Ok: 0n }]);
    expect(await publisher.icrc118_manage_controller([{ canister_type: 'org.contract.app', controller: user('carol'), op: { Add: null } }])).toEqual([{ Ok: 1n }]);
    const data = await canisterModule('contract v1');
    const request = updateRequest({ namespace: 'org.contract.app', version: [1n, 0n, 0n], data, declareChunkHashes: true });
    expect(await publisher.icrc118_update_wasm(request)).toEqual({ Ok: 2n });
    const uploaded = ok(await uploadChunk(publisher, request.expected_hash as Uint8Array, 0, data));
    expect(uploaded).toEqual({ chunk_id: 0n, total_chunks: 1n, stored_chunks: 1n, calculated_hash: [request.expected_hash] });
    const status = await reader.lineage_upload_status(request.expected_hash);
    expect(status).toEqual([{ hash: request.expected_hash, total_chunks: 1n, stored: [0n], calculated_hash: [request.expected_hash], failure: [] }]);
    const chunk = ok(await reader.icrc118_get_wasm_chunk({ hash: request.expected_hash, chunk_id: 0n }));
    expect(hex(chunk.wasm_chunk)).toBe(hex(data));
    expect((await reader.icrc118_get_wasms({ filter: [], prev: [], take: [] })).map((w) => hex(w.hash))).toEqual([hex(request.expected_hash)]);
    expect((await reader.icrc118_get_canister_types({ filter: [], prev: [], take: [] })).map((t) => t.namespace)).toEqual(['org.contract.app']);
    const v2 = await publish(pic, registry.as.publisher, { namespace: 'org.contract.app', version: [2n, 0n, 0n], previous: request.expected_hash as Uint8Array, data: moduleBytes('contract v2', 10) });
    const path = ok(await reader.icrc118_get_upgrade_path({ canister_type_namespace: 'org.contract.app', current_version: request.expected_hash, target_version: v2.hash }));
    expect(path.map((s) => hex(s.hash))).toEqual([hex(v2.hash)]);
    expect(await publisher.icrc118_deprecate({ hash: v2.hash, deprecation_flag: [] })).toMatchObject({ Ok: expect.any(BigInt) });
    const target = await deployTarget(pic, [deployer], data);
    expect(await as(registry.actorFor(deployer)).lineage_report_installation({ canister: target, hash: request.expected_hash })).toMatchObject({ Ok: expect.any(BigInt) });
    expect((await reader.lineage_get_installations({ hash: [], canister: [target], prev: [], take: [] })).map((i) => hex(i.hash))).toEqual([hex(request.expected_hash)]);
    const v1 = request.expected_hash as Uint8Array;
    expect(await publisher.icrc126_verification_request({ wasm_hash: v1, repo: 'https://example.org/app.git', commit_hash: new Uint8Array(20), metadata: [] })).toMatchObject({ Ok: expect.any(BigInt) });
    expect(await as(registry.actorFor(deployer)).icrc126_file_attestation({ wasm_id: hex(v1), metadata: [], rebuilt_hash: [v1] })).toMatchObject({ Ok: expect.any(BigInt) });
    expect(await as(registry.actorFor(user('carol'))).icrc126_file_divergence({ wasm_id: hex(v1), divergence_report: 'differs', metadata: [], rebuilt_hash: [] })).toMatchObject({ Ok: expect.any(BigInt) });
    expect((await reader.lineage_get_verifications({ wasm_hash: [v1], verifier: [], prev: [], take: [] })).map((v) => Object.keys(v.outcome)[0])).toEqual(['Attested', 'Diverged']);
    expect((await reader.lineage_get_verification_request(v1))[0]?.request.repo).toBe('https://example.org/app.git');
    const blocks = await reader.icrc3_get_blocks([{ start: 0n, length: 100n }]);
    expect(blocks.blocks.length).toBe(Number(blocks.log_length));
    expect(await reader.icrc3_get_tip_certificate()).toHaveLength(1);
    await verifyTip(pic, registry.as.anonymous, registry.canisterId);
    expect(await reader.icrc3_get_archives({ from: [] })).toEqual([]);
    expect((await reader.icrc3_supported_block_types()).length).toBe(10);
    expect((await reader.icrc10_supported_standards()).map((s) => s.name)).toEqual(expect.arrayContaining(['ICRC-3', 'ICRC-10', 'ICRC-118']));
    expect(hex(await fetchModule(registry.as.anonymous, request.expected_hash as Uint8Array))).toBe(hex(data));

    // Nothing of the contract was left out.
    const all = registryFactory({ IDL })._fields.map(([name]) => name);
    expect(all.filter((m) => !called.has(m))).toEqual([]);
  });
});
