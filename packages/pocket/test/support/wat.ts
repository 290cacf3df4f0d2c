/** Compiles WebAssembly text to a module, with the features IC canisters may use. */
import wabtInit from 'wabt';

let wabt: Awaited<ReturnType<typeof wabtInit>> | undefined;

export async function wat(source: string, extra: Record<string, boolean> = {}): Promise<Uint8Array> {
  wabt ??= await wabtInit();
  const module = wabt.parseWat('canister.wat', source, {
    bulk_memory: true, reference_types: true, multi_value: true, simd: true, sign_extension: true,
    sat_float_to_int: true, mutable_globals: true, memory64: true, ...extra,
  });
  try {
    module.resolveNames();
    module.validate();
    return new Uint8Array(module.toBinary({ write_debug_names: true }).buffer);
  } finally {
    module.destroy();
  }
}
