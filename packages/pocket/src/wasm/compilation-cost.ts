/**
 * What the replica charges for compiling a module, in instructions (dfinity/ic: `instrument` in
 * `rs/embedders/src/wasm_utils/instrumentation.rs` counts the module's Wasm instructions after its
 * own instrumentation; `Hypervisor::create_execution_state` charges `cost_to_compile_wasm_instruction`,
 * 6,000, per instruction, plus a base cost per module). Facts carried over, not code.
 *
 * The replica counts its instrumented module; the emulator's instrumentation differs, so the count
 * is rebuilt from the original module: every operator of every function body (its final `end`
 * included), plus what the replica's metering inserts: 10 operators at a re-entrant block (a
 * function's start, a loop: subtract, check, call out of instructions), 4 at any other block with
 * a cost (subtract), 3 after `memory.grow` and before a bulk operation (its length charged), and 2
 * per global, its 3 own counters included. Not counted: the replica's helper functions and its
 * Wasm-native stable memory routines (some hundreds of operators, under 0.2% of an Azle module's).
 */
import { FC, OP, readOperator } from './instructions.js';
import { planMetering } from './metering.js';
import { isWasm64 } from './memory64.js';
import { functionBodies, type ParsedModule } from './module.js';

/** The globals the replica's instrumentation adds (instruction counter, dirty and accessed page counters). */
const INJECTED_GLOBALS = 3;

/**
 * The Wasm instructions the replica's compilation of `module` counts.
 * @example compiledInstructionCount(parseModule(wasm)) * 6_000 // the compilation cost, before the base
 */
export function compiledInstructionCount(module: ParsedModule): number {
  let count = 2 * (module.globals.length + INJECTED_GLOBALS);
  const memory64 = isWasm64(module);
  for (const body of functionBodies(module)) {
    for (const point of planMetering(module.bytes, body.pos, body.end, memory64)) count += point.check ? 10 : 4;
    while (!body.done) {
      const { op, sub } = readOperator(body);
      count += 1;
      if (op === OP.memoryGrow) count += 3;
      if (op === OP.prefixFC && (sub === FC.memoryInit || sub === FC.memoryCopy || sub === FC.memoryFill || sub === 12 || sub === 14 || sub === 17)) count += 3;
    }
  }
  return count;
}
