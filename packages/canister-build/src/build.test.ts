import { describe, expect, it } from 'vitest';

import { markCompositeQueries } from './build.js';
import { listCustomSections, setCustomSection } from './custom-section.js';

// (module) with a one-byte custom section "x" holding [1].
const EMPTY_MODULE = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

describe('custom sections', () => {
  it('adds and replaces a named section, keeping the module valid', () => {
    const once = setCustomSection(EMPTY_MODULE, 'icp:public candid:service', new TextEncoder().encode('service : {}'));
    expect(WebAssembly.validate(once as Uint8Array<ArrayBuffer>)).toBe(true);
    const twice = setCustomSection(once, 'icp:public candid:service', new TextEncoder().encode('service : { a : () -> () }'));
    const sections = listCustomSections(twice);
    expect(sections.map((s) => s.name)).toEqual(['icp:public candid:service']);
    expect(new TextDecoder().decode(sections[0]!.content)).toBe('service : { a : () -> () }');
    const module = new WebAssembly.Module(twice as Uint8Array<ArrayBuffer>);
    expect(WebAssembly.Module.customSections(module, 'icp:public candid:service')).toHaveLength(1);
  });

  it('refuses what is not a Wasm module', () => {
    expect(() => setCustomSection(Uint8Array.from([1, 2, 3]), 'x', new Uint8Array())).toThrow(/not a Wasm module/);
  });
});

describe('composite queries in Azle Candid', () => {
  it('marks exported composite queries and leaves plain queries alone', () => {
    const did = 'service: () -> {\n    get: () -> (nat64) query;\n    sumOf: (vec principal) -> (nat64) query;\n}';
    expect(markCompositeQueries(did, ['sumOf'])).toBe('service: () -> {\n    get: () -> (nat64) query;\n    sumOf: (vec principal) -> (nat64) composite_query;\n}');
  });
});
