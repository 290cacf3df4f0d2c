import { describe, expect, it } from 'vitest';

import { FakeRegistry } from '../../test/fake-registry.js';
import { publishWasm } from './publish.js';
import { findWasm, readUploadState, recordedHash } from './upload-state.js';

const wasm = new Uint8Array(2500).map((_, i) => i % 7);
const base = { canisterType: 'org.example.app', version: '1.0.0', wasm, chunkSize: 1000 } as const;

describe('upload state', () => {
  it('recordedHash treats an empty or all-zero calculated_hash as unverified', () => {
    expect(recordedHash([])).toBeUndefined();
    expect(recordedHash(new Uint8Array(32))).toBeUndefined();
    expect(recordedHash([0, 1])).toEqual(new Uint8Array([0, 1]));
  });

  it('reads which chunks are stored from lineage_upload_status', async () => {
    const registry = new FakeRegistry();
    registry.failUploadsAfter = 2;
    const { hash } = await publishWasm(registry, base).catch(() => ({ hash: undefined }));
    expect(hash).toBeUndefined();
    const plan = (await registry.icrc118_get_wasms({ filter: [], prev: [], take: [] }))[0]!;
    const state = await readUploadState(registry, plan.hash);
    expect(state).toEqual({ totalChunks: 3, stored: new Set([0, 1]), calculatedHash: undefined, failure: undefined });
    expect(await readUploadState(registry, new Uint8Array(32))).toBeUndefined();
    expect(await findWasm(registry, new Uint8Array(32))).toBeUndefined();
  });

  it('falls back to the version record when the registry has no upload status', async () => {
    const registry = new FakeRegistry();
    const { hash } = await publishWasm(registry, base);
    registry.lineage_upload_status = async () => [];
    const state = await readUploadState(registry, hash);
    expect(state).toEqual({ totalChunks: 3, stored: new Set([0, 1, 2]), calculatedHash: hash, failure: undefined });
  });
});
