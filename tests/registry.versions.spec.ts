// Versions: registration rules of the previous_hash graph (graph.ts), replacement of unverified
// versions, deprecation and un-deprecation, and the refusal of cycles.
import { PocketIc } from '@dfinity/pic';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  btypeOf, bytes, txOf, createTypes, err, fetchModule, field, hex, logLength, moduleBytes, ok, opt, outcome, publish, register,
  setupRegistry, sha256, typeRequest, updateRequest, uploadChunks, waitVerified, who,
  type ModuleSpec, type RegistryFixture, type UpdateWasmRequest, type Wasm,
} from './support/registry.js';

let pic: PocketIc;
let registry: RegistryFixture;
let namespaceCount = 0;

/** A fresh canister type controlled by the publisher, so each test starts from an empty version graph. */
async function freshType(): Promise<string> {
  const namespace = `org.versions.t${namespaceCount++}`;
  await createTypes(registry.as.admin, typeRequest(namespace, { controllers: [[who.publisher]] }));
  return namespace;
}

const spec = (namespace: string, label: string, version: [bigint, bigint, bigint], previous?: Uint8Array): ModuleSpec => ({
  namespace, version, previous, data: moduleBytes(`${namespace}/${label}`, 300), chunkSize: 100,
});

async function wasmOf(hash: Uint8Array): Promise<Wasm> {
  const [found] = await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ hash }]], prev: [], take: [] });
  if (!found) throw new Error(`${hex(hash)} is not listed`);
  return found;
}

const update = (request: UpdateWasmRequest) => registry.as.publisher.icrc118_update_wasm(request);

beforeAll(async () => {
  pic = await PocketIc.create(inject('PIC_URL'));
  registry = await setupRegistry(pic, { admins: [who.admin] });
});

afterAll(async () => {
  await pic.tearDown();
});

describe('registration and previous_hash links', () => {
  it('registers a chain v1 → v2 → v3 and lists each version with its link', async () => {
    const ns = await freshType();
    const before = await logLength(registry.as.anonymous);
    const v1 = await register(registry.as.publisher, spec(ns, 'v1', [1n, 0n, 0n]));
    const v2 = await register(registry.as.publisher, spec(ns, 'v2', [1n, 1n, 0n], v1.hash));
    const r3 = updateRequest(spec(ns, 'v3', [2n, 0n, 0n], v2.hash));
    // The result is the index of the version's block.
    expect(await update(r3)).toEqual({ Ok: before + 2n });

    const listed = await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ canister_type: ns }]], prev: [], take: [] });
    expect(listed.map((w) => hex(w.hash))).toEqual([hex(v1.hash), hex(v2.hash), hex(r3.expected_hash)]);
    expect(listed.map((w) => opt(w.previous_hash)).map((p) => (p === undefined ? undefined : hex(p)))).toEqual([undefined, hex(v1.hash), hex(v2.hash)]);
    const w3 = listed[2]!;
    expect(w3).toMatchObject({
      canister_type_namespace: ns,
      version_number: [2n, 0n, 0n],
      description: r3.description,
      repo: r3.repo,
      metadata: r3.metadata,
      deprecated: false,
      chunkCount: 3n,
      stored_chunks: 0n,
      chunk_hashes: [],
    });
    // Not verified yet: calculated_hash is all zeros (the draft's default).
    expect(hex(w3.calculated_hash)).toBe('00'.repeat(32));
    expect(w3.created).toBeGreaterThan(0n);
    // The type lists its versions in registration order.
    const [type] = await registry.as.anonymous.icrc118_get_canister_types({ filter: [{ namespace: ns }], prev: [], take: [] });
    expect(type!.versions.map((v) => [hex(v.hash), v.version])).toEqual([
      [hex(v1.hash), [1n, 0n, 0n]], [hex(v2.hash), [1n, 1n, 0n]], [hex(r3.expected_hash), [2n, 0n, 0n]],
    ]);
  });

  it('refuses a link to an unknown hash with UnknownPreviousHash', async () => {
    const ns = await freshType();
    const unknown = sha256(moduleBytes('never registered', 10));
    expect(err(await update(updateRequest(spec(ns, 'x', [1n, 0n, 0n], unknown))))).toEqual({ UnknownPreviousHash: unknown });
  });

  it('refuses a link to a version of another type with PreviousHashOfAnotherType', async () => {
    const ns = await freshType();
    const other = await freshType();
    const foreign = await register(registry.as.publisher, spec(other, 'root', [1n, 0n, 0n]));
    expect(err(await update(updateRequest(spec(ns, 'x', [2n, 0n, 0n], foreign.hash))))).toEqual({ PreviousHashOfAnotherType: foreign.hash });
  });

  it('refuses a version that is not after its previous one with VersionNotAfterPrevious', async () => {
    const ns = await freshType();
    const v1 = await register(registry.as.publisher, spec(ns, 'v1', [1n, 2n, 3n]));
    for (const version of [[1n, 2n, 3n], [1n, 2n, 2n], [0n, 9n, 9n], [1n, 1n, 10n]] as [bigint, bigint, bigint][]) {
      expect(err(await update(updateRequest(spec(ns, `v${version.join('.')}`, version, v1.hash))))).toEqual({ VersionNotAfterPrevious: { previous: [1n, 2n, 3n] } });
    }
    expect(outcome(await update(updateRequest(spec(ns, 'v1.2.4', [1n, 2n, 4n], v1.hash))))).toBe('Ok');
  });

  it('refuses a second live version with the same version number (NonDeprecatedWasmFound)', async () => {
    const ns = await freshType();
    const v1 = await register(registry.as.publisher, spec(ns, 'v1', [1n, 0n, 0n]));
    const v2 = await register(registry.as.publisher, spec(ns, 'v2', [2n, 0n, 0n], v1.hash));
    const v3 = await register(registry.as.publisher, spec(ns, 'v3', [3n, 0n, 0n], v2.hash));
    // v1's live successor slot is freed by deprecating v2; v3 (3.0.0) stays live.
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v2.hash, deprecation_flag: [] }));
    // Same number as v3, different predecessor.
    expect(err(await update(updateRequest(spec(ns, 'other 3.0.0', [3n, 0n, 0n], v1.hash))))).toEqual({ NonDeprecatedWasmFound: v3.hash });
  });

  it('refuses a second live version with the same predecessor (NonDeprecatedWasmFound)', async () => {
    const ns = await freshType();
    const v1 = await register(registry.as.publisher, spec(ns, 'v1', [1n, 0n, 0n]));
    const v2 = await register(registry.as.publisher, spec(ns, 'v2', [2n, 0n, 0n], v1.hash));
    expect(err(await update(updateRequest(spec(ns, 'sibling', [2n, 5n, 0n], v1.hash))))).toEqual({ NonDeprecatedWasmFound: v2.hash });
    // Two roots share the "no predecessor" too.
    expect(err(await update(updateRequest(spec(ns, 'second root', [9n, 0n, 0n]))))).toEqual({ NonDeprecatedWasmFound: v1.hash });
    // Once the clashing version is deprecated, the slot is free.
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v2.hash, deprecation_flag: [] }));
    expect(outcome(await update(updateRequest(spec(ns, 'sibling', [2n, 5n, 0n], v1.hash))))).toBe('Ok');
  });

  it('refuses malformed registrations with typed errors', async () => {
    const ns = await freshType();
    const good = updateRequest(spec(ns, 'm', [1n, 0n, 0n]));
    expect(outcome(await update({ ...good, expected_hash: new Uint8Array(31) }))).toBe('InvalidHash');
    expect(outcome(await update({ ...good, expected_chunks: 0n }))).toBe('InvalidChunkCount');
    expect(outcome(await update({ ...good, expected_chunks: 401n }))).toBe('InvalidChunkCount');
    expect(outcome(await update({ ...good, chunk_hashes: [[new Uint8Array(32)]] }))).toBe('InvalidChunkCount');
    expect(outcome(await update({ ...good, chunk_hashes: [[new Uint8Array(32), new Uint8Array(32), new Uint8Array(3)]] }))).toBe('InvalidHash');
    expect(err(await update({ ...good, canister_type: 'org.versions.unknown' }))).toEqual({ UnknownCanisterType: null });
    expect(await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ canister_type: ns }]], prev: [], take: [] })).toEqual([]);
  });
});

describe('re-registration', () => {
  it('replaces an unverified version and discards its chunks', async () => {
    const ns = await freshType();
    const data = moduleBytes(`${ns}/replaced`, 1000);
    const first = await register(registry.as.publisher, { namespace: ns, version: [1n, 0n, 0n], data, chunkSize: 500, description: 'first' });
    await uploadChunks(registry.as.publisher, first, [0]);
    expect(opt(await registry.as.publisher.lineage_upload_status(first.hash))!.stored).toEqual([0n]);

    // The same module, registered again with another chunking and description.
    const request = updateRequest({ namespace: ns, version: [1n, 0n, 1n], data, chunkSize: 400, description: 'second' });
    const index = ok(await update(request));
    const status = opt(await registry.as.publisher.lineage_upload_status(first.hash))!;
    expect(status).toMatchObject({ total_chunks: 3n, stored: [], calculated_hash: [], failure: [] });
    const listed = await wasmOf(first.hash);
    expect(listed).toMatchObject({ description: 'second', version_number: [1n, 0n, 1n], chunkCount: 3n, stored_chunks: 0n });
    // Still one record for the hash.
    expect((await registry.as.anonymous.icrc118_get_wasms({ filter: [[{ canister_type: ns }]], prev: [], take: [] })).length).toBe(1);
    // The block says it replaced an unverified registration.
    const { blocks } = await registry.as.anonymous.icrc3_get_blocks([{ start: index, length: 1n }]);
    expect(blocks.length).toBe(1);
    expect(btypeOf(blocks[0]!.block)).toBe('118wasm');
    expect(field(txOf(blocks[0]!.block), 'replaces_unverified')).toEqual({ Nat: 1n });

    // The old 500-byte chunk is gone: the new chunking uploads and verifies from scratch.
    expect(err(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: first.hash, chunk_id: 0n }))).toEqual({ NotVerified: null });
    const second = { ...first, chunks: [data.subarray(0, 400), data.subarray(400, 800), data.subarray(800)] };
    await uploadChunks(registry.as.publisher, second);
    await waitVerified(pic, registry.as.anonymous, first.hash);
    expect(hex(await fetchModule(registry.as.anonymous, first.hash))).toBe(hex(data));
    expect(bytes(ok(await registry.as.anonymous.icrc118_get_wasm_chunk({ hash: first.hash, chunk_id: 0n })).wasm_chunk).length).toBe(400);
  });

  it('refuses a replacement that would put an unverified version after a version that upgrades from it', async () => {
    const ns = await freshType();
    // a (1.0.0, unverified) ← b (2.0.0): re-registering a as 3.0.0 would make b upgrade from a later version.
    const a = await register(registry.as.publisher, spec(ns, 'a', [1n, 0n, 0n]));
    const b = await register(registry.as.publisher, spec(ns, 'b', [2n, 0n, 0n], a.hash));
    const before = await logLength(registry.as.anonymous);
    // The rule "a previous version has a lower version number" must still hold for b.
    expect(err(await update(updateRequest(spec(ns, 'a', [3n, 0n, 0n]))))).toEqual({ VersionNotBeforeNext: { next: [2n, 0n, 0n] } });
    expect(err(await update(updateRequest(spec(ns, 'a', [2n, 0n, 0n]))))).toEqual({ VersionNotBeforeNext: { next: [2n, 0n, 0n] } });
    expect((await wasmOf(a.hash)).version_number).toEqual([1n, 0n, 0n]);
    expect(await logLength(registry.as.anonymous)).toBe(before);
    expect(opt((await wasmOf(b.hash)).previous_hash)).toEqual(a.hash);
    // Below b, the replacement is accepted.
    expect(outcome(await update(updateRequest(spec(ns, 'a', [1n, 5n, 0n]))))).toBe('Ok');
    expect((await wasmOf(a.hash)).version_number).toEqual([1n, 5n, 0n]);
  });

  it('refuses to register a verified hash again with AlreadyRegistered', async () => {
    const ns = await freshType();
    const v1 = await publish(pic, registry.as.publisher, spec(ns, 'v1', [1n, 0n, 0n]));
    const before = await logLength(registry.as.anonymous);
    expect(err(await update(updateRequest(spec(ns, 'v1', [1n, 0n, 0n]))))).toEqual({ AlreadyRegistered: v1.hash });
    expect(err(await update(updateRequest(spec(ns, 'v1', [4n, 0n, 0n]))))).toEqual({ AlreadyRegistered: v1.hash });
    expect(await logLength(registry.as.anonymous)).toBe(before);
    expect(hex((await wasmOf(v1.hash)).calculated_hash)).toBe(hex(v1.hash));
  });

  it('refuses a hash registered (even unverified) under another type with AlreadyRegistered', async () => {
    const ns = await freshType();
    const other = await freshType();
    const mine = await register(registry.as.publisher, spec(ns, 'shared', [1n, 0n, 0n]));
    const theirs = { ...spec(ns, 'shared', [1n, 0n, 0n]), namespace: other };
    expect(err(await update(updateRequest(theirs)))).toEqual({ AlreadyRegistered: mine.hash });
    expect((await wasmOf(mine.hash)).canister_type_namespace).toBe(ns);
  });
});

describe('deprecation', () => {
  it('deprecates (flag omitted = true) and un-deprecates a version', async () => {
    const ns = await freshType();
    const v1 = await register(registry.as.publisher, spec(ns, 'v1', [1n, 0n, 0n]));
    const before = await logLength(registry.as.anonymous);
    expect(await registry.as.publisher.icrc118_deprecate({ hash: v1.hash, deprecation_flag: [] })).toEqual({ Ok: before });
    expect((await wasmOf(v1.hash)).deprecated).toBe(true);
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v1.hash, deprecation_flag: [false] }));
    expect((await wasmOf(v1.hash)).deprecated).toBe(false);
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v1.hash, deprecation_flag: [true] }));
    expect((await wasmOf(v1.hash)).deprecated).toBe(true);
  });

  it('answers NotFound for an unknown hash', async () => {
    expect(err(await registry.as.publisher.icrc118_deprecate({ hash: sha256(moduleBytes('nothing', 1)), deprecation_flag: [] }))).toEqual({ NotFound: null });
  });

  it('refuses to un-deprecate into a clash with a live version', async () => {
    const ns = await freshType();
    const v1 = await register(registry.as.publisher, spec(ns, 'v1', [1n, 0n, 0n]));
    const v2 = await register(registry.as.publisher, spec(ns, 'v2', [2n, 0n, 0n], v1.hash));
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v2.hash, deprecation_flag: [] }));
    // A replacement for v2: same predecessor, same version number.
    const v2b = await register(registry.as.publisher, spec(ns, 'v2b', [2n, 0n, 0n], v1.hash));
    const before = await logLength(registry.as.anonymous);
    const refused = err(await registry.as.publisher.icrc118_deprecate({ hash: v2.hash, deprecation_flag: [false] }));
    expect(Object.keys(refused)).toEqual(['Generic']);
    expect((refused as { Generic: string }).Generic).toContain(hex(v2b.hash));
    expect((await wasmOf(v2.hash)).deprecated).toBe(true);
    expect(await logLength(registry.as.anonymous)).toBe(before);

    // Same predecessor only (another number) clashes too.
    const v3 = await register(registry.as.publisher, spec(ns, 'v3', [3n, 0n, 0n], v2b.hash));
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v3.hash, deprecation_flag: [] }));
    const v3b = await register(registry.as.publisher, spec(ns, 'v3b', [3n, 1n, 0n], v2b.hash));
    expect(outcome(await registry.as.publisher.icrc118_deprecate({ hash: v3.hash, deprecation_flag: [false] }))).toBe('Generic');
    // Same number only (another predecessor) clashes too.
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v3b.hash, deprecation_flag: [] }));
    await register(registry.as.publisher, spec(ns, 'v3c', [3n, 0n, 0n], v2.hash));
    expect(outcome(await registry.as.publisher.icrc118_deprecate({ hash: v3.hash, deprecation_flag: [false] }))).toBe('Generic');

    // Without a clash, un-deprecating works.
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v2b.hash, deprecation_flag: [] }));
    ok(await registry.as.publisher.icrc118_deprecate({ hash: v2.hash, deprecation_flag: [false] }));
    expect((await wasmOf(v2.hash)).deprecated).toBe(false);
  });
});

describe('cycles', () => {
  it('refuses a registration that would close a cycle with UpgradeCycle', async () => {
    const ns = await freshType();
    // a (unverified) ← b: registering a again with previous_hash b would close a → b → a.
    const a = await register(registry.as.publisher, spec(ns, 'a', [1n, 0n, 0n]));
    const b = await register(registry.as.publisher, spec(ns, 'b', [2n, 0n, 0n], a.hash));
    const before = await logLength(registry.as.anonymous);
    expect(err(await update(updateRequest(spec(ns, 'a', [3n, 0n, 0n], b.hash))))).toEqual({ UpgradeCycle: b.hash });
    // A version cannot be its own predecessor either.
    expect(err(await update(updateRequest(spec(ns, 'a', [1n, 0n, 0n], a.hash))))).toEqual({ UpgradeCycle: a.hash });
    // A longer loop: a ← b ← c, then a after c.
    const c = await register(registry.as.publisher, spec(ns, 'c', [3n, 0n, 0n], b.hash));
    expect(err(await update(updateRequest(spec(ns, 'a', [4n, 0n, 0n], c.hash))))).toEqual({ UpgradeCycle: c.hash });
    expect(await logLength(registry.as.anonymous)).toBe(before + 1n);
    expect(opt((await wasmOf(a.hash)).previous_hash)).toBeUndefined();
  });
});
