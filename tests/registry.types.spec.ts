// Canister types: creation (batches, namespaces, duplicates, forks), who may create them (closed and
// open registries), and their controllers (add, remove, the last one, unknown types).
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  createTypes, err, logLength, ok, outcome, setupRegistry, texts, typeRequest, user, who,
  type CanisterType, type Registry, type RegistryFixture,
} from './support/registry.js';

let pic: PocketIc;

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
});

afterAll(async () => {
  await pic.tearDown();
});

async function typeNamed(actor: Registry, namespace: string): Promise<CanisterType | undefined> {
  const found = await actor.icrc118_get_canister_types({ filter: [{ namespace }], prev: [], take: [] });
  return found.find((t) => t.namespace === namespace);
}

describe('a closed registry (open_type_creation = false)', () => {
  let registry: RegistryFixture;

  beforeAll(async () => {
    registry = await setupRegistry(pic, { admins: [who.admin], open_type_creation: false });
  });

  it('creates a batch of types and answers one result per request, in order', async () => {
    const before = await logLength(registry.as.admin);
    const results = await registry.as.admin.icrc118_create_canister_type([
      typeRequest('org.batch.one', { controllers: [[who.publisher]] }),
      typeRequest('Org.Batch.Bad Name'),
      typeRequest('org.batch.one'),
      typeRequest('org.batch.fork', { forked_from: [{ canister_type_namespace: 'org.batch.nowhere', version: [1n, 0n, 0n] }] }),
      typeRequest('org.batch.two', { forked_from: [{ canister_type_namespace: 'org.batch.one', version: [1n, 2n, 3n] }] }),
    ]);
    expect(results.map(outcome)).toEqual(['Ok', 'InvalidNamespace', 'AlreadyExists', 'UnknownForkSource', 'Ok']);
    // Each success is one block of the log, and its result is that block's index.
    expect(results[0]).toEqual({ Ok: before });
    expect(results[4]).toEqual({ Ok: before + 1n });
    expect(await logLength(registry.as.admin)).toBe(before + 2n);
    expect(typeof (err(results[1]!) as { InvalidNamespace: string }).InvalidNamespace).toBe('string');

    const one = await typeNamed(registry.as.anonymous, 'org.batch.one');
    expect(one).toMatchObject({
      namespace: 'org.batch.one',
      canister_type_name: 'the org.batch.one canister',
      description: 'test type org.batch.one',
      repo: 'https://example.org/org.batch.one',
      metadata: [['kind', { Text: 'test' }]],
      versions: [],
      forked_from: [],
    });
    expect(texts(one!.controllers)).toEqual(texts([who.publisher]));
    // Without `controllers`, the creator controls the type.
    const two = await typeNamed(registry.as.anonymous, 'org.batch.two');
    expect(texts(two!.controllers)).toEqual(texts([who.admin]));
    expect(two!.forked_from).toEqual([{ canister_type_namespace: 'org.batch.one', version: [1n, 2n, 3n] }]);
    expect(await typeNamed(registry.as.anonymous, 'org.batch.fork')).toBeUndefined();
  });

  it('refuses malformed namespaces with InvalidNamespace', async () => {
    const bad = ['', 'UPPER.case', 'has space', '.leading.dot', 'trailing.dot.', 'double..dot', 'x'.repeat(257), 'emoji.🙂'];
    const results = await registry.as.admin.icrc118_create_canister_type(bad.map((n) => typeRequest(n)));
    expect(results.map(outcome)).toEqual(bad.map(() => 'InvalidNamespace'));
    const good = await registry.as.admin.icrc118_create_canister_type([typeRequest('a'), typeRequest('org.lineage-dapps.back_end2')]);
    expect(good.map(outcome)).toEqual(['Ok', 'Ok']);
  });

  it('refuses a duplicate namespace with AlreadyExists and keeps the first', async () => {
    await createTypes(registry.as.admin, typeRequest('org.dup.type', { description: 'first' }));
    const [again] = await registry.as.owner.icrc118_create_canister_type([typeRequest('org.dup.type', { description: 'second' })]);
    expect(err(again!)).toEqual({ AlreadyExists: null });
    expect((await typeNamed(registry.as.anonymous, 'org.dup.type'))!.description).toBe('first');
  });

  it('refuses a fork of an unknown type with UnknownForkSource', async () => {
    const [result] = await registry.as.admin.icrc118_create_canister_type([
      typeRequest('org.fork.child', { forked_from: [{ canister_type_namespace: 'org.fork.missing', version: [0n, 1n, 0n] }] }),
    ]);
    expect(err(result!)).toEqual({ UnknownForkSource: null });
  });

  it('refuses a type without controllers or controlled by the anonymous principal', async () => {
    const results = await registry.as.admin.icrc118_create_canister_type([
      typeRequest('org.ctl.none', { controllers: [[]] }),
      typeRequest('org.ctl.anon', { controllers: [[who.publisher, who.anonymous]] }),
    ]);
    expect(results.map(outcome)).toEqual(['Generic', 'Generic']);
    expect(await typeNamed(registry.as.anonymous, 'org.ctl.none')).toBeUndefined();
    expect(await typeNamed(registry.as.anonymous, 'org.ctl.anon')).toBeUndefined();
  });

  it('lets only admins create types: its controllers and the admins named at install', async () => {
    const attempt = async (actor: Registry, namespace: string) => outcome((await actor.icrc118_create_canister_type([typeRequest(namespace)]))[0]!);
    expect(await attempt(registry.as.owner, 'org.who.owner')).toBe('Ok');
    expect(await attempt(registry.as.admin, 'org.who.admin')).toBe('Ok');
    expect(await attempt(registry.as.publisher, 'org.who.publisher')).toBe('Unauthorized');
    expect(await attempt(registry.as.stranger, 'org.who.stranger')).toBe('Unauthorized');
    // The anonymous principal is refused before its message runs (canister_inspect_message).
    await expect(attempt(registry.as.anonymous, 'org.who.anonymous')).rejects.toThrow(/refuses the anonymous principal/);
    // A refusal applies to every request of the batch.
    const batch = await registry.as.stranger.icrc118_create_canister_type([typeRequest('org.who.s1'), typeRequest('org.who.s2')]);
    expect(batch).toEqual([{ Error: { Unauthorized: null } }, { Error: { Unauthorized: null } }]);
  });
});

describe('an open registry (open_type_creation = true)', () => {
  let registry: RegistryFixture;

  beforeAll(async () => {
    registry = await setupRegistry(pic, { admins: [], open_type_creation: true });
  });

  it('lets any authenticated caller create a type, which that caller then controls', async () => {
    const [result] = await registry.as.stranger.icrc118_create_canister_type([typeRequest('io.stranger.app')]);
    ok(result!);
    expect(texts((await typeNamed(registry.as.anonymous, 'io.stranger.app'))!.controllers)).toEqual(texts([who.stranger]));
    const [byOwner] = await registry.as.owner.icrc118_create_canister_type([typeRequest('io.owner.app')]);
    expect(outcome(byOwner!)).toBe('Ok');
  });

  it('still refuses the anonymous caller', async () => {
    const before = await logLength(registry.as.anonymous);
    // Refused before it runs (canister_inspect_message): the registry does not even pay for it.
    await expect(registry.as.anonymous.icrc118_create_canister_type([typeRequest('io.anonymous.app')])).rejects.toThrow(/refuses the anonymous principal/);
    expect(await logLength(registry.as.anonymous)).toBe(before);
  });
});

describe('a registry installed without an init argument', () => {
  it('is closed, and its controllers are its only admins', async () => {
    const registry = await setupRegistry(pic, null);
    expect(outcome((await registry.as.owner.icrc118_create_canister_type([typeRequest('org.null.owner')]))[0]!)).toBe('Ok');
    expect(outcome((await registry.as.admin.icrc118_create_canister_type([typeRequest('org.null.admin')]))[0]!)).toBe('Unauthorized');
    expect(outcome((await registry.as.stranger.icrc118_create_canister_type([typeRequest('org.null.stranger')]))[0]!)).toBe('Unauthorized');
  });
});

describe('controllers of a canister type', () => {
  let registry: RegistryFixture;
  const carol = user('carol');

  beforeAll(async () => {
    registry = await setupRegistry(pic, { admins: [who.admin] });
    await createTypes(registry.as.admin, typeRequest('org.ctl.app', { controllers: [[who.publisher]] }));
  });

  const controllersOf = async (namespace: string) => texts((await typeNamed(registry.as.anonymous, namespace))!.controllers);

  it('adds and removes controllers in a batch, one result per request', async () => {
    const before = await logLength(registry.as.publisher);
    const results = await registry.as.publisher.icrc118_manage_controller([
      { canister_type: 'org.ctl.app', controller: carol, op: { Add: null } },
      { canister_type: 'org.ctl.missing', controller: carol, op: { Add: null } },
      { canister_type: 'org.ctl.app', controller: who.stranger, op: { Add: null } },
    ]);
    expect(results.map(outcome)).toEqual(['Ok', 'NotFound', 'Ok']);
    expect(results[0]).toEqual({ Ok: before });
    expect(results[2]).toEqual({ Ok: before + 1n });
    expect(await controllersOf('org.ctl.app')).toEqual(texts([who.publisher, carol, who.stranger]));

    // A new controller manages the type at once.
    const [removed] = await registry.actorFor(carol).icrc118_manage_controller([{ canister_type: 'org.ctl.app', controller: who.stranger, op: { Remove: null } }]);
    ok(removed!);
    expect(await controllersOf('org.ctl.app')).toEqual(texts([who.publisher, carol]));
    // A removed one no longer does.
    const [refused] = await registry.as.stranger.icrc118_manage_controller([{ canister_type: 'org.ctl.app', controller: who.stranger, op: { Add: null } }]);
    expect(err(refused!)).toEqual({ Unauthorized: null });
  });

  it('refuses to remove the last controller with LastController', async () => {
    await createTypes(registry.as.admin, typeRequest('org.ctl.solo', { controllers: [[who.publisher]] }));
    const before = await logLength(registry.as.publisher);
    const [result] = await registry.as.publisher.icrc118_manage_controller([{ canister_type: 'org.ctl.solo', controller: who.publisher, op: { Remove: null } }]);
    expect(err(result!)).toEqual({ LastController: null });
    expect(await controllersOf('org.ctl.solo')).toEqual(texts([who.publisher]));
    expect(await logLength(registry.as.publisher)).toBe(before);
    // With a second controller, a controller may remove itself.
    ok((await registry.as.publisher.icrc118_manage_controller([{ canister_type: 'org.ctl.solo', controller: carol, op: { Add: null } }]))[0]!);
    ok((await registry.as.publisher.icrc118_manage_controller([{ canister_type: 'org.ctl.solo', controller: who.publisher, op: { Remove: null } }]))[0]!);
    expect(await controllersOf('org.ctl.solo')).toEqual(texts([carol]));
  });

  it('answers NotFound for an unknown type, whoever asks', async () => {
    for (const actor of [registry.as.publisher, registry.as.admin, registry.as.stranger]) {
      const [result] = await actor.icrc118_manage_controller([{ canister_type: 'org.ctl.unknown', controller: carol, op: { Add: null } }]);
      expect(err(result!)).toEqual({ NotFound: null });
    }
  });

  it('refuses the anonymous principal as a controller', async () => {
    const [result] = await registry.as.publisher.icrc118_manage_controller([{ canister_type: 'org.ctl.app', controller: who.anonymous, op: { Add: null } }]);
    expect(outcome(result!)).toBe('Generic');
    expect(await controllersOf('org.ctl.app')).not.toContain(who.anonymous.toText());
  });

  it('lists types by controller after a change of controllers', async () => {
    await createTypes(registry.as.admin, typeRequest('org.ctl.listed', { controllers: [[who.publisher]] }));
    const byCarol = async () => (await registry.as.anonymous.icrc118_get_canister_types({ filter: [{ controller: carol }, { namespace: 'org.ctl.listed' }], prev: [], take: [] })).map((t) => t.namespace);
    expect(await byCarol()).toEqual([]);
    ok((await registry.as.publisher.icrc118_manage_controller([{ canister_type: 'org.ctl.listed', controller: carol, op: { Add: null } }]))[0]!);
    expect(await byCarol()).toEqual(['org.ctl.listed']);
  });
});
