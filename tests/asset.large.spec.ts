// Large files against the IC's instruction limit: hashing in Azle's interpreter costs about 10.7
// billion instructions per MiB and an update may run 40 billion (the emulator meters and enforces it,
// IC0522 beyond), so the canister hashes a commit's contents in slices, one message each, and
// commits in a last message. A 5 MiB file uploaded as AssetManager uploads it commits and serves;
// a wrong declared sha256 found after the slices changes nothing.
import { createHash, randomBytes } from 'node:crypto';

import { PocketIc } from '@dfinity/pic';
import { Principal } from '@icp-sdk/core/principal';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { assetIdlFactory, type AssetService } from '@lineage/types';

import { installAsset, type AssetActor } from './support/asset.js';

const CHUNK = 1_900_000;
const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const hex = (b: Uint8Array | number[]) => Buffer.from(Uint8Array.from(b)).toString('hex');

describe('committing large files within the instruction limit', () => {
  let pic: PocketIc;
  let actor: AssetActor;
  let canisterId: Principal;
  const owner = Principal.fromUint8Array(new Uint8Array(29).fill(21));

  beforeAll(async () => {
    pic = await PocketIc.create(inject('PIC_URL'), { processingTimeoutMs: 300_000 });
    const fixture = await installAsset(pic, owner);
    actor = fixture.actor as unknown as AssetActor;
    canisterId = fixture.canisterId;
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  /** Uploads `content` in AssetManager's 1,900,000-byte chunks; the operations that commit it at `key` with `declared` as its sha256. */
  async function prepare(key: string, content: Uint8Array, declared: Uint8Array) {
    const { batch_id } = await actor.create_batch({});
    const chunk_ids: bigint[] = [];
    for (let at = 0; at < content.length; at += CHUNK) chunk_ids.push((await actor.create_chunk({ batch_id, content: content.subarray(at, at + CHUNK) })).chunk_id);
    const operations = [
      { CreateAsset: { key, content_type: 'application/octet-stream', max_age: [] as [], headers: [] as [], enable_aliasing: [] as [], allow_raw_access: [] as [] } },
      { SetAssetContent: { key, content_encoding: 'identity', chunk_ids, last_chunk: [] as [], sha256: [declared] as [Uint8Array] } },
    ];
    return { batch_id, operations };
  }

  /** Uploads and commits (`prepare`, then `lineage_commit_batch`). */
  async function upload(key: string, content: Uint8Array, declared: Uint8Array) {
    const { batch_id, operations } = await prepare(key, content, declared);
    return { batch_id, result: await actor.lineage_commit_batch({ batch_id, operations }) };
  }

  it('commits a 5 MiB file, serves every chunk, and lists the hash the canister computed', async () => {
    const big = new Uint8Array(randomBytes(5 * MiB));
    const { result } = await upload('/big.bin', big, sha256(big));
    expect('Ok' in result && result.Ok.changed).toBe(true);
    const first = await actor.get({ key: '/big.bin', accept_encodings: ['identity'] });
    expect(first.total_length).toBe(BigInt(big.length));
    expect(hex(first.sha256[0]!)).toBe(hex(sha256(big)));
    const parts = [Uint8Array.from(first.content)];
    for (let index = 1n; index * BigInt(CHUNK) < BigInt(big.length); index++) {
      parts.push(Uint8Array.from((await actor.get_chunk({ key: '/big.bin', content_encoding: 'identity', index, sha256: first.sha256 })).content));
    }
    expect(hex(sha256(Buffer.concat(parts)))).toBe(hex(sha256(big)));
    // The history has the commit as its head, and the certified root is the one the commit returned.
    const root = await actor.get_certified_root();
    expect('Ok' in result && hex(root.asset_root)).toBe('Ok' in result ? hex(result.Ok.asset_root) : '');
  });

  it('refuses a wrong declared sha256 after hashing in slices, and changes nothing', async () => {
    const before = await actor.get_certified_root();
    const history = (await actor.get_recent_hashes([])).length;
    const content = new Uint8Array(randomBytes(2_500_000));
    const wrong = sha256(content.subarray(1));
    const { batch_id, result } = await upload('/wrong.bin', content, wrong);
    expect('Err' in result && 'Sha256Mismatch' in result.Err.error).toBe(true);
    expect(hex((await actor.get_certified_root()).certified_data)).toBe(hex(before.certified_data));
    expect((await actor.get_recent_hashes([])).length).toBe(history);
    await expect(actor.get({ key: '/wrong.bin', accept_encodings: ['identity'] })).rejects.toThrow();
    // The batch is open again (no longer held by the commit): it takes chunks and can be deleted.
    await actor.create_chunk({ batch_id, content: new Uint8Array(10) });
    await actor.delete_batch({ batch_id });
  });

  it('holds the batch while it hashes in slices: its chunks, its deletion and a second commit are refused until the reply', async () => {
    const content = new Uint8Array(randomBytes(3 * MiB));
    const { batch_id, operations } = await prepare('/held.bin', content, sha256(content));
    const deferred = pic.createDeferredActor<AssetService>(assetIdlFactory as never, canisterId);
    deferred.setPrincipal(owner);
    const commit = await deferred.lineage_commit_batch({ batch_id, operations } as never);
    // One round: the commit hashed its first slice and awaits its call to itself; the batch is held.
    await pic.tick();
    const held = /batch \d+ is being committed/;
    await expect(actor.create_chunk({ batch_id, content: new Uint8Array(10) })).rejects.toThrow(held);
    await expect(actor.delete_batch({ batch_id })).rejects.toThrow(held);
    const second = await actor.lineage_commit_batch({ batch_id, operations });
    expect('Err' in second && JSON.stringify(second.Err.error, (_, v) => (typeof v === 'bigint' ? String(v) : v))).toMatch(held);
    // The first commit goes on undisturbed and commits the file.
    const result = (await commit()) as Awaited<ReturnType<AssetActor['lineage_commit_batch']>>;
    expect('Ok' in result && result.Ok.changed).toBe(true);
    const served = await actor.get({ key: '/held.bin', accept_encodings: ['identity'] });
    expect(hex(served.sha256[0]!)).toBe(hex(sha256(content)));
  });
});
