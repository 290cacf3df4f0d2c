// The audit log: ICRC-3 blocks (one per change, of the documented types), chained by phash, read with
// icrc3_get_blocks, its tip certified (icrc3_get_tip_certificate verified against the root key), no
// archives; ICRC-10 standards.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  allBlocks, blocksAppendedBy, btypeOf, canisterModule, chunksOf, createTypes, deployTarget, err, field, hex, icrc3Hash, logLength,
  moduleBytes, ok, register, setupRegistry, txOf, typeRequest, uploadChunk, user, verifyTip, waitVerified, who,
  type Icrc3Value, type RegistryFixture,
} from './support/registry.js';

const BLOCK_TYPES = ['118typecreate', '118controller', '118wasm', '118chunk', '118verified', '118deprecate', '118install', '126request', '126attestation', '126divergence'];

let pic: PocketIc;
let registry: RegistryFixture;

const callerOf = (block: Icrc3Value) => field(txOf(block), 'caller');

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('a new registry', () => {
  it('has an empty log and no tip certificate yet', async () => {
    expect(await registry.as.anonymous.icrc3_get_blocks([{ start: 0n, length: 10n }])).toEqual({ log_length: 0n, blocks: [], archived_blocks: [] });
    expect(await registry.as.anonymous.icrc3_get_tip_certificate()).toEqual([]);
  });
});

describe('ICRC-3 and ICRC-10 descriptions', () => {
  it('lists the supported block types', async () => {
    const types = await registry.as.anonymous.icrc3_supported_block_types();
    expect(types.map((t) => t.block_type).sort()).toEqual([...BLOCK_TYPES].sort());
    for (const t of types) expect(t.url).toMatch(/^https:\/\//);
  });

  it('lists ICRC-3, ICRC-10 and ICRC-118 among its standards', async () => {
    const standards = await registry.as.anonymous.icrc10_supported_standards();
    expect(standards.map((s) => s.name)).toEqual(expect.arrayContaining(['ICRC-3', 'ICRC-10', 'ICRC-118']));
    expect(standards.find((s) => s.name === 'ICRC-118')!.url).toBe('https://github.com/dfinity/ICRC/ICRCs/ICRC-118');
    expect(standards.find((s) => s.name === 'ICRC-10')!.url).toBe('https://github.com/dfinity/ICRC/ICRCs/ICRC-10');
  });

  it('has no archives', async () => {
    expect(await registry.as.anonymous.icrc3_get_archives({ from: [] })).toEqual([]);
    expect(await registry.as.anonymous.icrc3_get_archives({ from: [registry.canisterId] })).toEqual([]);
  });
});

describe('one block per change', () => {
  const module3 = moduleBytes('log module', 300);
  const chunks = chunksOf(module3, 100);
  let hash: Uint8Array;

  it('appends 118typecreate for each type created', async () => {
    const blocks = await blocksAppendedBy(registry.as.anonymous, () =>
      createTypes(registry.as.admin, typeRequest('org.log.app', { controllers: [[who.publisher]] }), typeRequest('org.log.other')));
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['118typecreate', '118typecreate']);
    expect(field(txOf(blocks[0]!.block), 'namespace')).toEqual({ Text: 'org.log.app' });
    expect(field(txOf(blocks[0]!.block), 'controllers')).toEqual({ Array: [{ Blob: who.publisher.toUint8Array() }] });
    expect(callerOf(blocks[0]!.block)).toEqual({ Blob: who.admin.toUint8Array() });
    expect(field(txOf(blocks[1]!.block), 'namespace')).toEqual({ Text: 'org.log.other' });
  });

  it('appends 118controller for a controller change', async () => {
    const carol = user('carol');
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () =>
      ok((await registry.as.publisher.icrc118_manage_controller([{ canister_type: 'org.log.app', controller: carol, op: { Add: null } }]))[0]!));
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['118controller']);
    expect(field(txOf(blocks[0]!.block), 'controller')).toEqual({ Blob: carol.toUint8Array() });
    expect(field(txOf(blocks[0]!.block), 'op')).toEqual({ Text: 'add' });
    expect(callerOf(blocks[0]!.block)).toEqual({ Blob: who.publisher.toUint8Array() });
  });

  it('appends 118wasm for a registration', async () => {
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () => {
      hash = (await register(registry.as.publisher, { namespace: 'org.log.app', version: [1n, 2n, 3n], data: module3, chunkSize: 100 })).hash;
    });
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['118wasm']);
    const tx = txOf(blocks[0]!.block);
    expect(field(tx, 'hash')).toEqual({ Blob: hash });
    expect(field(tx, 'namespace')).toEqual({ Text: 'org.log.app' });
    expect(field(tx, 'version')).toEqual({ Array: [{ Nat: 1n }, { Nat: 2n }, { Nat: 3n }] });
    expect(field(tx, 'chunks')).toEqual({ Nat: 3n });
  });

  it('appends 118chunk for each stored chunk, and 118verified after the one that completes the module', async () => {
    const first = await blocksAppendedBy(registry.as.anonymous, async () => ok(await uploadChunk(registry.as.publisher, hash, 0, chunks[0]!)));
    expect(first.map((b) => btypeOf(b.block))).toEqual(['118chunk']);
    expect(field(txOf(first[0]!.block), 'chunk_id')).toEqual({ Nat: 0n });
    expect(field(txOf(first[0]!.block), 'size')).toEqual({ Nat: 100n });
    expect(await blocksAppendedBy(registry.as.anonymous, async () => ok(await uploadChunk(registry.as.publisher, hash, 1, chunks[1]!)))).toHaveLength(1);
    const last = await blocksAppendedBy(registry.as.anonymous, async () => {
      ok(await uploadChunk(registry.as.publisher, hash, 2, chunks[2]!));
      await waitVerified(pic, registry.as.anonymous, hash);
    });
    expect(last.map((b) => btypeOf(b.block))).toEqual(['118chunk', '118verified']);
    expect(field(txOf(last[1]!.block), 'hash')).toEqual({ Blob: hash });
  });

  it('appends 118deprecate for a deprecation and for an un-deprecation', async () => {
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () => {
      ok(await registry.as.publisher.icrc118_deprecate({ hash, deprecation_flag: [] }));
      ok(await registry.as.publisher.icrc118_deprecate({ hash, deprecation_flag: [false] }));
    });
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['118deprecate', '118deprecate']);
    expect(field(txOf(blocks[0]!.block), 'deprecated')).toEqual({ Nat: 1n });
    expect(field(txOf(blocks[1]!.block), 'deprecated')).toEqual({ Nat: 0n });
  });

  it('appends 118install for a confirmed installation', async () => {
    const deployer = user('deployer');
    const module = await canisterModule('log install');
    const published = await register(registry.as.publisher, { namespace: 'org.log.app', version: [2n, 0n, 0n], previous: hash, data: module });
    ok(await uploadChunk(registry.as.publisher, published.hash, 0, module));
    const target = await deployTarget(pic, [deployer], module);
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () =>
      ok(await registry.actorFor(deployer).lineage_report_installation({ canister: target, hash: published.hash })));
    expect(blocks.map((b) => btypeOf(b.block))).toEqual(['118install']);
  });

  it('appends nothing for a refused change', async () => {
    const blocks = await blocksAppendedBy(registry.as.anonymous, async () => {
      err((await registry.as.stranger.icrc118_create_canister_type([typeRequest('org.log.refused')]))[0]!);
      err((await registry.as.stranger.icrc118_manage_controller([{ canister_type: 'org.log.app', controller: who.stranger, op: { Add: null } }]))[0]!);
      err(await registry.as.publisher.icrc118_update_wasm({ canister_type: 'org.log.app', version_number: [1n, 2n, 3n], description: '', repo: '', metadata: [], previous_hash: [], expected_hash: hash, expected_chunks: 3n, chunk_hashes: [] }));
      err(await uploadChunk(registry.as.publisher, hash, 0, chunks[1]!));
      err(await registry.as.stranger.icrc118_deprecate({ hash, deprecation_flag: [] }));
      err(await registry.as.stranger.lineage_report_installation({ canister: registry.canisterId, hash }));
    });
    expect(blocks).toEqual([]);
  });

  it('uses only the documented block types', async () => {
    const blocks = await allBlocks(registry.as.anonymous);
    expect(blocks.length).toBeGreaterThan(0);
    for (const { block } of blocks) expect(BLOCK_TYPES).toContain(btypeOf(block));
  });
});

describe('the chain', () => {
  it('links every block to its parent by phash and keeps timestamps in order', async () => {
    const blocks = await allBlocks(registry.as.anonymous);
    expect(blocks.map((b) => b.id)).toEqual(blocks.map((_, i) => BigInt(i)));
    expect(field(blocks[0]!.block, 'phash')).toBeUndefined();
    for (let i = 1; i < blocks.length; i++) {
      expect(field(blocks[i]!.block, 'phash')).toEqual({ Blob: icrc3Hash(blocks[i - 1]!.block) });
      const ts = (b: Icrc3Value) => (field(b, 'ts') as { Nat: bigint }).Nat;
      expect(ts(blocks[i]!.block)).toBeGreaterThanOrEqual(ts(blocks[i - 1]!.block));
    }
  });

  it('answers icrc3_get_blocks for ranges, several ranges, and ranges past the end', async () => {
    const all = await allBlocks(registry.as.anonymous);
    const n = BigInt(all.length);
    expect(n).toBeGreaterThanOrEqual(8n);
    const get = (ranges: { start: bigint; length: bigint }[]) => registry.as.anonymous.icrc3_get_blocks(ranges);
    const one = await get([{ start: 1n, length: 2n }]);
    expect(one.log_length).toBe(n);
    expect(one.archived_blocks).toEqual([]);
    expect(one.blocks).toEqual(all.slice(1, 3));
    expect((await get([{ start: 0n, length: 1n }, { start: 3n, length: 2n }])).blocks).toEqual([all[0], all[3], all[4]]);
    expect((await get([{ start: n - 2n, length: 10n }])).blocks).toEqual(all.slice(-2));
    expect(await get([{ start: n, length: 5n }])).toEqual({ log_length: n, blocks: [], archived_blocks: [] });
    expect((await get([{ start: 2n, length: 0n }])).blocks).toEqual([]);
    expect((await get([])).log_length).toBe(n);
  });

  it('certifies the tip: the certificate verifies and certifies the hash tree naming the last block', async () => {
    const tip = await verifyTip(pic, registry.as.anonymous, registry.canisterId);
    const all = await allBlocks(registry.as.anonymous);
    expect(tip.index).toBe(BigInt(all.length - 1));
    expect(hex(tip.hash)).toBe(hex(icrc3Hash(all.at(-1)!.block)));
    // A new change moves the certified tip.
    ok((await registry.as.admin.icrc118_create_canister_type([typeRequest('org.log.later')]))[0]!);
    const moved = await verifyTip(pic, registry.as.anonymous, registry.canisterId);
    expect(moved.index).toBe(tip.index + 1n);
    expect(field((await registry.as.anonymous.icrc3_get_blocks([{ start: moved.index, length: 1n }])).blocks[0]!.block, 'phash')).toEqual({ Blob: tip.hash });
    expect(hex(moved.hash)).toBe(hex(icrc3Hash((await registry.as.anonymous.icrc3_get_blocks([{ start: moved.index, length: 1n }])).blocks[0]!.block)));
    expect(await logLength(registry.as.anonymous)).toBe(moved.index + 1n);
  });
});
