/**
 * The console on its own Lineage asset canister: `lineage deploy` installs the built web app
 * (packages/console) with a `config.json` naming this network, its root key, the registry and the
 * collection, so the console is itself a certified frontend anyone can verify. Prints its URL.
 */
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { toHex, uploadAssets } from '@lineage/sdk';
import { assetTypes } from '@lineage/types';

import type { Context } from '../context.js';
import { deployerFor } from '../deployer.js';
import { usageError } from '../errors.js';
import { builtWasm, canisterExists, moduleHashOf } from '../lineage.js';

const require = createRequire(import.meta.url);

export interface ConsoleDeployment {
  canister: string;
  url: string;
  root: string;
}

/** The directory of the built console (packages/console/dist). */
export function consoleDist(): string {
  let dir: string | undefined;
  try {
    dir = dirname(require.resolve('@lineage/console/dist'));
  } catch {
    dir = undefined;
  }
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    throw usageError('the console has not been built', 'run `npx -y pnpm@10 build` (or `pnpm --filter @lineage/console build`)');
  }
  return dir;
}

/** Where a browser opens canister `id`'s frontend on this network. */
export function frontendUrl(ctx: Context, id: Principal): string {
  if (ctx.network.name === 'ic') return `https://${id.toText()}.icp0.io/`;
  const url = new URL(ctx.network.url);
  const local = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  return local ? `${url.protocol}//${id.toText()}.localhost:${url.port}/` : `${ctx.network.url}/?canisterId=${id.toText()}`;
}

/** The config file the console reads at start (packages/console/src/lib/config.ts). */
export function consoleConfig(ctx: Context, rootKey: Uint8Array, registry: Principal, nft: Principal): object {
  return {
    network: ctx.network.name, host: '', rootKey: toHex(rootKey), registry: registry.toText(), collections: [nft.toText()],
    localKeys: ctx.network.name !== 'ic',
    ...(ctx.network.name === 'ic' ? { identityProvider: 'https://id.ai/authorize' } : {}),
  };
}

const initArg = () => {
  const args = assetTypes(IDL as never).AssetCanisterArgs as unknown as IDL.Type;
  return new Uint8Array(IDL.encode([IDL.Opt(args)], [[{ Init: { set_permissions: [], history_length: [] } }]]));
};

/**
 * Installs (or keeps) the console's asset canister and uploads the built console with its config.
 *
 * @example
 * const { url } = await deployConsole(ctx, registryId, nftId);
 */
export async function deployConsole(ctx: Context, registry: Principal, nft: Principal): Promise<ConsoleDeployment> {
  const dist = consoleDist();
  const network = ctx.network.name;
  const deployer = await deployerFor(ctx);
  let id = ctx.ids.get('console', network);
  if (id && !(await canisterExists(ctx, id))) id = undefined;
  if (!id) {
    id = await deployer.createCanister();
    ctx.ids.set('console', network, id);
    ctx.ids.save();
  }
  if ((await moduleHashOf(ctx, id)) === undefined) {
    await deployer.installCode(id, await builtWasm('asset', (t) => ctx.out.note(t)), initArg());
    ctx.out.note(`console: installed the Lineage asset canister ${id.toText()}`);
  }
  const agent = await ctx.agent();
  const site = mkdtempSync(join(tmpdir(), 'lineage-console-'));
  try {
    cpSync(dist, site, { recursive: true });
    writeFileSync(join(site, 'config.json'), `${JSON.stringify(consoleConfig(ctx, new Uint8Array(agent.rootKey!), registry, nft), null, 2)}\n`);
    const r = await uploadAssets({ canisterId: id, agent, dir: site });
    return { canister: id.toText(), url: frontendUrl(ctx, id), root: r.localRoot };
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
}
