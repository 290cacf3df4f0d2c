/** Just enough of the Wasm binary format to walk a module's sections and rewrite some of them. */

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

export function uleb128(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (the immediate of `i32.const`). */
export function sleb128(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function readUleb128(bytes: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let pos = start;
  for (;;) {
    const byte = bytes[pos++];
    if (byte === undefined) throw new Error('truncated LEB128 in Wasm module');
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: pos };
    shift += 7;
  }
}

export function assertWasm(wasm: Uint8Array): void {
  if (wasm.length < 8 || WASM_MAGIC.some((b, i) => wasm[i] !== b)) throw new Error('not a Wasm module (bad magic number)');
}

export interface Section {
  id: number;
  /** The section's content (after its id and size). */
  content: Uint8Array;
}

/** The module's sections, in order. */
export function readSections(wasm: Uint8Array): Section[] {
  assertWasm(wasm);
  const sections: Section[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos++]!;
    const size = readUleb128(wasm, pos);
    sections.push({ id, content: wasm.subarray(size.next, size.next + size.value) });
    pos = size.next + size.value;
  }
  return sections;
}

/** A module made of the header of `wasm` and `sections`. */
export function writeSections(wasm: Uint8Array, sections: Section[]): Uint8Array {
  let length = 8;
  const encoded = sections.map((s) => {
    const head = [s.id, ...uleb128(s.content.length)];
    length += head.length + s.content.length;
    return { head, content: s.content };
  });
  const out = new Uint8Array(length);
  out.set(wasm.subarray(0, 8));
  let at = 8;
  for (const { head, content } of encoded) {
    out.set(head, at);
    at += head.length;
    out.set(content, at);
    at += content.length;
  }
  return out;
}
