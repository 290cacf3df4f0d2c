/**
 * Compiles Motoko canisters at test time with the `motoko` npm package (moc built to JavaScript),
 * offline. `motoko` is the current compiler, whose default output uses enhanced orthogonal
 * persistence and is therefore wasm64 (64-bit memory and table). `motoko-classic` is an older
 * compiler (moc of npm `motoko` 3.11) whose default is classical persistence, a 32-bit module: the
 * current npm build of moc does not accept `--legacy-persistence`.
 */
import { createRequire } from 'node:module';

type Moc = {
  write(path: string, content: string): void;
  wasm(path: string, mode: 'ic'): { wasm: Uint8Array; candid: string };
};

const require = createRequire(import.meta.url);
let current: Moc | undefined;
let classic: Moc | undefined;

/**
 * Compiles `source` (a whole actor, importing nothing but `mo:⛔`) to a canister module.
 * @example const wasm = compileMotoko('persistent actor { public func f() : async () {} }', 'wasm64');
 */
export function compileMotoko(source: string, flavour: 'wasm64' | 'wasm32'): Uint8Array {
  const moc = flavour === 'wasm64' ? (current ??= load('motoko')) : (classic ??= load('motoko-classic'));
  moc.write('Main.mo', source);
  return moc.wasm('Main.mo', 'ic').wasm;
}

function load(name: string): Moc {
  const mod = require(name) as { default?: Moc } & Moc;
  return mod.default ?? mod;
}
