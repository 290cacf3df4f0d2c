/**
 * Build provenance: what a verifier needs to rebuild a release, written into the module's public
 * metadata (`icp:public lineage:build`, JSON) when a version is published with `--stamp`. The one
 * production user of ICRC-126 found that compiler-version drift made every rebuild diverge until the
 * toolchain was pinned in the module, so the toolchain is recorded next to the source: the
 * repository and commit, the build command, and the versions of Node, pnpm, Azle and TypeScript,
 * and the lockfile's sha256 (which pins every other dependency).
 *
 * It is written at release time, not by the build: the build must stay byte-identical wherever
 * the repository is checked out, and a checkout's remote URL is not part of the source.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const BUILD_SECTION = 'icp:public lineage:build';

/** The command that builds every canister of a checkout, as the repository documents it. */
export const BUILD_COMMAND = 'npx -y pnpm@10 install --frozen-lockfile && npx -y pnpm@10 build';

export interface Toolchain {
  node: string;
  pnpm: string;
  azle: string;
  typescript: string;
  /** sha256 (hex) of `pnpm-lock.yaml`. */
  lockfile_sha256: string;
}

export interface BuildProvenance extends Toolchain {
  repo: string;
  /** The git commit (hex) the release was built from. */
  commit: string;
  build: string;
}

const TOOLCHAIN_FIELDS: (keyof Toolchain)[] = ['node', 'pnpm', 'azle', 'typescript', 'lockfile_sha256'];

function packageVersion(root: string, name: string): string {
  try {
    const require = createRequire(join(root, 'package.json'));
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

/** pnpm as it runs this process (`npm_config_user_agent`), else the version the repository pins (`packageManager`). */
function pnpmVersion(root: string): string {
  const agent = /^pnpm\/(\S+)/.exec(process.env.npm_config_user_agent ?? '');
  if (agent) return agent[1]!;
  try {
    const pinned = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager?: string }).packageManager;
    return /^pnpm@(.+)$/.exec(pinned ?? '')?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The toolchain a build in `root` uses: this Node, and the pnpm, Azle, TypeScript and lockfile of the checkout.
 *
 * @example
 * localToolchain('/src/lineage') // → { node: 'v20.19.0', pnpm: '10.34.9', azle: '0.33.0', typescript: '5.9.3', lockfile_sha256: '…' }
 */
export function localToolchain(root: string): Toolchain {
  const lock = join(root, 'pnpm-lock.yaml');
  return {
    node: process.version,
    pnpm: pnpmVersion(root),
    azle: packageVersion(root, 'azle'),
    typescript: packageVersion(root, 'typescript'),
    lockfile_sha256: existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex') : 'missing',
  };
}

const git = (root: string, args: string[]): string | undefined => {
  try {
    return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
};

/**
 * The provenance of a build of the checkout `root`: its commit (HEAD), its repository (`repo`, else
 * the `origin` remote, else the checkout's path) and its toolchain. Throws when `root` is no git checkout.
 *
 * @example
 * const provenance = buildProvenance(process.cwd(), { repo: 'https://github.com/lineage-dapps/lineage' });
 */
export function buildProvenance(root: string, options: { repo?: string } = {}): BuildProvenance {
  const commit = git(root, ['rev-parse', 'HEAD']);
  if (!commit) throw new Error(`${root} is not a git checkout: a release names the commit it was built from`);
  const repo = options.repo ?? git(root, ['remote', 'get-url', 'origin']) ?? root;
  return { repo, commit, build: BUILD_COMMAND, ...localToolchain(root) };
}

/** Whether the checkout has changes not in its HEAD commit (a release from it would not be what the commit builds). */
export function isDirty(root: string): boolean {
  return (git(root, ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
}

export function encodeProvenance(p: BuildProvenance): Uint8Array {
  const ordered: Record<string, string> = {};
  for (const k of ['repo', 'commit', 'build', ...TOOLCHAIN_FIELDS] as (keyof BuildProvenance)[]) ordered[k] = p[k];
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/** The provenance a module's `lineage:build` section holds; throws with the field when it is malformed. */
export function decodeProvenance(bytes: Uint8Array): BuildProvenance {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('lineage:build is not JSON');
  }
  const record = value as Record<string, unknown>;
  for (const k of ['repo', 'commit', 'build', ...TOOLCHAIN_FIELDS]) {
    if (typeof record?.[k] !== 'string') throw new Error(`lineage:build: ${k} is missing or not text`);
  }
  return record as unknown as BuildProvenance;
}

/**
 * The toolchain fields where `local` differs from what the release recorded, in a fixed order.
 *
 * @example
 * toolchainDifferences(recorded, localToolchain(root)) // → [{ field: 'node', recorded: 'v20.19.0', local: 'v22.1.0' }]
 */
export function toolchainDifferences(recorded: Toolchain, local: Toolchain): { field: keyof Toolchain; recorded: string; local: string }[] {
  return TOOLCHAIN_FIELDS.filter((f) => recorded[f] !== local[f]).map((field) => ({ field, recorded: recorded[field], local: local[field] }));
}
