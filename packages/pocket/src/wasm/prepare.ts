/**
 * Validates a canister module the way the IC does at install time (IC interface spec § Canister
 * module format), then instruments and compiles it once per module hash.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

import { LIMITS } from '../constants.js';
import { IcError } from '../errors.js';
import { IC0_SIGNATURES, signatureMatches } from '../system-api/signatures.js';
import { WasmFormatError } from './bytes.js';
import { compiledInstructionCount } from './compilation-cost.js';
import { exceptionHandlingUse } from './exception-handling.js';
import { FUNCTION_COMPLEXITY_LIMIT, overlyComplexFunction } from './function-complexity.js';
import { instrument } from './instrument.js';
import { isWasm64 } from './memory64.js';
import { EXTERNAL, evalOffset, parseModule, type ParsedModule } from './module.js';

export interface PreparedModule {
  /** sha256 of the module as uploaded (gzipped modules are hashed compressed), as `module_hash`. */
  hash: Uint8Array;
  hashHex: string;
  /** Size of the module as uploaded. */
  size: number;
  /** The module as uploaded (kept so an instance's state can be saved and restored). */
  wasm: Uint8Array;
  compiled: WebAssembly.Module;
  memory: { min: number; max: number | undefined } | undefined;
  /** The module is wasm64 (64-bit memory), lowered to 32 bits: callbacks take an i64 `env`. */
  memory64: boolean;
  dataSegments: { offset: number; bytes: Uint8Array }[];
  /** Each defined mutable global: its export name and value type byte (0x7f i32, 0x7e i64, …). */
  mutableGlobals: { index: number; exportName: string; valType: number }[];
  tableExport: string | undefined;
  hasStart: boolean;
  /** Function type (params, results) of each table-reachable function is checked at call time by the engine. */
  updates: Set<string>;
  queries: Set<string>;
  compositeQueries: Set<string>;
  /** System exports present: canister_init, canister_heartbeat, … */
  system: Set<string>;
  publicMetadata: Map<string, Uint8Array>;
  privateMetadata: Map<string, Uint8Array>;
  customSectionsSize: number;
  /** Wasm instructions the replica's compilation counts (see `compilation-cost.ts`). */
  compiledInstructions: number;
}

const SYSTEM_EXPORTS = new Set([
  'canister_init', 'canister_inspect_message', 'canister_pre_upgrade', 'canister_post_upgrade',
  'canister_heartbeat', 'canister_global_timer', 'canister_on_low_wasm_memory',
]);

const invalid = (what: string) => new IcError('CanisterInvalidWasm', `Canister's Wasm module is not valid: ${what}`);

const cache = new Map<string, PreparedModule>();
const CACHE_LIMIT = 64;

/**
 * Prepares `wasm` (raw or gzipped) for execution, or throws the IC's `CanisterInvalidWasm` error.
 * Results are cached by module hash, so installing the same module twice compiles it once.
 */
export function prepareModule(wasm: Uint8Array): PreparedModule {
  const hash = createHash('sha256').update(wasm).digest();
  const hashHex = hash.toString('hex');
  const hit = cache.get(hashHex);
  if (hit) {
    cache.delete(hashHex);
    cache.set(hashHex, hit);
    return hit;
  }
  const prepared = prepareUncached(wasm, new Uint8Array(hash), hashHex);
  cache.set(hashHex, prepared);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return prepared;
}

/**
 * The size the replica charges a module that fails to compile by: its decompressed size if it
 * decompresses, else its size as uploaded (`max(decoded size, module size)`).
 * @example decodedSize(gzipped) // the inflated length
 */
export function decodedSize(wasm: Uint8Array): number {
  if (wasm[0] !== 0x1f || wasm[1] !== 0x8b || wasm[2] !== 0x08) return wasm.length;
  try {
    return Math.max(wasm.length, gunzipSync(wasm, { maxOutputLength: LIMITS.maxWasmModule }).byteLength);
  } catch {
    return wasm.length;
  }
}

function decode(wasm: Uint8Array): Uint8Array {
  if (wasm.length > LIMITS.maxWasmModule) {
    throw invalid(`Failed to decode wasm module: Wasm module is too large, it can be at most ${LIMITS.maxWasmModule} bytes`);
  }
  if (wasm[0] === 0x1f && wasm[1] === 0x8b && wasm[2] === 0x08) {
    let inflated: Uint8Array;
    try {
      inflated = gunzipSync(wasm, { maxOutputLength: LIMITS.maxWasmModule });
    } catch (error) {
      throw invalid(`Failed to decode wasm module: failed to decode compressed Wasm module: ${(error as Error).message}`);
    }
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  }
  if (wasm[0] === 0x00 && wasm[1] === 0x61 && wasm[2] === 0x73 && wasm[3] === 0x6d) return wasm;
  throw invalid('Failed to decode wasm module: unsupported canister module format');
}

function prepareUncached(wasm: Uint8Array, hash: Uint8Array, hashHex: string): PreparedModule {
  const bytes = decode(wasm);
  let engineError: Error | undefined;
  try {
    // The engine's own validation first, so malformed modules get its diagnosis.
    new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (error) {
    engineError = error as Error;
  }
  let parsed: ParsedModule;
  try {
    parsed = parseModule(bytes);
  } catch (error) {
    if (engineError) throw invalid(`Wasmtime failed to validate wasm module ${engineError.message}`);
    throw invalid(`Failed to decode wasm module: ${(error as Error).message}`);
  }
  // Node 20's engine rejects 64-bit memories and tables; such a module is validated by compiling
  // its 32-bit lowering instead (see memory64.ts).
  const memory64 = isWasm64(parsed);
  if (engineError && !memory64) throw invalid(`Wasmtime failed to validate wasm module ${engineError.message}`);
  const methods = validate(parsed);
  const metadata = readMetadata(parsed);

  let instrumented;
  try {
    instrumented = instrument(parsed);
  } catch (error) {
    if (error instanceof WasmFormatError) throw invalid((error as Error).message);
    throw error;
  }
  let compiled: WebAssembly.Module;
  try {
    compiled = new WebAssembly.Module(instrumented.bytes as Uint8Array<ArrayBuffer>);
  } catch (error) {
    if (memory64 && engineError) throw invalid(`Wasmtime failed to validate wasm module ${engineError.message}`);
    throw new Error(`internal: the instrumented module does not compile: ${(error as Error).message}`);
  }
  const memory = parsed.memories[0];
  const dataSegments = parsed.data
    .filter((seg) => seg.active)
    .map((seg) => ({ offset: evalOffset(seg.offsetExpr!, parsed), bytes: seg.bytes }));

  return {
    hash, hashHex, size: wasm.length, wasm, compiled,
    memory: memory ? { min: memory.min, max: memory.max } : undefined,
    memory64,
    dataSegments,
    mutableGlobals: instrumented.mutableGlobals,
    tableExport: instrumented.tableExport,
    hasStart: instrumented.hasStart,
    compiledInstructions: compiledInstructionCount(parsed),
    ...methods,
    ...metadata,
  };
}

function validate(m: ParsedModule): Pick<PreparedModule, 'updates' | 'queries' | 'compositeQueries' | 'system'> {
  // Proposals the replica's engine leaves off and Node's accepts: wasmtime refuses them before the
  // replica checks anything of its own. Threads: dfinity/ic `ensure_determinism`.
  if (m.memories.some((memory) => memory.shared)) throw invalid('Wasmtime failed to validate wasm module threads must be enabled for shared memories');
  const exceptions = exceptionHandlingUse(m);
  if (exceptions) throw invalid(`Wasmtime failed to validate wasm module ${exceptions}`);
  for (const imp of m.imports) {
    if (imp.kind !== EXTERNAL.func) {
      throw invalid(`Wasm module has an invalid import section. Only function imports are allowed, but '${imp.module}.${imp.name}' is not a function`);
    }
    const sig = imp.module === 'ic0' ? IC0_SIGNATURES[imp.name] : undefined;
    if (sig === undefined) {
      throw invalid(`Wasm module has an invalid import section. Module imports function '${imp.name}' from '${imp.module}' that is not exported by the runtime.`);
    }
    const type = m.types[imp.typeIndex!]!;
    if (!signatureMatches(sig, type.params, type.results, isWasm64(m))) {
      throw invalid(`Wasm module has an invalid import section. Module imports function '${imp.name}' from 'ic0' with an incorrect signature.`);
    }
  }
  if (m.memories.length > 1) throw invalid('Wasm module has an invalid memory section. At most one memory is allowed.');
  if (m.functions.length + m.importedFuncs > LIMITS.maxFunctions) {
    throw invalid(`Wasm module defined ${m.functions.length} functions which exceeds the maximum number allowed ${LIMITS.maxFunctions}.`);
  }
  if (m.globals.length > LIMITS.maxGlobals) {
    throw invalid(`Wasm module defined ${m.globals.length} globals which exceeds the maximum number allowed ${LIMITS.maxGlobals}.`);
  }
  const code = m.sections.find((s) => s.id === 10);
  if (code && code.end - code.start > LIMITS.maxCodeSection) {
    throw invalid(`Wasm module code section size of ${code.end - code.start} exceeds the maximum allowed size of ${LIMITS.maxCodeSection}.`);
  }
  const complex = overlyComplexFunction(m);
  if (complex) {
    throw invalid(`Wasm module contains a function at index ${complex.index} with complexity ${complex.complexity} which exceeds the maximum complexity allowed ${FUNCTION_COMPLEXITY_LIMIT}.`);
  }

  const updates = new Set<string>();
  const queries = new Set<string>();
  const compositeQueries = new Set<string>();
  const system = new Set<string>();
  let nameLength = 0;
  const funcType = (index: number) => {
    const typeIndex = index < m.importedFuncs ? m.imports.filter((i) => i.kind === EXTERNAL.func)[index]!.typeIndex! : m.functions[index - m.importedFuncs]!;
    return m.types[typeIndex]!;
  };
  for (const e of m.exports) {
    if (e.kind !== EXTERNAL.func || !e.name.startsWith('canister_')) continue;
    const type = funcType(e.index);
    if (type.params.length !== 0 || type.results.length !== 0) {
      throw invalid(`Wasm module has an invalid function signature. Expected function '${e.name}' to have type () -> ().`);
    }
    const method = /^canister_(update|query|composite_query) (.*)$/s.exec(e.name);
    if (method) {
      const [, kind, name] = method as unknown as [string, string, string];
      if (updates.has(name) || queries.has(name) || compositeQueries.has(name)) {
        throw invalid(`Duplicate function '${name}' exported multiple times with different call types: update, query, or composite_query.`);
      }
      (kind === 'update' ? updates : kind === 'query' ? queries : compositeQueries).add(name);
      nameLength += name.length;
    } else if (SYSTEM_EXPORTS.has(e.name)) {
      system.add(e.name);
    } else {
      throw invalid(`Wasm module has an invalid export section. Exporting a function with the name '${e.name}' is not allowed: names starting with 'canister_' are reserved for the IC's entry points.`);
    }
  }
  const methodCount = updates.size + queries.size + compositeQueries.size;
  if (methodCount > LIMITS.maxExportedMethods) {
    throw invalid(`Wasm module has an invalid export section. The number of exported functions called \`canister_update <name>\`, \`canister_query <name>\`, or \`canister_composite_query <name>\` is ${methodCount}, which exceeds the maximum ${LIMITS.maxExportedMethods}.`);
  }
  if (nameLength > LIMITS.maxExportedMethodNamesLength) {
    throw invalid(`Wasm module has an invalid export section. The sum of \`<name>\` lengths in exported functions is ${nameLength}, which exceeds the maximum ${LIMITS.maxExportedMethodNamesLength}.`);
  }
  return { updates, queries, compositeQueries, system };
}

function readMetadata(m: ParsedModule): Pick<PreparedModule, 'publicMetadata' | 'privateMetadata' | 'customSectionsSize'> {
  const publicMetadata = new Map<string, Uint8Array>();
  const privateMetadata = new Map<string, Uint8Array>();
  let size = 0;
  for (const section of m.customSections) {
    if (!section.name.startsWith('icp:')) continue;
    const match = /^icp:(public|private) (.*)$/s.exec(section.name);
    if (!match) {
      throw invalid(`Wasm module has an invalid custom section. Invalid custom section: Custom section '${section.name}' has no public/private scope defined.`);
    }
    const [, scope, name] = match as unknown as [string, string, string];
    if (publicMetadata.has(name) || privateMetadata.has(name)) {
      throw invalid(`Wasm module has an invalid custom section. Invalid custom section: Duplicate custom section named ${name}.`);
    }
    (scope === 'public' ? publicMetadata : privateMetadata).set(name, section.content);
    size += name.length + section.content.length;
  }
  const count = publicMetadata.size + privateMetadata.size;
  if (count > LIMITS.maxCustomSections) {
    throw invalid(`Wasm module defined ${count} custom sections which exceeds the maximum number allowed ${LIMITS.maxCustomSections}.`);
  }
  if (size > LIMITS.maxCustomSectionsBytes) {
    throw invalid(`Wasm module has an invalid custom section. Invalid custom section: Custom sections size of ${size} exceeds the maximum allowed size of ${LIMITS.maxCustomSectionsBytes}.`);
  }
  return { publicMetadata, privateMetadata, customSectionsSize: size };
}
