/**
 * The replica's engine validates canister modules with the exception-handling proposal off:
 * dfinity/ic `wasmtime_validation_config` does not enable it, wasmtime leaves `wasm_exceptions`
 * off by default, and the replica's `test_initial_wasmtime_config` counts exceptions among the
 * proposals that must stay disabled. Node's engine accepts the proposal's legacy form (`try`,
 * `catch`, `throw`), so the emulator refuses such modules itself, with the words of wasmtime's
 * validator (`wasmparser`), which the replica reports before any check of its own.
 */
import { readOperator } from './instructions.js';
import { EXTERNAL, SECTION, functionBodies, type ParsedModule } from './module.js';

/** The proposal's opcodes: 1 for its legacy form (try, catch, rethrow, delegate, catch_all), 2 for its final form (throw, throw_ref, try_table). */
const KIND = new Uint8Array(256);
for (const op of [0x06, 0x07, 0x09, 0x18, 0x19]) KIND[op] = 1;
for (const op of [0x08, 0x0a, 0x1f]) KIND[op] = 2;

/**
 * Why wasmtime, configured as the replica configures it, refuses the module for using exception
 * handling, or undefined if it does not use it. The first use in module order decides, as in the
 * validator: a tag (imported or defined), then an instruction, with its offset in the module.
 *
 * @example exceptionHandlingUse(parseModule(wasm)) // 'legacy exceptions support is not enabled (at offset 0x2f)'
 */
export function exceptionHandlingUse(module: ParsedModule): string | undefined {
  if (module.imports.some((i) => i.kind === EXTERNAL.tag)) return 'exceptions proposal not enabled';
  const tags = module.sections.find((s) => s.id === SECTION.tag);
  if (tags) return `exceptions proposal not enabled (at offset ${hex(tags.start)})`;
  for (const body of functionBodies(module)) {
    while (!body.done) {
      const at = body.pos;
      const { op } = readOperator(body);
      const kind = KIND[op];
      if (kind === 1) return `legacy exceptions support is not enabled (at offset ${hex(at)})`;
      if (kind === 2) return `exceptions support is not enabled (at offset ${hex(at)})`;
    }
  }
  return undefined;
}

const hex = (offset: number) => `0x${offset.toString(16)}`;
