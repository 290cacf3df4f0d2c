/**
 * Instruction metering as the replica's embedder does it (dfinity/ic,
 * `rs/embedders/src/wasm_utils/instrumentation.rs`: `instruction_to_cost`, `injections`,
 * `inject_metering`). Facts carried over, not code:
 *
 * - Every Wasm instruction has a cost: most 1; the exceptions are in `SINGLE`, `FC_COSTS` and
 *   `SIMD_COSTS` below. Loads and stores cost 2 instead of 1 in a 64-bit memory.
 * - A function body is cut into basic blocks at `loop`, `if`, `else`, `br`, `br_if`, `br_table`,
 *   `end`, `return`, `unreachable` and the tail calls; the whole block's cost (the cost of its
 *   instructions, the terminating one included) is subtracted from a global i64 counter where
 *   the block starts. A function's first block starts at 1 (an empty function still costs).
 * - Only re-entrant blocks (a function's start, a loop body) check the counter and trap when it
 *   went negative (the emulator's code sets a flag, then executes `unreachable`); other blocks
 *   with a zero cost get no code at all.
 * - Bulk operations (`memory.fill/copy/init`, `table.fill/copy/init`) cost their static 100 and
 *   also their length in bytes (elements), subtracted and checked before they run.
 *
 * The counter counts down from the message's limit, so `limit - counter` is the instructions
 * executed so far (what `performance_counter(0)` returns).
 *
 * For speed the counter of a running function lives in a register, not in the global (a memory
 * access per block): every defined function takes it as an extra last parameter and returns it as
 * an extra last result, so a call passes it in registers (see `instrument.ts`). Keeping it in a
 * local and moving it through the global at every call and return instead cost 0.13× of a bare
 * call's time (measured on the benchmark's update: 30,000 calls per message, each a store and a
 * load the next function's code depended on). The global holds the count wherever something
 * outside the function can read it: around every call to the host (the System API reads and
 * charges it), at the end of an exported function (the emulator reads it), and before trapping for
 * running out of instructions, and before the canister's own `unreachable` (off the normal path,
 * so free). Each function's entry also stores it, so a trap of the engine's own (an out-of-bounds
 * access, a division by zero) loses at most the instructions its function ran since its entry or
 * its last host call; that changes nothing but the cycles a trapped execution is charged.
 */
import { ByteReader, ByteWriter } from './bytes.js';
import { FC, OP, readOperator, simdHasMemArg } from './instructions.js';

/** Costs of the single-byte opcodes; 1 unless listed. Index: opcode. */
const SINGLE = new Uint16Array(256).fill(1);
const set = (cost: number, ...ops: number[]) => { for (const op of ops) SINGLE[op] = cost; };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
set(0, OP.block, OP.loop, 0x05 /* else */, 0x0b /* end */);
set(2, OP.if, 0x0c /* br */, 0x0d /* br_if */, 0x0e /* br_table */);
set(5, OP.call);
set(10, 0x11 /* call_indirect */);
set(3, OP.returnCall);
set(60, 0x13 /* return_call_indirect */);
set(2, 0x23, 0x24); // global.get, global.set
set(5, 0x25, 0x26); // table.get, table.set
set(20, 0x3f); // memory.size
set(300, OP.memoryGrow);
set(10, 0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82); // integer div and rem
set(3, ...range(0x5b, 0x66)); // float comparisons
set(2, ...range(0x8d, 0x90), 0x92, 0x93, 0x94, 0x98); // f32 ceil..nearest, add, sub, mul, copysign
set(5, 0x91); // f32.sqrt
set(3, 0x95); // f32.div
set(18, 0x96, 0x97, 0xa4, 0xa5); // min, max
set(2, ...range(0x9b, 0x9e), 0xa0, 0xa1, 0xa2); // f64 ceil..nearest, add, sub, mul
set(8, 0x9f); // f64.sqrt
set(5, 0xa3); // f64.div
set(3, 0xa6); // f64.copysign
set(20, ...range(0xa8, 0xab), ...range(0xae, 0xb1)); // trapping float-to-int truncations
set(3, 0xb2, 0xb4, 0xb7, 0xb9); // signed int-to-float conversions
set(16, 0xb3, 0xb5, 0xb8, 0xba); // unsigned int-to-float conversions
set(5, 0xd1); // ref.is_null
set(130, OP.refFunc);

/** `0xfc` instructions: saturating truncations, bulk memory and table operations. */
const FC_COSTS: Record<number, number> = {
  0: 20, 1: 20, 2: 20, 3: 20, 4: 20, 5: 20, 6: 20, 7: 20,
  [FC.memoryInit]: 100, [FC.dataDrop]: 300, [FC.memoryCopy]: 100, [FC.memoryFill]: 100,
  12: 100 /* table.init */, 13: 300 /* elem.drop */, 14: 100 /* table.copy */, 15: 300 /* table.grow */,
  16: 100 /* table.size */, 17: 100 /* table.fill */,
};

/** SIMD instructions whose cost is not 1 (memory accesses are handled apart). */
const SIMD_COSTS: Record<number, number> = {
  13: 3, 38: 2, 40: 2, 48: 2, 50: 2, 58: 2, 60: 2, 98: 3, 107: 3, 108: 3, 109: 2,
  103: 2, 104: 2, 105: 2, 106: 2, 116: 2, 117: 2, 122: 2, 148: 2,
  125: 2, 127: 3, 139: 2, 140: 2, 141: 2, 157: 2, 159: 2, 171: 2, 172: 2, 173: 2, 181: 2,
  188: 2, 189: 2, 190: 2, 191: 2, 203: 2, 204: 3, 205: 2, 213: 4,
  224: 2, 225: 2, 227: 5, 228: 2, 229: 2, 230: 2, 231: 10, 232: 4, 233: 4,
  236: 2, 237: 2, 239: 14, 240: 2, 241: 2, 242: 2, 243: 12, 244: 4, 245: 5,
  248: 2, 249: 4, 251: 4, 252: 2, 253: 3,
};

/** Where a block starts in a function body and what it costs; `check`: re-entrant. */
export interface MeterPoint {
  pos: number;
  cost: number;
  check: boolean;
}

/**
 * Cuts the instructions of a body (`start` just past its locals) into the replica's metered
 * blocks. Zero-cost blocks that are not re-entrant are left out, as the replica leaves them.
 */
export function planMetering(bytes: Uint8Array, start: number, end: number, memory64: boolean): MeterPoint[] {
  const memoryAccess = memory64 ? 2 : 1;
  const points: MeterPoint[] = [];
  let current: MeterPoint = { pos: start, cost: 1, check: true };
  const cut = (pos: number, check: boolean) => {
    if (current.check || current.cost > 0) points.push(current);
    current = { pos, cost: 0, check };
  };
  const r = new ByteReader(bytes, start, end);
  while (r.pos < end) {
    const { op, sub } = readOperator(r);
    if (op >= 0x28 && op <= 0x3e) {
      current.cost += memoryAccess;
      continue;
    }
    if (op === OP.prefixFC) {
      current.cost += FC_COSTS[sub] ?? 1;
      continue;
    }
    if (op === OP.prefixSIMD) {
      current.cost += simdHasMemArg(sub) ? memoryAccess : (SIMD_COSTS[sub] ?? 1);
      continue;
    }
    current.cost += SINGLE[op]!;
    switch (op) {
      case OP.loop: cut(r.pos, true); break;
      case OP.if: case 0x05: case 0x0c: case 0x0d: case 0x0e: case 0x0b:
      case 0x0f: case 0x00: case OP.returnCall: case 0x13:
        cut(r.pos, false);
        break;
      default: break;
    }
  }
  if (current.check || current.cost > 0) points.push(current);
  return points;
}

/** Where the counter lives: the global the host reads, the function's local copy, the trap's flag. */
export interface CounterPlace {
  global: number;
  local: number;
  /** The i32 global set to 1 just before the code traps for running out of instructions. */
  outOfInstructions: number;
}

/** local ← global (function entry, after a call). */
export function emitLoad(w: ByteWriter, c: CounterPlace): void {
  w.byte(0x23).u32(c.global).byte(0x21).u32(c.local);
}

/** global ← local (before a call, a return, the function's end). */
export function emitStore(w: ByteWriter, c: CounterPlace): void {
  w.byte(0x20).u32(c.local).byte(0x24).u32(c.global);
}

/**
 * Subtracts a block's cost from the counter; a re-entrant block then checks it. A function's entry
 * (`entry`) also leaves the count in the global, so a Wasm trap loses at most what its function
 * ran (a loop header does not: a store there, every iteration, cost 0.03× of a bare call).
 */
export function emitCharge(w: ByteWriter, c: CounterPlace, point: MeterPoint, entry = false): void {
  w.byte(0x20).u32(c.local).byte(0x42).i32(point.cost).byte(0x7d);
  if (point.check) emitCheck(w, c, entry);
  else w.byte(0x21).u32(c.local);
}

/** Subtracts the i32 in `length` (a bulk operation's length) from the counter and checks it. */
export function emitDynamicCharge(w: ByteWriter, c: CounterPlace, length: number): void {
  w.byte(0x20).u32(c.local).byte(0x20).u32(length).byte(0xad /* i64.extend_i32_u */).byte(0x7d);
  emitCheck(w, c);
}

/**
 * With the new counter on the stack: local.tee; i64.const 0; i64.lt_s; if; store; flag ← 1;
 * unreachable; end. A trap, not a call to the host: a call inside every loop, even on a path never
 * taken, makes the engine keep the loop's values out of registers (measured: 10–25% of the
 * instrumented code's time). The host tells this trap from the canister's own `unreachable` by the flag.
 */
function emitCheck(w: ByteWriter, c: CounterPlace, store = false): void {
  if (store) w.byte(0x22).u32(c.local).byte(0x24).u32(c.global).byte(0x20).u32(c.local);
  else w.byte(0x22).u32(c.local);
  w.byte(0x42).byte(0).byte(0x53).byte(0x04).byte(0x40);
  if (!store) emitStore(w, c);
  w.byte(0x41).byte(1).byte(0x24).u32(c.outOfInstructions).byte(0x00).byte(0x0b);
}
