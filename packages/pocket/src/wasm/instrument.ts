/**
 * Rewrites a canister module so the emulator can give each message the IC's atomicity cheaply
 * (IC interface spec, "Message execution": a trap discards every change the message made).
 *
 * - The linear memory becomes an import, so the emulator owns it and can instantiate the module
 *   over existing state (rollback after `memory.grow`, re-instantiation without reinstalling).
 * - The canister's memory is shifted up by a reserved region of `RESERVED_BYTES` at the bottom of
 *   the physical memory, done by adding to every load's and store's static offset (so accesses
 *   past the canister's memory still trap as the IC's "heap out of bounds"). The region is a
 *   one-byte-per-4-KiB-page map: every store sets its page's byte (the heap finds the pages a
 *   message wrote there and clears the map when the message ends; see `heap.ts`). Bulk writes
 *   (`memory.fill/copy/init`) report their range to the host, which also checks their bounds.
 *   `memory.size` subtracts the region; `memory.grow` goes through the host so the IC's memory
 *   limits apply. Rolling a message back restores only the dirty pages, from the heap's copy of its
 *   last committed state.
 * - Active data segments become passive and the start function is exported instead of run, so
 *   instantiation never writes memory: the emulator applies segments and runs start at install.
 * - The function table, mutable globals and start function are exported under `__lineage_*` names
 *   (callbacks are table indices; globals are part of the state a trap rolls back).
 * - Every defined function takes the instruction counter as an extra last parameter (`i64`) and
 *   returns it as an extra last result (see `metering.ts`): its type becomes the "extended" copy
 *   of its type, its declared locals move up by one, and its body is wrapped in a block so a
 *   branch out of the body still lands before the counter is pushed. Calls and `call_indirect`
 *   pass the counter; calls to imports keep it in the global. JavaScript calls exports through
 *   wrappers of the original type, and a table entry or `ref.func` that names an import names an
 *   adapter of the extended type instead, so every function a table holds is extended. The
 *   emulator calls table entries (callbacks) with the counter and takes it back from the result.
 * - A floating-point result that may be a NaN is made the canonical NaN, as the replica's engine
 *   makes it (see `canonical-nan.ts`).
 *
 * Host functions are appended to the imports, so defined functions' indices shift by their count.
 * A wasm64 module is lowered to 32 bits on the way (see `memory64.ts`).
 */
import { ByteReader, ByteWriter, WasmFormatError } from './bytes.js';
import {
  FC, MEMORY_SIZE, OP, SIMD_STORE, SIMD_STORE_LANES, STORES, readBlockType, readMemArg, simdHasMemArg,
  skipFCImmediates, skipImmediates, skipSIMDImmediates,
} from './instructions.js';
import { SCALAR_CANONICALIZED, SIMD_CANONICALIZED, emitScalarCanonicalNan, emitVectorCanonicalNan } from './canonical-nan.js';
import { type CounterPlace, emitCharge, emitDynamicCharge, emitLoad, emitStore, planMetering } from './metering.js';
import { lowerTableType, lowerToI32, isWasm64, planSystemApiLowering, widenCount, widenGrowResult, wrapperBody } from './memory64.js';
import { EXTERNAL, SECTION, VALTYPE, evalOffset, type ParsedModule, skipConstExpr } from './module.js';

export const PAGE_SHIFT = 12;
export const TRACKED_PAGE_SIZE = 1 << PAGE_SHIFT;
export const WASM_PAGE_SIZE = 65536;
/** One byte for each 4 KiB page of a 4 GiB memory: 1 MiB, 16 Wasm pages. */
export const RESERVED_BYTES = 2 ** (32 - PAGE_SHIFT);
export const RESERVED_PAGES = RESERVED_BYTES / WASM_PAGE_SIZE;
export const HOST_MODULE = '__lineage';
export const EXPORT = {
  table: '__lineage_table',
  start: '__lineage_start',
  globalPrefix: '__lineage_global_',
  /** The instruction counter (see `metering.ts`): a mutable i64 counting down. */
  instructions: '__lineage_instructions',
  /** A mutable i32 the instrumented code sets to 1 before it traps for running out of instructions. */
  outOfInstructions: '__lineage_out_of_instructions',
} as const;
/** Host functions added as imports, in this order. */
export const HOST_FUNCS = ['memory_grow', 'before_write', 'before_copy'] as const;

export interface InstrumentedModule {
  bytes: Uint8Array;
  /** Export name of each defined mutable global (indexed like `ParsedModule.globals`). */
  mutableGlobals: { index: number; exportName: string; valType: number }[];
  /** Export name under which the first table is reachable, if the module has a table. */
  tableExport: string | undefined;
  hasMemory: boolean;
  hasStart: boolean;
}

export function instrument(module: ParsedModule): InstrumentedModule {
  const shift = HOST_FUNCS.length;
  const hasMemory = module.memories.length > 0;
  const tableCount = module.tables.length + module.imports.filter((i) => i.kind === EXTERNAL.table).length;
  const typeBase = module.types.length;
  const hostTypes = [typeBase, typeBase + 1, typeBase + 2];
  // wasm64: ic0 imports redeclared 32-bit, reached through wrappers appended after the defined functions.
  const memory64 = isWasm64(module);
  const lowering = memory64 ? planSystemApiLowering(module, typeBase + HOST_FUNCS.length) : undefined;
  const wrappers = lowering ? [...lowering.imports.values()] : [];
  const wrapperBase = module.importedFuncs + shift + module.functions.length;
  const wrapperIndex = new Map(wrappers.map((l, k) => [l.importIndex, wrapperBase + k]));
  const remapFunc = (index: number) => (index < module.importedFuncs ? (wrapperIndex.get(index) ?? index) : index + shift);
  const tables = module.tables.map((t) => ({ is64: t.limits.is64, elemType: t.elemType }));

  // Types: the originals, the host functions', the wasm64 lowering's, then each original extended
  // with the counter (`extendedBase + t`), then result-only types for multi-result bodies.
  const extraTypes = lowering?.types ?? [];
  const extendedBase = typeBase + HOST_FUNCS.length + extraTypes.length;
  const resultTypes = new Map<number, number>();
  for (const t of new Set(module.functions)) {
    if (module.types[t]!.results.length > 1) resultTypes.set(t, extendedBase + module.types.length + resultTypes.size);
  }
  // Functions: defined functions take and return the counter; JavaScript calls exports through
  // wrappers of their original type, and a function reference to an import is one to an adapter
  // with the counter's signature, so `call_indirect` finds every table entry extended.
  const importTypes = module.imports.filter((i) => i.kind === EXTERNAL.func).map((i) => i.typeIndex!);
  const exportedFuncs = [...new Set([
    ...module.exports.filter((e) => e.kind === EXTERNAL.func && e.index >= module.importedFuncs).map((e) => e.index),
    ...(module.start !== undefined && module.start >= module.importedFuncs ? [module.start] : []),
  ])];
  const exportWrapperBase = wrapperBase + wrappers.length;
  const exportWrapper = new Map(exportedFuncs.map((f, k) => [f, exportWrapperBase + k]));
  const adapterBase = exportWrapperBase + exportedFuncs.length;
  const exportFunc = (index: number) => exportWrapper.get(index) ?? remapFunc(index);
  const refFunc = (index: number) => (index < module.importedFuncs ? adapterBase + index : index + shift);

  const out = new ByteWriter();
  out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const emit = (id: number, content: Uint8Array) => { out.byte(id).sized(content); };
  const raw = (id: number) => module.sections.find((s) => s.id === id);
  const copy = (id: number) => {
    const section = raw(id);
    if (section) emit(id, module.bytes.subarray(section.start, section.end));
  };

  // Types: originals plus the host functions' signatures.
  {
    const w = new ByteWriter().u32(module.types.length + HOST_FUNCS.length + extraTypes.length + module.types.length + resultTypes.size);
    const type = (params: ArrayLike<number>, results: ArrayLike<number>) => {
      w.byte(0x60).u32(params.length).bytes(Array.from(params)).u32(results.length).bytes(Array.from(results));
    };
    for (const t of module.types) type(t.params, t.results);
    const i32 = VALTYPE.i32;
    type([i32], [i32]); // memory_grow(delta) -> old
    type([i32, i32], []); // before_write(dst, len)
    type([i32, i32, i32], []); // before_copy(dst, src, len)
    for (const t of extraTypes) type(t.params, t.results);
    // Each type again with the instruction counter as its last parameter and result (see `metering.ts`).
    for (const t of module.types) type([...t.params, VALTYPE.i64], [...t.results, VALTYPE.i64]);
    // The result types of functions with several results, for the block that wraps their body.
    for (const t of resultTypes.keys()) type([], module.types[t]!.results);
    emit(SECTION.type, w.finish());
  }

  // Imports: original imports, the host functions, then the memory.
  const memory = module.memories[0];
  {
    const w = new ByteWriter().u32(module.imports.length + HOST_FUNCS.length + (hasMemory ? 1 : 0));
    let funcIndex = 0;
    for (const imp of module.imports) {
      if (imp.kind === EXTERNAL.memory) throw new WasmFormatError('canister modules may not import memory');
      const lowered = imp.kind === EXTERNAL.func ? lowering?.imports.get(funcIndex++) : undefined;
      if (lowered) w.name(imp.module).name(imp.name).byte(imp.kind).u32(lowered.loweredType);
      else w.name(imp.module).name(imp.name).byte(imp.kind).bytes(imp.desc);
    }
    HOST_FUNCS.forEach((name, i) => { w.name(HOST_MODULE).name(name).byte(EXTERNAL.func).u32(hostTypes[i]!); });
    if (memory) {
      w.name(HOST_MODULE).name('memory').byte(EXTERNAL.memory);
      const physicalMin = memory.min + RESERVED_PAGES;
      if (physicalMin > 65536) {
        throw new WasmFormatError(`the memory's initial size of ${memory.min} pages exceeds the ${65536 - RESERVED_PAGES} pages this emulator can hold`);
      }
      if (memory.max === undefined) w.byte(0).u32(physicalMin);
      else w.byte(1).u32(physicalMin).u32(Math.min(memory.max + RESERVED_PAGES, 65536));
    }
    emit(SECTION.import, w.finish());
  }

  {
    const w = new ByteWriter().u32(module.functions.length + wrappers.length + exportedFuncs.length + importTypes.length);
    for (const t of module.functions) w.u32(extendedBase + t);
    for (const l of wrappers) w.u32(l.wrapperType);
    for (const f of exportedFuncs) w.u32(module.functions[f - module.importedFuncs]!);
    for (const t of importTypes) w.u32(extendedBase + t);
    emit(SECTION.function, w.finish());
  }
  if (tables.some((t) => t.is64)) {
    const w = new ByteWriter().u32(module.tables.length);
    for (const t of module.tables) w.bytes(lowerTableType(t));
    emit(SECTION.table, w.finish());
  } else {
    copy(SECTION.table);
  }
  copy(SECTION.tag);

  // Globals: initialisers may hold `ref.func`. The instruction counter and its flag come last.
  const counterGlobal = module.importedGlobals + module.globals.length;
  const outOfInstructionsGlobal = counterGlobal + 1;
  {
    const w = new ByteWriter().u32(module.globals.length + 2);
    for (const g of module.globals) w.byte(g.valType).byte(g.mutable ? 1 : 0).bytes(remapConstExpr(g.init, refFunc));
    w.byte(VALTYPE.i64).byte(1).byte(0x42).byte(0).byte(0x0b);
    w.byte(VALTYPE.i32).byte(1).byte(0x41).byte(0).byte(0x0b);
    emit(SECTION.global, w.finish());
  }

  // Exports.
  const mutableGlobals: { index: number; exportName: string; valType: number }[] = [];
  let tableExport: string | undefined;
  {
    const extra: { name: string; kind: number; index: number }[] = [];
    const exported = (kind: number, index: number) => module.exports.find((e) => e.kind === kind && e.index === index);
    module.globals.forEach((g, i) => {
      if (!g.mutable) return;
      const index = module.importedGlobals + i;
      const existing = exported(EXTERNAL.global, index);
      const exportName = existing?.name ?? `${EXPORT.globalPrefix}${i}`;
      if (!existing) extra.push({ name: exportName, kind: EXTERNAL.global, index });
      mutableGlobals.push({ index: i, exportName, valType: g.valType });
    });
    if (tableCount > 0) {
      const existing = exported(EXTERNAL.table, 0);
      tableExport = existing?.name ?? EXPORT.table;
      if (!existing) extra.push({ name: EXPORT.table, kind: EXTERNAL.table, index: 0 });
    }
    if (module.start !== undefined) extra.push({ name: EXPORT.start, kind: EXTERNAL.func, index: exportFunc(module.start) });
    extra.push({ name: EXPORT.instructions, kind: EXTERNAL.global, index: counterGlobal });
    extra.push({ name: EXPORT.outOfInstructions, kind: EXTERNAL.global, index: outOfInstructionsGlobal });
    const w = new ByteWriter().u32(module.exports.length + extra.length);
    for (const e of module.exports) w.name(e.name).byte(e.kind).u32(e.kind === EXTERNAL.func ? exportFunc(e.index) : e.index);
    for (const e of extra) w.name(e.name).byte(e.kind).u32(e.index);
    emit(SECTION.export, w.finish());
  }

  const elem = raw(SECTION.element);
  if (elem) emit(SECTION.element, remapElements(module.bytes.subarray(elem.start, elem.end), refFunc, (t) => tables[t]?.is64 === true, module));

  copy(SECTION.dataCount);

  const code = raw(SECTION.code);
  const wrapperBodies = [
    ...wrappers.map(wrapperBody),
    ...exportedFuncs.map((f) => exportWrapperBody(module.types[module.functions[f - module.importedFuncs]!]!.params.length, f + shift, counterGlobal)),
    ...importTypes.map((t, k) => adapterBody(module.types[t]!.params.length, remapFunc(k), counterGlobal)),
  ];
  if (code) {
    const f = module.importedFuncs;
    const ctx: RewriteContext = {
      module, remapFunc, refFunc, hasMemory, memory64, tables, extendedBase, resultTypes,
      growFunc: f, writeFunc: f + 1, copyFunc: f + 2, counterGlobal, outOfInstructionsGlobal,
    };
    emit(SECTION.code, rewriteCode(module.bytes.subarray(code.start, code.end), ctx, wrapperBodies));
  } else if (wrapperBodies.length > 0) {
    const w = new ByteWriter().u32(wrapperBodies.length);
    for (const b of wrapperBodies) w.sized(b);
    emit(SECTION.code, w.finish());
  }

  if (module.data.length > 0) {
    const w = new ByteWriter().u32(module.data.length);
    for (const seg of module.data) w.u32(1).sized(seg.bytes);
    emit(SECTION.data, w.finish());
  }

  return { bytes: out.finish(), mutableGlobals, tableExport, hasMemory, hasStart: module.start !== undefined };
}

function remapConstExpr(expr: Uint8Array, remapFunc: (i: number) => number): Uint8Array {
  const r = new ByteReader(expr);
  const w = new ByteWriter();
  let copyFrom = 0;
  while (!r.done) {
    const at = r.pos;
    const op = r.byte();
    if (op === OP.refFunc) {
      w.bytes(expr.subarray(copyFrom, at)).byte(OP.refFunc).u32(remapFunc(r.u32()));
      copyFrom = r.pos;
    } else if (op === 0x0b) {
      break;
    } else if (op === OP.prefixSIMD) {
      r.u32();
      r.take(16);
    } else {
      skipImmediates(r, op);
    }
  }
  w.bytes(expr.subarray(copyFrom));
  return w.finish();
}

/** An export's wrapper: calls the extended function with the counter's global, of the original type. */
function exportWrapperBody(params: number, target: number, counterGlobal: number): Uint8Array {
  const w = new ByteWriter().u32(0);
  for (let k = 0; k < params; k++) w.byte(0x20).u32(k);
  w.byte(0x23).u32(counterGlobal).byte(OP.call).u32(target).byte(0x24).u32(counterGlobal).byte(0x0b);
  return w.finish();
}

/** An import as a function reference: the counter's signature, kept in the global around the call. */
function adapterBody(params: number, target: number, counterGlobal: number): Uint8Array {
  const w = new ByteWriter().u32(0);
  w.byte(0x20).u32(params).byte(0x24).u32(counterGlobal);
  for (let k = 0; k < params; k++) w.byte(0x20).u32(k);
  w.byte(OP.call).u32(target).byte(0x23).u32(counterGlobal).byte(0x0b);
  return w.finish();
}

function remapElements(section: Uint8Array, remapFunc: (i: number) => number, isTable64: (t: number) => boolean, module: ParsedModule): Uint8Array {
  const r = new ByteReader(section);
  const w = new ByteWriter();
  const n = r.u32();
  w.u32(n);
  const copyExpr = () => {
    const from = r.pos;
    skipConstExpr(r);
    w.bytes(remapConstExpr(section.subarray(from, r.pos), remapFunc));
  };
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    w.u32(flags);
    const usesExprs = (flags & 0x04) !== 0;
    let table = 0;
    if (flags === 2 || flags === 6) w.u32((table = r.u32())); // table index
    if ((flags & 0x01) === 0 && isTable64(table)) {
      // A table64's segment offset is an i64 constant; the lowered table takes an i32 one.
      const from = r.pos;
      skipConstExpr(r);
      w.byte(0x41).i32(evalOffset(section.subarray(from, r.pos), module)).byte(0x0b);
    } else if ((flags & 0x01) === 0) {
      copyExpr(); // active: offset
    }
    if (flags !== 0 && flags !== 4) w.byte(r.byte()); // elemkind / reftype
    const count = r.u32();
    w.u32(count);
    for (let k = 0; k < count; k++) {
      if (usesExprs) copyExpr();
      else w.u32(remapFunc(r.u32()));
    }
  }
  return w.finish();
}

interface RewriteContext {
  module: ParsedModule;
  remapFunc: (i: number) => number;
  /** The function index `ref.func` takes for an original index (imports: their adapters). */
  refFunc: (i: number) => number;
  /** Type index of each original type extended with the counter: `extendedBase + t`. */
  extendedBase: number;
  /** Result-only type of each multi-result function type, for the block that wraps a body. */
  resultTypes: Map<number, number>;
  hasMemory: boolean;
  /** The memory is 64-bit: addresses are lowered to 32 bits (see `memory64.ts`). */
  memory64: boolean;
  tables: { is64: boolean; elemType: number }[];
  growFunc: number;
  writeFunc: number;
  copyFunc: number;
  counterGlobal: number;
  outOfInstructionsGlobal: number;
}

/** Temporaries appended to the locals of a function that needs them. */
const TEMP_TYPES = [
  VALTYPE.i32, VALTYPE.i32, VALTYPE.i32, VALTYPE.i64, VALTYPE.f32, VALTYPE.f64, VALTYPE.v128,
  VALTYPE.i64, VALTYPE.funcref, VALTYPE.externref,
] as const;

function rewriteCode(section: Uint8Array, ctx: RewriteContext, extraBodies: Uint8Array[]): Uint8Array {
  const r = new ByteReader(section);
  const count = r.u32();
  const w = new ByteWriter().u32(count + extraBodies.length);
  for (let f = 0; f < count; f++) {
    const size = r.u32();
    const end = r.pos + size;
    const typeIndex = ctx.module.functions[f];
    const type = typeIndex === undefined ? undefined : ctx.module.types[typeIndex];
    if (type === undefined) throw new WasmFormatError(`function ${f} has no type`);
    w.sized(rewriteBody(section, r.pos, end, typeIndex!, ctx));
    r.pos = end;
  }
  for (const body of extraBodies) w.sized(body);
  return w.finish();
}

/** A memarg with the reserved region added to its static offset. */
function shiftedMemArg(w: ByteWriter, align: number, memoryIndex: number, offset: number): void {
  if (memoryIndex !== 0) throw new WasmFormatError('canister modules have a single memory');
  // An offset past 4 GiB can only address memory a canister never has: it traps either way.
  w.u32(align).u32(Math.min(offset + RESERVED_BYTES, 0xffffffff));
}

function rewriteBody(bytes: Uint8Array, start: number, end: number, typeIndex: number, ctx: RewriteContext): Uint8Array {
  const r = new ByteReader(bytes, start, end);
  const type = ctx.module.types[typeIndex]!;
  const paramCount = type.params.length;
  const groups: [number, number][] = [];
  // The counter is the parameter after the function's own: its declared locals move up by one.
  let localCount = paramCount + 1;
  for (let n = r.u32(); n > 0; n--) {
    const c = r.u32();
    const t = r.byte();
    groups.push([c, t]);
    localCount += c;
  }
  const counter: CounterPlace = { global: ctx.counterGlobal, local: paramCount, outOfInstructions: ctx.outOfInstructionsGlobal };
  const temp = {
    addr: localCount, x: localCount + 1, n: localCount + 2,
    i32: localCount + 1, i64: localCount + 3, f32: localCount + 4, f64: localCount + 5, v128: localCount + 6,
    scratch64: localCount + 7, funcref: localCount + 8, externref: localCount + 9,
  };
  const body = new ByteWriter();
  let copyFrom = r.pos;
  let usedTemps = false;
  const flush = (upTo: number) => { body.bytes(bytes.subarray(copyFrom, upTo)); };
  const effectiveAddress = (offset: number) => {
    body.byte(0x20).u32(temp.addr);
    if (offset !== 0) body.byte(0x41).i32(offset).byte(0x6a); // i32.add (wraps; see below)
  };

  /** wasm64: the i64 on top of the stack becomes the i32 the lowered memory or table takes. */
  const lower = () => { lowerToI32(body, temp.scratch64); usedTemps = true; };
  const lowerIf = (is64: boolean) => { if (is64) lower(); };
  const refTemp = (table: number) => {
    const elemType = ctx.tables[table]?.elemType;
    if (elemType === VALTYPE.funcref) return temp.funcref;
    if (elemType === VALTYPE.externref) return temp.externref;
    throw new WasmFormatError(`table ${table} has an element type this emulator cannot lower to 32 bits`);
  };
  const table64 = (table: number) => ctx.tables[table]?.is64 === true;

  // Stack before: [addr, value]. Every store sets its page's byte in the map, without calling the
  // host (a call on the path, even a cold one, slows every function that stores); the heap finds
  // the marked pages when the message ends. The byte is stored unconditionally: a store to a hot
  // cache line costs less than loading it, testing it and branching (measured: 0.1× of a bare
  // update's time). A store past the end marks a page beyond the memory, then traps; the heap
  // clears such marks when it grows.
  const checkedStore = (valueTemp: number, opBytes: Uint8Array | readonly number[], m: { align: number; memoryIndex: number; offset: number }, lane: number | undefined) => {
    body.byte(0x21).u32(valueTemp);
    lowerIf(ctx.memory64);
    body.byte(0x21).u32(temp.addr);
    effectiveAddress(m.offset);
    body.byte(0x41).i32(PAGE_SHIFT).byte(0x76); // i32.shr_u: page number
    body.byte(0x41).i32(1).byte(0x3a).u32(0).u32(0); // i32.store8 map[page] = 1
    body.byte(0x20).u32(temp.addr).byte(0x20).u32(valueTemp);
    body.bytes(opBytes);
    shiftedMemArg(body, m.align, m.memoryIndex, m.offset);
    if (lane !== undefined) body.byte(lane);
    usedTemps = true;
  };

  const points = planMetering(bytes, r.pos, end, ctx.memory64);
  let nextPoint = 0;
  const dynamicCharge = (local: number) => emitDynamicCharge(body, counter, local);
  // The body runs inside a block of the function's results, so a branch to the function's label
  // (which leaves it) lands before the counter is appended to the results.
  const results = type.results;
  body.byte(OP.block);
  if (results.length === 0) body.byte(0x40);
  else if (results.length === 1) body.byte(results[0]!);
  else body.i32(ctx.resultTypes.get(typeIndex)!);
  const isImport = (index: number) => index < ctx.module.importedFuncs;
  const pushCounter = () => { body.byte(0x20).u32(counter.local); };
  const popCounter = () => { body.byte(0x21).u32(counter.local); };
  /** Around a call to the host (an import) the global holds the count: the host reads and charges it. */
  const hostCall = (index: number) => {
    emitStore(body, counter);
    body.byte(OP.call).u32(ctx.remapFunc(index));
    emitLoad(body, counter);
  };
  /** `call_indirect` / `return_call_indirect` with the extended type: [args, i] → [args, counter, i]. */
  const indirect = (op: number, typeIndex: number, table: number) => {
    body.byte(0x21).u32(temp.addr);
    pushCounter();
    body.byte(0x20).u32(temp.addr).byte(op).u32(ctx.extendedBase + typeIndex).u32(table);
    usedTemps = true;
  };
  while (r.pos < end) {
    const at = r.pos;
    if (points[nextPoint]?.pos === at) {
      flush(at);
      emitCharge(body, counter, points[nextPoint]!, nextPoint === 0);
      nextPoint++;
      copyFrom = at;
    }
    const op = r.byte();
    if (op === 0x20 || op === 0x21 || op === 0x22) { // local.get/set/tee: declared locals moved up
      const index = r.u32();
      if (index >= paramCount) {
        flush(at);
        body.byte(op).u32(index + 1);
        copyFrom = r.pos;
      }
      continue;
    }
    if (op === 0x0f) { // return: the counter goes with the results
      flush(at);
      pushCounter();
      copyFrom = at;
      continue;
    }
    if (op === 0x14 || op === 0x15) throw new WasmFormatError('call_ref and return_call_ref (typed function references) are not supported');
    if (op === 0x00) { // unreachable: the count goes to the global first, so the trap is charged what ran
      flush(at);
      emitStore(body, counter);
      copyFrom = at;
      continue;
    }
    if (op >= 0x28 && op <= 0x3e && ctx.hasMemory) {
      const m = readMemArg(r);
      flush(at);
      const valueType = STORES.get(op);
      if (valueType === undefined) {
        lowerIf(ctx.memory64);
        body.byte(op);
        shiftedMemArg(body, m.align, m.memoryIndex, m.offset);
      } else {
        checkedStore(temp[valueType], [op], m, undefined);
      }
      copyFrom = r.pos;
    } else if (op === MEMORY_SIZE && ctx.hasMemory) {
      r.u32();
      flush(at);
      body.byte(MEMORY_SIZE).byte(0).byte(0x41).i32(RESERVED_BYTES / 65536).byte(0x6b); // i32.sub
      if (ctx.memory64) widenCount(body);
      copyFrom = r.pos;
    } else if (op === OP.memoryGrow && ctx.hasMemory) {
      r.u32();
      flush(at);
      lowerIf(ctx.memory64);
      body.byte(0x10).u32(ctx.growFunc);
      if (ctx.memory64) widenGrowResult(body);
      copyFrom = r.pos;
    } else if (op === OP.refFunc) {
      const index = r.u32();
      flush(at);
      body.byte(op).u32(ctx.refFunc(index));
      copyFrom = r.pos;
    } else if (op === OP.call || op === OP.returnCall) {
      const index = r.u32();
      const tail = op === OP.returnCall;
      flush(at);
      if (isImport(index)) {
        // The host cannot return the counter: a tail call to it becomes a call and a return.
        hostCall(index);
        if (tail) {
          pushCounter();
          body.byte(0x0f);
        }
      } else {
        pushCounter();
        body.byte(op).u32(ctx.remapFunc(index));
        if (!tail) popCounter();
      }
      copyFrom = r.pos;
    } else if (op === 0x11 || op === 0x13) { // call_indirect, return_call_indirect: [.., index]
      const typeIndex = r.u32();
      const table = r.u32();
      flush(at);
      if (table64(table)) lower();
      indirect(op, typeIndex, table);
      if (op === 0x11) popCounter();
      copyFrom = r.pos;
    } else if (op === 0x25 || op === 0x26) { // table.get [index], table.set [index, ref]
      const table = r.u32();
      if (table64(table)) {
        flush(at);
        if (op === 0x26) body.byte(0x21).u32(refTemp(table));
        lower();
        if (op === 0x26) body.byte(0x20).u32(refTemp(table));
        copyFrom = at;
      }
    } else if (op === OP.prefixFC) {
      const sub = r.u32();
      const immediates = r.pos;
      skipFCImmediates(r, sub);
      if (ctx.hasMemory && (sub === FC.memoryFill || sub === FC.memoryCopy || sub === FC.memoryInit)) {
        flush(at);
        // Stack: [dst, x, n] where x is the fill value, the copy source or the segment offset.
        // wasm64: dst is i64, and so are n (fill, copy) and x (copy).
        lowerIf(ctx.memory64 && sub !== FC.memoryInit);
        body.byte(0x21).u32(temp.n);
        dynamicCharge(temp.n);
        lowerIf(ctx.memory64 && sub === FC.memoryCopy);
        body.byte(0x21).u32(temp.x);
        lowerIf(ctx.memory64);
        body.byte(0x21).u32(temp.addr);
        if (sub === FC.memoryCopy) {
          body.byte(0x20).u32(temp.addr).byte(0x20).u32(temp.x).byte(0x20).u32(temp.n).byte(0x10).u32(ctx.copyFunc);
        } else {
          body.byte(0x20).u32(temp.addr).byte(0x20).u32(temp.n).byte(0x10).u32(ctx.writeFunc);
        }
        // The host checked the bounds, so adding the region cannot wrap.
        body.byte(0x20).u32(temp.addr).byte(0x41).i32(RESERVED_BYTES).byte(0x6a);
        body.byte(0x20).u32(temp.x);
        if (sub === FC.memoryCopy) body.byte(0x41).i32(RESERVED_BYTES).byte(0x6a);
        body.byte(0x20).u32(temp.n);
        body.bytes(bytes.subarray(at, r.pos));
        copyFrom = r.pos;
        usedTemps = true;
      } else if (sub >= 12 && sub <= 17 && sub !== 13) {
        const lowered = lowerTableInstruction(sub, new ByteReader(bytes, immediates, r.pos), at);
        if (!lowered && (sub === 12 || sub === 14 || sub === 17)) {
          // table.init, table.copy, table.fill: their length is charged too. (A table64's is not.)
          flush(at);
          body.byte(0x21).u32(temp.n);
          dynamicCharge(temp.n);
          body.byte(0x20).u32(temp.n);
          copyFrom = at;
          usedTemps = true;
        }
      }
    } else if (op === OP.prefixSIMD) {
      const sub = r.u32();
      if (ctx.hasMemory && simdHasMemArg(sub)) {
        const m = readMemArg(r);
        const lane = sub >= 84 && sub <= 91 ? r.byte() : undefined;
        flush(at);
        // The SIMD opcode is a LEB128 after the prefix.
        const opBytes = new ByteWriter().byte(OP.prefixSIMD).u32(sub).finish();
        if (sub === SIMD_STORE || SIMD_STORE_LANES.has(sub)) {
          checkedStore(temp.v128, opBytes, m, lane);
        } else {
          lowerIf(ctx.memory64);
          body.bytes(opBytes);
          shiftedMemArg(body, m.align, m.memoryIndex, m.offset);
          if (lane !== undefined) body.byte(lane);
        }
        copyFrom = r.pos;
      } else if (SIMD_CANONICALIZED.has(sub)) { // no immediates
        flush(r.pos);
        emitVectorCanonicalNan(body, SIMD_CANONICALIZED.get(sub)!, temp.v128);
        copyFrom = r.pos;
        usedTemps = true;
      } else {
        skipSIMDImmediates(r, sub);
      }
    } else if (SCALAR_CANONICALIZED.has(op)) { // no immediates
      const type = SCALAR_CANONICALIZED.get(op)!;
      flush(r.pos);
      emitScalarCanonicalNan(body, type, type === 'f32' ? temp.f32 : temp.f64);
      copyFrom = r.pos;
      usedTemps = true;
    } else if (op === OP.block || op === OP.loop || op === OP.if || op === OP.try) {
      readBlockType(r);
    } else {
      skipImmediates(r, op);
    }
  }
  flush(end);
  // The body's own `end` closed the wrapping block: the function ends with the counter.
  pushCounter();
  body.byte(0x0b);

  /**
   * Table instructions of a table64 (0xfc 12 table.init, 14 copy, 15 grow, 16 size, 17 fill): their
   * i64 indices and counts lowered before, an i64 result widened after. Leaves other tables alone.
   */
  function lowerTableInstruction(sub: number, imm: ByteReader, at: number): boolean {
    const first = imm.u32();
    const second = sub === 12 || sub === 14 ? imm.u32() : undefined;
    if (sub === 12) { // table.init elem table: [dst, src: i32, n: i32]
      if (!table64(second!)) return false;
      flush(at);
      body.byte(0x21).u32(temp.n).byte(0x21).u32(temp.x);
      lower();
      body.byte(0x20).u32(temp.x).byte(0x20).u32(temp.n);
    } else if (sub === 14) { // table.copy dst src: [d, s, n], n is i64 only if both are table64
      const dst64 = table64(first);
      const src64 = table64(second!);
      if (!dst64 && !src64) return false;
      flush(at);
      lowerIf(dst64 && src64);
      body.byte(0x21).u32(temp.n);
      lowerIf(src64);
      body.byte(0x21).u32(temp.x);
      lowerIf(dst64);
      body.byte(0x20).u32(temp.x).byte(0x20).u32(temp.n);
    } else if (sub === 15) { // table.grow: [ref, n] -> old size or -1
      if (!table64(first)) return false;
      flush(at);
      lower();
      body.bytes(bytes.subarray(at, imm.pos));
      widenGrowResult(body);
      copyFrom = imm.pos;
      return true;
    } else if (sub === 16) { // table.size
      if (!table64(first)) return false;
      flush(imm.pos);
      widenCount(body);
      copyFrom = imm.pos;
      return true;
    } else { // 17 table.fill: [i, ref, n]
      if (!table64(first)) return false;
      flush(at);
      lower();
      body.byte(0x21).u32(temp.n).byte(0x21).u32(refTemp(first));
      lower();
      body.byte(0x20).u32(refTemp(first)).byte(0x20).u32(temp.n);
    }
    usedTemps = true;
    copyFrom = at;
    return true;
  }

  const out = new ByteWriter();
  const allGroups = usedTemps ? [...groups, ...TEMP_TYPES.map((t) => [1, t] as [number, number])] : groups;
  out.u32(allGroups.length);
  for (const [c, t] of allGroups) out.u32(c).byte(t);
  out.bytes(body.finish());
  return out.finish();
}
