/**
 * JSON with exact integers, as the PocketIC protocol needs: u64 times and u128 cycle amounts are
 * bare integer literals, which `JSON.parse` would round. Integers beyond 2^53 parse to bigints;
 * bigints serialise as bare digits.
 */

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

export function parseJson(text: string): Json {
  let pos = 0;
  const ws = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${pos}`);
  };
  const string = (): string => {
    pos++; // opening quote
    const start = pos;
    const plainEnd = text.indexOf('"', pos);
    if (plainEnd < 0) fail('unterminated string');
    const slash = text.indexOf('\\', pos);
    if (slash < 0 || slash > plainEnd) {
      pos = plainEnd + 1;
      return text.slice(start, plainEnd);
    }
    // Strings with escapes: let JSON.parse decode them.
    let end = pos;
    while (end < text.length) {
      const c = text[end];
      if (c === '\\') end += 2;
      else if (c === '"') break;
      else end++;
    }
    if (end >= text.length) fail('unterminated string');
    const literal = text.slice(start - 1, end + 1);
    pos = end + 1;
    try {
      return JSON.parse(literal) as string;
    } catch {
      return fail('invalid string escape or control character');
    }
  };
  const number = (): number | bigint => {
    const start = pos;
    if (text[pos] === '-') pos++;
    while (pos < text.length && /[0-9]/.test(text[pos]!)) pos++;
    let integer = true;
    if (text[pos] === '.') { integer = false; pos++; while (/[0-9]/.test(text[pos] ?? '')) pos++; }
    if (text[pos] === 'e' || text[pos] === 'E') {
      integer = false;
      pos++;
      if (text[pos] === '+' || text[pos] === '-') pos++;
      while (/[0-9]/.test(text[pos] ?? '')) pos++;
    }
    const literal = text.slice(start, pos);
    if (literal === '' || literal === '-') fail('invalid number');
    if (!integer) return Number(literal);
    const n = Number(literal);
    return Number.isSafeInteger(n) ? n : BigInt(literal);
  };
  const value = (depth: number): Json => {
    if (depth > 512) fail('nesting too deep');
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: { [key: string]: Json } = {};
      ws();
      if (text[pos] === '}') { pos++; return obj; }
      for (;;) {
        ws();
        if (text[pos] !== '"') fail('expected a key');
        const key = string();
        ws();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        // A key named __proto__ is data, not the object's prototype.
        Object.defineProperty(obj, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[pos] === ',') { pos++; continue; }
        if (text[pos] === '}') { pos++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const arr: Json[] = [];
      ws();
      if (text[pos] === ']') { pos++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[pos] === ',') { pos++; continue; }
        if (text[pos] === ']') { pos++; return arr; }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (c === 't' && text.startsWith('true', pos)) { pos += 4; return true; }
    if (c === 'f' && text.startsWith('false', pos)) { pos += 5; return false; }
    if (c === 'n' && text.startsWith('null', pos)) { pos += 4; return null; }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    return fail('unexpected character');
  };
  const result = value(0);
  ws();
  if (pos !== text.length) fail('trailing characters');
  return result;
}

/** Serialises with bigints (and integers) as bare digits. */
export function stringifyJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') {
      marks.push(v.toString());
      return `\u0000BIGINT${marks.length - 1}\u0000`;
    }
    return v;
  });
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000BIGINT(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

/**
 * Reads an unsigned integer field (a u64 time, a u128 cycle amount) that may have been parsed as a
 * number or a bigint. Out of range is refused, as PocketIC's typed JSON refuses it.
 *
 * @example
 * asBigInt(parseJson('{"t":1620328631000000001}').t, 't'); // 1620328631000000001n
 */
export function asBigInt(value: Json | undefined, field: string, bits: 64 | 128 = 64): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else throw new JsonSyntaxError(`${field} must be an integer`);
  if (n < 0n || n >= 1n << BigInt(bits)) throw new JsonSyntaxError(`${field} must be an unsigned ${bits}-bit integer, not ${n}`);
  return n;
}
