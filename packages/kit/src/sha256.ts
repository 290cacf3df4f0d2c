/**
 * SHA-256 (FIPS 180-4) whose state can be saved between messages, so a canister can hash a module
 * chunk by chunk as the chunks arrive, one message each (no message may hash 100 MiB).
 *
 * Written for Azle's interpreter (QuickJS): every value stays a 32-bit integer (`| 0`), which
 * QuickJS keeps unboxed, and the compression function is unrolled (`sha256-compress.ts`, generated).
 */
import { compress } from './sha256-compress.js';

const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The saved state of a hash in progress: plain data, so it can live in stable memory. */
export interface Sha256State {
  /** The eight chaining words. */
  h: number[];
  /** Bytes absorbed so far. */
  length: number;
  /** Absorbed bytes not yet compressed (fewer than 64). */
  pending: Uint8Array;
}

export function sha256Init(): Sha256State {
  return { h: INITIAL.map((x) => x | 0), length: 0, pending: new Uint8Array(0) };
}

/** Absorbs `data` into a copy of `state` and returns it. */
export function sha256Update(state: Sha256State, data: Uint8Array): Sha256State {
  const h = Int32Array.from(state.h);
  // A plain view: indexing a Uint8Array subclass (what a decoded Candid blob may be) takes
  // QuickJS's slow path, an order of magnitude slower.
  let input = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (state.pending.length > 0) {
    const joined = new Uint8Array(state.pending.length + data.length);
    joined.set(state.pending);
    joined.set(input, state.pending.length);
    input = joined;
  }
  const whole = input.length - (input.length % 64);
  compress(h, input, 0, whole);
  return { h: Array.from(h), length: state.length + data.length, pending: input.slice(whole) };
}

/** The digest of everything absorbed. */
export function sha256Final(state: Sha256State): Uint8Array {
  const bits = state.length * 8;
  const padLength = ((state.pending.length + 9 + 63) & ~63);
  const tail = new Uint8Array(padLength);
  tail.set(state.pending);
  tail[state.pending.length] = 0x80;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  const at = padLength - 8;
  tail[at] = high >>> 24; tail[at + 1] = high >>> 16; tail[at + 2] = high >>> 8; tail[at + 3] = high;
  tail[at + 4] = low >>> 24; tail[at + 5] = low >>> 16; tail[at + 6] = low >>> 8; tail[at + 7] = low;
  const h = Int32Array.from(state.h);
  compress(h, tail, 0, padLength);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = h[i]! >>> 24; out[i * 4 + 1] = h[i]! >>> 16; out[i * 4 + 2] = h[i]! >>> 8; out[i * 4 + 3] = h[i]!;
  }
  return out;
}

/** How many one-shot hashes ran, over how many 64-byte blocks (a benchmark's cost model reads it). */
export const hashStats = { calls: 0, blocks: 0 };

/** sha256 of `data` in one go (no intermediate state objects: most hashes in canisters are small). */
export function sha256(data: Uint8Array): Uint8Array {
  hashStats.calls++;
  hashStats.blocks += (data.length + 72) >> 6;
  const h = Int32Array.from(INITIAL);
  const input = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const whole = input.length - (input.length % 64);
  compress(h, input, 0, whole);
  const rest = input.length - whole;
  const padLength = (rest + 9 + 63) & ~63;
  const tail = new Uint8Array(padLength);
  tail.set(input.subarray(whole));
  tail[rest] = 0x80;
  const bits = input.length * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  const at = padLength - 8;
  tail[at] = high >>> 24; tail[at + 1] = high >>> 16; tail[at + 2] = high >>> 8; tail[at + 3] = high;
  tail[at + 4] = low >>> 24; tail[at + 5] = low >>> 16; tail[at + 6] = low >>> 8; tail[at + 7] = low;
  compress(h, tail, 0, padLength);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    out[i * 4] = h[i]! >>> 24; out[i * 4 + 1] = h[i]! >>> 16; out[i * 4 + 2] = h[i]! >>> 8; out[i * 4 + 3] = h[i]!;
  }
  return out;
}

/** sha256 of the concatenation of `parts`. */
export function sha256Of(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const joined = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return sha256(joined);
}
