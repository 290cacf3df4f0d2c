/**
 * The owner's trust policy (issue 16): the NFT holder sets, through the backend, which verifiers'
 * ICRC-126 attestations a version needs; the manager keeps the policy in the dapp's history and
 * checks it on every step of an upgrade path, refusing with `Untrusted { missing }`. Real registry,
 * backend, manager and collection Wasm on the emulator; attestations filed in the registry.
 */
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  err, fullHistory, hex, moduleHashOf, ok, settle, spawn, upgradeTo, user, variant, who,
  type Dapp, type PublishedVersion, type World,
} from './support/dapp.js';
import { createWorld } from './support/world.js';

const trusted = [user('verifier one'), user('verifier two')];
const outsiderVerifier = user('verifier nobody named');

describe('the trust policy', () => {
  let pic: PocketIc;
  let world: World;
  let dapp: Dapp;

  beforeAll(async () => {
    world = await createWorld();
    pic = world.pic;
    dapp = await spawn(world, who.alice);
  });

  afterAll(async () => {
    await pic?.tearDown();
  });

  const attest = async (verifier: typeof who.alice, version: PublishedVersion) =>
    ok(await world.registry(verifier).icrc126_file_attestation({ wasm_id: version.hex, metadata: [], rebuilt_hash: [version.hash] }) as never);
  const diverge = async (verifier: typeof who.alice, version: PublishedVersion) =>
    ok(await world.registry(verifier).icrc126_file_divergence({ wasm_id: version.hex, divergence_report: 'the rebuild differs', metadata: [], rebuilt_hash: [] }) as never);
  const untrusted = (reply: Awaited<ReturnType<ReturnType<Dapp['backendAs']>['request_upgrade']>>) => {
    const e = err(reply) as { Upgrade?: { Untrusted?: { missing: { hash: Uint8Array; attested_by: { toText(): string }[]; diverged_by: { toText(): string }[]; needed: number }[] } } };
    const missing = e.Upgrade?.Untrusted?.missing;
    if (!missing) throw new Error(`expected Untrusted, got ${variant(e)}`);
    return missing.map((m) => ({ hash: hex(m.hash), attested: m.attested_by.map((p) => p.toText()), diverged: m.diverged_by.map((p) => p.toText()), needed: m.needed }));
  };

  it('is set by the holder only, and by default requires nothing', async () => {
    expect(await dapp.managerAs(who.stranger).trust_policy()).toEqual([]);
    const refused = err(await dapp.backendAs(who.stranger).set_trust_policy([{ threshold: 1, verifiers: [who.stranger] }] as never));
    expect(variant(refused)).toBe('NotOwner');
    expect(await dapp.managerAs(who.stranger).trust_policy()).toEqual([]);
    // Nobody but the manager's controllers (the backend) may set it on the manager directly.
    await expect(dapp.managerAs(who.stranger).set_trust_policy({ policy: [], requested_by: who.stranger } as never)).rejects.toThrow();
    // An impossible policy is a typed error, and changes nothing.
    expect(variant(err(await dapp.backendAs(who.alice).set_trust_policy([{ threshold: 3, verifiers: trusted }] as never)))).toBe('InvalidArgument');
    expect(await dapp.managerAs(who.stranger).trust_policy()).toEqual([]);
  });

  it('is recorded in the dapp\'s history when the holder sets it', async () => {
    ok(await dapp.backendAs(who.alice).set_trust_policy([{ threshold: 2, verifiers: trusted }] as never));
    const [policy] = await dapp.managerAs(who.stranger).trust_policy();
    expect({ threshold: policy?.threshold, verifiers: policy?.verifiers.map((p) => p.toText()) }).toEqual({ threshold: 2, verifiers: trusted.map((p) => p.toText()) });
    const entries = await fullHistory(dapp.managerAs(who.stranger));
    const last = entries[entries.length - 1]!;
    expect(last.canister.toText()).toBe(dapp.managerId.toText());
    expect(last.event).toEqual({ TrustPolicy: { policy: [{ threshold: 2, verifiers: trusted }], requested_by: who.alice } });
  });

  it('refuses every step of a path lacking attestations, naming what is missing', async () => {
    const one = untrusted(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v2)));
    expect(one).toEqual([{ hash: world.backend.v2.hex, attested: [], diverged: [], needed: 2 }]);
    const two = untrusted(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v3)));
    expect(two.map((m) => m.hash)).toEqual([world.backend.v2.hex, world.backend.v3.hex]);
    expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v1.hex);
  });

  it('does not count a stranger\'s attestation, nor fewer than k', async () => {
    await attest(outsiderVerifier, world.backend.v2);
    await attest(trusted[0]!, world.backend.v2);
    const missing = untrusted(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v2)));
    expect(missing).toEqual([{ hash: world.backend.v2.hex, attested: [trusted[0]!.toText()], diverged: [], needed: 2 }]);
  });

  it('accepts a version once k named verifiers attested it', async () => {
    await attest(trusted[1]!, world.backend.v2);
    const ticket = ok(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v2)));
    await settle(world, dapp, ticket.operation);
    const [operation] = await dapp.managerAs(who.stranger).operation(ticket.operation);
    expect(operation?.state).toEqual({ Completed: null });
    expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v2.hex);
  });

  it('refuses again once a named verifier files a divergence', async () => {
    await attest(trusted[0]!, world.backend.v3);
    await attest(trusted[1]!, world.backend.v3);
    await diverge(trusted[1]!, world.backend.v3);
    const missing = untrusted(await dapp.backendAs(who.alice).request_upgrade(upgradeTo('Backend', world.backend.v3)));
    expect(missing).toEqual([{ hash: world.backend.v3.hex, attested: [trusted[0]!.toText()], diverged: [trusted[1]!.toText()], needed: 2 }]);
    expect(await moduleHashOf(pic, dapp.backendId, dapp.managerId)).toBe(world.backend.v2.hex);
  });

  it('is cleared by the holder, and the clearing is in the history too', async () => {
    ok(await dapp.backendAs(who.alice).set_trust_policy([]));
    expect(await dapp.managerAs(who.stranger).trust_policy()).toEqual([]);
    const entries = await fullHistory(dapp.managerAs(who.stranger));
    const policies = entries.filter((e) => variant(e.event) === 'TrustPolicy').map((e) => (e.event as { TrustPolicy: { policy: unknown[] } }).TrustPolicy.policy.length);
    expect(policies).toEqual([1, 0]);
  });
});
