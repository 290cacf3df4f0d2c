/**
 * Lowering wasm64 canister modules (64-bit memory and tables, IC interface spec § Canister module
 * format: "the Wasm module may use a 64-bit memory", with the System API's `I` = `i64`) to
 * 32-bit ones, so they run on Node 20, whose V8 has no memory64/table64 without flags.
 *
 * - Every address, length and table index an instruction consumes is converted from `i64` to
 *   `i32` *saturating*: a value of 4 GiB or more becomes 0xFFFFFFFF, which is past the end of any
 *   32-bit memory or table, so the access traps ("heap out of bounds") just as a wasm64 access
 *   past the end of the canister's memory traps on the IC. `memory.size`, `memory.grow`,
 *   `table.size` and `table.grow` give their 32-bit results back as `i64`.
 * - The `ic0` imports are declared with their 32-bit signatures; a small wrapper with the
 *   module's 64-bit signature converts pointers and sizes the same way and widens `I` results.
 *   A callback's `env` stays 64-bit (it is data the canister gets back unchanged).
 *
 * Consequence: a lowered wasm64 canister's heap is limited to what a 32-bit memory holds less
 * the emulator's page map (4 GiB − 1 MiB, 65,520 Wasm pages), where the IC allows a wasm64 heap
 * far beyond 4 GiB (`MAX_WASM64_MEMORY_IN_BYTES`); `memory.grow` past that returns -1 as it does
 * at the IC's limit. Addresses at or above the limit trap, as any address past the end does; a
 * System API trap message names such a pointer or size as 4294967295 (the saturated value).
 */
import { ByteWriter, WasmFormatError } from './bytes.js';
import { EXTERNAL, VALTYPE, type FuncType, type ParsedModule } from './module.js';
import { IC0_SIGNATURES, concreteType, type Signature } from '../system-api/signatures.js';

const OPS = {
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i64Const: 0x42, i64Eqz: 0x50, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad, select: 0x1b, call: 0x10, end: 0x0b,
} as const;

/**
 * Emits code turning the `i64` on top of the stack into an `i32`, saturating at 0xFFFFFFFF:
 * `(x >> 32) == 0 ? wrap(x) : -1`. `scratch` is an `i64` local.
 * @example lowerToI32(body, tempLocal) // after `local.get $addr64`, before `i32.load`
 */
export function lowerToI32(w: ByteWriter, scratch: number): void {
  w.byte(OPS.localTee).u32(scratch).byte(OPS.i32WrapI64);
  w.byte(OPS.i32Const).i32(-1);
  w.byte(OPS.localGet).u32(scratch).byte(OPS.i64Const).byte(32).byte(OPS.i64ShrU).byte(OPS.i64Eqz);
  w.byte(OPS.select);
}

/** Widens an `i32` page or element count to `i64` (unsigned: counts are below 2^31 here). */
export function widenCount(w: ByteWriter): void {
  w.byte(OPS.i64ExtendI32U);
}

/** Widens a `grow` result to `i64`, keeping -1 (failure) as -1. */
export function widenGrowResult(w: ByteWriter): void {
  w.byte(OPS.i64ExtendI32S);
}

/** Whether the module is wasm64 in the IC's sense: its memory is 64-bit. */
export function isWasm64(module: ParsedModule): boolean {
  return module.memories[0]?.is64 === true;
}

/** Encodes a table type with 32-bit limits (a table64's limits clamped to 32 bits). */
export function lowerTableType(table: ParsedModule['tables'][number]): Uint8Array {
  if (!table.limits.is64) return table.raw;
  if (table.limits.min > 0xffffffff) throw new WasmFormatError('a table of more than 2^32 elements cannot be instantiated');
  const w = new ByteWriter().byte(table.elemType);
  if (table.limits.max === undefined) w.byte(0x00).u32(table.limits.min);
  else w.byte(0x01).u32(table.limits.min).u32(Math.min(table.limits.max, 0xffffffff));
  return w.finish();
}

/** One `ic0` import of a wasm64 module, redeclared 32-bit and reached through a wrapper. */
export interface LoweredImport {
  /** Function index of the import (unchanged: imports keep their places). */
  importIndex: number;
  /** Type index of the 32-bit declaration, in the instrumented module's type section. */
  loweredType: number;
  /** Type index of the original (64-bit) declaration: the wrapper's type. */
  wrapperType: number;
  signature: Signature;
}

export interface SystemApiLowering {
  imports: Map<number, LoweredImport>;
  /** Types to append to the type section, in order, starting at the `firstType` given to `planSystemApiLowering`. */
  types: FuncType[];
}

const I32 = VALTYPE.i32;
const I64 = VALTYPE.i64;

/**
 * Plans the 32-bit redeclaration of each `ic0` import of a wasm64 module whose signature has a
 * pointer or size (`I`). Imports without one (`time`, `msg_reply`, …) are left as they are.
 * @example planSystemApiLowering(parsed, parsed.types.length + 4).imports.size // ic0 imports wrapped
 */
export function planSystemApiLowering(module: ParsedModule, firstType: number): SystemApiLowering {
  const imports = new Map<number, LoweredImport>();
  const types: FuncType[] = [];
  let funcIndex = 0;
  for (const imp of module.imports) {
    if (imp.kind !== EXTERNAL.func) continue;
    const index = funcIndex++;
    const signature = imp.module === 'ic0' ? IC0_SIGNATURES[imp.name] : undefined;
    if (!signature || !signature.params.concat(signature.results).some((t) => t === 'I')) continue;
    const lowered: FuncType = {
      params: signature.params.map((t) => (t === 'I' ? I32 : valType(concreteType(t, true)))),
      results: signature.results.map((t) => (t === 'I' ? I32 : valType(concreteType(t, true)))),
    };
    imports.set(index, { importIndex: index, loweredType: firstType + types.length, wrapperType: imp.typeIndex!, signature });
    types.push(lowered);
  }
  return { imports, types };
}

const valType = (t: 'i32' | 'i64') => (t === 'i32' ? I32 : I64);

/**
 * The body of the wrapper that gives a lowered import its 64-bit signature back: each pointer or
 * size argument saturated to 32 bits, the call, an `I` result widened.
 */
export function wrapperBody(lowered: LoweredImport): Uint8Array {
  const params = lowered.signature.params;
  const scratch = params.length;
  const w = new ByteWriter().u32(1).u32(1).byte(I64); // one i64 scratch local
  params.forEach((t, k) => {
    w.byte(OPS.localGet).u32(k);
    if (t === 'I') lowerToI32(w, scratch);
  });
  w.byte(OPS.call).u32(lowered.importIndex);
  if (lowered.signature.results[0] === 'I') w.byte(OPS.i64ExtendI32U);
  w.byte(OPS.end);
  return w.finish();
}
