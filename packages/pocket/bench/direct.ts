/**
 * The baseline: a canister module on a bare `WebAssembly.Instance` with the smallest `ic0` that
 * runs it (arguments, reply, a growable stable memory, a clock). No journal, no checks, no
 * scheduler: what calling the method "directly" costs in this process.
 *
 * With `instrumented`, the module is the emulator's instrumented one (metering, dirty-page
 * tracking, the memory imported; see `src/wasm/instrument.ts`) on the emulator's `WasmInstance`,
 * still with this minimal `ic0` and no message bookkeeping: what the instrumentation alone costs.
 */
import { prepareModule } from '../src/wasm/prepare.js';
import { WasmInstance } from '../src/wasm/instance.js';

export class DirectCanister {
  private call_: (exportName: string) => void;
  private arg: Uint8Array = new Uint8Array();
  private reply: Uint8Array[] = [];
  private stable: Uint8Array = new Uint8Array(0);

  constructor(wasm: Uint8Array, instrumented = false) {
    const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
    let mem: () => Uint8Array;
    const names = WebAssembly.Module.imports(module).map((i) => i.name);
    const ic0: Record<string, (...args: never[]) => unknown> = {};
    for (const name of names) ic0[name] = () => 0;
    Object.assign(ic0, {
      msg_arg_data_size: () => this.arg.length,
      msg_arg_data_copy: (d: number, o: number, s: number) => mem().set(this.arg.subarray(o, o + s), d),
      msg_caller_size: () => 1,
      msg_caller_copy: (d: number) => { mem()[d] = 4; },
      msg_reply_data_append: (p: number, s: number) => { this.reply.push(mem().slice(p, p + s)); },
      time: () => 1_700_000_000_000_000_000n,
      global_timer_set: () => 0n,
      performance_counter: () => 0n,
      canister_version: () => 1n,
      stable64_size: () => BigInt(this.stable.length / 65536),
      stable64_grow: (n: bigint) => {
        const old = this.stable.length / 65536;
        const grown = new Uint8Array(this.stable.length + Number(n) * 65536);
        grown.set(this.stable);
        this.stable = grown;
        return BigInt(old);
      },
      stable64_write: (o: bigint, p: bigint, s: bigint) => this.stable.set(mem().subarray(Number(p), Number(p + s)), Number(o)),
      stable64_read: (d: bigint, o: bigint, s: bigint) => mem().set(this.stable.subarray(Number(o), Number(o + s)), Number(d)),
      trap: (p: number, s: number) => { throw new Error(new TextDecoder().decode(mem().slice(p, p + s))); },
    });
    if (instrumented) {
      const instance = WasmInstance.create(prepareModule(wasm), ic0);
      mem = () => instance.heap.subarray(0, instance.heap.byteLength);
      instance.runStart();
      this.call_ = (name) => {
        instance.startMetering(1n << 50n);
        instance.invoke(name);
      };
    } else {
      const instance = new WebAssembly.Instance(module, { ic0 } as WebAssembly.Imports);
      mem = () => new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
      this.call_ = (name) => (instance.exports[name] as () => void)();
    }
  }

  call(exportName: string, arg: Uint8Array): Uint8Array {
    this.arg = arg;
    this.reply = [];
    this.call_(exportName);
    return Buffer.concat(this.reply);
  }
}
