import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { setCustomSection } from './custom-section.js';
import { relativizeMainJsPath } from './reproducible.js';
import { gzipModule } from './release.js';

/** The part of a dfx.json canister entry the build reads. */
export interface CanisterEntry {
  type?: string;
  main?: string;
  candid?: string;
  wasm?: string;
  /** dfx's metadata entries; those with a `content` become `icp:<visibility> <name>` sections. */
  metadata?: { name: string; content?: string; visibility?: 'public' | 'private' }[];
}

export interface BuildResult {
  name: string;
  wasmPath: string;
  /** The same module gzipped (`<wasm>.gz`): what is published and installed. */
  gzipPath: string;
  candidPath: string;
  wasmBytes: number;
  millis: number;
}

const require = createRequire(import.meta.url);

/** Walks up from `start` to the directory holding `dfx.json` (the project root). */
export function findDfxRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'dfx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no dfx.json found in ${start} or any parent directory`);
    dir = parent;
  }
}

export async function readCanisterEntry(root: string, name: string): Promise<Required<Pick<CanisterEntry, 'main' | 'candid' | 'wasm'>> & Pick<CanisterEntry, 'metadata'>> {
  const dfx = JSON.parse(await readFile(join(root, 'dfx.json'), 'utf8')) as { canisters?: Record<string, CanisterEntry> };
  const entry = dfx.canisters?.[name];
  if (entry === undefined) throw new Error(`dfx.json has no canister named "${name}"`);
  for (const field of ['main', 'candid', 'wasm'] as const) {
    if (typeof entry[field] !== 'string') throw new Error(`dfx.json canister "${name}" needs a "${field}" path`);
  }
  return entry as Required<Pick<CanisterEntry, 'main' | 'candid' | 'wasm'>> & Pick<CanisterEntry, 'metadata'>;
}

/**
 * Builds the Azle canister `name` declared in `<root>/dfx.json`, offline: runs `azle build` (which
 * needs `CANISTER_CANDID_PATH` and writes `.azle/<name>/<name>.wasm`), then writes the module with an
 * `icp:public candid:service` section to the entry's `wasm` path (and gzipped beside it, `.wasm.gz`)
 * and the Candid to its `candid` path. Metadata entries of dfx.json with a `content` are added as
 * dfx adds them (e.g. the asset canister's `icp:public supported_certificate_versions` = `1,2`,
 * which HTTP gateways read to choose response verification v2).
 *
 * @example
 * await buildCanister('registry', { root: findDfxRoot(process.cwd()) });
 */
export async function buildCanister(name: string, options: { root: string; verbose?: boolean }): Promise<BuildResult> {
  const started = performance.now();
  const { root } = options;
  const entry = await readCanisterEntry(root, name);
  const candidPath = join(root, entry.candid);
  const wasmPath = join(root, entry.wasm);
  await mkdir(dirname(candidPath), { recursive: true });
  await mkdir(dirname(wasmPath), { recursive: true });

  await runAzleBuild(name, root, candidPath, options.verbose ?? false);

  const built = await readFile(join(root, '.azle', name, `${name}.wasm`));
  const candid = markCompositeQueries(await readFile(candidPath, 'utf8'), compositeQueryNames(built));
  await writeFile(candidPath, candid);
  let wasm = setCustomSection(relativizeMainJsPath(built, name), 'icp:public candid:service', new TextEncoder().encode(candid));
  for (const m of entry.metadata ?? []) {
    if (m.content === undefined || m.name === 'candid:service') continue;
    wasm = setCustomSection(wasm, `icp:${m.visibility ?? 'public'} ${m.name}`, new TextEncoder().encode(m.content));
  }
  await writeFile(wasmPath, wasm);
  const gzipPath = `${wasmPath}.gz`;
  await writeFile(gzipPath, gzipModule(wasm));
  return { name, wasmPath, gzipPath, candidPath, wasmBytes: wasm.length, millis: performance.now() - started };
}

/** Methods the module exports as `canister_composite_query <name>`. */
export function compositeQueryNames(wasm: Uint8Array): string[] {
  const module = new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>);
  return WebAssembly.Module.exports(module)
    .map((e) => /^canister_composite_query (.+)$/.exec(e.name)?.[1])
    .filter((n): n is string => n !== undefined);
}

/**
 * Azle 0.33 writes composite query methods as `query` in the Candid it generates; the module
 * exports them as composite queries, so the interface must say `composite_query`.
 */
export function markCompositeQueries(candid: string, names: string[]): string {
  let out = candid;
  for (const name of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`^(\\s*"?${escaped}"?\\s*:.*\\))\\s*query;$`, 'm'), '$1 composite_query;');
  }
  return out;
}

/** Azle exports no `./package.json`, so find its root from its main entry. */
function packageRoot(entry: string): string {
  let dir = dirname(entry);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${entry}`);
    dir = parent;
  }
  return dir;
}

/**
 * The directories of the code `buildCanister` runs besides the project's own files: this package,
 * and the Azle and tsx packages it resolves. A cache of builds must cover them.
 *
 * @example
 * const [canisterBuild, azle, tsx] = buildToolDirs();
 */
export function buildToolDirs(): string[] {
  return [packageRoot(fileURLToPath(import.meta.url)), packageRoot(require.resolve('azle')), packageRoot(require.resolve('tsx/cli'))];
}

function runAzleBuild(name: string, root: string, candidPath: string, verbose: boolean): Promise<void> {
  // Azle's bin is a TypeScript file with a `npx tsx` shebang; running it through tsx's CLI with
  // this Node keeps the build offline and independent of what is on PATH.
  const tsxCli = require.resolve('tsx/cli');
  const azleBuild = join(packageRoot(require.resolve('azle')), 'src', 'build.ts');
  const env = {
    ...process.env,
    AZLE_DFX_ROOT: root,
    CANISTER_CANDID_PATH: candidPath,
    ...(verbose ? { AZLE_VERBOSE: 'true' } : {}),
  };
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [tsxCli, azleBuild, 'build', name], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); if (verbose) process.stdout.write(d); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); if (verbose) process.stderr.write(d); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`azle build ${name} failed (exit ${code}):\n${output.trim()}`));
    });
  });
}
