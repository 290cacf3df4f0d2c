/**
 * Cycles the replica charges for compiling a module on a 13-node subnet: one per instruction of
 * `compilationInstructions` (20 M, and 6,000 per Wasm instruction the replica's instrumented module
 * has, a hundredth of those if the subnet installed the module since its last checkpoint). The
 * count itself is checked against hand-counted modules in `src/wasm/compilation-cost.test.ts`.
 */
import { compilationInstructions } from '../../src/costs.js';
import { compiledInstructionCount } from '../../src/wasm/compilation-cost.js';
import { parseModule } from '../../src/wasm/module.js';

export function compilationFee(wasm: Uint8Array, cached = false): bigint {
  return compilationInstructions(compiledInstructionCount(parseModule(wasm)), cached);
}
