/**
 * SHA-256 (FIPS 180-4) whose state can be saved between messages, so a canister can hash a module
 * chunk by chunk as the chunks arrive, one message each (no message may hash 100 MiB).
 *
 * Written for Azle's interpreter (QuickJS): every value stays a 32-bit integer (`| 0`), which
 * QuickJS keeps unboxed; a general-purpose implementation is several times slower there.
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

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

const w = new Int32Array(64);

/** Compresses whole 64-byte blocks of `data` from `offset` into `h` (in place). */
function compress(h: Int32Array, data: Uint8Array, offset: number, end: number): void {
  let h0 = h[0]! | 0, h1 = h[1]! | 0, h2 = h[2]! | 0, h3 = h[3]! | 0;
  let h4 = h[4]! | 0, h5 = h[5]! | 0, h6 = h[6]! | 0, h7 = h[7]! | 0;
  for (let p = offset; p < end; p += 64) {
    for (let i = 0; i < 16; i++) {
      const q = p + i * 4;
      w[i] = (data[q]! << 24) | (data[q + 1]! << 16) | (data[q + 2]! << 8) | data[q + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + hh) | 0;
  }
  h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
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
