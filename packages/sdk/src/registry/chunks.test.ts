import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, planChunks } from './chunks.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('planChunks', () => {
  it('cuts 256 KiB chunks by default and hashes the module and every chunk', () => {
    expect(DEFAULT_CHUNK_BYTES).toBe(256 * 1024);
    const wasm = new Uint8Array(2 * DEFAULT_CHUNK_BYTES + 5).map((_, i) => i % 251);
    const plan = planChunks(wasm);
    expect(plan.chunks.map((c) => c.length)).toEqual([DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, 5]);
    expect(hex(plan.hash)).toBe(sha(wasm));
    expect(plan.chunkHashes.map(hex)).toEqual(plan.chunks.map(sha));
    expect(plan.size).toBe(wasm.length);
  });

  it('takes a smaller chunk size and number arrays', () => {
    const plan = planChunks([1, 2, 3, 4, 5], 2);
    expect(plan.chunks.map((c) => Array.from(c))).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('cuts a module of exactly one chunk size into one chunk', () => {
    expect(planChunks(new Uint8Array(DEFAULT_CHUNK_BYTES)).chunks).toHaveLength(1);
    expect(planChunks(new Uint8Array(MAX_CHUNK_BYTES), MAX_CHUNK_BYTES).chunks).toHaveLength(1);
  });

  it('refuses chunks over 1 MiB, odd sizes and empty modules', () => {
    expect(() => planChunks(new Uint8Array(10), MAX_CHUNK_BYTES + 1)).toThrow(RangeError);
    expect(() => planChunks(new Uint8Array(10), 0)).toThrow(RangeError);
    expect(() => planChunks(new Uint8Array(10), 1.5)).toThrow(RangeError);
    expect(() => planChunks(new Uint8Array(0))).toThrow(/empty/);
  });
});
