/**
 * A release: the built module, optionally stamped with a public `lineage:release` custom section
 * naming it (two releases of the same source then differ, as two registry versions must), and
 * gzipped as the IC accepts modules (`install_code` and `install_chunked_code` take gzip; the
 * module hash is the sha256 of the bytes as uploaded). An Azle module shrinks from about 4.3 MB to
 * 1.3 MB, so it is published, hashed by the registry and moved by the manager in two chunks, not five.
 *
 * The gzip is deterministic for one zlib (no file name, a zero timestamp, level 9, and the header's
 * operating-system byte fixed to "unknown" instead of the builder's). A different zlib build may
 * still compress differently, so `lineage verify wasm` compares decompressed modules when the
 * gzipped bytes differ.
 */
import { gunzipSync, gzipSync } from 'node:zlib';

import { setCustomSection } from './custom-section.js';

export const RELEASE_SECTION = 'icp:public lineage:release';

/** Byte 9 of a gzip header: the OS that wrote it (RFC 1952 § 2.3.1); 255 is "unknown". */
const GZIP_OS_BYTE = 9;
const GZIP_OS_UNKNOWN = 0xff;

/** Gzip with fixed settings: with the same zlib, the same module compresses to the same bytes on any OS. */
export function gzipModule(wasm: Uint8Array): Uint8Array {
  const gz = new Uint8Array(gzipSync(wasm, { level: 9, memLevel: 9 }));
  gz[GZIP_OS_BYTE] = GZIP_OS_UNKNOWN;
  return gz;
}

/**
 * The module to publish for `wasm`: stamped with `release` when given, then gzipped.
 *
 * @example
 * writeFileSync('backend-2.0.0.wasm.gz', releaseModule(readFileSync('canisters/backend/dist/backend.wasm'), '2.0.0'));
 */
export function releaseModule(wasm: Uint8Array, release?: string | Uint8Array): Uint8Array {
  const label = typeof release === 'string' ? new TextEncoder().encode(release) : release;
  return gzipModule(label === undefined ? wasm : setCustomSection(wasm, RELEASE_SECTION, label));
}

/** Whether `bytes` are a gzip stream (what the IC accepts besides a raw `\0asm` module). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The raw module of a raw or gzipped one; throws when it is neither. */
export function rawModule(bytes: Uint8Array): Uint8Array {
  const raw = isGzip(bytes) ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (raw.length < 8 || raw[0] !== 0 || raw[1] !== 0x61 || raw[2] !== 0x73 || raw[3] !== 0x6d) {
    throw new Error('not a Wasm module, raw or gzipped (no \\0asm header)');
  }
  return raw;
}
