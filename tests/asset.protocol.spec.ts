// The DFINITY asset canister protocol beyond plain uploads, on the real module: the proposal flow a
// DAO governs a frontend with (prepare, propose, compute evidence, commit only with that evidence),
// staged commits as ic-asset sends them, configured limits, the validate_* companions, list with
// properties, state hashes, and each method refused to a caller without the permission.
import { createHash } from 'node:crypto';

import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { assetArg, assetWasm, installAsset, type AssetActor } from './support/asset.js';

const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();
const create = (key: string, contentType = 'text/plain') => ({
  CreateAsset: { key, content_type: contentType, max_age: [] as [], headers: [] as [], enable_aliasing: [] as [], allow_raw_access: [] as [] },
});
const content = (key: string, chunkIds: bigint[], lastChunk?: Uint8Array) => ({
  SetAssetContent: { key, content_encoding: 'identity', chunk_ids: chunkIds, last_chunk: lastChunk ? [lastChunk] as [Uint8Array] : [] as [], sha256: [] as [] },
});
const body = async (actor: AssetActor, key: string) => Buffer.from((await actor.get({ key, accept_encodings: ['identity'] })).content).toString();

describe('the asset canister protocol (proposals, staged commits, configuration)', () => {
  let pic: PocketIc;
  let actor: AssetActor;
  let canisterId: Principal;
  const controller = Principal.fromUint8Array(new Uint8Array(29).fill(7));
  const uploader = Principal.fromUint8Array(new Uint8Array(29).fill(8));
  const dao = Principal.fromUint8Array(new Uint8Array(29).fill(9));
  const stranger = Principal.fromUint8Array(new Uint8Array(29).fill(10));

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    // The DAO shape: the governance canister commits, an uploader only prepares.
    const fixture = await installAsset(pic, controller, { Init: { set_permissions: [{ prepare: [uploader as never], commit: [dao as never], manage_permissions: [] }], history_length: [] } });
    actor = fixture.actor as unknown as AssetActor;
    canisterId = fixture.canisterId;
  });

  beforeEach(() => actor.setPrincipal!(controller));
  afterAll(async () => {
    await pic.tearDown();
  });

  /** Prepares and proposes a batch as the uploader; returns its id and the evidence once computed. */
  async function propose(operations: (id: bigint) => Parameters<AssetActor['propose_commit_batch']>[0]['operations']) {
    actor.setPrincipal!(uploader);
    const { batch_id } = await actor.create_batch({});
    const { chunk_id } = await actor.create_chunk({ batch_id, content: text('hello ') });
    await actor.propose_commit_batch({ batch_id, operations: operations(chunk_id) });
    let evidence: [] | [Uint8Array | number[]] = [];
    let calls = 0;
    while (evidence.length === 0) {
      evidence = await actor.compute_evidence({ batch_id, max_iterations: [1] });
      calls++;
    }
    return { batch_id, evidence: Uint8Array.from(evidence[0]!), calls };
  }

  it('commits a proposed batch only with its evidence, and records the evidence in the history', async () => {
    const ops = (chunk: bigint) => [create('/dao.txt'), content('/dao.txt', [chunk], text('world'))];
    const { batch_id, evidence, calls } = await propose(ops);
    // One step per call: CreateAsset, SetAssetContent's fields, its two pieces, the final hash.
    expect(calls).toBe(5);
    // The evidence is ic-certified-assets' byte stream over the operations and their content.
    expect(hex(evidence)).toBe(hex(sha256(Buffer.concat([
      Buffer.from([4]), Buffer.from('/dao.txt'), Buffer.from('text/plain'), Buffer.from([2, 2, 2, 2]),
      Buffer.from([5]), Buffer.from('/dao.txt'), Buffer.from('identity'), Buffer.from([2]), Buffer.from('hello '), Buffer.from('world'),
    ]))));
    // Once computed it stays (no expiry while the vote runs); asking again returns it.
    expect(hex((await actor.compute_evidence({ batch_id, max_iterations: [] }))[0]!)).toBe(hex(evidence));

    // Another proposal cannot start meanwhile; the batch takes no more chunks; the uploader cannot commit.
    await expect(actor.create_batch({})).rejects.toThrow(/already proposed/);
    await expect(actor.create_chunk({ batch_id, content: text('x') })).rejects.toThrow(/proposed/);
    await expect(actor.commit_proposed_batch({ batch_id, evidence })).rejects.toThrow(/Unauthorized: .* lacks the Commit permission/);

    // The DAO's validation describes it, and refuses wrong evidence.
    actor.setPrincipal!(stranger);
    expect(await actor.validate_commit_proposed_batch({ batch_id, evidence })).toEqual({ Ok: `commit proposed batch ${batch_id} with evidence ${hex(evidence)}` });
    const wrong = new Uint8Array(32).fill(1);
    expect(await actor.validate_commit_proposed_batch({ batch_id, evidence: wrong })).toMatchObject({ Err: expect.stringMatching(/not the presented/) });

    actor.setPrincipal!(dao);
    const before = await actor.get_recent_hashes([]);
    await expect(actor.commit_proposed_batch({ batch_id, evidence: wrong })).rejects.toThrow(/not the presented/);
    // Committing it as a plain batch, bypassing the vote, is refused too.
    await expect(actor.commit_batch({ batch_id, operations: ops(1n) })).rejects.toThrow(/is proposed/);
    expect(await actor.get_recent_hashes([])).toEqual(before);
    await expect(actor.get({ key: '/dao.txt', accept_encodings: ['identity'] })).rejects.toThrow(/UnknownAsset/);

    await actor.commit_proposed_batch({ batch_id, evidence });
    expect(await body(actor, '/dao.txt')).toBe('hello world');
    const [entry] = await actor.get_recent_hashes([1n]);
    expect(entry!.index).toBe(before[0]!.index + 1n);
    expect(entry!.batch_id).toEqual([batch_id]);
    expect(hex(entry!.evidence[0]!)).toBe(hex(evidence));
    // The batch is gone: neither committed twice nor deleted.
    await expect(actor.commit_proposed_batch({ batch_id, evidence })).rejects.toThrow(/BatchCommitted/);
    // A new proposal may start now.
    actor.setPrincipal!(uploader);
    const next = await actor.create_batch({});
    await actor.delete_batch(next);
  });

  it('deletes a proposed batch, which frees the way for the next proposal', async () => {
    const { batch_id } = await propose((chunk) => [create('/never.txt'), content('/never.txt', [chunk])]);
    actor.setPrincipal!(stranger);
    await expect(actor.delete_batch({ batch_id })).rejects.toThrow(/Unauthorized: .* lacks the Prepare permission/);
    actor.setPrincipal!(uploader);
    await actor.delete_batch({ batch_id });
    await expect(actor.delete_batch({ batch_id })).rejects.toThrow(/UnknownBatch/);
    actor.setPrincipal!(dao);
    await expect(actor.validate_commit_proposed_batch({ batch_id, evidence: new Uint8Array(32) })).resolves.toMatchObject({ Err: expect.any(String) });
    const again = await propose((chunk) => [create('/later.txt'), content('/later.txt', [chunk])]);
    actor.setPrincipal!(uploader);
    await actor.delete_batch({ batch_id: again.batch_id });
  });

  it('refuses compute_evidence and propose_commit_batch to strangers, and evidence for a batch never proposed', async () => {
    actor.setPrincipal!(uploader);
    const { batch_id } = await actor.create_batch({});
    await expect(actor.compute_evidence({ batch_id, max_iterations: [] })).rejects.toThrow(/not have proposed operations/);
    actor.setPrincipal!(stranger);
    await expect(actor.propose_commit_batch({ batch_id, operations: [] })).rejects.toThrow(/Unauthorized/);
    await expect(actor.compute_evidence({ batch_id, max_iterations: [] })).rejects.toThrow(/Unauthorized/);
    await expect(actor.commit_proposed_batch({ batch_id, evidence: new Uint8Array(32) })).rejects.toThrow(/Unauthorized/);
    actor.setPrincipal!(uploader);
    await actor.delete_batch({ batch_id });
  });

  it('commits in stages as ic-asset does (batch id 0, then the real id with no operations): one history entry per stage', async () => {
    actor.setPrincipal!(dao);
    const { batch_id } = await actor.create_batch({});
    const a = await actor.create_chunk({ batch_id, content: text('stage one') });
    const b = await actor.create_chunk({ batch_id, content: text('stage two') });
    const before = (await actor.get_recent_hashes([1n]))[0]!.index;
    await actor.commit_batch({ batch_id: 0n, operations: [create('/s1.txt'), content('/s1.txt', [a.chunk_id])] });
    await actor.commit_batch({ batch_id: 0n, operations: [create('/s2.txt'), content('/s2.txt', [b.chunk_id])] });
    await actor.commit_batch({ batch_id, operations: [] });
    expect(await body(actor, '/s1.txt')).toBe('stage one');
    expect(await body(actor, '/s2.txt')).toBe('stage two');
    const entries = await actor.get_recent_hashes([3n]);
    expect(entries.map((e) => e.index)).toEqual([before + 2n, before + 1n, before]);
    // Each stage's entry names the batch whose chunks it used.
    expect(entries.slice(0, 2).map((e) => e.batch_id)).toEqual([[batch_id], [batch_id]]);
    await expect(actor.create_chunk({ batch_id, content: text('late') })).rejects.toThrow(/BatchCommitted/);
  });

  it('treats a repeated CreateAsset with the same content type as nothing to do, and refuses another type', async () => {
    actor.setPrincipal!(dao);
    const root = async () => hex((await actor.get_certified_root()).asset_root);
    const before = await root();
    await actor.commit_batch({ batch_id: 0n, operations: [create('/s1.txt'), content('/s1.txt', [], text('stage one'))] });
    expect(await root()).toBe(before);
    await expect(actor.commit_batch({ batch_id: 0n, operations: [create('/s1.txt', 'text/html')] })).rejects.toThrow(/AssetExists/);
  });

  it('configures batch, chunk and byte limits (Commit sets them, Prepare reads them)', async () => {
    actor.setPrincipal!(stranger);
    await expect(actor.get_configuration()).rejects.toThrow(/Unauthorized/);
    await expect(actor.configure({ max_batches: [[1n]], max_chunks: [], max_bytes: [] })).rejects.toThrow(/Unauthorized/);
    expect(await actor.validate_configure({ max_batches: [[1n]], max_chunks: [[]], max_bytes: [] })).toEqual({ Ok: 'configure: max_batches 1, max_chunks none, max_bytes unchanged' });
    actor.setPrincipal!(uploader);
    await expect(actor.configure({ max_batches: [[1n]], max_chunks: [], max_bytes: [] })).rejects.toThrow(/Commit/);
    actor.setPrincipal!(dao);
    await actor.configure({ max_batches: [[1n]], max_chunks: [[2n]], max_bytes: [[10n]] });
    actor.setPrincipal!(uploader);
    expect(await actor.get_configuration()).toEqual({ max_batches: [1n], max_chunks: [2n], max_bytes: [10n] });
    const { batch_id } = await actor.create_batch({});
    await expect(actor.create_batch({})).rejects.toThrow(/batch limit exceeded/);
    await expect(actor.create_chunk({ batch_id, content: new Uint8Array(11) })).rejects.toThrow(/byte limit exceeded/);
    await actor.create_chunks({ batch_id, content: [text('a'), text('b')] });
    await expect(actor.create_chunk({ batch_id, content: text('c') })).rejects.toThrow(/chunk limit exceeded/);
    await actor.delete_batch({ batch_id });
    actor.setPrincipal!(dao);
    await actor.configure({ max_batches: [[]], max_chunks: [[]], max_bytes: [[]] });
    expect(await actor.get_configuration()).toEqual({ max_batches: [], max_chunks: [], max_bytes: [] });
  });

  it('validates permission changes and take_ownership for proposals, changing nothing', async () => {
    actor.setPrincipal!(stranger);
    const before = await actor.list_permitted({ permission: { Commit: null } });
    expect(await actor.validate_grant_permission({ to_principal: stranger as never, permission: { Commit: null } }))
      .toEqual({ Ok: `grant Commit permission to principal ${stranger.toText()}` });
    expect(await actor.validate_revoke_permission({ of_principal: dao as never, permission: { Prepare: null } }))
      .toEqual({ Ok: `revoke Prepare permission from principal ${dao.toText()}` });
    expect(await actor.validate_take_ownership()).toMatchObject({ Ok: expect.any(String) });
    expect(await actor.list_permitted({ permission: { Commit: null } })).toEqual(before);
    await expect(actor.take_ownership()).rejects.toThrow(/Unauthorized/);
  });

  it('lists with start and length, and with each asset\'s properties', async () => {
    actor.setPrincipal!(dao);
    await actor.set_asset_properties({ key: '/s2.txt', max_age: [[60n]], headers: [[[['X-Frame-Options', 'DENY']]]], allow_raw_access: [[false]], is_aliased: [] });
    const all = await actor.list({ start: [], length: [] });
    expect(all.map((a) => a.key)).toEqual(['/dao.txt', '/s1.txt', '/s2.txt']);
    expect((await actor.list({ start: [1n], length: [1n] })).map((a) => a.key)).toEqual(['/s1.txt']);
    expect(all[2]).toMatchObject({ max_age: [60n], headers: [[['X-Frame-Options', 'DENY']]], allow_raw_access: [false], is_aliased: [] });
    expect(await actor.get_asset_properties('/s2.txt')).toEqual({ max_age: [60n], headers: [[['X-Frame-Options', 'DENY']]], allow_raw_access: [false], is_aliased: [] });
  });

  it('keeps a proposal, its evidence in progress, the configuration and the history\'s evidence across an upgrade', async () => {
    actor.setPrincipal!(dao);
    await actor.configure({ max_batches: [[5n]], max_chunks: [], max_bytes: [] });
    actor.setPrincipal!(uploader);
    const { batch_id } = await actor.create_batch({});
    const { chunk_id } = await actor.create_chunk({ batch_id, content: text('across') });
    await actor.propose_commit_batch({ batch_id, operations: [create('/up.txt'), content('/up.txt', [chunk_id], text(' an upgrade'))] });
    expect(await actor.compute_evidence({ batch_id, max_iterations: [2] })).toEqual([]);
    const committedProposal = (await actor.get_recent_hashes([5n])).find((e) => e.evidence.length > 0)!;

    await pic.upgradeCanister({ canisterId, wasm: assetWasm(), arg: assetArg({ Upgrade: { set_permissions: [], history_length: [] } }), sender: controller });

    expect(await actor.get_configuration()).toEqual({ max_batches: [5n], max_chunks: [], max_bytes: [] });
    expect((await actor.get_recent_hashes([10n])).find((e) => e.index === committedProposal.index)).toEqual(committedProposal);
    let evidence: [] | [Uint8Array | number[]] = [];
    while (evidence.length === 0) evidence = await actor.compute_evidence({ batch_id, max_iterations: [1] });
    expect(hex(evidence[0]!)).toBe(hex(sha256(Buffer.concat([
      Buffer.from([4]), Buffer.from('/up.txt'), Buffer.from('text/plain'), Buffer.from([2, 2, 2, 2]),
      Buffer.from([5]), Buffer.from('/up.txt'), Buffer.from('identity'), Buffer.from([2]), Buffer.from('across'), Buffer.from(' an upgrade'),
    ]))));
    actor.setPrincipal!(dao);
    await actor.commit_proposed_batch({ batch_id, evidence: Uint8Array.from(evidence[0]!) });
    expect(await body(actor, '/up.txt')).toBe('across an upgrade');
    await actor.configure({ max_batches: [[]], max_chunks: [], max_bytes: [] });
  });

  it('computes the state hash over the assets as they are, and forgets it when they change', async () => {
    let hash: [] | [string] = [];
    while (hash.length === 0) hash = await actor.compute_state_hash();
    const info = await actor.get_state_info();
    expect(info.state_hash).toEqual(hash);
    expect(info.last_state_update_timestamp).toBeGreaterThan(0n);
    actor.setPrincipal!(dao);
    await actor.delete_asset({ key: '/s1.txt' });
    expect((await actor.get_state_info()).state_hash).toEqual([]);
    let next: [] | [string] = [];
    while (next.length === 0) next = await actor.compute_state_hash();
    expect(next[0]).not.toBe(hash[0]);
  });
});
