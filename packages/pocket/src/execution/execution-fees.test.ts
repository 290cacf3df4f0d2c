/**
 * What executing an update costs on a 13-node application subnet (dfinity/ic
 * `rs/config/src/subnet_config.rs`, `CyclesAccountManagerConfig::application_subnet`): a base fee of
 * 5 million cycles and 10 cycles per 10 instructions, twice that per instruction of a wasm64 module
 * (`WASM64_INSTRUCTION_COST_OVERHEAD`).
 */
import { describe, expect, it } from 'vitest';

import { instanceWithWat, submit } from '../../test/support/ingress.js';

/** `spin` counts down from 100,000 without touching memory, so both memories run the same instructions. */
const source = (memory: string) => `(module
  (import "ic0" "msg_reply" (func $reply))
  (memory ${memory} 1)
  (func (export "canister_update spin") (local $n i32)
    (local.set $n (i32.const 100000))
    (loop $l (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
    (call $reply)))`;

async function spin(memory: string) {
  const { ic, id } = await instanceWithWat(`fees-${memory}`, source(memory));
  const feesBefore = ic.stats.fees.length;
  const result = ic.awaitIngress(submit(ic, id, 'spin', new Uint8Array([0x44, 0x49, 0x44, 0x4c, 0, 0])));
  expect(result).toHaveProperty('Ok');
  const run = ic.stats.executions.filter((e) => e.canister === id.toText() && e.method === 'canister_update spin').at(-1)!;
  const paid = (kind: string) => ic.stats.fees.slice(feesBefore).filter((f) => f.canister === id.toText() && f.kind === kind).reduce((sum, f) => sum + f.cycles, 0n);
  return { instructions: run.instructions, execution: paid('execution'), perInstructions: paid('instructions') };
}

describe('the execution fee', () => {
  it('is 5 M cycles and one cycle per instruction for a wasm32 module', async () => {
    const r = await spin('i32');
    expect(r.instructions).toBeGreaterThan(300_000n);
    expect(r.execution).toBe(5_000_000n);
    expect(r.perInstructions).toBe(r.instructions);
  });

  it('is 5 M cycles and two cycles per instruction for a wasm64 module, which runs as many', async () => {
    const [narrow, wide] = [await spin('i32'), await spin('i64')];
    expect(wide.instructions).toBe(narrow.instructions);
    expect(wide.execution).toBe(5_000_000n);
    expect(wide.perInstructions).toBe(2n * wide.instructions);
  });
});

