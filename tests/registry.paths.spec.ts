// Upgrade paths (icrc118_get_upgrade_path): the chain of previous_hash links from the current module
// to the target; no path is an explicit error; deprecated and unverified targets and steps are refused.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  createTypes, err, hex, moduleBytes, ok, publish, register, setupRegistry, sha256, typeRequest, who,
  type Published, type RegistryFixture, type Version,
} from './support/registry.js';

let pic: PocketIc;
let registry: RegistryFixture;
let namespaceCount = 0;

/** A fresh type with the chain v1 (1.0.0) → v2 (2.0.0) → v3 (3.0.0), all verified. */
async function chain(): Promise<{ ns: string; v1: Published; v2: Published; v3: Published }> {
  const ns = `org.paths.t${namespaceCount++}`;
  await createTypes(registry.as.admin, typeRequest(ns, { controllers: [[who.publisher]] }));
  const v1 = await version(ns, 'v1', [1n, 0n, 0n]);
  const v2 = await version(ns, 'v2', [2n, 0n, 0n], v1);
  const v3 = await version(ns, 'v3', [3n, 0n, 0n], v2);
  return { ns, v1, v2, v3 };
}

const version = (ns: string, label: string, number: Version, previous?: Published) =>
  publish(pic, registry.as.publisher, { namespace: ns, version: number, previous: previous?.hash, data: moduleBytes(`${ns}/${label}`, 200) });

const path = (ns: string, current: Uint8Array, target: Uint8Array) =>
  registry.as.anonymous.icrc118_get_upgrade_path({ canister_type_namespace: ns, current_version: current, target_version: target });

const steps = (versions: Published[]) => versions.map((x) => ({ version: x.version, hash: x.hash, calculated_hash: x.hash }));
const deprecate = async (x: Published, flag = true) => ok(await registry.as.publisher.icrc118_deprecate({ hash: x.hash, deprecation_flag: [flag] }));

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('icrc118_get_upgrade_path', () => {
  it('answers the ordered steps v1 → v2 → v3 as [v2, v3]', async () => {
    const { ns, v1, v2, v3 } = await chain();
    expect(ok(await path(ns, v1.hash, v3.hash)).map((s) => ({ ...s, hash: Uint8Array.from(s.hash), calculated_hash: Uint8Array.from(s.calculated_hash) }))).toEqual(steps([v2, v3]));
    expect(ok(await path(ns, v2.hash, v3.hash)).map((s) => hex(s.hash))).toEqual([hex(v3.hash)]);
    expect(ok(await path(ns, v1.hash, v2.hash)).map((s) => hex(s.hash))).toEqual([hex(v2.hash)]);
  });

  it('answers Ok([]) when the current module is the target', async () => {
    const { ns, v1, v3 } = await chain();
    expect(await path(ns, v3.hash, v3.hash)).toEqual({ Ok: [] });
    expect(await path(ns, v1.hash, v1.hash)).toEqual({ Ok: [] });
  });

  it('answers NoPath when the target does not descend from the current module', async () => {
    const { ns, v1, v2, v3 } = await chain();
    expect(err(await path(ns, v3.hash, v1.hash))).toEqual({ NoPath: null });
    expect(err(await path(ns, v3.hash, v2.hash))).toEqual({ NoPath: null });
    expect(err(await path(ns, sha256(moduleBytes('some other module', 10)), v3.hash))).toEqual({ NoPath: null });
    // A module of another type is no starting point either.
    const other = await chain();
    expect(err(await path(ns, other.v1.hash, v3.hash))).toEqual({ NoPath: null });
  });

  it('refuses unknown types and targets', async () => {
    const { ns, v1, v3 } = await chain();
    const other = await chain();
    expect(err(await path('org.paths.unknown', v1.hash, v3.hash))).toEqual({ UnknownCanisterType: null });
    expect(err(await path(ns, v1.hash, sha256(moduleBytes('unregistered', 10))))).toEqual({ UnknownTarget: null });
    // A target of another type is unknown in this one.
    expect(err(await path(ns, v1.hash, other.v3.hash))).toEqual({ UnknownTarget: null });
  });

  it('never answers a deprecated target (TargetDeprecated), even from itself', async () => {
    const { ns, v1, v2, v3 } = await chain();
    await deprecate(v3);
    expect(err(await path(ns, v1.hash, v3.hash))).toEqual({ TargetDeprecated: null });
    expect(err(await path(ns, v2.hash, v3.hash))).toEqual({ TargetDeprecated: null });
    expect(err(await path(ns, v3.hash, v3.hash))).toEqual({ TargetDeprecated: null });
    await deprecate(v3, false);
    expect(ok(await path(ns, v1.hash, v3.hash)).length).toBe(2);
  });

  it('refuses a path through a deprecated intermediate version, naming it (DeprecatedStep)', async () => {
    const { ns, v1, v2, v3 } = await chain();
    const v4 = await version(ns, 'v4', [4n, 0n, 0n], v3);
    await deprecate(v2);
    expect(err(await path(ns, v1.hash, v3.hash))).toEqual({ DeprecatedStep: v2.hash });
    expect(err(await path(ns, v1.hash, v4.hash))).toEqual({ DeprecatedStep: v2.hash });
    // Starting from the deprecated version itself is fine: it is not a step.
    expect(ok(await path(ns, v2.hash, v4.hash)).map((s) => hex(s.hash))).toEqual([hex(v3.hash), hex(v4.hash)]);
    // With several deprecated steps, the first one to install is named.
    await deprecate(v3);
    expect(err(await path(ns, v1.hash, v4.hash))).toEqual({ DeprecatedStep: v2.hash });
    expect(err(await path(ns, v2.hash, v4.hash))).toEqual({ DeprecatedStep: v3.hash });
    // Without a path at all, NoPath (a deprecated step is named only on a path).
    expect(err(await path(ns, sha256(moduleBytes('elsewhere', 10)), v4.hash))).toEqual({ NoPath: null });
  });

  it('routes around a withdrawn step through a version whose previous_hash skips it', async () => {
    const { ns, v1, v2 } = await chain();
    await deprecate(v2);
    // v2 is withdrawn; 2.1.0 upgrades from v1 directly (v2 no longer occupies v1's successor slot).
    const v21 = await version(ns, 'v2.1', [2n, 1n, 0n], v1);
    expect(ok(await path(ns, v1.hash, v21.hash)).map((s) => hex(s.hash))).toEqual([hex(v21.hash)]);
  });

  it('refuses an unverified target (TargetNotVerified) and an unverified step (UnverifiedStep)', async () => {
    const { ns, v1, v3 } = await chain();
    const v4 = await register(registry.as.publisher, { namespace: ns, version: [4n, 0n, 0n], previous: v3.hash, data: moduleBytes(`${ns}/v4`, 200), chunkSize: 100 });
    expect(err(await path(ns, v1.hash, v4.hash))).toEqual({ TargetNotVerified: null });
    expect(err(await path(ns, v4.hash, v4.hash))).toEqual({ TargetNotVerified: null });
    const v5 = await version(ns, 'v5', [5n, 0n, 0n], v4);
    expect(err(await path(ns, v1.hash, v5.hash))).toEqual({ UnverifiedStep: v4.hash });
    expect(err(await path(ns, v3.hash, v5.hash))).toEqual({ UnverifiedStep: v4.hash });
    expect(ok(await path(ns, v4.hash, v5.hash)).map((s) => hex(s.hash))).toEqual([hex(v5.hash)]);
  });
});
