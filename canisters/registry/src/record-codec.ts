/**
 * How the registry stores its type and version records: JSON for the fields, the blobs (ICRC-16
 * metadata `Blob`s, chunk hashes) as raw bytes after it.
 *
 * Why not Azle's default (`stableJson`): it writes every byte of a Uint8Array as a JSON number and
 * encodes the text with a JavaScript UTF-8 encoder, about 75 thousand instructions per metadata
 * byte in QuickJS: a type with 256 KiB of metadata took half of an update's 40 billion, and the
 * upgrade re-read every record that way. Here a blob costs a copy.
 *
 * Layout: 0x00 · u32 JSON length · JSON (blobs as {"__blob__": i}) · u32 blob count · (u32 length · bytes)*.
 * Records written by Azle's default start with `{` and are still read (upgrades from earlier
 * modules).
 */
import { jsonReplacer, jsonReviver, stableJson } from 'azle';
import { fromUtf8, utf8 } from '@lineage/kit';

/** A `StableBTreeMap` value codec for plain records with Uint8Array fields. */
export const recordCodec = {
  toBytes(value: unknown): Uint8Array {
    const blobs: Uint8Array[] = [];
    const json = utf8(JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      if (v instanceof Uint8Array) {
        blobs.push(v);
        return { __blob__: blobs.length - 1 };
      }
      return jsonReplacer.call(this, key, v);
    }));
    const size = 1 + 4 + json.length + 4 + blobs.reduce((n, b) => n + 4 + b.length, 0);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    out[0] = 0;
    view.setUint32(1, json.length);
    out.set(json, 5);
    let at = 5 + json.length;
    view.setUint32(at, blobs.length);
    at += 4;
    for (const b of blobs) {
      view.setUint32(at, b.length);
      out.set(b, at + 4);
      at += 4 + b.length;
    }
    return out;
  },
  fromBytes(bytes: Uint8Array): unknown {
    if (bytes[0] !== 0) return stableJson.fromBytes(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const jsonLength = view.getUint32(1);
    const json = fromUtf8(bytes.subarray(5, 5 + jsonLength));
    if (json === undefined) throw new Error('a stored record is not UTF-8');
    let at = 5 + jsonLength;
    const count = view.getUint32(at);
    at += 4;
    const blobs: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const length = view.getUint32(at);
      blobs.push(bytes.slice(at + 4, at + 4 + length));
      at += 4 + length;
    }
    return JSON.parse(json, function (this: unknown, key: string, v: unknown) {
      if (v !== null && typeof v === 'object' && '__blob__' in v) return blobs[(v as { __blob__: number }).__blob__];
      return jsonReviver.call(this, key, v);
    });
  },
};
