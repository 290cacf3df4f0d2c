import { describe, expect, it } from 'vitest';

import type { Wasm } from '@lineage/types';

import { pathWords, versionRow } from './registry.js';

const h = (byte: number) => new Uint8Array(32).fill(byte);
const hex = (byte: number) => byte.toString(16).padStart(2, '0').repeat(32);
const wasm = (o: Partial<Wasm>): Wasm => ({
  calculated_hash: h(2), hash: h(2), description: '', repo: '', metadata: [], version_number: [2n, 0n, 0n] as never, previous_hash: [h(1)],
  deprecated: false, canister_type_namespace: 'org.lineage.backend', chunkCount: 2n, created: 0n, chunk_hashes: [], stored_chunks: 2n, ...o,
});
const names = new Map([[hex(1), '1.0.0'], [hex(2), '2.0.0'], [hex(3), '3.0.0']]);

describe('a registry version row', () => {
  it('names the previous version and says the computed hash matches', () => {
    expect(versionRow(wasm({}), 3, names)).toEqual({
      version: '2.0.0', hash: hex(2), calculated: { status: 'matches', text: 'matches the published hash' },
      previous: { text: '1.0.0', hash: hex(1) }, size: 'at most 1 MiB (2 chunks)', deprecated: false, installations: 3,
    });
  });
  it('tells a pending upload and a differing hash apart', () => {
    expect(versionRow(wasm({ calculated_hash: new Uint8Array(32) }), 0, names).calculated.status).toBe('pending');
    expect(versionRow(wasm({ calculated_hash: h(9) }), 0, names).calculated).toEqual({ status: 'differs', text: 'DIFFERS from the published hash', hash: hex(9) });
  });
  it('says when there is no previous version or it is unknown', () => {
    expect(versionRow(wasm({ previous_hash: [] }), 0, names).previous).toEqual({ text: 'none (first version)' });
    expect(versionRow(wasm({ previous_hash: [h(7)] }), 0, names).previous).toEqual({ text: 'a version not in this registry', hash: hex(7) });
  });
});

describe('an upgrade path in words', () => {
  it('chains the version names', () => {
    const step = (v: bigint, b: number) => ({ version: [v, 0n, 0n] as never, hash: h(b), calculated_hash: h(b) });
    expect(pathWords({ Ok: [step(2n, 2), step(3n, 3)] }, '1.0.0', names)).toEqual({ ok: true, text: '1.0.0 → 2.0.0 → 3.0.0 (in 2 upgrades, one version after the other)' });
    expect(pathWords({ Ok: [step(2n, 2)] }, '1.0.0', names).text).toBe('1.0.0 → 2.0.0 (direct upgrade)');
    expect(pathWords({ Ok: [] }, '1.0.0', names)).toEqual({ ok: true, text: 'already there: 1.0.0 is that version' });
  });
  it('says why there is none, without Candid names', () => {
    expect(pathWords({ Error: { NoPath: null } }, '3.0.0', names)).toEqual({ ok: false, text: 'no approved upgrade path from 3.0.0' });
    expect(pathWords({ Error: { DeprecatedStep: h(2) } }, '1.0.0', names).text).toBe('the only path goes through version 2.0.0, which is withdrawn (deprecated)');
  });
});
