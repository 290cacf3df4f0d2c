import { describe, expect, it } from 'vitest';

import { JsonSyntaxError, parseJson, stringifyJson } from './json.js';

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

  it('refuses bad escapes and control characters with a JsonSyntaxError, not a SyntaxError', () => {
    expect(() => parseJson('{"a":"\\x"}')).toThrow(JsonSyntaxError);
    expect(() => parseJson('"\\u12"')).toThrow(JsonSyntaxError);
    expect(() => parseJson('"a\\\n"')).toThrow(JsonSyntaxError);
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = parseJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect((parsed as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
  });

  it('stops at nesting too deep instead of overflowing the stack', () => {
    expect(() => parseJson('['.repeat(100_000))).toThrow(JsonSyntaxError);
  });
});
