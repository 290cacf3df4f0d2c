/**
 * The Wasm chunk store and install_chunked_code (IC interface spec § IC method upload_chunk,
 * § clear_chunk_store, § stored_chunks, § install_chunked_code). `install_chunked_code` names its
 * canister `target_canister`, so pic cannot route it with the "None" effective principal
 * (pocketic-rest.md §6); it is made here by a proxy canister that controls the target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PocketIc } from '@dfinity/pic';

import { install, newPic, readI32, type Principal } from '../support/canister.js';
import {
  CanisterIdRecord, ChunkHash, IDL, InstallChunkedCodeArgs, UploadChunkArgs, calleeWasm, decode, hex, ingress, manage,
  proxyWasm, rejectOf, replyOf, sha256, Principal as P,
} from '../support/messages.js';

const MiB = 1024 * 1024;

describe('chunk store and install_chunked_code', () => {
  let pic: PocketIc;
  let proxy: Principal;
  let wasm: Uint8Array;

  const upload = async (canisterId: Principal, chunk: Uint8Array) =>
    decode<{ hash: Uint8Array }>(ChunkHash, await ingress(pic, 'upload_chunk', UploadChunkArgs, { canister_id: canisterId, chunk })).hash;
  const stored = async (canisterId: Principal) =>
    decode<{ hash: Uint8Array }[]>(IDL.Vec(ChunkHash), await ingress(pic, 'stored_chunks', CanisterIdRecord, { canister_id: canisterId })).map((c) => hex(new Uint8Array(c.hash))).sort();
  const clear = (canisterId: Principal) => ingress(pic, 'clear_chunk_store', CanisterIdRecord, { canister_id: canisterId });
  const chunked = (target: Principal, hashes: Uint8Array[], wasmModuleHash: Uint8Array) => manage(pic, proxy, 'install_chunked_code', InstallChunkedCodeArgs, {
    mode: { install: null }, target_canister: target, store_canister: [], chunk_hashes_list: hashes.map((hash) => ({ hash })),
    wasm_module_hash: wasmModuleHash, arg: new Uint8Array([5, 0, 0, 0]), sender_canister_version: [],
  });
  /** A canister the proxy (and the anonymous test user) control. */
  const target = () => pic.createCanister({ controllers: [P.anonymous(), proxy] });
  const moduleHash = async (id: Principal) => {
    const h = (await pic.canisterStatus({ canisterId: id })).moduleHash;
    return h === null ? null : hex(new Uint8Array(h));
  };

  beforeAll(async () => {
    pic = await newPic();
    proxy = await install(pic, await proxyWasm());
    wasm = await calleeWasm();
  });
  afterAll(async () => {
    await pic.tearDown();
  });

  it('upload_chunk answers the sha256 of the chunk; stored_chunks lists each hash once; clear_chunk_store empties it', async () => {
    const id = await target();
    const a = new Uint8Array(1000).fill(1);
    const b = new Uint8Array(MiB).fill(2); // exactly 1 MiB is allowed
    expect(hex(await upload(id, a))).toBe(hex(sha256(a)));
    expect(hex(await upload(id, b))).toBe(hex(sha256(b)));
    expect(hex(await upload(id, a))).toBe(hex(sha256(a))); // the same chunk again
    expect(await stored(id)).toEqual([hex(sha256(a)), hex(sha256(b))].sort());
    await clear(id);
    expect(await stored(id)).toEqual([]);
  });

  it('refuses a chunk over 1 MiB', async () => {
    const id = await target();
    const error = await ingress(pic, 'upload_chunk', UploadChunkArgs, { canister_id: id, chunk: new Uint8Array(MiB + 1) }).then(() => 'stored', (e: Error) => e.message);
    expect(error).toContain(`Wasm chunk size ${MiB + 1} exceeds the maximum chunk size of ${MiB}`);
    expect(await stored(id)).toEqual([]);
  });

  it('installs a module from its chunks in list order; module_hash is the sha256 of the whole module', async () => {
    const id = await target();
    const cut = Math.floor(wasm.length / 2);
    const first = await upload(id, wasm.subarray(0, cut));
    const second = await upload(id, wasm.subarray(cut));
    const r = await chunked(id, [first, second], sha256(wasm));
    replyOf(r);
    expect(await moduleHash(id)).toBe(hex(sha256(wasm)));
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'q_value' }))).toBe(5); // canister_init got the argument
  });

  it('assembles chunks in list order: the same chunks in the wrong order do not match the module hash', async () => {
    const id = await target();
    const cut = Math.floor(wasm.length / 2);
    const first = await upload(id, wasm.subarray(0, cut));
    const second = await upload(id, wasm.subarray(cut));
    const r = rejectOf(await chunked(id, [second, first], sha256(wasm)));
    expect(r.message).toContain('Error from Wasm chunk store');
    expect(r.message).toContain('does not match given hash');
    expect(await moduleHash(id)).toBeNull();
  });

  it('refuses a wasm_module_hash that is not the hash of the assembled module', async () => {
    const id = await target();
    const only = await upload(id, wasm);
    const r = rejectOf(await chunked(id, [only], sha256(new Uint8Array([1, 2, 3]))));
    expect(r.code).toBe(5);
    expect(r.message).toContain('Error from Wasm chunk store');
    expect(r.message).toContain('Wasm module hash');
    expect(r.message).toContain('does not match given hash');
    expect(await moduleHash(id)).toBeNull();
  });

  it('refuses a chunk hash that is not in the store', async () => {
    const id = await target();
    const only = await upload(id, wasm);
    const missing = sha256(new Uint8Array([9, 9, 9]));
    const r = rejectOf(await chunked(id, [only, missing], sha256(wasm)));
    expect(r.code).toBe(5);
    expect(r.message).toContain('Error from Wasm chunk store');
    expect(r.message).toContain(`Chunk hash [${[...missing].join(', ')}] was not found`);
    expect(await moduleHash(id)).toBeNull();
  });

  it('lets a canister use its own chunk store (without controlling itself) as the store for another canister', async () => {
    const cut = Math.floor(wasm.length / 3);
    const parts = [wasm.subarray(0, cut), wasm.subarray(cut)];
    const hashes: Uint8Array[] = [];
    for (const chunk of parts) {
      const h = decode<{ hash: Uint8Array }>(ChunkHash, replyOf(await manage(pic, proxy, 'upload_chunk', UploadChunkArgs, { canister_id: proxy, chunk })));
      expect(hex(new Uint8Array(h.hash))).toBe(hex(sha256(chunk)));
      hashes.push(new Uint8Array(h.hash));
    }
    const own = decode<{ hash: Uint8Array }[]>(IDL.Vec(ChunkHash), replyOf(await manage(pic, proxy, 'stored_chunks', CanisterIdRecord, { canister_id: proxy })));
    expect(own.map((c) => hex(new Uint8Array(c.hash))).sort()).toEqual(hashes.map(hex).sort());

    const id = await target();
    replyOf(await manage(pic, proxy, 'install_chunked_code', InstallChunkedCodeArgs, {
      mode: { install: null }, target_canister: id, store_canister: [proxy], chunk_hashes_list: hashes.map((hash) => ({ hash })),
      wasm_module_hash: sha256(wasm), arg: new Uint8Array([6, 0, 0, 0]), sender_canister_version: [],
    }));
    expect(await moduleHash(id)).toBe(hex(sha256(wasm)));
    expect(readI32(await pic.queryCall({ canisterId: id, method: 'q_value' }))).toBe(6);
    replyOf(await manage(pic, proxy, 'clear_chunk_store', CanisterIdRecord, { canister_id: proxy }));
  });

  it('refuses install_chunked_code after clear_chunk_store removed the chunks', async () => {
    const id = await target();
    const only = await upload(id, wasm);
    await clear(id);
    const r = rejectOf(await chunked(id, [only], sha256(wasm)));
    expect(r.message).toContain('was not found');
    expect(await moduleHash(id)).toBeNull();
  });
});
