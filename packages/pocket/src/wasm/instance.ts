/**
 * One instantiation of a prepared canister module over a heap the emulator owns, with the
 * begin/commit/rollback that gives every message execution its atomicity.
 */
import { Trap, traps } from '../errors.js';
import { HOST_MODULE, EXPORT } from './instrument.js';
import { Heap, type HeapChanges } from './heap.js';
import type { PreparedModule } from './prepare.js';

export type Ic0Imports = Record<string, (...args: never[]) => unknown>;

/** A message's changes to an instance, taken out by `WasmInstance.setAside`. */
export interface InstanceChanges {
  heap: HeapChanges;
  globals: (number | bigint)[];
}

export class WasmInstance {
  private instance!: WebAssembly.Instance;
  private globals: WebAssembly.Global[] = [];
  private globalsAtStart: unknown[] = [];
  /** The instruction counter the instrumented code counts down (see `metering.ts`). */
  private counter!: WebAssembly.Global;
  /** Set by the instrumented code just before it traps for running out of instructions. */
  private outOfInstructions!: WebAssembly.Global;
  /** The memory the instance was instantiated over (the heap replaces its memory to shrink it). */
  private boundMemory!: WebAssembly.Memory;
  /** The limit of the execution under way: the counter's value when it began. */
  private limit = 0n;
  private before = 0n;

  private constructor(readonly module: PreparedModule, readonly heap: Heap, private readonly ic0: Ic0Imports) {
    this.instantiate();
  }

  /**
   * Instantiates `module` over a fresh heap holding its data segments. The start function is not
   * run: the caller runs `runStart()` in the IC's `(start)` context.
   */
  static create(module: PreparedModule, ic0: Ic0Imports): WasmInstance {
    const heap = new Heap(module.memory?.min ?? 0, module.memory?.max);
    for (const segment of module.dataSegments) {
      if (!heap.inBounds(segment.offset, segment.bytes.length)) {
        throw new Trap('CanisterInvalidWasm', "Canister's Wasm module is not valid: data segment does not fit in memory", '');
      }
      heap.writeUntracked(segment.offset, segment.bytes);
    }
    return new WasmInstance(module, heap, ic0);
  }

  /**
   * Instantiates `module` over an existing heap, keeping its contents (an upgrade with
   * `wasm_memory_persistence = keep`, for enhanced orthogonal persistence).
   */
  static createOver(module: PreparedModule, heap: Heap, ic0: Ic0Imports): WasmInstance {
    return new WasmInstance(module, heap, ic0);
  }

  private instantiate(): void {
    this.boundMemory = this.heap.memory;
    const host = {
      memory_grow: this.heap.grow,
      before_write: this.heap.beforeWrite,
      before_copy: this.heap.beforeCopy,
      memory: this.heap.memory,
    };
    this.instance = new WebAssembly.Instance(this.module.compiled, { ic0: this.ic0, [HOST_MODULE]: host } as WebAssembly.Imports);
    this.globals = this.module.mutableGlobals.map((g) => this.instance.exports[g.exportName] as WebAssembly.Global);
    const counter = this.counter as WebAssembly.Global | undefined;
    this.counter = this.instance.exports[EXPORT.instructions] as WebAssembly.Global;
    if (counter) this.counter.value = counter.value;
    this.outOfInstructions = this.instance.exports[EXPORT.outOfInstructions] as WebAssembly.Global;
  }

  /**
   * Starts counting an execution allowed `limit` instructions, `before` of which earlier
   * executions of the same message used (an upgrade's `pre_upgrade` before its `post_upgrade`).
   */
  startMetering(limit: bigint, before = 0n): void {
    this.limit = limit;
    this.before = before;
    this.counter.value = limit - before;
    this.outOfInstructions.value = 0;
  }

  /** Instructions executed since `startMetering` (may exceed the limit by one block's cost). */
  instructions(): bigint {
    return this.limit - this.before - (this.counter.value as bigint);
  }

  /**
   * Charges `n` instructions of System API work, trapping as the replica does when that leaves
   * the counter negative (dfinity/ic `linker.rs`, `charge_direct_fee`).
   */
  charge(n: number): void {
    const left = (this.counter.value as bigint) - BigInt(n);
    this.counter.value = left;
    if (left < 0n) throw traps.instructionLimit(this.limit);
  }

  /** The values of the module's mutable globals (saving an instance's state). */
  globalValues(): (number | bigint)[] {
    return this.globals.map((g) => g.value as number | bigint);
  }

  /** Puts back saved heap bytes and mutable globals over a fresh instantiation. */
  restore(heap: Uint8Array, globals: (number | bigint)[]): void {
    this.heap.load(heap);
    this.globals.forEach((g, k) => { g.value = globals[k]; });
  }

  hasExport(name: string): boolean {
    return typeof this.instance.exports[name] === 'function';
  }

  runStart(): void {
    if (this.module.hasStart) this.run(() => (this.instance.exports[EXPORT.start] as () => void)());
  }

  /** Calls an exported entry point (`canister_update foo`, `canister_init`, …). */
  invoke(exportName: string): void {
    const fn = this.instance.exports[exportName];
    if (typeof fn !== 'function') throw new Error(`internal: export ${exportName} is missing`);
    this.run(fn as () => void);
  }

  /** Runs canister code, telling the trap of a metering check (see `metering.ts`) from the others. */
  private run(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (this.outOfInstructions.value !== 0) throw traps.instructionLimit(this.limit);
      throw error;
    }
  }

  /** Calls the callback at `index` of the function table with `env` (IC spec: `(env : I) -> ()`). */
  invokeTableFunction(index: number, env: number | bigint): void {
    const table = this.module.tableExport === undefined ? undefined : (this.instance.exports[this.module.tableExport] as WebAssembly.Table);
    let fn: unknown;
    try {
      fn = table?.get(index);
    } catch {
      fn = undefined;
    }
    if (typeof fn !== 'function') {
      throw new Trap('CanisterFunctionNotFound', `Canister requested to invoke a non-existent Wasm function ${index} from table 0`, traps.toolchain('').help);
    }
    // A wasm64 callback takes `env : i64` (a BigInt from JavaScript), a 32-bit one `env : i32`.
    // Every function in the table takes the instruction counter last and returns it last (see
    // `metering.ts`); arguments a callback of another type lacks are left undefined, as before.
    const callee = fn as (...args: unknown[]) => unknown;
    const args: unknown[] = new Array(callee.length - 1).fill(undefined); // its own parameters
    if (args.length > 0) args[0] = this.module.memory64 ? BigInt(env) : Number(env);
    this.run(() => {
      const out = callee(...args, this.counter.value);
      this.counter.value = Array.isArray(out) ? out[out.length - 1] : out;
    });
  }

  begin(): void {
    this.heap.begin();
    this.globalsAtStart = this.globals.map((g) => g.value);
  }

  commit(): void {
    this.heap.commit();
  }

  rollback(): void {
    const replacement = this.heap.rollback();
    if (replacement) this.instantiate();
    this.globals.forEach((g, k) => { g.value = this.globalsAtStart[k]; });
  }

  /**
   * Takes the current message's changes to the memory and the globals out (see
   * `Heap.pendingChanges`) and rolls them back: the instance is as at `begin` until `reapply`.
   *
   * @example instance.begin(); instance.invoke('canister_update f'); const changes = instance.setAside(); …; instance.reapply(changes);
   */
  setAside(): InstanceChanges {
    const changes = { heap: this.heap.pendingChanges(), globals: this.globalValues() };
    this.rollback();
    return changes;
  }

  /**
   * Puts back and commits changes taken out by `setAside` (or, for a module instantiated over a
   * heap it shares, by another instance's `setAside`, with its own globals). Instantiates again if
   * the heap's memory was replaced meanwhile.
   *
   * @example fresh.reapply({ heap: old.setAside().heap, globals: fresh.globalValues() });
   */
  reapply(changes: InstanceChanges): void {
    this.begin();
    this.heap.reapply(changes.heap);
    if (this.boundMemory !== this.heap.memory) this.instantiate();
    this.globals.forEach((g, k) => { g.value = changes.globals[k]; });
    this.commit();
  }
}
