/**
 * The replica's limit on how hard a function is to compile (dfinity/ic
 * `rs/embedders/src/wasm_utils/validation.rs`, `wasm_function_complexity`): each instruction of a
 * function weighs 1, more for those that take the compiler longer (50 for a block, a branch, a call
 * or `memory.grow`), and no function may weigh more than 1,000,000. The replica also limits a
 * function to 1,000,000 instructions, which the complexity, at least 1 per instruction, always
 * reaches first. Facts carried over, not code.
 */
import { FC, OP, readOperator } from './instructions.js';
import { functionBodies, type ParsedModule } from './module.js';

export const FUNCTION_COMPLEXITY_LIMIT = 1_000_000;

/** Weights of the single-byte opcodes; 1 unless listed. Index: opcode. */
const WEIGHT = new Uint8Array(256).fill(1);
const weigh = (weight: number, ...ops: number[]) => { for (const op of ops) WEIGHT[op] = weight; };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
weigh(50, OP.block, OP.loop, OP.if, 0x0c, 0x0d, 0x0e, OP.call, 0x11, OP.memoryGrow); // blocks, branches, calls, memory.grow
weigh(14, 0x25); // table.get
weigh(8, OP.refFunc);
weigh(6, 0xd1); // ref.is_null
weigh(5, ...range(0xa8, 0xb6), ...range(0xb7, 0xba)); // float-to-int truncations, extends, int-to-float conversions, demote
weigh(4, 0x8b, 0x8c, 0x99, 0x9a); // f32/f64 abs and neg
weigh(3, 0x98, 0xa6, 0x61, 0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82, ...range(0x28, 0x35)); // copysign, f64.eq, div, rem, loads
weigh(2, 0x23, 0x69, 0x7b, 0x1b, 0x3f, ...range(0x36, 0x3e)); // global.get, popcnt, select, memory.size, stores
weigh(2, ...range(0x45, 0x60), ...range(0x62, 0x66)); // integer and float comparisons but f64.eq
weigh(2, 0x8d, 0x9b, 0x8e, 0x9c, 0x91, 0x9f, 0x8f, 0x9d); // ceil, floor, sqrt, trunc
weigh(2, 0xbc, 0xbd, 0xbe, 0xbf, 0xa7, ...range(0xc0, 0xc4), 0xbb); // reinterpret, wrap, sign extension, promote

/** Weights of the 0xfc-prefixed instructions; 1 unless listed. */
function fcWeight(sub: number): number {
  if (sub <= 7) return 3; // saturating truncations
  if (sub === FC.memoryCopy) return 4;
  if (sub === FC.memoryFill) return 3;
  return 1;
}

/**
 * The complexity of each function the module defines, in the order of its code section (the
 * replica's function index in its messages).
 * @example functionComplexities(parseModule(wasm)) // [109, 3, …]
 */
export function functionComplexities(module: ParsedModule): number[] {
  const complexities: number[] = [];
  for (const body of functionBodies(module)) {
    let complexity = 0;
    while (!body.done) {
      const { op, sub } = readOperator(body);
      complexity += op === OP.prefixFC ? fcWeight(sub) : op === OP.prefixSIMD ? 1 : WEIGHT[op]!;
    }
    complexities.push(complexity);
  }
  return complexities;
}

/**
 * The first function whose complexity passes the limit, or undefined.
 * @example overlyComplexFunction(parseModule(wasm)) // { index: 7, complexity: 1_300_000 }
 */
export function overlyComplexFunction(module: ParsedModule): { index: number; complexity: number } | undefined {
  const complexities = functionComplexities(module);
  const index = complexities.findIndex((c) => c > FUNCTION_COMPLEXITY_LIMIT);
  return index < 0 ? undefined : { index, complexity: complexities[index]! };
}
