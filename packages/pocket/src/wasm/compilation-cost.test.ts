import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { compilationInstructions, failedCompilationInstructions } from '../costs.js';
import { compiledInstructionCount } from './compilation-cost.js';
import { parseModule } from './module.js';

describe('compilation cost: the instructions the replica counts when it compiles a module', () => {
  it('counts every operator, what the replica’s metering inserts, and two per global', async () => {
    // i32.const, drop, end: 3 operators; the function's start is a re-entrant block (10 inserted);
    // no globals of its own, the replica's 3 counters (2 each).
    const simple = await wat(`(module (func (export "canister_update go") i32.const 0 drop))`);
    expect(compiledInstructionCount(parseModule(simple))).toBe(3 + 10 + 6);

    // 16 operators: loop, global.get, i32.eqz, br_if, end, i32.const, if, i32.const, memory.grow,
    // drop, end, i32.const ×3, memory.fill, end. Blocks: the start and the loop (re-entrant, 10
    // each), the code up to the if, the then branch and the code after it (4 each). memory.grow and
    // memory.fill: 3 each. Globals: 1 and the 3 counters, 2 each.
    const branchy = await wat(`(module (memory 1) (global $g (mut i32) (i32.const 0))
      (func (export "canister_update go")
        (loop $l (br_if $l (i32.eqz (global.get $g))))
        (if (i32.const 1) (then (drop (memory.grow (i32.const 1)))))
        (memory.fill (i32.const 0) (i32.const 0) (i32.const 8))))`);
    expect(compiledInstructionCount(parseModule(branchy))).toBe(16 + 2 * 10 + 3 * 4 + 2 * 3 + 2 * 4);
  });

  it('charges 6,000 instructions per counted instruction and a 20 M base, a hundredth of the former for a module compiled since the last checkpoint', () => {
    expect(compilationInstructions(1_000, false)).toBe(20_000_000n + 6_000_000n);
    expect(compilationInstructions(1_000, true)).toBe(20_000_000n + 60_000n);
    // A module that does not compile is charged by its bytes.
    expect(failedCompilationInstructions(1_000)).toBe(20_000_000n + 6_000_000n);
  });
});
