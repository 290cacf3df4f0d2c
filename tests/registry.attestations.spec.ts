// Build verification in the spirit of ICRC-126: a type controller's verification request, attestations
// and divergences from anyone (one per verifier and version, replaceable), the queries, the ICRC-3
// blocks (the chain verifies against the certified tip), ICRC-10, and every refusal typed and
// changing nothing: unknown hashes, malformed ids, sizes, counts, rate.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { verifyChain } from './support/icrc3.js';
import {
  blocksAppendedBy, btypeOf, createTypes, err, field, hex, logLength, moduleBytes, ok, publish, register, registryInitArg, registryWasm, setupRegistry, txOf,
  typeRequest, user, who,
  type Published, type RegistryFixture,
} from './support/registry.js';

let pic: PocketIc;
let registry: RegistryFixture;
let v1: Published;
let unverified: Published;

const alice = user('verifier alice');
const bob = user('verifier bob');
const carol = user('verifier carol');
const commit = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const idOf = (p: Published) => hex(p.hash);
const attest = (wasm_id: string, rebuilt?: Uint8Array) => ({ wasm_id, metadata: [['tool', { Text: 'lineage verify wasm' }]] as [string, { Text: string }][], rebuilt_hash: rebuilt ? [rebuilt] as [Uint8Array] : [] as [] });
const diverge = (wasm_id: string, report: string, rebuilt?: Uint8Array) => ({ wasm_id, divergence_report: report, metadata: [] as [], rebuilt_hash: rebuilt ? [rebuilt] as [Uint8Array] : [] as [] });
const verifications = (wasm: Uint8Array | undefined, verifier?: ReturnType<typeof user>, prev?: bigint, take?: bigint) =>
  registry.as.anonymous.lineage_get_verifications({
    wasm_hash: wasm ? [wasm] : [], verifier: verifier ? [verifier] : [], prev: prev === undefined ? [] : [prev], take: take === undefined ? [] : [take],
  });

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
  await createTypes(registry.as.admin, typeRequest('org.verify.app', { controllers: [[who.publisher]] }));
  v1 = await publish(pic, registry.as.publisher, { namespace: 'org.verify.app', version: [1n, 0n, 0n], data: moduleBytes('verify v1', 300) });
  unverified = await register(registry.as.publisher, { namespace: 'org.verify.app', version: [2n, 0n, 0n], previous: v1.hash, data: moduleBytes('verify v2', 300) });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('a verification request', () => {
  it('is made by a controller of the version\'s type and recorded in a 126request block', async () => {
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () =>
      ok(await registry.as.publisher.icrc126_verification_request({ wasm_hash: v1.hash, repo: 'https://example.org/verify.git', commit_hash: commit, metadata: [['node', { Text: 'v20' }]] })));
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['126request']);
    const tx = txOf(blocks[0]!.block);
    expect(field(tx, 'wasm_hash')).toEqual({ Blob: v1.hash });
    expect(field(tx, 'commit_hash')).toEqual({ Blob: commit });
    expect(field(tx, 'repo')).toEqual({ Text: 'https://example.org/verify.git' });
    expect(field(tx, 'caller')).toEqual({ Blob: who.publisher.toUint8Array() });
    const [record] = await registry.as.anonymous.lineage_get_verification_request(v1.hash);
    expect(record?.request.repo).toBe('https://example.org/verify.git');
    expect(hex(record!.request.commit_hash)).toBe(hex(commit));
    expect(record?.requested_by.toText()).toBe(who.publisher.toText());
    expect(record?.block).toBe(blocks[0]!.id);
  });

  it('is refused to strangers and for unknown hashes, with typed errors and no block', async () => {
    const before = await logLength(registry.as.anonymous);
    const request = { wasm_hash: v1.hash, repo: 'r', commit_hash: commit, metadata: [] };
    expect(err(await registry.as.stranger.icrc126_verification_request(request))).toEqual({ Unauthorized: null });
    expect(err(await registry.as.publisher.icrc126_verification_request({ ...request, wasm_hash: new Uint8Array(32) }))).toEqual({ NotFound: null });
    expect(err(await registry.as.publisher.icrc126_verification_request({ ...request, repo: 'x'.repeat(1025) }))).toEqual({ TooLarge: { field: 'repo', max_bytes: 1024n } });
    expect(err(await registry.as.publisher.icrc126_verification_request({ ...request, commit_hash: new Uint8Array(33) }))).toEqual({ TooLarge: { field: 'commit_hash', max_bytes: 32n } });
    expect(await logLength(registry.as.anonymous)).toBe(before);
    expect(await registry.as.anonymous.lineage_get_verification_request(new Uint8Array(32))).toEqual([]);
  });
});

describe('attestations and divergences', () => {
  it('come from anyone: two attestations and a divergence, each one block', async () => {
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () => {
      ok(await registry.actorFor(alice).icrc126_file_attestation(attest(idOf(v1), v1.hash)));
      ok(await registry.actorFor(bob).icrc126_file_attestation(attest(idOf(v1).toUpperCase())));
      ok(await registry.actorFor(carol).icrc126_file_divergence(diverge(idOf(v1), 'node 22 emits another module', new Uint8Array(32).fill(7))));
    });
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['126attestation', '126attestation', '126divergence']);
    expect(field(txOf(blocks[0]!.block), 'wasm_hash')).toEqual({ Blob: v1.hash });
    expect(field(txOf(blocks[0]!.block), 'rebuilt_hash')).toEqual({ Blob: v1.hash });
    expect(field(txOf(blocks[0]!.block), 'caller')).toEqual({ Blob: alice.toUint8Array() });
    expect(field(txOf(blocks[1]!.block), 'rebuilt_hash')).toBeUndefined();
    expect(field(txOf(blocks[2]!.block), 'report')).toEqual({ Text: 'node 22 emits another module' });
    expect(field(txOf(blocks[2]!.block), 'caller')).toEqual({ Blob: carol.toUint8Array() });
  });

  it('are listed per version and per verifier', async () => {
    const all = await verifications(v1.hash);
    expect(all.map((v) => v.verifier.toText())).toEqual([alice, bob, carol].map((p) => p.toText()));
    expect(all.map((v) => Object.keys(v.outcome)[0])).toEqual(['Attested', 'Attested', 'Diverged']);
    expect(all[2]!.outcome).toEqual({ Diverged: { report: 'node 22 emits another module' } });
    expect(all[0]!.metadata).toEqual([['tool', { Text: 'lineage verify wasm' }]]);
    expect(hex(all[0]!.rebuilt_hash[0]!)).toBe(hex(v1.hash));
    const byCarol = await verifications(undefined, carol);
    expect(byCarol.map((v) => hex(v.wasm_hash))).toEqual([hex(v1.hash)]);
    expect(await verifications(unverified.hash)).toEqual([]);
  });

  it('page by seq', async () => {
    const first = await verifications(v1.hash, undefined, undefined, 2n);
    expect(first).toHaveLength(2);
    const rest = await verifications(v1.hash, undefined, first[1]!.seq, 2n);
    expect(rest.map((v) => v.verifier.toText())).toEqual([carol.toText()]);
  });

  it('are one per verifier and version: a new filing replaces the old one and amends its block', async () => {
    const before = (await verifications(v1.hash, bob))[0]!;
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () =>
      ok(await registry.actorFor(bob).icrc126_file_divergence(diverge(idOf(v1), 'on second thought, the lockfile differs'))));
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['126divergence']);
    expect(field(txOf(blocks[0]!.block), 'amends')).toEqual({ Nat: before.block });
    const mine = await verifications(v1.hash, bob);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.outcome).toEqual({ Diverged: { report: 'on second thought, the lockfile differs' } });
    // The replaced filing moved to the end of the filing order.
    expect((await verifications(v1.hash)).map((v) => v.verifier.toText())).toEqual([alice, carol, bob].map((p) => p.toText()));
    ok(await registry.actorFor(bob).icrc126_file_attestation(attest(idOf(v1))));
    expect((await verifications(v1.hash, bob))[0]!.outcome).toEqual({ Attested: null });
  });

  it('may concern a version whose chunks are not all there yet', async () => {
    ok(await registry.actorFor(alice).icrc126_file_attestation(attest(idOf(unverified))));
    expect((await verifications(undefined, alice)).map((v) => hex(v.wasm_hash))).toEqual([hex(v1.hash), hex(unverified.hash)]);
  });
});

describe('refusals change nothing', () => {
  it('types every mistake', async () => {
    const before = await logLength(registry.as.anonymous);
    const dave = registry.actorFor(user('verifier dave'));
    expect(err(await dave.icrc126_file_attestation(attest('00'.repeat(32))))).toEqual({ NotFound: null });
    expect(err(await dave.icrc126_file_divergence(diverge('00'.repeat(32), 'x')))).toEqual({ NotFound: null });
    expect(err(await dave.icrc126_file_attestation(attest('not a hash')))).toMatchObject({ InvalidWasmId: expect.any(String) });
    expect(err(await dave.icrc126_file_attestation(attest(idOf(v1), new Uint8Array(32).fill(9))))).toEqual({ HashMismatch: { expected: v1.hash, rebuilt: new Uint8Array(32).fill(9) } });
    expect(err(await dave.icrc126_file_attestation(attest(idOf(v1), new Uint8Array(5))))).toEqual({ TooLarge: { field: 'rebuilt_hash', max_bytes: 32n } });
    expect(err(await dave.icrc126_file_divergence(diverge(idOf(v1), 'x'.repeat(4097))))).toEqual({ TooLarge: { field: 'divergence_report', max_bytes: 4096n } });
    expect(err(await dave.icrc126_file_attestation({ ...attest(idOf(v1)), metadata: [['k', { Text: 'x'.repeat(17_000) }]] }))).toEqual({ TooLarge: { field: 'metadata', max_bytes: 16384n } });
    expect(await logLength(registry.as.anonymous)).toBe(before);
    expect(await verifications(undefined, user('verifier dave'))).toEqual([]);
  });

  it('refuses the anonymous principal before the call (inspect) and in the method', async () => {
    await expect(registry.as.anonymous.icrc126_file_attestation(attest(idOf(v1)))).rejects.toThrow(/anonymous/);
    await expect(registry.as.anonymous.icrc126_file_divergence(diverge(idOf(v1), 'x'))).rejects.toThrow(/anonymous/);
    await expect(registry.as.anonymous.icrc126_verification_request({ wasm_hash: v1.hash, repo: 'r', commit_hash: commit, metadata: [] })).rejects.toThrow(/anonymous/);
  });

  it('refuses ingress larger than a filing needs', async () => {
    await expect(registry.as.stranger.icrc126_file_divergence({ ...diverge(idOf(v1), 'x'), metadata: [[['k', { Text: 'x'.repeat(30_000) }]]] })).rejects.toThrow();
  });

  it('bounds how fast principals that never filed may file, and not known verifiers', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 24; i++) {
      const r = await registry.actorFor(user(`sybil ${i}`)).icrc126_file_attestation(attest(idOf(v1)));
      answers.push('Ok' in r ? 'Ok' : Object.keys(r.Error)[0]!);
    }
    const accepted = answers.filter((a) => a === 'Ok').length;
    expect(accepted).toBeLessThanOrEqual(20);
    expect(answers.slice(accepted)).toEqual(new Array(24 - accepted).fill('TooManyRequests'));
    // A verifier that has filed before has its own bucket.
    expect(Object.keys(await registry.actorFor(alice).icrc126_file_attestation(attest(idOf(v1))))).toEqual(['Ok']);
    await pic.advanceTime(7_000);
    await pic.tick();
    expect(Object.keys(await registry.actorFor(user('sybil late')).icrc126_file_attestation(attest(idOf(v1))))).toEqual(['Ok']);
  });
});

describe('the log and the standards', () => {
  it('chains every block, 126 blocks included, to the certified tip', async () => {
    const blocks = await verifyChain(pic, registry.as.anonymous, registry.canisterId);
    expect(new Set(blocks.map((b) => btypeOf(b.block)))).toEqual(new Set(['118typecreate', '118wasm', '118chunk', '118verified', '126request', '126attestation', '126divergence']));
  });

  it('lists the ICRC-126 block types and standard', async () => {
    const types = (await registry.as.anonymous.icrc3_supported_block_types()).map((t) => t.block_type);
    expect(types).toEqual(expect.arrayContaining(['126request', '126attestation', '126divergence']));
    const standards = await registry.as.anonymous.icrc10_supported_standards();
    expect(standards.find((s) => s.name === 'ICRC-126')?.url).toMatch(/ICRC-126$/);
  });

  it('keeps filings and requests across an upgrade of the registry', async () => {
    const before = await verifications(v1.hash);
    await pic.upgradeCanister({ canisterId: registry.canisterId, wasm: registryWasm(), sender: who.owner, arg: registryInitArg(null) });
    expect(await verifications(v1.hash)).toEqual(before);
    expect(await registry.as.anonymous.lineage_get_verification_request(v1.hash)).toHaveLength(1);
  });
});
