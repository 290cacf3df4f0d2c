/**
 * Reproducible Azle modules. Azle 0.33 writes the absolute path of the bundled JavaScript
 * (`mainJsPath`, used only to name the module in QuickJS stack traces) into a passive data
 * segment, so the same source built in two directories gives two module hashes, and nobody could
 * rebuild a published version to check it. After the build, the path is rewritten to the
 * project-relative `.azle/<name>/main.js`.
 *
 * The segment's length is also compiled into the module: the function that answers it
 * (`i32.const N`, alone) and the function that copies the segment (`i32.const N` before
 * `memory.init`). Both immediates are rewritten with the new length; anything unexpected refuses
 * the rewrite rather than produce a broken module.
 */
import { readSections, readUleb128, sleb128, uleb128, writeSections, type Section } from './wasm-sections.js';

const DATA = 11;
const CODE = 10;
const I32_CONST = 0x41;
const END = 0x0b;
const MEMORY_INIT = [0xfc, 0x08];

interface Segment {
  /** The bytes before the segment's data (flags, memory index or offset expression). */
  head: Uint8Array;
  data: Uint8Array;
}

function readData(content: Uint8Array): Segment[] {
  const count = readUleb128(content, 0);
  let pos = count.next;
  const segments: Segment[] = [];
  for (let i = 0; i < count.value; i++) {
    const start = pos;
    const flags = readUleb128(content, pos);
    pos = flags.next;
    if (flags.value === 2) pos = readUleb128(content, pos).next; // memory index
    if (flags.value === 0 || flags.value === 2) {
      // The offset expression: a constant instruction, then `end`.
      while (content[pos] !== END) pos++;
      pos++;
    }
    const size = readUleb128(content, pos);
    segments.push({ head: content.slice(start, pos), data: content.slice(size.next, size.next + size.value) });
    pos = size.next + size.value;
  }
  return segments;
}

/** Joins byte arrays (modules are megabytes: no spreading into argument lists). */
function join(parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function writeData(segments: Segment[]): Uint8Array {
  return join([uleb128(segments.length), ...segments.flatMap((s) => [s.head, uleb128(s.data.length), s.data])]);
}

function readBodies(content: Uint8Array): Uint8Array[] {
  const count = readUleb128(content, 0);
  let pos = count.next;
  const bodies: Uint8Array[] = [];
  for (let i = 0; i < count.value; i++) {
    const size = readUleb128(content, pos);
    bodies.push(content.slice(size.next, size.next + size.value));
    pos = size.next + size.value;
  }
  return bodies;
}

function writeBodies(bodies: Uint8Array[]): Uint8Array {
  return join([uleb128(bodies.length), ...bodies.flatMap((b) => [uleb128(b.length), b])]);
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * `wasm` with its `mainJsPath` made project-relative; `wasm` itself when it has none (not an
 * Azle module) or already has that path.
 *
 * @example
 * const reproducible = relativizeMainJsPath(await readFile('.azle/backend/backend.wasm'), 'backend');
 */
export function relativizeMainJsPath(wasm: Uint8Array, name: string): Uint8Array {
  const sections = readSections(wasm);
  const data = sections.find((s) => s.id === DATA);
  const code = sections.find((s) => s.id === CODE);
  if (!data || !code) return wasm;
  const segments = readData(data.content);
  const index = segments.length - 1;
  const last = segments[index];
  if (!last || last.head.length !== 1 || last.head[0] !== 1) return wasm; // Azle's is the last segment, passive
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(last.data)) as Record<string, unknown>;
  } catch {
    return wasm;
  }
  const canonical = `.azle/${name}/main.js`;
  if (typeof json.mainJsPath !== 'string' || json.mainJsPath === canonical) return wasm;

  const oldLength = last.data.length;
  const newData = new TextEncoder().encode(JSON.stringify({ ...json, mainJsPath: canonical }));
  const oldConst = [I32_CONST, ...sleb128(oldLength)];
  const newConst = [I32_CONST, ...sleb128(newData.length)];
  const sizeBody = [0x00, ...oldConst, END];
  const copy = [...oldConst, ...MEMORY_INIT, ...uleb128(index), 0x00];

  const bodies = readBodies(code.content);
  let sizeFunctions = 0;
  let copyFunctions = 0;
  const rewritten = bodies.map((body) => {
    if (body.length === sizeBody.length && sizeBody.every((b, i) => body[i] === b)) {
      sizeFunctions++;
      return Uint8Array.from([0x00, ...newConst, END]);
    }
    const at = indexOf(body, copy);
    if (at < 0) return body;
    copyFunctions++;
    return join([body.subarray(0, at), newConst, body.subarray(at + oldConst.length)]);
  });
  if (sizeFunctions !== 1 || copyFunctions !== 1) {
    throw new Error(`cannot make ${name}'s module reproducible: expected one size and one copy function for its data segment, found ${sizeFunctions} and ${copyFunctions}`);
  }
  segments[index] = { head: last.head, data: newData };
  const replaced: Section[] = sections.map((s) => {
    if (s === data) return { id: DATA, content: writeData(segments) };
    if (s === code) return { id: CODE, content: writeBodies(rewritten) };
    return s;
  });
  return writeSections(wasm, replaced);
}
