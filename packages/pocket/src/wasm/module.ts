/**
 * A structural parse of a Wasm binary: enough to validate it against the IC's canister module
 * rules and to rewrite it (see `instrument.ts`). Function bodies are kept as raw bytes.
 */
import { ByteReader, WasmFormatError } from './bytes.js';

export const SECTION = {
  custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6,
  export: 7, start: 8, element: 9, code: 10, data: 11, dataCount: 12, tag: 13,
} as const;

export const EXTERNAL = { func: 0, table: 1, memory: 2, global: 3, tag: 4 } as const;

export const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f } as const;

export interface FuncType {
  params: number[];
  results: number[];
}

export interface Import {
  module: string;
  name: string;
  kind: number;
  /** Type index for functions. */
  typeIndex?: number;
  /** The descriptor bytes after the kind byte, for re-emitting non-function imports. */
  desc: Uint8Array;
}

export interface Limits {
  min: number;
  max: number | undefined;
  is64: boolean;
  shared: boolean;
}

export interface GlobalDef {
  valType: number;
  mutable: boolean;
  init: Uint8Array;
}

export interface Export {
  name: string;
  kind: number;
  index: number;
}

export interface DataSegment {
  active: boolean;
  memoryIndex: number;
  /** The constant expression giving the offset of an active segment, `end` included. */
  offsetExpr: Uint8Array | undefined;
  bytes: Uint8Array;
}

export interface RawSection {
  id: number;
  /** Start of the section's content (after id and size). */
  start: number;
  end: number;
}

export interface CustomSection {
  name: string;
  content: Uint8Array;
}

export interface ParsedModule {
  bytes: Uint8Array;
  sections: RawSection[];
  types: FuncType[];
  imports: Import[];
  importedFuncs: number;
  /** Type index of each defined (non-imported) function. */
  functions: number[];
  tables: { elemType: number; limits: Limits; raw: Uint8Array }[];
  memories: Limits[];
  importedGlobals: number;
  globals: GlobalDef[];
  exports: Export[];
  start: number | undefined;
  dataCount: number | undefined;
  data: DataSegment[];
  customSections: CustomSection[];
}

export function parseModule(bytes: Uint8Array): ParsedModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new WasmFormatError('not a Wasm module: bad magic number');
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new WasmFormatError('unsupported Wasm binary version');
  }
  const module: ParsedModule = {
    bytes, sections: [], types: [], imports: [], importedFuncs: 0, functions: [], tables: [], memories: [],
    importedGlobals: 0, globals: [], exports: [], start: undefined, dataCount: undefined, data: [], customSections: [],
  };
  const r = new ByteReader(bytes, 8);
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} extends past the end of the module`);
    module.sections.push({ id, start, end });
    r.pos = end;
    const s = new ByteReader(bytes, start, end);
    switch (id) {
      case SECTION.custom: {
        const name = s.name();
        module.customSections.push({ name, content: bytes.subarray(s.pos, end) });
        break;
      }
      case SECTION.type: readTypes(s, module); break;
      case SECTION.import: readImports(s, module); break;
      case SECTION.function: {
        const n = s.u32();
        for (let i = 0; i < n; i++) module.functions.push(s.u32());
        break;
      }
      case SECTION.table: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const from = s.pos;
          const elemType = s.byte();
          const limits = readLimits(s);
          module.tables.push({ elemType, limits, raw: bytes.slice(from, s.pos) });
        }
        break;
      }
      case SECTION.memory: {
        const n = s.u32();
        for (let i = 0; i < n; i++) module.memories.push(readLimits(s));
        break;
      }
      case SECTION.global: {
        const n = s.u32();
        for (let i = 0; i < n; i++) {
          const valType = s.byte();
          const mutable = s.byte() === 1;
          const from = s.pos;
          skipConstExpr(s);
          module.globals.push({ valType, mutable, init: bytes.subarray(from, s.pos) });
        }
        break;
      }
      case SECTION.export: {
        const n = s.u32();
        for (let i = 0; i < n; i++) module.exports.push({ name: s.name(), kind: s.byte(), index: s.u32() });
        break;
      }
      case SECTION.start: module.start = s.u32(); break;
      case SECTION.dataCount: module.dataCount = s.u32(); break;
      case SECTION.data: readData(s, module); break;
      default: break;
    }
  }
  return module;
}

function readTypes(s: ByteReader, module: ParsedModule): void {
  const n = s.u32();
  for (let i = 0; i < n; i++) {
    const form = s.byte();
    if (form !== 0x60) throw new WasmFormatError(`unsupported type form 0x${form.toString(16)} (only function types)`);
    const params: number[] = [];
    const results: number[] = [];
    for (let k = s.u32(); k > 0; k--) params.push(s.byte());
    for (let k = s.u32(); k > 0; k--) results.push(s.byte());
    module.types.push({ params, results });
  }
}

function readImports(s: ByteReader, module: ParsedModule): void {
  const n = s.u32();
  for (let i = 0; i < n; i++) {
    const moduleName = s.name();
    const name = s.name();
    const kind = s.byte();
    const from = s.pos;
    let typeIndex: number | undefined;
    switch (kind) {
      case EXTERNAL.func: typeIndex = s.u32(); module.importedFuncs++; break;
      case EXTERNAL.table: s.byte(); readLimits(s); break;
      case EXTERNAL.memory: readLimits(s); break;
      case EXTERNAL.global: s.byte(); s.byte(); module.importedGlobals++; break;
      case EXTERNAL.tag: s.byte(); s.u32(); break;
      default: throw new WasmFormatError(`unknown import kind ${kind} (import ${i} ${moduleName}.${name} at ${from})`);
    }
    module.imports.push({ module: moduleName, name, kind, typeIndex, desc: s.bytes.subarray(from, s.pos) });
  }
}

export function readLimits(s: ByteReader): Limits {
  const flags = s.byte();
  const is64 = (flags & 0x04) !== 0;
  const shared = (flags & 0x02) !== 0;
  const read = () => (is64 ? s.u64() : s.u32());
  const min = read();
  const max = flags & 0x01 ? read() : undefined;
  return { min, max, is64, shared };
}

/** Skips a constant expression (up to and including its `end`). */
export function skipConstExpr(s: ByteReader): void {
  for (;;) {
    const op = s.byte();
    switch (op) {
      case 0x0b: return;
      case 0x41: s.skipLeb(5); break;
      case 0x42: s.skipLeb(10); break;
      case 0x43: s.take(4); break;
      case 0x44: s.take(8); break;
      case 0x23: s.u32(); break; // global.get
      case 0xd0: s.skipLeb(5); break; // ref.null heaptype
      case 0xd2: s.u32(); break; // ref.func
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break; // extended-const arithmetic
      case 0xfd: { // v128.const
        const sub = s.u32();
        if (sub !== 12) throw new WasmFormatError('unsupported SIMD instruction in a constant expression');
        s.take(16);
        break;
      }
      default: throw new WasmFormatError(`unsupported instruction 0x${op.toString(16)} in a constant expression`);
    }
  }
}

function readData(s: ByteReader, module: ParsedModule): void {
  const n = s.u32();
  for (let i = 0; i < n; i++) {
    const flags = s.u32();
    let memoryIndex = 0;
    let offsetExpr: Uint8Array | undefined;
    if (flags === 1) {
      module.data.push({ active: false, memoryIndex: 0, offsetExpr: undefined, bytes: s.take(s.u32()) });
      continue;
    }
    if (flags === 2) memoryIndex = s.u32();
    else if (flags !== 0) throw new WasmFormatError(`unknown data segment flags ${flags}`);
    const from = s.pos;
    skipConstExpr(s);
    offsetExpr = s.bytes.subarray(from, s.pos);
    module.data.push({ active: true, memoryIndex, offsetExpr, bytes: s.take(s.u32()) });
  }
}

/**
 * Evaluates the constant offset expression of an active data segment. Canister modules cannot import
 * globals, so `global.get` names a defined immutable global whose initialiser is itself constant.
 */
export function evalOffset(expr: Uint8Array, module: ParsedModule): number {
  const stack: bigint[] = [];
  const r = new ByteReader(expr);
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b: {
        const v = stack.pop();
        if (v === undefined) throw new WasmFormatError('empty offset expression');
        return Number(BigInt.asUintN(32, v));
      }
      case 0x41: stack.push(r.sleb(5)); break;
      case 0x42: stack.push(r.sleb(10)); break;
      case 0x23: {
        const index = r.u32() - module.importedGlobals;
        const global = module.globals[index];
        if (global === undefined) throw new WasmFormatError('offset expression reads an imported or unknown global');
        stack.push(BigInt(evalOffset(global.init, module)));
        break;
      }
      case 0x6a: case 0x7c: { const b = stack.pop()!; const a = stack.pop()!; stack.push(a + b); break; }
      case 0x6b: case 0x7d: { const b = stack.pop()!; const a = stack.pop()!; stack.push(a - b); break; }
      case 0x6c: case 0x7e: { const b = stack.pop()!; const a = stack.pop()!; stack.push(a * b); break; }
      default: throw new WasmFormatError(`unsupported instruction 0x${op.toString(16)} in a data offset`);
    }
  }
}

/**
 * The instructions of each function the module defines, in code-section order: a reader over
 * them, past the function's local declarations (its final `end` included).
 * @example for (const body of functionBodies(module)) while (body.pos < body.end) readOperator(body)
 */
export function* functionBodies(module: ParsedModule): Generator<ByteReader> {
  const code = module.sections.find((s) => s.id === SECTION.code);
  if (!code) return;
  const r = new ByteReader(module.bytes, code.start, code.end);
  for (let n = r.u32(); n > 0; n--) {
    const end = r.u32() + r.pos;
    for (let groups = r.u32(); groups > 0; groups--) {
      r.u32();
      r.byte();
    }
    yield new ByteReader(module.bytes, r.pos, end);
    r.pos = end;
  }
}
