/** Sizes of ICRC-3 values, for the metadata limit and for keeping replies under the IC's limit. */
import type { Value } from '@lineage/kit';

/** The UTF-8 length of a string, without encoding it (QuickJS's TextEncoder is a slow polyfill). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The bytes a value takes: blobs and texts by their length, numbers by their LEB128 length, plus
 * one byte per variant tag and map entry overhead. Close to (and never far below) its Candid size.
 */
export function valueSize(value: Value): number {
  if ('Blob' in value) return 1 + value.Blob.length;
  if ('Text' in value) return 1 + utf8Length(value.Text);
  if ('Nat' in value || 'Int' in value) {
    const n = 'Nat' in value ? value.Nat : value.Int;
    const magnitude = n < 0n ? -n : n;
    return 1 + Math.ceil((magnitude.toString(2).length + 1) / 7);
  }
  if ('Array' in value) {
    let size = 2;
    for (const v of value.Array) size += valueSize(v);
    return size;
  }
  return metadataSize(value.Map) + 1;
}

/** The size of a `(text, Value)` map (token metadata, a block's fields). */
export function metadataSize(entries: [string, Value][]): number {
  let size = 1;
  for (const [k, v] of entries) size += 1 + utf8Length(k) + valueSize(v);
  return size;
}
