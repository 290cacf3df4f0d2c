// Bad input and strangers: typed errors from the lineage_* methods, the IC's reject (naming the
// same error) from the DFINITY methods, and nothing half-committed: a refused commit leaves the
// assets, the certified root and the history exactly as they were.
import { Ed25519KeyIdentity } from '@dfinity/identity';
import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';

import { gzip, installAsset, liveAgent, removeDir, smallSite, uploadWithAssetManager, writeSite, type AssetActor } from './support/asset.js';

const text = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');
const create = (key: string, contentType = 'text/plain') => ({
  CreateAsset: { key, content_type: contentType, max_age: [] as [], headers: [] as [], enable_aliasing: [] as [], allow_raw_access: [] as [] },
});
const content = (key: string, chunkIds: bigint[], lastChunk?: Uint8Array, encoding = 'identity', sha256?: Uint8Array) => ({
  SetAssetContent: { key, content_encoding: encoding, chunk_ids: chunkIds, last_chunk: lastChunk ? [lastChunk] as [Uint8Array] : [] as [], sha256: sha256 ? [sha256] as [Uint8Array] : [] as [] },
});

describe('bad input and strangers', () => {
  let pic: PocketIc;
  let actor: AssetActor;
  let canisterId: Principal;
  const owner = Principal.fromUint8Array(new Uint8Array(29).fill(3));
  const stranger = Principal.fromUint8Array(new Uint8Array(29).fill(4));

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'));
    const fixture = await installAsset(pic, owner);
    actor = fixture.actor as unknown as AssetActor;
    canisterId = fixture.canisterId;
    await actor.store({ key: '/index.html', content_type: 'text/html', content_encoding: 'identity', content: text('<h1>kept</h1>'), sha256: [] });
  });

  beforeEach(() => actor.setPrincipal!(owner));

  afterAll(async () => {
    await pic.tearDown();
  });

  /** Everything a refusal must leave untouched. */
  const snapshot = async () => ({
    root: hex((await actor.get_certified_root()).certified_data),
    history: (await actor.get_recent_hashes([])).length,
    list: await actor.list({ start: [], length: [] }),
  });

  const refusedCommit = async (operations: Parameters<AssetActor['lineage_commit_batch']>[0]['operations'], batchId?: bigint) => {
    const batch_id = batchId ?? (await actor.create_batch({})).batch_id;
    const before = await snapshot();
    const r = await actor.lineage_commit_batch({ batch_id, operations });
    expect(await snapshot()).toEqual(before);
    if (!('Err' in r)) throw new Error('the commit was accepted');
    // The DFINITY method refuses the same with the IC's reject, naming the same error.
    const kind = Object.keys(r.Err.error)[0]!;
    await expect(actor.commit_batch({ batch_id, operations })).rejects.toThrow(new RegExp(kind));
    expect(await snapshot()).toEqual(before);
    return r.Err;
  };

  it('refuses a chunk or a commit for an unknown batch', async () => {
    const r = await actor.lineage_create_chunk({ batch_id: 999n, content: text('x') });
    expect(r).toEqual({ Err: { UnknownBatch: { batch_id: 999n } } });
    await expect(actor.create_chunk({ batch_id: 999n, content: text('x') })).rejects.toThrow(/UnknownBatch: batch 999 does not exist/);
    const err = await refusedCommit([create('/x.txt')], 999n);
    expect(err.error).toEqual({ UnknownBatch: { batch_id: 999n } });
  });

  it('refuses a chunk for, and a second commit of, a committed batch', async () => {
    const { batch_id } = await actor.create_batch({});
    await actor.commit_batch({ batch_id, operations: [] });
    expect(await actor.lineage_create_chunk({ batch_id, content: text('late') })).toEqual({ Err: { BatchCommitted: { batch_id } } });
    await expect(actor.create_chunk({ batch_id, content: text('late') })).rejects.toThrow(/BatchCommitted/);
    const err = await refusedCommit([create('/late.txt')], batch_id);
    expect(err.error).toEqual({ BatchCommitted: { batch_id } });
  });

  it('expires a batch left alone for five minutes, and drops its chunks', async () => {
    const { batch_id } = await actor.create_batch({});
    const { chunk_id } = await actor.create_chunk({ batch_id, content: text('stale') });
    await pic.advanceTime(301_000);
    await pic.tick();
    expect(await actor.lineage_create_chunk({ batch_id, content: text('late') })).toEqual({ Err: { BatchExpired: { batch_id } } });
    const err = await refusedCommit([create('/stale.txt'), content('/stale.txt', [chunk_id])], batch_id);
    expect(err.error).toEqual({ BatchExpired: { batch_id } });
    const fresh = await actor.create_batch({});
    expect((await refusedCommit([create('/stale.txt'), content('/stale.txt', [chunk_id])], fresh.batch_id)).error).toEqual({ UnknownChunk: { chunk_id } });
  });

  it('refuses content whose encoding is not what it claims, or unknown encodings', async () => {
    const err = await refusedCommit([create('/app.js', 'application/javascript'), content('/app.js', [], text('var a = 1;'), 'gzip')]);
    expect(err.error).toMatchObject({ EncodingMismatch: { key: '/app.js', encoding: 'gzip' } });
    expect(err.operation).toEqual([1n]);
    const err2 = await refusedCommit([create('/app.js', 'application/javascript'), content('/app.js', [], text('var a = 1;'), 'lzma')]);
    expect(err2.error).toMatchObject({ InvalidEncoding: { encoding: 'lzma' } });
    // Real gzip is fine.
    const { batch_id } = await actor.create_batch({});
    expect(await actor.lineage_commit_batch({ batch_id, operations: [create('/app.js', 'application/javascript'), content('/app.js', [], gzip(text('var a = 1;')), 'gzip')] })).toHaveProperty('Ok');
  });

  it.each([
    ['/../../etc/passwd', 'path traversal'], ['/a/./b.txt', 'a "." segment'], ['/a//b.txt', 'an empty segment'], ['/dir/', 'a trailing slash'],
    ['no-slash.txt', 'no leading slash'], ['/a%2e%2e/b', 'a percent-escape'], ['/x/<$>', 'a tree terminator'], ['/a\\b', 'a backslash'],
  ])('refuses the key %j (%s)', async (key) => {
    const err = await refusedCommit([create(key), content(key, [], text('x'))]);
    expect(err.error).toMatchObject({ InvalidKey: { key } });
    await expect(actor.store({ key, content_type: 'text/plain', content_encoding: 'identity', content: text('x'), sha256: [] })).rejects.toThrow(/InvalidKey/);
  });

  it('refuses oversized chunks', async () => {
    const { batch_id } = await actor.create_batch({});
    const r = await actor.lineage_create_chunk({ batch_id, content: new Uint8Array(1_900_001) });
    expect(r).toEqual({ Err: { ChunkTooLarge: { size: 1_900_001n, max: 1_900_000n } } });
    await expect(actor.create_chunk({ batch_id, content: new Uint8Array(1_900_001) })).rejects.toThrow(/ChunkTooLarge/);
  });

  it('checks a declared sha256 and refuses a wrong one', async () => {
    const wrong = new Uint8Array(32).fill(1);
    const { batch_id } = await actor.create_batch({});
    const { chunk_id } = await actor.create_chunk({ batch_id, content: text('hello') });
    const err = await refusedCommit([create('/h.txt'), content('/h.txt', [chunk_id], undefined, 'identity', wrong)], batch_id);
    expect(err.error).toMatchObject({ Sha256Mismatch: { key: '/h.txt', expected: wrong } });
    await expect(actor.store({ key: '/h.txt', content_type: 'text/plain', content_encoding: 'identity', content: text('hello'), sha256: [wrong] })).rejects.toThrow(/Sha256Mismatch/);
    // The batch is still open: the same chunk commits with the right hash.
    expect(await actor.lineage_commit_batch({ batch_id, operations: [create('/h.txt'), content('/h.txt', [chunk_id])] })).toHaveProperty('Ok');
  });

  it('refuses unknown chunks, chunks of other batches and chunks used twice', async () => {
    const a = await actor.create_batch({});
    const b = await actor.create_batch({});
    const inB = await actor.create_chunk({ batch_id: b.batch_id, content: text('b') });
    const inA = await actor.create_chunk({ batch_id: a.batch_id, content: text('a') });
    expect((await refusedCommit([create('/c.txt'), content('/c.txt', [424242n])], a.batch_id)).error).toEqual({ UnknownChunk: { chunk_id: 424242n } });
    expect((await refusedCommit([create('/c.txt'), content('/c.txt', [inB.chunk_id])], a.batch_id)).error).toEqual({ ChunkNotInBatch: { chunk_id: inB.chunk_id, batch_id: a.batch_id } });
    expect((await refusedCommit([create('/c.txt'), content('/c.txt', [inA.chunk_id, inA.chunk_id])], a.batch_id)).error).toEqual({ ChunkUsedTwice: { chunk_id: inA.chunk_id } });
  });

  it('leaves everything as it was when the last operation of a long batch fails', async () => {
    // The last one creates /one.txt again with another content type (the same type would be nothing to do).
    const ops = [create('/one.txt'), content('/one.txt', [], text('1')), { DeleteAsset: { key: '/index.html' } }, { CreateAsset: { ...create('/one.txt').CreateAsset, content_type: 'image/png' } }];
    const err = await refusedCommit(ops);
    expect(err).toEqual({ error: { AssetExists: { key: '/one.txt' } }, operation: [3n] });
    const page = await actor.http_request({ method: 'GET', url: '/', headers: [], body: new Uint8Array(), certificate_version: [2] });
    expect(Buffer.from(page.body).toString()).toBe('<h1>kept</h1>');
  });

  it('refuses reserved and malformed headers', async () => {
    const withHeader = (name: string, value = 'x') => ({ CreateAsset: { ...create('/h.html').CreateAsset, headers: [[[name, value]]] as [[string, string][]] } });
    expect((await refusedCommit([withHeader('IC-Certificate')])).error).toMatchObject({ InvalidHeader: { name: 'ic-certificate' } });
    expect((await refusedCommit([withHeader('x-evil', 'a\r\nset-cookie: b')])).error).toMatchObject({ InvalidHeader: { name: 'x-evil' } });
  });

  it('refuses uploads and permission changes from a caller without permission', async () => {
    actor.setPrincipal!(stranger);
    const before = await snapshot();
    await expect(actor.create_batch({})).rejects.toThrow(/Unauthorized: .* lacks the Prepare permission/);
    await expect(actor.store({ key: '/evil.html', content_type: 'text/html', content_encoding: 'identity', content: text('pwned'), sha256: [] })).rejects.toThrow(/Unauthorized/);
    expect(await actor.lineage_store({ key: '/evil.html', content_type: 'text/html', content_encoding: 'identity', content: text('pwned'), sha256: [] }))
      .toEqual({ Err: { error: { Unauthorized: { caller: stranger.toText(), needs: 'Commit' } }, operation: [] } });
    await expect(actor.delete_asset({ key: '/index.html' })).rejects.toThrow(/Unauthorized/);
    await expect(actor.grant_permission({ to_principal: stranger as never, permission: { Commit: null } })).rejects.toThrow(/Unauthorized/);
    await expect(actor.authorize(stranger as never)).rejects.toThrow(/Unauthorized/);
    expect(await snapshot()).toEqual(before);
    // A principal with Prepare may upload chunks but not commit them.
    actor.setPrincipal!(owner);
    await actor.grant_permission({ to_principal: stranger as never, permission: { Prepare: null } });
    expect((await actor.list_permitted({ permission: { Prepare: null } })).map((p) => p.toText())).toEqual([stranger.toText()]);
    actor.setPrincipal!(stranger);
    const { batch_id } = await actor.create_batch({});
    const { chunk_id } = await actor.create_chunk({ batch_id, content: text('prepared') });
    expect(await actor.lineage_commit_batch({ batch_id, operations: [create('/p.txt'), content('/p.txt', [chunk_id])] }))
      .toEqual({ Err: { error: { Unauthorized: { caller: stranger.toText(), needs: 'Commit' } }, operation: [] } });
    // It may give up its own permission, not others'.
    await expect(actor.revoke_permission({ of_principal: owner as never, permission: { Commit: null } })).rejects.toThrow(/Unauthorized/);
    await actor.revoke_permission({ of_principal: stranger as never, permission: { Prepare: null } });
    actor.setPrincipal!(owner);
    expect(await actor.list_permitted({ permission: { Prepare: null } })).toEqual([]);
    expect((await actor.list_authorized()).map((p) => p.toText())).toEqual([owner.toText()]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an AssetManager upload signed by a stranger, through the HTTP interface', async () => {
    const port = await pic.makeLive();
    try {
      const agent = await liveAgent(port, Ed25519KeyIdentity.generate());
      const dir = writeSite(smallSite().slice(0, 2));
      const before = await snapshot();
      await expect(uploadWithAssetManager(agent, canisterId.toText(), dir)).rejects.toThrow(/Unauthorized/);
      expect(await snapshot()).toEqual(before);
      removeDir(dir);
    } finally {
      await pic.stopLive();
    }
  });
});
