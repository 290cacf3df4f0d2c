/**
 * `lineage publish`: a Wasm module as a new version of a canister type, uploaded in chunks with a
 * progress bar; running the same command again after an interruption resumes the upload.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import {
  buildProvenance, encodeProvenance, findDfxRoot, isDirty, rawModule, releaseModule, setCustomSection, BUILD_SECTION, type BuildProvenance,
} from '@lineage/canister-build';
import { IntegrityError, RegistryError, ResumeConflictError, toHex, VerificationTimeoutError } from '@lineage/sdk';
import { semver } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { requireIdentity } from '../deployer.js';
import { networkError, usageError, verificationError } from '../errors.js';
import { REPO_URL, resolveVersion } from '../lineage.js';
import { publishWithProgress } from './deploy.js';

const PublishInput = z.object({
  '<type>': z.string().regex(/^[a-z0-9]+(\.[a-z0-9_-]+)+$/, 'a canister type is a dotted namespace, like org.lineage.backend'),
  '<version>': semver,
  '<wasm>': z.string().min(1),
  previous: z.string().optional(),
  repo: z.string().url('a repository URL, like https://github.com/you/app').optional(),
  description: z.string().max(10_000).optional(),
  registry: z.string().optional(),
  chunkHashes: z.boolean().default(false),
  stamp: z.boolean().default(false),
});

export interface PublishResult {
  type: string;
  version: string;
  hash: string;
  /** Whether the module was stamped with its version (`--stamp`) before it was published. */
  stamped: boolean;
  /** With `--stamp`: the repository, commit and toolchain written into the module (`lineage:build`). */
  provenance: BuildProvenance | null;
  /** With `--stamp`: the ICRC-126 verification request's block (where verifiers find the source). */
  verificationRequest: bigint | null;
  previous: string | null;
  chunks: number;
  uploadedChunks: number;
  skippedChunks: number;
  resumed: boolean;
}

export async function publish(ctx: Context, raw: unknown): Promise<PublishResult> {
  const input = parseInput(PublishInput, raw);
  requireIdentity(ctx, 'publishing');
  const path = input['<wasm>'];
  if (!existsSync(path) || !statSync(path).isFile()) throw usageError(`<wasm>: no file at ${path}`);
  const file = new Uint8Array(readFileSync(path));
  let module: Uint8Array;
  try {
    module = rawModule(file); // the IC installs raw and gzipped modules; anything else would never install
  } catch {
    throw usageError(`<wasm>: ${path} is not a Wasm module, raw or gzipped`, 'publish the build output: canisters/<name>/dist/<name>.wasm.gz (or .wasm)');
  }
  const type = input['<type>'];
  const version = input['<version>'].join('.');
  // A stamped release carries its version in a public `lineage:release` section, so a re-release
  // of unchanged code is still a distinct module; `lineage verify wasm` reads the stamp back.
  // It also records what a verifier needs to rebuild it (`lineage:build`: repository, commit,
  // build command, toolchain, lockfile hash), taken from the checkout the module was built in.
  const provenance = input.stamp ? releaseProvenance(ctx, path, input.repo) : undefined;
  const wasm = input.stamp ? releaseModule(provenance ? setCustomSection(module, BUILD_SECTION, encodeProvenance(provenance)) : module, version) : file;
  const registryId = ctx.canister(input.registry ?? 'registry', 'registry');
  const registry = await ctx.registry(registryId);
  let previous: string | undefined;
  if (input.previous) previous = toHex((await resolveVersion(registry as never, type, input.previous, '--previous')).hash);
  else if ((await registry.icrc118_get_wasms({ filter: [[{ canister_type: type }]], prev: [], take: [1n] })).length > 0) {
    ctx.out.warn(`no --previous: ${type} ${version} will not be an upgrade of any published version, so installed dapps cannot upgrade to it`);
  }
  ctx.out.step(`Publishing ${path}${input.stamp ? ' stamped with its version' : ''} (${(wasm.length / 1e6).toFixed(2)} MB) as ${type} ${version}`);
  try {
    const result = await publishWithProgress(ctx, registryId, {
      type, version, wasm, previous, description: input.description, repo: input.repo ?? REPO_URL, declareChunkHashes: input.chunkHashes,
    });
    const verificationRequest = provenance ? await requestVerification(ctx, registry, result.hash, provenance) : null;
    return {
      type, version, hash: toHex(result.hash), stamped: input.stamp, provenance: provenance ?? null, verificationRequest, previous: previous ?? null, chunks: result.chunks,
      uploadedChunks: result.uploadedChunks, skippedChunks: result.skippedChunks, resumed: result.resumed,
    };
  } catch (error) {
    if (error instanceof RegistryError) {
      if (error.variant === 'NonDeprecatedWasmFound') {
        const other = await registry.icrc118_get_wasms({ filter: [[{ canister_type: type }]], prev: [], take: [] });
        const same = other.find((w) => w.version_number.join('.') === version && !w.deprecated);
        throw usageError(`${type} ${version} is already published with another module${same ? ` (${toHex(same.hash).slice(0, 12)}…)` : ''}`, 'publish this build under a new version number, or deprecate the old one first');
      }
      if (error.variant === 'UnknownCanisterType') throw usageError(`the registry has no canister type ${type}`, '`lineage registry ls` lists the types; `lineage deploy` creates Lineage\'s');
      throw networkError(error.message);
    }
    if (error instanceof ResumeConflictError) throw usageError(error.message, 'resume with the same type, version and file, or publish another module (a new build, or this one with --stamp)');
    if (error instanceof IntegrityError || error instanceof VerificationTimeoutError) throw verificationError(error.message);
    throw error;
  }
}

/**
 * The provenance of a release: the repository the module file lies in (its build output), else the
 * one around the current directory; undefined (with a warning) outside a git checkout.
 */
function releaseProvenance(ctx: Context, wasmPath: string, repo: string | undefined): BuildProvenance | undefined {
  let root: string;
  try {
    try {
      root = findDfxRoot(dirname(resolve(wasmPath)));
    } catch {
      root = findDfxRoot(process.cwd());
    }
    const provenance = buildProvenance(root, repo ? { repo } : {});
    if (isDirty(root)) ctx.out.warn(`${root} has uncommitted changes: the release names commit ${provenance.commit.slice(0, 12)}, which may not build to it`);
    return provenance;
  } catch (error) {
    ctx.out.warn(`no build provenance recorded (${(error as Error).message}); verifiers will not know which commit to rebuild`);
    return undefined;
  }
}

/** Tells verifiers where the source is (ICRC-126 `icrc126_verification_request`); a refusal is a warning, not a failure of the publish. */
async function requestVerification(ctx: Context, registry: Awaited<ReturnType<Context['registry']>>, hash: Uint8Array, p: BuildProvenance): Promise<bigint | null> {
  const text = (v: string) => ({ Text: v });
  const commit = /^[0-9a-f]+$/.test(p.commit) && p.commit.length % 2 === 0 ? Uint8Array.from(Buffer.from(p.commit, 'hex')) : new TextEncoder().encode(p.commit);
  const reply = await registry.icrc126_verification_request({
    wasm_hash: hash, repo: p.repo, commit_hash: commit,
    metadata: [['build', text(p.build)], ['node', text(p.node)], ['pnpm', text(p.pnpm)], ['azle', text(p.azle)], ['typescript', text(p.typescript)], ['lockfile_sha256', text(p.lockfile_sha256)]],
  }).catch((error: Error) => ({ Error: { Generic: error.message } }));
  if ('Ok' in reply) return reply.Ok;
  ctx.out.warn(`the registry did not record the verification request: ${JSON.stringify(reply.Error, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return null;
}

export function register(program: Command): void {
  examples(
    program.command('publish')
      .description('publish a Wasm module as a version of a canister type (chunked, resumable, verified by the registry)')
      .argument('<type>', 'the canister type, e.g. org.lineage.backend')
      .argument('<version>', 'the version number, e.g. 1.1.0')
      .argument('<wasm>', 'the module file')
      .option('--previous <version|hash>', 'the version this one upgrades from (owners can upgrade along these links)')
      .option('--repo <url>', 'where the source of this version is', REPO_URL)
      .option('--description <text>', 'what changed')
      .option('--registry <name|id>', 'the registry (default: the deployed one)')
      .option('--stamp', 'write the version (public `lineage:release`) and what a verifier needs to rebuild it (public `lineage:build`: repository, commit, build command, toolchain, lockfile sha256) into the module, publish it gzipped, and file an ICRC-126 verification request')
      .option('--chunk-hashes', 'declare every chunk\'s sha256 up front so the registry checks each chunk on arrival (costs the registry a second pass over the module; the whole module\'s hash is checked either way)')
      .action(action(async (ctx, type: string, version: string, wasm: string, opts: Record<string, unknown>) => {
        const r = await publish(ctx, { '<type>': type, '<version>': version, '<wasm>': wasm, ...opts });
        ctx.out.result(r, [
          `${r.type} ${r.version} verified by the registry`,
          `  sha256    ${r.hash}`,
          ...(r.previous ? [`  upgrades  ${r.previous}`] : []),
          `  chunks    ${r.chunks} (${r.uploadedChunks} uploaded${r.skippedChunks ? `, ${r.skippedChunks} already stored` : ''})`,
        ], r.hash);
      })),
    'lineage publish org.lineage.backend 1.1.0 canisters/backend/dist/backend.wasm.gz --previous 1.0.0 --stamp --description "notes search"',
  );
}
