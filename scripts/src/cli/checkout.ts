/**
 * A clean checkout of the commit a release names, built with the repository's own build: what
 * `lineage verify wasm --attest` rebuilds from. Checkouts are kept under `.lineage/sources/<commit>`
 * and reused only while they are still exactly that commit (clean, HEAD at it), so attesting
 * several canisters of one release installs once.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { projectPath } from './project.js';

const run = promisify(execFile);

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', cwd, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Whether `dir` is a clean checkout of `commit` (tracked files unchanged; build output is ignored by git). */
async function isCheckoutOf(dir: string, commit: string): Promise<boolean> {
  if (!existsSync(join(dir, '.git'))) return false;
  try {
    return (await git(dir, ['rev-parse', 'HEAD'])) === commit && (await git(dir, ['status', '--porcelain', '--untracked-files=no'])) === '';
  } catch {
    return false;
  }
}

/**
 * Checks out `commit` of `repo` (a URL or a path git can clone) into `dir` (default
 * `.lineage/sources/<commit>`), unless a clean checkout of it is already there. Answers the directory.
 */
export async function checkoutCommit(repo: string, commit: string, dir = projectPath('sources', commit), note: (s: string) => void = () => {}): Promise<string> {
  if (!/^[0-9a-f]{7,64}$/.test(commit)) throw new Error(`the release names the commit "${commit}", which is not a git object id`);
  if (await isCheckoutOf(dir, commit)) return dir;
  rmSync(dir, { recursive: true, force: true });
  note(`cloning ${repo} and checking out ${commit.slice(0, 12)} into ${dir}…`);
  await run('git', ['clone', '--quiet', '--no-checkout', repo, dir], { maxBuffer: 16 * 1024 * 1024 });
  await git(dir, ['checkout', '--quiet', '--detach', commit]);
  if (!(await isCheckoutOf(dir, commit))) throw new Error(`checking out ${commit} of ${repo} did not give a clean checkout`);
  return dir;
}

/**
 * Installs the checkout's dependencies with the repository's own tools: `pnpm install
 * --frozen-lockfile` (lifecycle scripts off, as the repository installs), so its toolchain
 * (Azle, TypeScript) is the one its lockfile pins.
 */
export async function installCheckout(dir: string, note: (s: string) => void = () => {}): Promise<void> {
  note(`installing the checkout's dependencies (pnpm install --frozen-lockfile)…`);
  await run('npx', ['-y', 'pnpm@10', 'install', '--frozen-lockfile', '--prefer-offline', '--ignore-scripts'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
}

/**
 * The pnpm filters that select what canister package `pkg` needs built: the package, its
 * workspace dependencies and devDependencies (its build runs with them, e.g. the build tool), and
 * their production dependencies, recursively. Their own devDependencies (test fixtures, emulators)
 * are left out: the consumer of a package never gets its devDependencies.
 */
export function buildFilters(pkg: { name: string; devDependencies?: Record<string, string> }): string[] {
  const devWorkspace = Object.entries(pkg.devDependencies ?? {}).filter(([, spec]) => spec.startsWith('workspace:')).map(([dep]) => dep);
  return [pkg.name, ...devWorkspace].flatMap((name) => ['--filter-prod', `${name}...`]);
}

/** How `buildInCheckout` got the module: built with the narrow filters, with the full closure, or already built. */
export type CheckoutBuild = 'narrow' | 'full' | 'existing';

/**
 * Builds canister `name` in an installed checkout `dir` with its own build: the `build` script of
 * the canister's package and of the workspace packages it needs (`buildFilters`). Should that fail
 * (a dependency whose build needs one of its devDependencies), it builds the whole closure pnpm's
 * `<pkg>...` selects. A package left out can only make the build fail, never change the module: a
 * clean checkout has no build output to pick up instead. Answers the built module (the one already
 * built there, if any).
 */
export async function buildInCheckout(dir: string, name: string, note: (s: string) => void = () => {}): Promise<{ module: Uint8Array; build: CheckoutBuild }> {
  // The checkout is clean at the commit (checked by `checkoutCommit`), so a module its build
  // already wrote is what that commit builds to: attesting a second release of it costs no build.
  const built = join(dir, 'canisters', name, 'dist', `${name}.wasm`);
  if (existsSync(built)) {
    note(`using the module this checkout's build already produced (${built})`);
    return { module: new Uint8Array(readFileSync(built)), build: 'existing' };
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'canisters', name, 'package.json'), 'utf8')) as { name: string; devDependencies?: Record<string, string> };
  const filters = buildFilters(pkg);
  note(`building ${pkg.name} and the workspace packages it needs with the checkout's own build (pnpm ${filters.join(' ')} run build)…`);
  let build: CheckoutBuild = 'narrow';
  try {
    await run('npx', ['-y', 'pnpm@10', ...filters, 'run', 'build'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    note(`that build failed (${firstLine(error)}); building ${pkg.name} with all its workspace dependencies (pnpm --filter ${pkg.name}... run build)…`);
    build = 'full';
    await run('npx', ['-y', 'pnpm@10', '--filter', `${pkg.name}...`, 'run', 'build'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  }
  return { module: new Uint8Array(readFileSync(built)), build };
}

function firstLine(error: unknown): string {
  return ((error as Error).message ?? String(error)).split('\n')[0]!.slice(0, 200);
}
