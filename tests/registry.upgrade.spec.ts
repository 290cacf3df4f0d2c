// Upgrading the registry itself: types, versions, chunks, upload progress, installations, blocks and
// the certified tip all survive, the configuration too (or changes with a new init argument), and
// work in progress (a partial upload, hashing left to a timer) completes afterwards.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  allBlocks, canisterModule, createTypes, deployTarget, fetchModule, field, hex, icrc3Hash, moduleBytes, ok, outcome, publish,
  register, registryInitArg, registryWasm, setupRegistry, sha256, typeRequest, uploadChunks, user, verifyTip, waitVerified, who,
  type Published, type Registry, type RegistryFixture,
} from './support/registry.js';

let pic: PocketIc;
let registry: RegistryFixture;
let reader: Registry;
const deployer = user('deployer');
const carol = user('carol');
let v1: Published;
let v2: Published;
let v3: Published;
let v4: Published;
let target: Awaited<ReturnType<typeof deployTarget>>;

async function snapshot() {
  const wasms = await reader.icrc118_get_wasms({ filter: [], prev: [], take: [] });
  return {
    types: await reader.icrc118_get_canister_types({ filter: [], prev: [], take: [] }),
    wasms,
    statuses: await Promise.all(wasms.map((w) => reader.lineage_upload_status(w.hash))),
    installations: await reader.lineage_get_installations({ hash: [], canister: [], prev: [], take: [] }),
    blocks: await allBlocks(reader),
    path: await reader.icrc118_get_upgrade_path({ canister_type_namespace: 'org.up.app', current_version: v1.hash, target_version: v2.hash }),
  };
}

const upgrade = (arg: Uint8Array) => pic.upgradeCanister({ canisterId: registry.canisterId, wasm: registryWasm(), arg, sender: who.owner });

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
  reader = registry.as.anonymous;
  await createTypes(registry.as.admin, typeRequest('org.up.app', { controllers: [[who.publisher]] }));
  await createTypes(registry.as.admin, typeRequest('org.up.fork', { forked_from: [{ canister_type_namespace: 'org.up.app', version: [1n, 0n, 0n] }] }));
  // v1: several chunks with declared hashes; v2: a canister module, installed and reported;
  // v3: deprecated; v4: a partial upload.
  v1 = await publish(pic, registry.as.publisher, { namespace: 'org.up.app', version: [1n, 0n, 0n], data: moduleBytes('up v1', 2500), chunkSize: 1024, declareChunkHashes: true });
  v2 = await publish(pic, registry.as.publisher, { namespace: 'org.up.app', version: [2n, 0n, 0n], previous: v1.hash, data: await canisterModule('up v2') });
  v3 = await publish(pic, registry.as.publisher, { namespace: 'org.up.app', version: [3n, 0n, 0n], previous: v2.hash, data: moduleBytes('up v3', 300) });
  ok(await registry.as.publisher.icrc118_deprecate({ hash: v3.hash, deprecation_flag: [] }));
  v4 = await register(registry.as.publisher, { namespace: 'org.up.app', version: [3n, 1n, 0n], previous: v2.hash, data: moduleBytes('up v4', 4000), chunkSize: 1000 });
  await uploadChunks(registry.as.publisher, v4, [0, 2]);
  target = await deployTarget(pic, [deployer], v2.data);
  ok(await registry.actorFor(deployer).lineage_report_installation({ canister: target, hash: v2.hash }));
});

afterAll(async () => {
  await pic.tearDown();
});

describe('an upgrade of the registry with the same module', () => {
  it('keeps every type, version, upload, installation and block, and the certified tip', async () => {
    const before = await snapshot();
    const tipBefore = await verifyTip(pic, reader, registry.canisterId);
    expect(before.wasms).toHaveLength(4);
    expect(before.installations).toHaveLength(1);

    await upgrade(registryInitArg(null));

    const after = await snapshot();
    expect(after).toEqual(before);
    const tipAfter = await verifyTip(pic, reader, registry.canisterId);
    expect(tipAfter.index).toBe(tipBefore.index);
    expect(hex(tipAfter.hash)).toBe(hex(tipBefore.hash));
    expect(hex(tipAfter.hash)).toBe(hex(icrc3Hash(after.blocks.at(-1)!.block)));
  });

  it('serves every stored chunk bit-identical', async () => {
    for (const version of [v1, v2, v3]) {
      const fetched = await fetchModule(reader, version.hash);
      expect(hex(sha256(fetched))).toBe(hex(version.hash));
      expect(Buffer.compare(Buffer.from(fetched), Buffer.from(version.data))).toBe(0);
    }
    const chunk = ok(await reader.icrc118_get_wasm_chunk({ hash: v1.hash, chunk_id: 1n }));
    expect(chunk.chunk_hash).toEqual([sha256(v1.chunks[1]!)]);
    expect(await reader.icrc118_get_wasms({ filter: [[{ canister: target }]], prev: [], take: [] })).toHaveLength(1);
  });

  it('keeps its configuration when upgraded without an argument', async () => {
    expect(outcome((await registry.as.admin.icrc118_create_canister_type([typeRequest('org.up.by-admin')]))[0]!)).toBe('Ok');
    expect(outcome((await registry.as.stranger.icrc118_create_canister_type([typeRequest('org.up.by-stranger')]))[0]!)).toBe('Unauthorized');
  });

  it('resumes a partial upload and chains new blocks to the old tip', async () => {
    const tip = await verifyTip(pic, reader, registry.canisterId);
    const status = (await reader.lineage_upload_status(v4.hash))[0]!;
    expect(status.stored).toEqual([0n, 2n]);
    await uploadChunks(registry.as.publisher, v4, [1, 3]);
    await waitVerified(pic, reader, v4.hash);
    expect(hex(await fetchModule(reader, v4.hash))).toBe(hex(v4.data));
    const next = (await reader.icrc3_get_blocks([{ start: tip.index + 1n, length: 1n }])).blocks[0]!;
    expect(field(next.block, 'phash')).toEqual({ Blob: tip.hash });
    const moved = await verifyTip(pic, reader, registry.canisterId);
    expect(moved.index).toBeGreaterThan(tip.index);
  });

  it('completes hashing that was left to a timer when the upgrade came', async () => {
    await createTypes(registry.as.admin, typeRequest('org.up.timer', { controllers: [[who.publisher]] }));
    const spec = { namespace: 'org.up.timer', version: [1n, 0n, 0n] as [bigint, bigint, bigint], data: moduleBytes('up timer', 48 * 256), chunkSize: 256 };
    const published = await register(registry.as.publisher, spec);
    // Chunk 0 last: its upload hashes a first batch (8 chunks) and leaves the other 40 to a chain of timers.
    await uploadChunks(registry.as.publisher, published, published.chunks.map((_, i) => (i + 1) % published.chunks.length));
    // The upgrade clears the canister's timers; the registry must pick the hashing up again.
    await upgrade(registryInitArg(null));
    await waitVerified(pic, reader, published.hash);
    expect(hex(await fetchModule(reader, published.hash))).toBe(hex(spec.data));
  });
});

describe('an upgrade with a new init argument', () => {
  it('replaces the admins and the type-creation setting, and still keeps the data', async () => {
    const before = await snapshot();
    await upgrade(registryInitArg({ admins: [carol], open_type_creation: false }));
    expect(await snapshot()).toEqual(before);
    expect(outcome((await registry.actorFor(carol).icrc118_create_canister_type([typeRequest('org.up.by-carol')]))[0]!)).toBe('Ok');
    expect(outcome((await registry.as.admin.icrc118_create_canister_type([typeRequest('org.up.by-old-admin')]))[0]!)).toBe('Unauthorized');
    // Its controllers stay admins.
    expect(outcome((await registry.as.owner.icrc118_create_canister_type([typeRequest('org.up.by-owner')]))[0]!)).toBe('Ok');

    await upgrade(registryInitArg({ admins: [], open_type_creation: true }));
    expect(outcome((await registry.as.stranger.icrc118_create_canister_type([typeRequest('org.up.by-stranger')]))[0]!)).toBe('Ok');
    await expect(registry.as.anonymous.icrc118_create_canister_type([typeRequest('org.up.by-anonymous')])).rejects.toThrow(/refuses the anonymous principal/);
    await verifyTip(pic, reader, registry.canisterId);
  });
});
