/**
 * Builds Azle's `hello_world` example with `AZLE_RECORD_BENCHMARKS=true`, so the canister records
 * `performance_counter(1)` after each update and returns it from `_azle_get_benchmarks`.
 *
 * Azle 0.33.0's benchmark-recording prelude reads `canisterClassMeta`, a name undefined where the
 * prelude runs; `globalThis._azleCanisterClassMeta` is meant. The build therefore runs a copy of
 * the installed azle package, in a temporary directory, with that one name corrected; the
 * installed package is never touched. Other dependencies resolve through symlinks to the
 * workspace's `node_modules`. The result is kept in the temporary directory under a key of the
 * azle version and the corrected source, so a second run reuses it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const WORKSPACE_MODULES = fileURLToPath(new URL('../../../../node_modules', import.meta.url));
const AZLE = join(WORKSPACE_MODULES, 'azle');
const PRELUDE = join('src', 'stable', 'build', 'commands', 'build', 'javascript.ts');
const BROKEN = 'const methodMeta = canisterClassMeta.methodMeta;';
const FIXED = 'const methodMeta = globalThis._azleCanisterClassMeta.methodMeta;';

/** Azle's published figure for `hello_world`'s `setMessage`, and the version that measured it. */
export async function publishedHelloWorldFigure(): Promise<{ version: string; method: string; instructions: bigint }> {
  const json = JSON.parse(await readFile(join(AZLE, 'examples', 'stable', 'demo', 'hello_world', 'benchmarks.json'), 'utf8')) as {
    hello_world: { current: { version: string; benchmarks: { method_name: string; instructions: string }[] } };
  };
  const current = json.hello_world.current;
  const entry = current.benchmarks[0]!;
  return { version: current.version, method: entry.method_name, instructions: BigInt(entry.instructions) };
}

/**
 * Returns the path of the benchmark-recording `hello_world` module, building it if needed.
 *
 * @example
 * const wasm = await readFile(await buildHelloWorldWithBenchmarks());
 */
export async function buildHelloWorldWithBenchmarks(): Promise<string> {
  const prelude = await readFile(join(AZLE, PRELUDE), 'utf8');
  if (!prelude.includes(BROKEN)) throw new Error(`azle's ${PRELUDE} no longer has the line this harness corrects`);
  const azleVersion = (JSON.parse(await readFile(join(AZLE, 'package.json'), 'utf8')) as { version: string }).version;
  const key = createHash('sha256').update(azleVersion).update(prelude).digest('hex').slice(0, 16);
  const root = join(tmpdir(), `lineage-azle-hello-world-benchmarks-${key}`);
  const wasmPath = join(root, 'project', '.azle', 'hello_world', 'hello_world.wasm');
  if (existsSync(wasmPath)) return wasmPath;

  const work = `${root}.${process.pid}`;
  await rm(work, { recursive: true, force: true });
  const project = join(work, 'project');
  const modules = join(project, 'node_modules');
  await mkdir(join(project, 'src'), { recursive: true });
  await mkdir(modules);
  for (const name of await readdir(WORKSPACE_MODULES)) {
    if (name !== 'azle') await symlink(join(WORKSPACE_MODULES, name), join(modules, name));
  }
  await cp(AZLE, join(modules, 'azle'), { recursive: true, dereference: true });
  await writeFile(join(modules, 'azle', PRELUDE), prelude.replace(BROKEN, FIXED));
  await cp(join(AZLE, 'examples', 'stable', 'demo', 'hello_world', 'src', 'index.ts'), join(project, 'src', 'index.ts'));
  await writeFile(join(project, 'dfx.json'), JSON.stringify({ canisters: { hello_world: { type: 'azle', main: 'src/index.ts', candid: 'hello_world.did' } } }));

  await run(process.execPath, [require.resolve('tsx/cli'), join(modules, 'azle', 'src', 'build.ts'), 'build', 'hello_world'], project, {
    ...process.env, AZLE_DFX_ROOT: project, CANISTER_CANDID_PATH: join(project, 'hello_world.did'), AZLE_RECORD_BENCHMARKS: 'true',
  });
  await rm(root, { recursive: true, force: true });
  await mkdir(dirname(root), { recursive: true });
  await rename(work, root);
  return wasmPath;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`azle build hello_world failed (exit ${code}):\n${output.trim()}`))));
  });
}
