import { describe, expect, it } from 'vitest';

import { parseJson, stringifyJson } from './json.js';

describe('exact JSON', () => {
  it('keeps u64 and u128 integers exact both ways', () => {
    const text = '{"nanos_since_epoch":1620328631000000001,"cycles":1000000000000000000000,"small":12345}';
    const parsed = parseJson(text) as Record<string, unknown>;
    expect(parsed.nanos_since_epoch).toBe(1620328631000000001n);
    expect(parsed.cycles).toBe(10n ** 21n);
    expect(parsed.small).toBe(12345);
    expect(stringifyJson(parsed)).toBe(text);
  });

  it('parses strings with escapes and nested structures', () => {
    expect(parseJson('{"a":["x\\"y",{"b":null}],"c":true,"d":-1.5e3}')).toEqual({ a: ['x"y', { b: null }], c: true, d: -1500 });
  });

  it('reports where the syntax is wrong', () => {
    expect(() => parseJson('{"a":}')).toThrow(/position 5/);
    expect(() => parseJson('[1,2')).toThrow();
  });
});
