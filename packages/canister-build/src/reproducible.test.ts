import { describe, expect, it } from 'vitest';

import { relativizeMainJsPath } from './reproducible.js';
import { sleb128, uleb128 } from './wasm-sections.js';

/** A constant of another function, which the rewrite must leave alone. */
const OTHER = 1234;
const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));
const section = (id: number, content: number[]) => [id, ...uleb128(content.length), ...content];
const vec = (items: number[][]) => [...uleb128(items.length), ...items.flat()];
const name = (s: string) => [...uleb128(utf8(s).length), ...utf8(s)];

/**
 * A module shaped like Azle's: a passive data segment holding the JSON, a function answering its
 * length, and one copying it into memory with `memory.init` (and an unrelated `i32.const`).
 */
function azleLike(json: string): Uint8Array {
  const data = utf8(json);
  const n = data.length;
  const types = section(1, vec([[0x60, 0, 1, 0x7f], [0x60, 1, 0x7f, 0]]));
  const functions = section(3, vec([[0], [1], [0]]));
  const memory = section(5, vec([[0x00, 1]]));
  const exports = section(7, vec([[...name('size'), 0, 0], [...name('copy'), 0, 1], [...name('other'), 0, 2]]));
  const dataCount = section(12, uleb128(1));
  const body = (code: number[]) => [...uleb128(code.length), ...code];
  const code = section(10, [
    ...uleb128(3),
    ...body([0x00, 0x41, ...sleb128(n), 0x0b]),
    ...body([0x00, 0x20, 0x00, 0x41, 0x00, 0x41, ...sleb128(n), 0xfc, 0x08, 0x00, 0x00, 0x0b]),
    ...body([0x00, 0x41, ...sleb128(OTHER), 0x0b]),
  ]);
  const dataSection = section(11, vec([[0x01, ...uleb128(n), ...data]]));
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...functions, ...memory, ...exports, ...dataCount, ...code, ...dataSection]);
}

/** Runs the module: the length it answers, and that copying that many bytes of the segment works. */
function run(wasm: Uint8Array): { size: number; other: number } {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>));
  const e = instance.exports as { size: () => number; copy: (at: number) => void; other: () => number };
  e.copy(16); // memory.init traps if the compiled length exceeds the segment's
  return { size: e.size(), other: e.other() };
}

describe('reproducible Azle modules', () => {
  const json = (path: string) => JSON.stringify({ envVars: [['AZLE_VERSION', '0.33.0']], mainJsPath: path });

  it('makes the bundle path project-relative and rewrites the compiled length with it', () => {
    const original = azleLike(json('/home/someone/work/lineage/.azle/backend/main.js'));
    const out = relativizeMainJsPath(original, 'backend');
    expect(WebAssembly.validate(out as Uint8Array<ArrayBuffer>)).toBe(true);
    const text = Buffer.from(out).toString('latin1');
    expect(text).toContain(json('.azle/backend/main.js'));
    expect(text).not.toContain('/home/someone');
    const { size, other } = run(out);
    expect(size).toBe(new TextEncoder().encode(json('.azle/backend/main.js')).length);
    expect(other).toBe(OTHER);
  });

  it('gives the same bytes for builds in different directories', () => {
    const a = relativizeMainJsPath(azleLike(json('/work/main/.azle/nft/main.js')), 'nft');
    const b = relativizeMainJsPath(azleLike(json('/tmp/a/much/longer/checkout/path/.azle/nft/main.js')), 'nft');
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('leaves a module without Azle data alone, and refuses a module it cannot rewrite safely', () => {
    const plain = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
    expect(relativizeMainJsPath(plain, 'x')).toBe(plain);
    const done = relativizeMainJsPath(azleLike(json('/x/.azle/a/main.js')), 'a');
    expect(relativizeMainJsPath(done, 'a')).toBe(done);
    // Two functions answer the length: which one is Azle's is unknown, so nothing is rewritten.
    const ambiguous = azleLike(json('/work/.azle/a/main.js'));
    const n = new TextEncoder().encode(json('/work/.azle/a/main.js')).length;
    const twice = Buffer.from(ambiguous).toString('latin1').replace(
      String.fromCharCode(0x00, 0x41, ...sleb128(OTHER), 0x0b), String.fromCharCode(0x00, 0x41, ...sleb128(n), 0x0b),
    );
    expect(() => relativizeMainJsPath(Uint8Array.from(Buffer.from(twice, 'latin1')), 'a')).toThrow(/expected one size and one copy function/);
  });
});
