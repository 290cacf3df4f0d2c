import { describe, expect, it } from 'vitest';

import {
  admitFiling, filingProblem, isKnownVerifier, MAX_FILINGS_PER_VERIFIER, MAX_REPORT_BYTES, MAX_VERIFIERS_PER_WASM, parseWasmId,
  queryVerifications, requestProblem, type VerificationRecord,
} from './verifications.js';

const h = (n: number) => n.toString(16).padStart(64, '0');
const filing = (hash: string, verifier: string, seq: number, extra: Partial<VerificationRecord> = {}): VerificationRecord => ({
  hash, verifier, outcome: 'attested', report: '', rebuiltHash: undefined, metadata: [], filedAt: 0n, block: BigInt(seq), seq, ...extra,
});

describe('parseWasmId', () => {
  it('accepts 64 hex digits in either case and answers them lowercase', () => {
    expect(parseWasmId('AB'.repeat(32))).toEqual({ hash: 'ab'.repeat(32) });
  });
  it('refuses anything else', () => {
    for (const id of ['', 'ab', 'zz'.repeat(32), `${'ab'.repeat(32)}00`]) expect(parseWasmId(id)).toMatchObject({ kind: 'InvalidWasmId' });
  });
});

describe('sizes', () => {
  it('bound a request\'s repo, commit and metadata', () => {
    expect(requestProblem({ repo: 'https://x', commit: new Uint8Array(20), metadata: [] })).toBeUndefined();
    expect(requestProblem({ repo: 'x'.repeat(1025), commit: new Uint8Array(20), metadata: [] })).toMatchObject({ field: 'repo' });
    expect(requestProblem({ repo: 'x', commit: new Uint8Array(33), metadata: [] })).toMatchObject({ field: 'commit_hash' });
    expect(requestProblem({ repo: 'x', commit: new Uint8Array(0), metadata: [] })).toMatchObject({ field: 'commit_hash' });
    expect(requestProblem({ repo: 'x', commit: new Uint8Array(20), metadata: [['k', { Text: 'v'.repeat(17_000) }]] })).toMatchObject({ field: 'metadata' });
  });
  it('bound a filing\'s report, metadata and rebuilt hash', () => {
    expect(filingProblem({ report: 'r'.repeat(MAX_REPORT_BYTES), metadata: [], rebuiltHash: new Uint8Array(32) })).toBeUndefined();
    expect(filingProblem({ report: 'r'.repeat(MAX_REPORT_BYTES + 1), metadata: [], rebuiltHash: undefined })).toMatchObject({ field: 'divergence_report' });
    expect(filingProblem({ report: 'é'.repeat(MAX_REPORT_BYTES / 2 + 1), metadata: [], rebuiltHash: undefined })).toMatchObject({ field: 'divergence_report' });
    expect(filingProblem({ report: '', metadata: [], rebuiltHash: new Uint8Array(31) })).toMatchObject({ field: 'rebuilt_hash' });
  });
});

describe('admitFiling', () => {
  it('always lets a verifier replace its own filing', () => {
    const full = Array.from({ length: MAX_FILINGS_PER_VERIFIER }, (_, i) => filing(h(i), 'v', i));
    expect(admitFiling(full, 'v', h(3))).toBeUndefined();
    expect(admitFiling(full, 'v', h(MAX_FILINGS_PER_VERIFIER))).toEqual({ kind: 'TooManyFilings', max: MAX_FILINGS_PER_VERIFIER });
    expect(admitFiling(full, 'w', h(MAX_FILINGS_PER_VERIFIER))).toBeUndefined();
  });
  it('bounds the verifiers of one version', () => {
    const full = Array.from({ length: MAX_VERIFIERS_PER_WASM }, (_, i) => filing(h(1), `v${i}`, i));
    expect(admitFiling(full, 'newcomer', h(1))).toEqual({ kind: 'TooManyVerifiers', max: MAX_VERIFIERS_PER_WASM });
    expect(admitFiling(full, 'v7', h(1))).toBeUndefined();
    expect(admitFiling(full, 'newcomer', h(2))).toBeUndefined();
  });
  it('knows who has filed', () => {
    expect(isKnownVerifier([filing(h(1), 'a', 0)], 'a')).toBe(true);
    expect(isKnownVerifier([filing(h(1), 'a', 0)], 'b')).toBe(false);
  });
});

describe('queryVerifications', () => {
  const all = [filing(h(1), 'a', 0), filing(h(2), 'a', 1), filing(h(1), 'b', 2, { outcome: 'diverged', report: 'no' }), filing(h(1), 'c', 3)];
  it('filters by version and by verifier, in filing order', () => {
    expect(queryVerifications(all, { hash: h(1) }, undefined, undefined).map((f) => f.verifier)).toEqual(['a', 'b', 'c']);
    expect(queryVerifications(all, { verifier: 'a' }, undefined, undefined).map((f) => f.hash)).toEqual([h(1), h(2)]);
    expect(queryVerifications(all, { hash: h(1), verifier: 'b' }, undefined, undefined).map((f) => f.seq)).toEqual([2]);
  });
  it('pages with prev and take', () => {
    expect(queryVerifications(all, {}, undefined, 2n).map((f) => f.seq)).toEqual([0, 1]);
    expect(queryVerifications(all, {}, 1n, 2n).map((f) => f.seq)).toEqual([2, 3]);
    expect(queryVerifications(all, {}, 3n, undefined)).toEqual([]);
  });
  it('stops a page before the reply limit', () => {
    const big = Array.from({ length: 300 }, (_, i) => filing(h(i), 'a', i, { metadata: [['k', { Text: 'x'.repeat(15_000) }]] }));
    const page = queryVerifications(big, {}, undefined, 1000n);
    expect(page.length).toBeGreaterThan(50);
    expect(page.length).toBeLessThan(300);
  });
});
