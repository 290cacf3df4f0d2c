// Queries: icrc118_get_wasms with every filter kind, OR within a kind and AND across kinds, prev/take
// pagination; icrc118_get_canister_types with namespace-prefix and controller filters and pages.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  canisterModule, createTypes, deployTarget, hex, ok, publish, setupRegistry, sha256, typeRequest, user, who,
  type Principal, type Published, type Registry, type RegistryFixture, type RegistryService, type Version,
} from './support/registry.js';

type GetWasmsRequest = Parameters<RegistryService['icrc118_get_wasms']>[0];
type WasmFilter = NonNullable<GetWasmsRequest['filter'][0]>[number];
type TypesRequest = Parameters<RegistryService['icrc118_get_canister_types']>[0];

let pic: PocketIc;
let registry: RegistryFixture;
let reader: Registry;
const carol = user('carol');
const dave = user('dave');
const deployer = user('deployer');

/**
 * The data set, in registration order (queries page in this order):
 *   b1 org.lineage.backend 1.0.0            (installed on c1)
 *   b2 org.lineage.backend 1.2.0  ← b1      (installed on c1, after b1)
 *   f1 org.lineage.frontend 1.0.0           (installed on c2)
 *   b3 org.lineage.backend 2.0.0  ← b2
 *   o1 com.other.app 0.1.0                  (controlled by carol)
 *   f2 org.lineage.frontend 1.1.0 ← f1
 *   b4 org.lineage.backend 2.1.3  ← b3
 * backend is controlled by the publisher, frontend by the publisher and dave.
 */
const v: Record<'b1' | 'b2' | 'f1' | 'b3' | 'o1' | 'f2' | 'b4', Published> = {} as never;
const ORDER = ['b1', 'b2', 'f1', 'b3', 'o1', 'f2', 'b4'] as const;
type Name = (typeof ORDER)[number];
let c1: Principal;
let c2: Principal;

const nameOf = (hash: Uint8Array | number[]) => ORDER.find((n) => hex(v[n].hash) === hex(hash)) ?? `unknown ${hex(hash)}`;

async function wasms(filter: WasmFilter[] | undefined, prev?: Name, take?: bigint): Promise<string[]> {
  const result = await reader.icrc118_get_wasms({
    filter: filter === undefined ? [] : [filter],
    prev: prev === undefined ? [] : [v[prev].hash],
    take: take === undefined ? [] : [take],
  });
  return result.map((w) => nameOf(w.hash));
}

const bound = (major: bigint, minor?: bigint, patch?: bigint): [bigint, [] | [bigint], [] | [bigint]] => [
  major, minor === undefined ? [] : [minor], patch === undefined ? [] : [patch],
];

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
  reader = registry.as.anonymous;
  await createTypes(
    registry.as.admin,
    typeRequest('org.lineage.backend', { controllers: [[who.publisher]] }),
    typeRequest('org.lineage.frontend', { controllers: [[who.publisher, dave]] }),
    typeRequest('com.other.app', { controllers: [[carol]] }),
  );
  const plan: [Name, string, Version, Name | undefined, Registry][] = [
    ['b1', 'org.lineage.backend', [1n, 0n, 0n], undefined, registry.as.publisher],
    ['b2', 'org.lineage.backend', [1n, 2n, 0n], 'b1', registry.as.publisher],
    ['f1', 'org.lineage.frontend', [1n, 0n, 0n], undefined, registry.as.publisher],
    ['b3', 'org.lineage.backend', [2n, 0n, 0n], 'b2', registry.as.publisher],
    ['o1', 'com.other.app', [0n, 1n, 0n], undefined, registry.actorFor(carol)],
    ['f2', 'org.lineage.frontend', [1n, 1n, 0n], 'f1', registry.actorFor(dave)],
    ['b4', 'org.lineage.backend', [2n, 1n, 3n], 'b3', registry.as.publisher],
  ];
  for (const [name, namespace, version, previous, actor] of plan) {
    v[name] = await publish(pic, actor, { namespace, version, previous: previous && v[previous].hash, data: await canisterModule(`queries ${name}`) });
  }
  // Installations the registry confirms with canister_info.
  const reporter = registry.actorFor(deployer);
  c1 = await deployTarget(pic, [deployer], v.b1.data);
  ok(await reporter.lineage_report_installation({ canister: c1, hash: v.b1.hash }));
  await pic.upgradeCanister({ canisterId: c1, wasm: v.b2.data, sender: deployer });
  ok(await reporter.lineage_report_installation({ canister: c1, hash: v.b2.hash }));
  c2 = await deployTarget(pic, [deployer], v.f1.data);
  ok(await reporter.lineage_report_installation({ canister: c2, hash: v.f1.hash }));
});

afterAll(async () => {
  await pic.tearDown();
});

describe('icrc118_get_wasms filters', () => {
  it('lists every version in registration order without a filter (none or empty)', async () => {
    expect(await wasms(undefined)).toEqual([...ORDER]);
    expect(await wasms([])).toEqual([...ORDER]);
  });

  it('filters by hash, OR-ing several hashes', async () => {
    expect(await wasms([{ hash: v.b2.hash }])).toEqual(['b2']);
    expect(await wasms([{ hash: v.f1.hash }, { hash: v.b2.hash }])).toEqual(['b2', 'f1']);
    expect(await wasms([{ hash: sha256(new Uint8Array([1, 2, 3])) }])).toEqual([]);
  });

  it('filters by canister type, OR-ing several types', async () => {
    expect(await wasms([{ canister_type: 'org.lineage.backend' }])).toEqual(['b1', 'b2', 'b3', 'b4']);
    expect(await wasms([{ canister_type: 'org.lineage.backend' }, { canister_type: 'org.lineage.frontend' }])).toEqual(['b1', 'b2', 'f1', 'b3', 'f2', 'b4']);
    // A type name is exact, not a prefix.
    expect(await wasms([{ canister_type: 'org.lineage' }])).toEqual([]);
  });

  it('filters by minimum version, with partial bounds', async () => {
    expect(await wasms([{ version_min: bound(2n) }])).toEqual(['b3', 'b4']);
    expect(await wasms([{ version_min: bound(1n, 2n) }])).toEqual(['b2', 'b3', 'b4']);
    expect(await wasms([{ version_min: bound(1n, 1n, 0n) }])).toEqual(['b2', 'b3', 'f2', 'b4']);
    expect(await wasms([{ version_min: bound(2n, 1n, 3n) }])).toEqual(['b4']);
    expect(await wasms([{ version_min: bound(2n, 1n, 4n) }])).toEqual([]);
    expect(await wasms([{ version_min: bound(0n) }])).toEqual([...ORDER]);
  });

  it('filters by maximum version, with partial bounds (missing parts are wildcards)', async () => {
    expect(await wasms([{ version_max: bound(1n) }])).toEqual(['b1', 'b2', 'f1', 'o1', 'f2']);
    expect(await wasms([{ version_max: bound(1n, 1n) }])).toEqual(['b1', 'f1', 'o1', 'f2']);
    expect(await wasms([{ version_max: bound(1n, 0n, 0n) }])).toEqual(['b1', 'f1', 'o1']);
    expect(await wasms([{ version_max: bound(0n) }])).toEqual(['o1']);
    expect(await wasms([{ version_max: bound(2n, 1n, 2n) }])).toEqual(['b1', 'b2', 'f1', 'b3', 'o1', 'f2']);
    expect(await wasms([{ version_max: bound(2n, 1n) }])).toEqual([...ORDER]);
  });

  it('OR-s bounds of one kind and AND-s the minimum with the maximum', async () => {
    expect(await wasms([{ version_max: bound(0n) }, { version_max: bound(1n, 0n) }])).toEqual(['b1', 'f1', 'o1']);
    expect(await wasms([{ version_min: bound(2n, 1n) }, { version_min: bound(1n, 2n) }])).toEqual(['b2', 'b3', 'b4']);
    expect(await wasms([{ version_min: bound(1n, 1n) }, { version_max: bound(2n, 0n) }])).toEqual(['b2', 'b3', 'f2']);
    expect(await wasms([{ version_min: bound(3n) }, { version_max: bound(2n) }])).toEqual([]);
  });

  it('filters by controllers of the version\'s type, OR-ing principals and filters', async () => {
    expect(await wasms([{ controllers: [carol] }])).toEqual(['o1']);
    expect(await wasms([{ controllers: [dave] }])).toEqual(['f1', 'f2']);
    expect(await wasms([{ controllers: [who.publisher] }])).toEqual(['b1', 'b2', 'f1', 'b3', 'f2', 'b4']);
    expect(await wasms([{ controllers: [carol, dave] }])).toEqual(['f1', 'o1', 'f2']);
    expect(await wasms([{ controllers: [carol] }, { controllers: [dave] }])).toEqual(['f1', 'o1', 'f2']);
    expect(await wasms([{ controllers: [who.stranger] }])).toEqual([]);
    expect(await wasms([{ controllers: [] }])).toEqual([]);
  });

  it('filters by previous_hash: every descendant of a version, OR-ing several', async () => {
    expect(await wasms([{ previous_hash: v.b1.hash }])).toEqual(['b2', 'b3', 'b4']);
    expect(await wasms([{ previous_hash: v.b2.hash }])).toEqual(['b3', 'b4']);
    expect(await wasms([{ previous_hash: v.b4.hash }])).toEqual([]);
    expect(await wasms([{ previous_hash: v.b3.hash }, { previous_hash: v.f1.hash }])).toEqual(['f2', 'b4']);
  });

  it('filters by canister: the versions verified to have been installed there, OR-ing canisters', async () => {
    expect(await wasms([{ canister: c1 }])).toEqual(['b1', 'b2']);
    expect(await wasms([{ canister: c2 }])).toEqual(['f1']);
    expect(await wasms([{ canister: c1 }, { canister: c2 }])).toEqual(['b1', 'b2', 'f1']);
    expect(await wasms([{ canister: registry.canisterId }])).toEqual([]);
  });

  it('AND-s filters of different kinds', async () => {
    expect(await wasms([{ canister_type: 'org.lineage.backend' }, { version_min: bound(2n) }])).toEqual(['b3', 'b4']);
    expect(await wasms([{ controllers: [who.publisher] }, { version_max: bound(1n, 1n) }])).toEqual(['b1', 'f1', 'f2']);
    expect(await wasms([{ previous_hash: v.b1.hash }, { hash: v.b3.hash }])).toEqual(['b3']);
    expect(await wasms([{ hash: v.b1.hash }, { canister_type: 'org.lineage.frontend' }])).toEqual([]);
    expect(await wasms([{ canister: c1 }, { version_min: bound(1n, 1n) }])).toEqual(['b2']);
    expect(await wasms([{ canister: c1 }, { canister: c2 }, { controllers: [dave] }])).toEqual(['f1']);
    // OR within kinds, AND across: (backend ∨ frontend) ∧ (hash b1 ∨ hash f2 ∨ hash o1) ∧ (≥ 1.1)
    expect(await wasms([
      { canister_type: 'org.lineage.backend' }, { hash: v.b1.hash }, { canister_type: 'org.lineage.frontend' },
      { hash: v.f2.hash }, { hash: v.o1.hash }, { version_min: bound(1n, 1n) },
    ])).toEqual(['f2']);
  });

  it('returns full records', async () => {
    const [b2] = await reader.icrc118_get_wasms({ filter: [[{ hash: v.b2.hash }]], prev: [], take: [] });
    expect(b2).toMatchObject({
      canister_type_namespace: 'org.lineage.backend',
      version_number: [1n, 2n, 0n],
      previous_hash: [v.b1.hash],
      deprecated: false,
      chunkCount: 1n,
      stored_chunks: 1n,
      description: 'org.lineage.backend 1.2.0',
    });
    expect(hex(b2!.hash)).toBe(hex(v.b2.hash));
    expect(hex(b2!.calculated_hash)).toBe(hex(v.b2.hash));
  });
});

describe('icrc118_get_wasms pagination', () => {
  it('pages through everything with prev = the last hash of the previous page', async () => {
    expect(await wasms(undefined, undefined, 3n)).toEqual(['b1', 'b2', 'f1']);
    expect(await wasms(undefined, 'f1', 3n)).toEqual(['b3', 'o1', 'f2']);
    // take larger than the rest: just the rest.
    expect(await wasms(undefined, 'f2', 3n)).toEqual(['b4']);
    expect(await wasms(undefined, 'b3', 100n)).toEqual(['o1', 'f2', 'b4']);
    // prev = the last item: an empty page.
    expect(await wasms(undefined, 'b4', 3n)).toEqual([]);
    expect(await wasms(undefined, 'b4')).toEqual([]);
    // Without take, everything after prev.
    expect(await wasms(undefined, 'b1')).toEqual(['b2', 'f1', 'b3', 'o1', 'f2', 'b4']);
  });

  it('answers an empty page for take = 0', async () => {
    expect(await wasms(undefined, undefined, 0n)).toEqual([]);
    expect(await wasms(undefined, 'b1', 0n)).toEqual([]);
  });

  it('pages with a filter, continuing after prev even when prev does not match', async () => {
    const backend: WasmFilter[] = [{ canister_type: 'org.lineage.backend' }];
    expect(await wasms(backend, undefined, 2n)).toEqual(['b1', 'b2']);
    expect(await wasms(backend, 'b2', 2n)).toEqual(['b3', 'b4']);
    expect(await wasms(backend, 'b4', 2n)).toEqual([]);
    expect(await wasms(backend, 'f1', 2n)).toEqual(['b3', 'b4']);
    expect(await wasms(backend, 'f2', 1n)).toEqual(['b4']);
  });

  it('answers an empty page after an unknown prev', async () => {
    const result = await reader.icrc118_get_wasms({ filter: [], prev: [sha256(new Uint8Array([9]))], take: [] });
    expect(result).toEqual([]);
  });
});

describe('icrc118_get_canister_types', () => {
  const types = async (filter: TypesRequest['filter'], prev?: string, take?: bigint) =>
    (await reader.icrc118_get_canister_types({ filter, prev: prev === undefined ? [] : [prev], take: take === undefined ? [] : [take] })).map((t) => t.namespace);

  it('lists every type in namespace order, with its versions', async () => {
    expect(await types([])).toEqual(['com.other.app', 'org.lineage.backend', 'org.lineage.frontend']);
    const [backend] = await reader.icrc118_get_canister_types({ filter: [{ namespace: 'org.lineage.backend' }], prev: [], take: [] });
    expect(backend!.versions.map((x) => [nameOf(x.hash), x.version, hex(x.calculated_hash) === hex(x.hash)])).toEqual([
      ['b1', [1n, 0n, 0n], true], ['b2', [1n, 2n, 0n], true], ['b3', [2n, 0n, 0n], true], ['b4', [2n, 1n, 3n], true],
    ]);
    expect(backend!.controllers.map((p) => p.toText())).toEqual([who.publisher.toText()]);
  });

  it('filters by namespace prefix, OR-ing prefixes', async () => {
    expect(await types([{ namespace: 'org.lineage.' }])).toEqual(['org.lineage.backend', 'org.lineage.frontend']);
    expect(await types([{ namespace: 'org.lineage.back' }])).toEqual(['org.lineage.backend']);
    expect(await types([{ namespace: 'com.' }, { namespace: 'org.lineage.f' }])).toEqual(['com.other.app', 'org.lineage.frontend']);
    expect(await types([{ namespace: 'net.' }])).toEqual([]);
  });

  it('filters by controller, OR-ing controllers, AND-ed with namespaces', async () => {
    expect(await types([{ controller: carol }])).toEqual(['com.other.app']);
    expect(await types([{ controller: dave }, { controller: carol }])).toEqual(['com.other.app', 'org.lineage.frontend']);
    expect(await types([{ controller: who.publisher }])).toEqual(['org.lineage.backend', 'org.lineage.frontend']);
    expect(await types([{ namespace: 'org.' }, { controller: carol }])).toEqual([]);
    expect(await types([{ namespace: 'org.' }, { controller: dave }])).toEqual(['org.lineage.frontend']);
    expect(await types([{ controller: who.stranger }])).toEqual([]);
  });

  it('pages with prev = the last namespace of the previous page', async () => {
    expect(await types([], undefined, 1n)).toEqual(['com.other.app']);
    expect(await types([], 'com.other.app', 1n)).toEqual(['org.lineage.backend']);
    expect(await types([], 'org.lineage.backend', 5n)).toEqual(['org.lineage.frontend']);
    expect(await types([], 'org.lineage.frontend', 5n)).toEqual([]);
    expect(await types([], undefined, 0n)).toEqual([]);
    expect(await types([{ namespace: 'org.' }], 'com.other.app', 1n)).toEqual(['org.lineage.backend']);
    expect(await types([{ namespace: 'org.' }], 'org.lineage.backend')).toEqual(['org.lineage.frontend']);
  });
});
