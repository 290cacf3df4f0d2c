/**
 * Wasm custom sections as dfx writes them, so tools can read a canister's interface from its module
 * (`icp:public candid:service` is what `dfx canister metadata <id> candid:service` and the IC's
 * `read_state` path `/canister/<id>/metadata/candid:service` return).
 */

import { readSections, readUleb128, uleb128, writeSections, type Section } from './wasm-sections.js';

/** The names and contents of every custom section of a Wasm module, in order. */
export function listCustomSections(wasm: Uint8Array): { name: string; content: Uint8Array }[] {
  return readSections(wasm).filter((s) => s.id === 0).map((s) => {
    const nameLen = readUleb128(s.content, 0);
    const name = new TextDecoder().decode(s.content.subarray(nameLen.next, nameLen.next + nameLen.value));
    return { name, content: s.content.slice(nameLen.next + nameLen.value) };
  });
}

/**
 * Returns a copy of `wasm` with the custom section `name` set to `content` (replacing any section
 * of that name), appended after the last section.
 *
 * @example
 * const withCandid = setCustomSection(wasm, 'icp:public candid:service', new TextEncoder().encode(did));
 */
export function setCustomSection(wasm: Uint8Array, name: string, content: Uint8Array): Uint8Array {
  const nameOf = (s: Section) => {
    const nameLen = readUleb128(s.content, 0);
    return new TextDecoder().decode(s.content.subarray(nameLen.next, nameLen.next + nameLen.value));
  };
  const kept = readSections(wasm).filter((s) => s.id !== 0 || nameOf(s) !== name);
  const nameBytes = new TextEncoder().encode(name);
  const section = new Uint8Array(uleb128(nameBytes.length).length + nameBytes.length + content.length);
  section.set(uleb128(nameBytes.length));
  section.set(nameBytes, uleb128(nameBytes.length).length);
  section.set(content, uleb128(nameBytes.length).length + nameBytes.length);
  return writeSections(wasm, [...kept, { id: 0, content: section }]);
}
