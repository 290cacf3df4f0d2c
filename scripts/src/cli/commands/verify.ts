/**
 * `lineage verify wasm|assets`: does a canister run what its source builds to, and does an asset
 * canister serve (and certify) exactly a local build of the site?
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Principal } from '@dfinity/principal';
import {
  buildCanister, buildToolDirs, decodeProvenance, findDfxRoot, isGzip, localToolchain, rawModule, readCanisterEntry, releaseModule, setCustomSection, toolchainDifferences,
  BUILD_SECTION, RELEASE_SECTION, type BuildProvenance,
} from '@lineage/canister-build';
import { checkDapp, fetchWasm, fileVerification, sha256, toHex, type DappCheck } from '@lineage/sdk';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { networkError, usageError, verificationError } from '../errors.js';
import { buildInCheckout, checkoutCommit, installCheckout } from '../checkout.js';
import { cachedRebuild, keepRebuild, rebuildFileHashes, rebuildKey, rebuildPath } from '../rebuild-cache.js';
import { requireIdentity } from '../deployer.js';
import { verifyAssetsCommand } from './verify-assets.js';
import { CANISTERS, findDapp, findVersion, moduleHashOf, readCanisterState, versionLabel, type CanisterName } from '../lineage.js';

export interface Check {
  check: string;
  ok: boolean;
  detail: string;
}

const WasmInput = z.object({
  '<canister>': z.string().min(1),
  source: z.string().min(1).optional(),
  build: z.enum(CANISTERS, { error: `one of ${CANISTERS.join(', ')}` }).optional(),
  registry: z.string().optional(),
  attest: z.boolean().default(false),
  force: z.boolean().default(false),
  cache: z.boolean().default(true),
  cloneFrom: z.string().min(1).optional(),
});

export interface VerifyWasmResult {
  canister: string;
  ok: boolean;
  deployedHash: string | null;
  rebuiltHash: string | null;
  registryVersion: string | null;
  release: string | null;
  /**
   * How the rebuild matched: `module` (the same bytes as deployed), `decompressed` (the deployed
   * module is gzipped by another zlib; its decompressed bytes, fetched from the registry and checked
   * against the deployed hash, equal the rebuild's), or null when it did not.
   */
  match: 'module' | 'decompressed' | null;
  source: string;
  build: string;
  /** What the module's public `lineage:build` metadata says it was built from, if it says. */
  provenance: BuildProvenance | null;
  /** With `--attest`: what was filed in the registry (ICRC-126) as this identity. */
  attestation: { outcome: 'attested' | 'diverged'; block: bigint } | null;
  /**
   * Where the rebuilt module came from: `built` (an Azle build just now), `cached` (a module this
   * project rebuilt before from byte-identical inputs, `--source` only), `checkout` (the build a
   * clean checkout of the commit already ran, `--attest` only). `key` is the rebuild cache's key
   * (null when not cached, `uncached` says why); `packages` how a checkout was built (`narrow`: the
   * packages the canister needs, `full`: all its workspace dependencies).
   */
  rebuild: { from: 'built' | 'cached' | 'checkout'; key: string | null; path: string | null; uncached: string | null; packages: 'narrow' | 'full' | null };
  checks: Check[];
}

/** What `rebuild` did, for the result. */
type RebuildReport = VerifyWasmResult['rebuild'];

/** The repository this CLI belongs to (its dfx.json), the default source to rebuild. */
function defaultSource(): string {
  try {
    return findDfxRoot(process.cwd());
  } catch {
    return findDfxRoot(dirname(fileURLToPath(import.meta.url)));
  }
}

/**
 * Rebuilds `name` from `source` with the repo's own build, exactly as `pnpm build` does (the result
 * does not depend on where `source` is checked out). The previous `dist/` files are put back
 * afterwards, so verifying never changes the checkout.
 */
async function rebuild(source: string, name: CanisterName, useCache: boolean, note: (s: string) => void): Promise<{ module: Uint8Array; report: RebuildReport }> {
  const entry = await readCanisterEntry(source, name);
  // The rebuild reads the source (with its node_modules) and the build tools; the cache key
  // covers all of it, so a hit is the module a rebuild now would give (rebuild-cache.ts).
  const hashes = rebuildFileHashes();
  const keyOf = () => {
    const key = rebuildKey({ source, canister: name, outputs: [entry.wasm, `${entry.wasm}.gz`, entry.candid, join('.azle', name)], tools: buildToolDirs() }, hashes);
    hashes.save();
    return key;
  };
  const cache = useCache ? keyOf() : { uncached: '--no-cache' };
  const report: RebuildReport = { from: 'built', key: 'key' in cache ? cache.key : null, path: null, uncached: 'uncached' in cache ? cache.uncached : null, packages: null };
  if (report.uncached) note(`not using the rebuild cache: ${report.uncached}`);
  if (report.key) {
    const cached = cachedRebuild(report.key);
    if (cached) {
      note(`using the module rebuilt before from exactly these files and toolchain (rebuild cache ${report.key.slice(0, 12)}; --no-cache rebuilds)`);
      return { module: cached, report: { ...report, from: 'cached', path: rebuildPath(report.key) } };
    }
  }
  const kept = [join(source, entry.wasm), `${join(source, entry.wasm)}.gz`, join(source, entry.candid)]
    .filter((path) => existsSync(path))
    .map((path) => ({ path, bytes: readFileSync(path) }));
  try {
    const built = await buildCanister(name, { root: source });
    const module = new Uint8Array(readFileSync(built.wasmPath));
    if (!report.key) return { module, report };
    // Kept only if the source did not change while it was built: the key must name what was built.
    const after = keyOf();
    if (!('key' in after) || after.key !== report.key) {
      note('not keeping the rebuild in the cache: the source changed while it was built');
      return { module, report: { ...report, key: null, uncached: 'the source changed while it was built' } };
    }
    return { module, report: { ...report, path: keepRebuild(report.key, module) } };
  } finally {
    for (const { path, bytes } of kept) if (!readFileSync(path).equals(bytes)) writeFileSync(path, bytes);
  }
}

export async function verifyWasm(ctx: Context, raw: unknown): Promise<VerifyWasmResult> {
  const input = parseInput(WasmInput, raw);
  const target = ctx.canister(input['<canister>']);
  if (input.attest) requireIdentity(ctx, 'attesting');
  if (input.attest && input.source) throw usageError('--attest rebuilds from the commit the module names, not from --source', 'drop --source (use --clone-from to clone the repository from elsewhere)');
  let source = resolve(input.source ?? defaultSource());
  if (!input.attest && !existsSync(join(source, 'dfx.json'))) throw usageError(`--source: ${source} has no dfx.json`, 'point --source at a checkout of the canister\'s repository');
  const dapp = await findDapp(ctx, input['<canister>']).catch(() => undefined);
  const registryId: Principal | undefined = input.registry ? ctx.canister(input.registry, 'registry') : dapp?.dapp.info.registry ?? ctx.ids.get('registry', ctx.network.name);
  const checks: Check[] = [];

  ctx.out.step(`Verifying the module of ${ctx.nameOf(target)}`);
  const deployed = await moduleHashOf(ctx, target);
  checks.push({ check: 'deployed', ok: deployed !== undefined, detail: deployed ? `read_state (certified by the IC): module sha256 ${deployed}` : 'the canister has no module installed' });
  if (!deployed) throw usageError(`${input['<canister>']} has no module installed: nothing to verify`);

  const version = registryId ? await findVersion(await ctx.registry(registryId), deployed) : undefined;
  checks.push({
    check: 'registry', ok: version !== undefined && !version.deprecated,
    detail: version ? `the module is ${versionLabel(version)} in the registry${version.deprecated ? ', but that version is deprecated' : ''}` : registryId ? 'the registry has no version with this module hash: it was not installed from the registry' : 'no registry to ask (pass --registry)',
  });

  const name = input.build ?? (CANISTERS as readonly string[]).find((c) => c === ctx.ids.nameOf(target, ctx.network.name)) as CanisterName | undefined
    ?? dapp?.role ?? (version?.canister_type_namespace.split('.').pop() as CanisterName | undefined);
  if (!name || !(CANISTERS as readonly string[]).includes(name)) throw usageError(`cannot tell which canister of ${source}/dfx.json builds ${input['<canister>']}`, `pass --build <${CANISTERS.join('|')}>`);

  // A release is the build stamped with a public `lineage:release` section naming it and gzipped
  // (canister-build's `releaseModule`); the stamp is part of the published module, so the rebuild
  // gets the same stamp before it is hashed. A module published raw is compared raw.
  const stamp = await readCanisterState(ctx, target, ['metadata', 'lineage:release']).catch(() => undefined);
  const provenanceBytes = await readCanisterState(ctx, target, ['metadata', 'lineage:build']).catch(() => undefined);
  let provenance: BuildProvenance | undefined;
  try {
    provenance = provenanceBytes && decodeProvenance(provenanceBytes);
  } catch (error) {
    checks.push({ check: 'provenance', ok: false, detail: `the module's lineage:build metadata is malformed: ${(error as Error).message}` });
  }
  if (input.attest && !provenance) {
    throw usageError(`${input['<canister>']} names no source commit (no lineage:build metadata): there is nothing to rebuild from`, 'releases published with `lineage publish --stamp` record their repository, commit and toolchain');
  }
  let built: Uint8Array;
  let rebuildReport: RebuildReport;
  if (input.attest && provenance) {
    // A clean checkout of the commit the release names, built by its own build.
    const repo = input.cloneFrom ?? provenance.repo;
    try {
      source = await checkoutCommit(repo, provenance.commit, undefined, (n) => ctx.out.note(n));
    } catch (error) {
      throw networkError(`cannot check out ${provenance.commit} of ${repo}: ${(error as Error).message}`, 'pass --clone-from <url|dir> to clone the repository from elsewhere');
    }
    await installCheckout(source, (n) => ctx.out.note(n));
    refuseToolchainDrift(ctx, provenance, source, input.force, checks);
    ctx.out.note(`rebuilding ${name} from ${source} (commit ${provenance.commit.slice(0, 12)})…`);
    const checkout = await buildInCheckout(source, name, (n) => ctx.out.note(n));
    built = checkout.module;
    rebuildReport = { from: checkout.build === 'existing' ? 'checkout' : 'built', key: null, path: null, uncached: null, packages: checkout.build === 'existing' ? null : checkout.build };
  } else {
    if (provenance) refuseToolchainDrift(ctx, provenance, source, input.force, checks);
    ctx.out.note(`rebuilding ${name} from ${source} with the repository's own build (Azle, offline)…`);
    ({ module: built, report: rebuildReport } = await rebuild(source, name, input.cache, (n) => ctx.out.note(n)));
  }
  // The release's sections are part of the published module: the rebuild gets the same ones.
  const withProvenance = provenanceBytes ? setCustomSection(built, BUILD_SECTION, provenanceBytes) : built;
  const stamped = stamp ? setCustomSection(withProvenance, RELEASE_SECTION, stamp) : withProvenance;
  const candidates = [toHex(sha256(releaseModule(withProvenance, stamp))), toHex(sha256(stamped))];
  const rebuiltHash = candidates.find((h) => h === deployed) ?? candidates[0]!;
  let match: VerifyWasmResult['match'] = rebuiltHash === deployed ? 'module' : null;
  if (!match && version && registryId) {
    // Gzip output depends on the zlib build, so a release compressed elsewhere can differ from our
    // recompression while holding the very same module. The registry has the published bytes.
    const published = await fetchWasm(await ctx.registry(registryId) as never, deployed).catch(() => undefined);
    if (published && isGzip(published) && toHex(sha256(rawModule(published))) === toHex(sha256(stamped))) match = 'decompressed';
  }
  const release = stamp ? new TextDecoder().decode(stamp) : null;
  const as = release ? ` stamped as release ${release}` : '';
  const from = rebuildReport.from === 'cached' ? ` (rebuilt earlier from byte-identical source, dependencies and toolchain: rebuild cache ${rebuildReport.key!.slice(0, 12)})`
    : rebuildReport.from === 'checkout' ? ' (built earlier in this clean checkout of the commit)' : '';
  checks.push({
    check: 'rebuild', ok: match !== null,
    detail: match === 'module'
      ? `the rebuild of ${name}${as} hashes to the deployed module${from}`
      : match === 'decompressed'
        ? `the deployed module, fetched from the registry and checked against its hash, decompresses to exactly the rebuild of ${name}${as} (another zlib compressed it)${from}`
        : `the rebuild${from} hashes to ${rebuiltHash}, the deployed module to ${deployed}. A rebuild differs when the source (another commit or local edits), ` +
          'the dependencies (pnpm-lock.yaml), the Azle version, or Node/esbuild differ from the publisher\'s build (the checkout\'s path does not: ' +
          'the build makes Azle\'s embedded path project-relative); check out the commit the version names and rebuild',
  });
  let attestation: VerifyWasmResult['attestation'] = null;
  if (input.attest && provenance) {
    if (!version || !registryId) throw usageError(`${input['<canister>']} runs a module the registry does not have: there is no version to attest`);
    // A decompressed match is the same module as published: it attests the published hash.
    const rebuilt = match !== null ? deployed : rebuiltHash;
    const metadata: [string, { Text: string }][] = [
      ['repo', { Text: provenance.repo }], ['commit', { Text: provenance.commit }], ['tool', { Text: 'lineage verify wasm --attest' }],
      ['match', { Text: match ?? 'none' }], ['node', { Text: process.version }],
    ];
    try {
      attestation = await fileVerification(await ctx.registry(registryId) as never, {
        hash: deployed, rebuiltHash: rebuilt, metadata,
        report: `rebuilding ${name} from ${provenance.repo} at ${provenance.commit} gave ${rebuiltHash}, not ${deployed}`.slice(0, 4096),
      });
    } catch (error) {
      throw networkError(`the registry refused the ${match !== null ? 'attestation' : 'divergence'}: ${(error as Error).message}`);
    }
    checks.push({ check: 'attest', ok: true, detail: `filed ${attestation.outcome === 'attested' ? 'an attestation' : 'a divergence'} as ${ctx.principal.toText()} (registry block ${attestation.block})` });
  }
  return {
    canister: target.toText(), ok: checks.every((c) => c.ok), deployedHash: deployed, rebuiltHash, registryVersion: version ? versionLabel(version) : null,
    release, match, source, build: name, provenance: provenance ?? null, attestation, rebuild: rebuildReport, checks,
  };
}

/**
 * A release records the toolchain that built it; a rebuild with another one is expected to differ
 * (the one production ICRC-126 verifier saw every build fail on compiler drift). Refuses, naming
 * each difference, unless `force`; adds a `toolchain` check either way.
 */
function refuseToolchainDrift(ctx: Context, provenance: BuildProvenance, source: string, force: boolean, checks: Check[]): void {
  const differences = toolchainDifferences(provenance, localToolchain(source));
  const named = differences.map((d) => `${d.field} ${d.local} here, ${d.recorded} in the release`).join('; ');
  if (differences.length > 0 && !force) {
    throw usageError(`the toolchain differs from the release's: ${named}`, 'use the toolchain the release names, or pass --force to rebuild anyway (a divergence is then likely)');
  }
  checks.push({ check: 'toolchain', ok: true, detail: differences.length === 0 ? 'the same Node, pnpm, Azle, TypeScript and lockfile as the release' : `differs (--force): ${named}` });
  if (differences.length > 0) ctx.out.warn(`rebuilding with another toolchain: ${named}`);
}

export interface VerifyDappResult {
  backend: string;
  ok: boolean;
  checks: DappCheck[];
}

/**
 * The buyer's check (issue 11): before paying for a dapp, anyone can see that whoever holds the
 * NFT, and only they, will control it — the token the backend answers to, the hand-over to the
 * holder, controllers and modules of every canister (certified), the frontend's permission lists,
 * and nothing pending in the manager.
 */
export async function verifyDapp(ctx: Context, raw: unknown): Promise<VerifyDappResult> {
  const input = parseInput(z.object({ '<backend>': z.string().min(1) }), raw);
  const backend = ctx.canister(input['<backend>'], 'backend');
  ctx.out.step(`Checking the dapp of ${ctx.nameOf(backend)} as a buyer would`);
  const verdict = await checkDapp({ agent: await ctx.agent(), backend });
  return { backend: backend.toText(), ok: verdict.ok, checks: verdict.checks };
}

/** A checklist: `✔ check  detail` lines. */
export function checklist(checks: Check[]): string[] {
  return checks.map((c) => `  ${c.ok ? '✔' : '✘'} ${c.check.padEnd(14)} ${c.detail}`);
}

export function register(program: Command): void {
  const verify = program.command('verify').description('check what canisters run and serve against sources and certificates');
  examples(
    verify.command('wasm').description('rebuild a canister from source and compare with the deployed module (read_state) and the registry')
      .argument('<canister>', 'a name from the ids file or a canister id')
      .option('--source <dir>', 'the repository to rebuild from (default: the one in the current directory)')
      .option('--build <name>', `which dfx.json canister builds it (${CANISTERS.join(', ')}); default: guessed from its name or registry type`)
      .option('--registry <name|id>', 'the registry to look the module up in')
      .option('--attest', 'rebuild from a clean checkout of the commit the module names, and file an attestation or a divergence in the registry as you (ICRC-126)')
      .option('--clone-from <url|dir>', 'with --attest: clone the repository from here instead of the URL the module names')
      .option('--force', 'rebuild even when the toolchain differs from the one the release recorded')
      .option('--no-cache', 'rebuild even when this project rebuilt the same source before, and keep nothing (the rebuild cache, .lineage/rebuilds)')
      .action(action(async (ctx, canister: string, opts: Record<string, unknown>) => {
        const r = await verifyWasm(ctx, { '<canister>': canister, ...opts });
        ctx.out.result(r, [`${r.ok ? '✔' : '✘'} ${ctx.nameOf(ctx.canister(r.canister))} ${r.ok ? 'runs exactly what its source builds to' : 'did not verify'}`, ...checklist(r.checks)], r.ok ? 'ok' : 'failed');
        if (!r.ok) {
          const failed = r.checks.filter((c) => !c.ok).map((c) => c.check).join(', ');
          throw verificationError(`verification of ${canister} failed: ${failed}`).afterResult();
        }
      })),
    'lineage verify wasm backend',
    'lineage verify wasm registry --source ~/src/lineage',
    'lineage verify wasm backend --attest --json',
  );
  verifyAssetsCommand(verify);
  examples(
    verify.command('dapp').description('the buyer\'s check: does the NFT holder, and only they, control this dapp? (exit 4 if not)')
      .argument('<backend>', 'the dapp\'s backend: a name from the ids file or a canister id')
      .action(action(async (ctx, backend: string) => {
        const r = await verifyDapp(ctx, { '<backend>': backend });
        ctx.out.result(r, [`${r.ok ? '✔' : '✘'} the dapp of ${ctx.nameOf(ctx.canister(r.backend))} ${r.ok ? 'is clean to buy' : 'is not clean'}`, ...checklist(r.checks)], r.ok ? 'ok' : 'failed');
        if (!r.ok) throw verificationError(`the dapp of ${backend} failed: ${r.checks.filter((c) => !c.ok).map((c) => c.check).join(', ')}`).afterResult();
      })),
    'lineage verify dapp backend',
    'lineage verify dapp rrkah-fqaaa-aaaaa-aaaaq-cai --json',
  );

}
