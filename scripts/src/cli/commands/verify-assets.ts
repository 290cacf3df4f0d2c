/**
 * `lineage verify assets`: the sdk's `verifyAssets` as a checklist: the IC's certificate, the
 * certified tree, the root of a local build, the tamper-evident history of roots, the module hash.
 * Also `lineage assets upload`, which puts a local build on an asset canister in one batch.
 */
import { existsSync, statSync } from 'node:fs';

import { AssetUploadError, uploadAssets, verifyAssets, type AssetVerdict } from '@lineage/sdk';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { networkError, rejectText, usageError, verificationError } from '../errors.js';
import type { Progress } from '../output.js';
import { dappCanisterName, describeVariant, findDapp, findVersion, versionLabel } from '../lineage.js';

const DirInput = z.object({
  '<canister>': z.string().min(1),
  '<dir>': z.string().min(1).refine((d) => existsSync(d) && statSync(d).isDirectory(), 'no such directory'),
});

const VerifyInput = DirInput.extend({ module: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a module hash is 64 lowercase hex digits')).optional() });

export interface VerifyAssetsResult {
  canister: string;
  ok: boolean;
  checks: { check: string; ok: boolean; detail: string }[];
  assetRoot: string | null;
  localRoot: string | null;
  history: { index: bigint; root: string; time: bigint; assets: bigint }[];
  moduleHash: string | null;
  moduleVersion: string | null;
  /** The history entry that certified the local build's root, if the canister served it now or recently. */
  localRootEntry: { index: bigint; time: bigint; current: boolean } | null;
}

export async function verifyAssetsOf(ctx: Context, raw: unknown): Promise<VerifyAssetsResult> {
  const input = parseInput(VerifyInput, raw);
  const canisterId = ctx.canister(input['<canister>']);
  ctx.out.step(`Verifying the site served by ${ctx.nameOf(canisterId)} against ${input['<dir>']}`);
  const verdict: AssetVerdict = await verifyAssets({ canisterId, agent: await ctx.agent(), dir: input['<dir>'], knownModuleHashes: input.module });
  const registryId = ctx.ids.get('registry', ctx.network.name);
  const version = verdict.moduleHash && registryId ? await findVersion(await ctx.registry(registryId), verdict.moduleHash).catch(() => undefined) : undefined;
  const checks = verdict.checks.map((c) => (c.check === 'module-hash' && c.ok && version ? { ...c, detail: `${c.detail}: ${versionLabel(version)} in the registry` } : c));
  return {
    canister: canisterId.toText(), ok: verdict.ok, checks, assetRoot: verdict.assetRoot ?? null, localRoot: verdict.localRoot ?? null,
    history: (verdict.history ?? []).map((e) => ({ index: e.index, root: Buffer.from(Uint8Array.from(e.root)).toString('hex'), time: e.time, assets: e.asset_count })),
    moduleHash: verdict.moduleHash ?? null, moduleVersion: version ? versionLabel(version) : null,
    localRootEntry: verdict.localRootEntry
      ? { index: verdict.localRootEntry.index, time: verdict.localRootEntry.time, current: verdict.localRootEntry === verdict.history?.[0] }
      : null,
  };
}

export interface UploadResult {
  canister: string;
  root: string;
  uploaded: string[];
  deleted: string[];
  batch: bigint | null;
}

export async function uploadSite(ctx: Context, raw: unknown): Promise<UploadResult> {
  const input = parseInput(DirInput, raw);
  const canisterId = ctx.canister(input['<canister>']);
  ctx.out.step(`Uploading ${input['<dir>']} to ${ctx.nameOf(canisterId)}`);
  let bar: Progress | undefined;
  const kb = (n: number) => Math.ceil(n / 1024);
  try {
    const r = await uploadAssets({
      canisterId, agent: await ctx.agent(), dir: input['<dir>'],
      onProgress: (done, total) => {
        bar ??= ctx.out.progress('uploading', kb(total), 'KiB');
        bar.update(kb(done));
      },
    });
    bar?.end();
    return { canister: canisterId.toText(), root: r.localRoot, uploaded: r.uploaded, deleted: r.deleted, batch: r.receipt.batch_id[0] ?? null };
  } catch (error) {
    const message = error instanceof AssetUploadError ? error.message : rejectText((error as Error).message);
    if (/Unauthorized|lacks the \w+ permission/.test(message)) {
      throw networkError(`the asset canister refused the upload: ${message}`, 'uploads need the Commit permission: the dapp\'s NFT holder gets it with `lineage assets authorize`');
    }
    if (error instanceof AssetUploadError) throw networkError(`the asset canister refused the upload: ${message}`);
    throw error;
  }
}

export function verifyAssetsCommand(verify: Command): void {
  examples(
    verify.command('assets').description('check that an asset canister certifies exactly the site in a local build directory')
      .argument('<canister>', 'asset, <dapp>.asset, or a canister id')
      .argument('<dir>', 'the local build of the site')
      .option('--module <hash...>', 'module hashes of asset canister builds you trust')
      .action(action(async (ctx, canister: string, dir: string, opts: { module?: string[] }) => {
        const r = await verifyAssetsOf(ctx, { '<canister>': canister, '<dir>': dir, module: opts.module });
        ctx.out.result(r, [
          `${r.ok ? '✔' : '✘'} ${ctx.nameOf(ctx.canister(r.canister))} ${r.ok ? `serves exactly ${dir} (root ${r.assetRoot})` : `does not verify against ${dir}`}`,
          ...r.checks.map((c) => `  ${c.ok ? '✔' : '✘'} ${c.check.padEnd(14)} ${c.detail}`),
        ], r.ok ? 'ok' : 'failed');
        if (!r.ok) throw verificationError(`verification of ${canister} against ${dir} failed: ${r.checks.filter((c) => !c.ok).map((c) => c.check).join(', ')}`).afterResult();
      })),
    'lineage verify assets asset ./dist',
    'lineage verify assets shop.asset ./dist --json',
  );
}

export interface AuthorizeResult {
  backend: string;
  asset: string;
  committer: string;
}

/** Asks the dapp's backend to make the caller, its NFT holder, the only committer of its frontend. */
export async function authorizeUploads(ctx: Context, raw: unknown): Promise<AuthorizeResult> {
  const input = parseInput(z.object({ dapp: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a dapp name from the ids file').optional() }), raw);
  const { dapp } = await findDapp(ctx, dappCanisterName(input.dapp, 'backend'));
  const asset = dapp.info.asset[0];
  if (!asset) throw usageError('this dapp has no asset canister');
  ctx.out.step(`Asking the backend to let ${ctx.principal.toText()} upload the frontend`);
  const backend = await ctx.backend(dapp.info.backend);
  const reply = await backend.authorize_uploads();
  if ('Err' in reply) {
    const err = reply.Err;
    if ('NotOwner' in err) throw networkError(`refused: ${ctx.principal.toText()} does not hold this dapp's NFT`, 'only the NFT holder may upload the frontend; `lineage nft owner` shows who that is');
    throw networkError(`the backend refused: ${describeVariant(err)}`);
  }
  return { backend: dapp.info.backend.toText(), asset: asset.toText(), committer: ctx.principal.toText() };
}

export function register(program: Command): void {
  const assets = program.command('assets').description('the dapp\'s frontend on its asset canister');
  examples(
    assets.command('authorize').description('as the dapp\'s NFT holder, become the only principal allowed to upload its frontend (previous owners lose it)')
      .option('--dapp <name>', 'the dapp (as named with `lineage spawn --name`); default: the project\'s dapp')
      .action(action(async (ctx, opts: Record<string, unknown>) => {
        const r = await authorizeUploads(ctx, opts);
        ctx.out.result(r, `${r.committer} may now upload to ${ctx.nameOf(ctx.canister(r.asset))} (the only committer)`, r.committer);
      })),
    'lineage assets authorize --identity bob.pem',
  );
  examples(
    assets.command('upload').description('upload a local build directory to an asset canister in one certified batch')
      .argument('<canister>', 'asset, <dapp>.asset, or a canister id')
      .argument('<dir>', 'the build directory')
      .action(action(async (ctx, canister: string, dir: string) => {
        const r = await uploadSite(ctx, { '<canister>': canister, '<dir>': dir });
        ctx.out.result(r, [`${ctx.nameOf(ctx.canister(r.canister))} now certifies root ${r.root}`, `  ${r.uploaded.length} file(s) uploaded, ${r.deleted.length} deleted`], r.root);
      })),
    'lineage assets upload asset ./dist',
  );
}


