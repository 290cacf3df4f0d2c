/**
 * Wasm custom sections as dfx writes them, so tools can read a canister's interface from its module
 * (`icp:public candid:service` is what `dfx canister metadata <id> candid:service` and the IC's
 * `read_state` path `/canister/<id>/metadata/candid:service` return).
 */

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

function uleb128(value: number): number[] {
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

function readUleb128(bytes: Uint8Array, start: number): { value: number; next: number } {
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

/** The names and contents of every custom section of a Wasm module, in order. */
export function listCustomSections(wasm: Uint8Array): { name: string; content: Uint8Array }[] {
  assertWasm(wasm);
  const sections: { name: string; content: Uint8Array }[] = [];
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos++];
    const size = readUleb128(wasm, pos);
    const end = size.next + size.value;
    if (id === 0) {
      const nameLen = readUleb128(wasm, size.next);
      const name = new TextDecoder().decode(wasm.subarray(nameLen.next, nameLen.next + nameLen.value));
      sections.push({ name, content: wasm.slice(nameLen.next + nameLen.value, end) });
    }
    pos = end;
  }
  return sections;
}

/**
 * Returns a copy of `wasm` with the custom section `name` set to `content` (replacing any section
 * of that name), appended after the last section.
 *
 * @example
 * const withCandid = setCustomSection(wasm, 'icp:public candid:service', new TextEncoder().encode(did));
 */
export function setCustomSection(wasm: Uint8Array, name: string, content: Uint8Array): Uint8Array {
  assertWasm(wasm);
  const kept: Uint8Array[] = [wasm.subarray(0, 8)];
  let pos = 8;
  while (pos < wasm.length) {
    const start = pos;
    const id = wasm[pos++];
    const size = readUleb128(wasm, pos);
    const end = size.next + size.value;
    let drop = false;
    if (id === 0) {
      const nameLen = readUleb128(wasm, size.next);
      const existing = new TextDecoder().decode(wasm.subarray(nameLen.next, nameLen.next + nameLen.value));
      drop = existing === name;
    }
    if (!drop) kept.push(wasm.subarray(start, end));
    pos = end;
  }
  const nameBytes = new TextEncoder().encode(name);
  const payload = [...uleb128(nameBytes.length), ...nameBytes];
  const header = [0, ...uleb128(payload.length + content.length), ...payload];
  kept.push(Uint8Array.from(header), content);
  const total = kept.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of kept) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function assertWasm(wasm: Uint8Array): void {
  if (wasm.length < 8 || WASM_MAGIC.some((b, i) => wasm[i] !== b)) {
    throw new Error('not a Wasm module (missing the \\0asm header)');
  }
}
