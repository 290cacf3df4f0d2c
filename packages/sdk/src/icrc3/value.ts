/**
 * ICRC-3 `Value`s: what blocks are made of (`Blob`, `Text`, `Nat`, `Int`, `Array`, `Map`), and the
 * few accessors a verifier needs to read a block's fields.
 */
import type { Icrc3Value } from '@lineage/types';

import { asBytes, toHex } from '../bytes.js';

export type { Icrc3Value };

/**
 * The value of field `key` of a `Map` value, or `undefined` (not a map, or no such field).
 *
 * @example
 * getField({ Map: [['btype', { Text: '118update' }]] }, 'btype'); // { Text: '118update' }
 */
export function getField(value: Icrc3Value, key: string): Icrc3Value | undefined {
  if (!('Map' in value)) return undefined;
  return value.Map.find(([k]) => k === key)?.[1];
}

/**
 * The bytes of a `Blob` value, or `undefined` for any other kind.
 *
 * @example
 * asBlob({ Blob: [1, 2] }); // Uint8Array [1, 2]
 */
export function asBlob(value: Icrc3Value | undefined): Uint8Array | undefined {
  return value && 'Blob' in value ? asBytes(value.Blob) : undefined;
}

/**
 * The kind of a value: `'Blob' | 'Text' | 'Nat' | 'Int' | 'Array' | 'Map'`.
 *
 * @example
 * valueKind({ Nat: 1n }); // 'Nat'
 */
export function valueKind(value: Icrc3Value): 'Blob' | 'Text' | 'Nat' | 'Int' | 'Array' | 'Map' {
  return Object.keys(value)[0] as 'Blob' | 'Text' | 'Nat' | 'Int' | 'Array' | 'Map';
}

/**
 * A JSON-friendly form of a value for display: blobs as hex, nats and ints as decimal strings,
 * maps as objects (duplicate keys keep the last).
 *
 * @example
 * valueToJson({ Map: [['ts', { Nat: 5n }]] }); // { ts: '5' }
 */
export function valueToJson(value: Icrc3Value): unknown {
  if ('Blob' in value) return toHex(value.Blob);
  if ('Text' in value) return value.Text;
  if ('Nat' in value) return value.Nat.toString();
  if ('Int' in value) return value.Int.toString();
  if ('Array' in value) return value.Array.map(valueToJson);
  return Object.fromEntries(value.Map.map(([k, v]) => [k, valueToJson(v)]));
}
