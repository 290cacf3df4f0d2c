// The authorisation matrix: for every update method, what the anonymous caller, a stranger, a
// canister-type controller and the registry's admins (an init admin, a controller of the registry)
// get. Canister-type controllers manage their type; admins manage the registry (create types when
// creation is closed); anonymous callers only read: their update messages are refused before they
// run (canister_inspect_message, `Refused` below), so the registry does not pay for them.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  canisterModule, createTypes, deployTarget, logLength, moduleBytes, outcome, publish, register, setupRegistry, typeRequest,
  updateRequest, uploadChunk, user, who,
  type Registry, type RegistryFixture, type Role,
} from './support/registry.js';

const ROLES: Role[] = ['anonymous', 'stranger', 'publisher', 'admin', 'owner'];
const ROLE_NAMES: Record<Role, string> = {
  anonymous: 'the anonymous caller',
  stranger: 'a stranger',
  publisher: 'the type controller',
  admin: 'an init admin',
  owner: 'a registry controller',
};

let pic: PocketIc;
let closed: RegistryFixture;
let open: RegistryFixture;
let count = 0;

/** A fresh canister type controlled by the publisher (the type controller of the matrix). */
async function freshType(registry: RegistryFixture): Promise<string> {
  const namespace = `org.auth.t${count++}`;
  await createTypes(registry.as.admin, typeRequest(namespace, { controllers: [[who.publisher]] }));
  return namespace;
}

type Outcome = 'Ok' | 'Unauthorized' | 'NotAController' | 'Refused';
interface Row {
  method: string;
  registry: () => RegistryFixture;
  expected: Record<Role, Outcome>;
  /** Prepares a fresh situation for `role` and answers the call to make there. */
  prepare: (role: Role) => Promise<(actor: Registry) => Promise<{ Ok: unknown } | { Error: object }>>;
}

const typeControllerOnly: Record<Role, Outcome> = { anonymous: 'Refused', stranger: 'Unauthorized', publisher: 'Ok', admin: 'Unauthorized', owner: 'Unauthorized' };

const rows: Row[] = [
  {
    method: 'icrc118_create_canister_type (closed registry)',
    registry: () => closed,
    expected: { anonymous: 'Refused', stranger: 'Unauthorized', publisher: 'Unauthorized', admin: 'Ok', owner: 'Ok' },
    prepare: async () => async (actor) => (await actor.icrc118_create_canister_type([typeRequest(`org.auth.created${count++}`)]))[0]!,
  },
  {
    method: 'icrc118_create_canister_type (open registry)',
    registry: () => open,
    expected: { anonymous: 'Refused', stranger: 'Ok', publisher: 'Ok', admin: 'Ok', owner: 'Ok' },
    prepare: async () => async (actor) => (await actor.icrc118_create_canister_type([typeRequest(`org.auth.created${count++}`)]))[0]!,
  },
  {
    method: 'icrc118_manage_controller',
    registry: () => closed,
    expected: typeControllerOnly,
    prepare: async () => {
      const ns = await freshType(closed);
      return async (actor) => (await actor.icrc118_manage_controller([{ canister_type: ns, controller: user('carol'), op: { Add: null } }]))[0]!;
    },
  },
  {
    method: 'icrc118_update_wasm',
    registry: () => closed,
    expected: typeControllerOnly,
    prepare: async () => {
      const ns = await freshType(closed);
      return (actor) => actor.icrc118_update_wasm(updateRequest({ namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 100) }));
    },
  },
  {
    method: 'icrc118_upload_wasm_chunk',
    registry: () => closed,
    expected: typeControllerOnly,
    prepare: async () => {
      const ns = await freshType(closed);
      const published = await register(closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 200), chunkSize: 100 });
      return (actor) => uploadChunk(actor, published.hash, 0, published.chunks[0]!);
    },
  },
  {
    method: 'icrc118_deprecate',
    registry: () => closed,
    expected: typeControllerOnly,
    prepare: async () => {
      const ns = await freshType(closed);
      const published = await register(closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 100) });
      return (actor) => actor.icrc118_deprecate({ hash: published.hash, deprecation_flag: [] });
    },
  },
  {
    method: 'lineage_report_installation (on a canister the caller controls)',
    registry: () => closed,
    expected: { anonymous: 'Refused', stranger: 'Ok', publisher: 'Ok', admin: 'Ok', owner: 'Ok' },
    prepare: async (role) => {
      const { hash, data } = await installable();
      const target = await deployTarget(pic, [who[role]], data);
      return (actor) => actor.lineage_report_installation({ canister: target, hash });
    },
  },
  {
    method: 'lineage_report_installation (on a canister the type controller controls)',
    registry: () => closed,
    expected: { anonymous: 'Refused', stranger: 'NotAController', publisher: 'Ok', admin: 'NotAController', owner: 'NotAController' },
    prepare: async () => {
      const { hash, data } = await installable();
      const target = await deployTarget(pic, [who.publisher], data);
      return (actor) => actor.lineage_report_installation({ canister: target, hash });
    },
  },
  {
    method: 'icrc126_verification_request',
    registry: () => closed,
    expected: typeControllerOnly,
    prepare: async () => {
      const ns = await freshType(closed);
      const published = await register(closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 100) });
      return (actor) => actor.icrc126_verification_request({ wasm_hash: published.hash, repo: 'https://example.org/src.git', commit_hash: new Uint8Array(20), metadata: [] });
    },
  },
  {
    method: 'icrc126_file_attestation',
    registry: () => closed,
    expected: { anonymous: 'Refused', stranger: 'Ok', publisher: 'Ok', admin: 'Ok', owner: 'Ok' },
    prepare: async () => {
      const ns = await freshType(closed);
      const published = await register(closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 100) });
      return (actor) => actor.icrc126_file_attestation({ wasm_id: Buffer.from(published.hash).toString('hex'), metadata: [], rebuilt_hash: [] });
    },
  },
  {
    method: 'icrc126_file_divergence',
    registry: () => closed,
    expected: { anonymous: 'Refused', stranger: 'Ok', publisher: 'Ok', admin: 'Ok', owner: 'Ok' },
    prepare: async () => {
      const ns = await freshType(closed);
      const published = await register(closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 100) });
      return (actor) => actor.icrc126_file_divergence({ wasm_id: Buffer.from(published.hash).toString('hex'), divergence_report: 'differs', metadata: [], rebuilt_hash: [] });
    },
  },
];

/** A verified version whose module is a valid canister module. */
async function installable(): Promise<{ hash: Uint8Array; data: Uint8Array }> {
  const ns = await freshType(closed);
  return publish(pic, closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: await canisterModule(ns) });
}

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  closed = await setupRegistry(pic, { admins: [who.admin], open_type_creation: false });
  open = await setupRegistry(pic, { admins: [who.admin], open_type_creation: true });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('authorisation matrix', () => {
  const cells = rows.flatMap((row) => ROLES.map((role) => ({ row, role, method: row.method, expected: row.expected[role] })));

  for (const { row, role, method, expected } of cells) {
    it(`${method} by ${ROLE_NAMES[role]} → ${expected}`, async () => {
      const registry = row.registry();
      const call = await row.prepare(role);
      const before = await logLength(registry.as.anonymous);
      if (expected === 'Refused') {
        await expect(call(registry.as[role])).rejects.toThrow(/refuses the anonymous principal/);
      } else {
        expect(outcome(await call(registry.as[role]))).toBe(expected);
      }
      // A success is one block; a refusal changes nothing.
      expect((await logLength(registry.as.anonymous)) - before).toBe(expected === 'Ok' ? 1n : 0n);
    });
  }
});

describe('reading', () => {
  it('answers every query to the anonymous caller', async () => {
    const ns = await freshType(closed);
    const published = await publish(pic, closed.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data: moduleBytes(ns, 100) });
    const anonymous = closed.as.anonymous;
    expect((await anonymous.icrc118_get_wasms({ filter: [[{ hash: published.hash }]], prev: [], take: [] })).length).toBe(1);
    expect((await anonymous.icrc118_get_canister_types({ filter: [{ namespace: ns }], prev: [], take: [] })).length).toBe(1);
    expect(outcome(await anonymous.icrc118_get_wasm_chunk({ hash: published.hash, chunk_id: 0n }))).toBe('Ok');
    expect(await anonymous.icrc118_get_upgrade_path({ canister_type_namespace: ns, current_version: published.hash, target_version: published.hash })).toEqual({ Ok: [] });
    expect(await anonymous.lineage_upload_status(published.hash)).toHaveLength(1);
    expect(Array.isArray(await anonymous.lineage_get_installations({ hash: [], canister: [], prev: [], take: [] }))).toBe(true);
    expect((await anonymous.icrc3_get_blocks([{ start: 0n, length: 1n }])).blocks).toHaveLength(1);
    expect(await anonymous.icrc3_get_tip_certificate()).toHaveLength(1);
    expect(await anonymous.icrc3_get_archives({ from: [] })).toEqual([]);
    expect((await anonymous.icrc3_supported_block_types()).length).toBeGreaterThan(0);
    expect((await anonymous.icrc10_supported_standards()).length).toBeGreaterThan(0);
    expect(await anonymous.lineage_get_verifications({ wasm_hash: [published.hash], verifier: [], prev: [], take: [] })).toEqual([]);
    expect(await anonymous.lineage_get_verification_request(published.hash)).toEqual([]);
  });
});
