/**
 * Builds the `ic0` import object for one canister instance: every function checks that the
 * current execution's context may call it (IC spec § Overview of imports) before running.
 */
import { traps } from '../errors.js';
import type { Ic0Imports } from '../wasm/instance.js';
import { callImports } from './calls.js';
import { API_CHARGES, debugPrintCharge, sizeOf } from './charges.js';
import { LIMITS } from '../constants.js';
import { certificationImports } from './certification.js';
import { ALLOWED, MODE_NAMES, type ExecutionContext } from './context.js';
import { cyclesImports } from './cycles.js';
import { environmentImports } from './environment.js';
import { messageImports } from './message.js';
import { stableImports } from './stable.js';

/** Holds the execution a canister instance is running, if any. */
export class SystemApi {
  private current: ExecutionContext | undefined;
  readonly imports: Ic0Imports;

  constructor() {
    const ctx = () => {
      if (!this.current) throw new Error('internal: a System API function was called outside of a message execution');
      return this.current;
    };
    const groups = {
      ...messageImports(ctx), ...cyclesImports(ctx), ...callImports(ctx), ...stableImports(ctx),
      ...certificationImports(ctx), ...environmentImports(ctx),
    } as Record<string, (...args: never[]) => unknown>;
    const imports: Ic0Imports = {};
    for (const [name, fn] of Object.entries(groups)) {
      const allowed = ALLOWED[name];
      if (!allowed) throw new Error(`internal: no context table entry for ic0.${name}`);
      const charge = API_CHARGES[name];
      if (!charge) throw new Error(`internal: no instruction charge for ic0.${name}`);
      const { overhead, sizeArgs } = charge;
      const isDebugPrint = name === 'debug_print';
      if (sizeArgs.length > 2) throw new Error(`internal: ic0.${name} has more size arguments than charged for`);
      const [first, second] = sizeArgs;
      // Most calls move no bytes or one run of them: their cost is computed without a loop.
      const costOf = isDebugPrint
        ? (args: never[]) => overhead + debugPrintCharge(sizeOf(args[1]), LIMITS.canisterLogBytes)
        : second !== undefined
          ? (args: never[]) => overhead + sizeOf(args[first!]) + sizeOf(args[second])
          : first !== undefined
            ? (args: never[]) => overhead + sizeOf(args[first])
            : undefined;
      imports[name] = (...args: never[]) => {
        const c = ctx();
        // Charged first, as the replica's linker does, so a call over the limit does nothing.
        c.meter.charge(costOf === undefined ? overhead : costOf(args));
        if (!allowed.has(c.kind)) throw traps.wrongMode(`ic0_${name}`, c.modeName ?? MODE_NAMES[c.kind]);
        return fn(...args);
      };
    }
    this.imports = imports;
  }

  /** Runs `fn` with `context` as the current execution. */
  run<T>(context: ExecutionContext, fn: () => T): T {
    const previous = this.current;
    this.current = context;
    try {
      return fn();
    } finally {
      this.current = previous;
    }
  }
}
