import { describe, expect, it } from 'vitest';

import { wat } from '../../test/support/wat.js';
import { functionComplexities, overlyComplexFunction } from './function-complexity.js';
import { parseModule } from './module.js';

describe('function complexity (the replica weighs instructions by how long they take to compile)', () => {
  it('weighs each instruction as the replica does, counted by hand', async () => {
    const module = parseModule(await wat(`(module (memory 1)
      (func (param i32) (result i32)
        (block (br_if 0 (i32.eqz (local.get 0))))
        (i32.load (local.get 0)))
      (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 1)) (drop (f64.neg (f64.const 1)))))`));
    // block 50, local.get 1, i32.eqz 2, br_if 50, end 1, local.get 1, i32.load 3, end 1.
    // i32.const ×3 3, memory.fill 3, f64.const 1, f64.neg 4, drop 1, end 1.
    expect(functionComplexities(module)).toEqual([109, 13]);
    expect(overlyComplexFunction(module)).toBeUndefined();
  });

  it('finds the first function past 1,000,000', async () => {
    const branches = '(br 0)'.repeat(20_000); // 50 each, and the block's 50 and two ends
    const module = parseModule(await wat(`(module (func) (func (block ${branches})))`));
    expect(functionComplexities(module)).toEqual([1, 1_000_052]);
    expect(overlyComplexFunction(module)).toEqual({ index: 1, complexity: 1_000_052 });
  });
});
