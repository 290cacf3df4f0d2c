import { describe, expect, it } from 'vitest';

import { listCustomSections } from './custom-section.js';
import { gzipModule, isGzip, rawModule, RELEASE_SECTION, releaseModule } from './release.js';

const MODULE = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

describe('releases', () => {
  it('gzips deterministically, so a rebuild gives the same release hash', () => {
    const a = releaseModule(MODULE, '2.0.0');
    const b = releaseModule(Uint8Array.from(MODULE), '2.0.0');
    expect(isGzip(a)).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(releaseModule(MODULE, '3.0.0')).equals(Buffer.from(a))).toBe(false);
  });

  it('writes no trace of the machine into the gzip header: no name, no time, OS "unknown"', () => {
    const gz = gzipModule(MODULE);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
  });

  it('stamps the release in a public custom section the IC serves as metadata', () => {
    const raw = rawModule(releaseModule(MODULE, '2.0.0'));
    expect(listCustomSections(raw)).toEqual([{ name: RELEASE_SECTION, content: new TextEncoder().encode('2.0.0') }]);
    expect(rawModule(gzipModule(MODULE))).toEqual(MODULE);
    expect(rawModule(MODULE)).toBe(MODULE);
  });

  it('refuses what is not a module, raw or gzipped', () => {
    expect(() => rawModule(Uint8Array.from([1, 2, 3]))).toThrow(/not a Wasm module/);
    expect(() => rawModule(gzipModule(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])))).toThrow(/not a Wasm module/);
  });
});
