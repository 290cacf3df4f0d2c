/** `lineage spawn`: a new dapp instance from the registry's versions, its NFT minted to the buyer. */
import { Principal } from '@dfinity/principal';
import { spawnDapp, SpawnError, toHex, type SpawnedDapp } from '@lineage/sdk';
import { IDL } from '@dfinity/candid';
import { assetInitArgs, principalText } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { deployerFor, requireIdentity } from '../deployer.js';
import { networkError, rejectText, usageError } from '../errors.js';
import { dappCanisterName, NAMESPACES, resolveVersion, ROLES, type Role } from '../lineage.js';

const dappName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a dapp name is lowercase letters, digits and dashes, starting with a letter');

export const SpawnInput = z.object({
  owner: principalText.optional(),
  name: dappName.optional(),
  backend: z.string().optional(),
  manager: z.string().optional(),
  asset: z.string().optional(),
  noAsset: z.boolean().optional(),
});
export type SpawnInput = z.infer<typeof SpawnInput>;

export interface SpawnResult {
  name: string | null;
  tokenId: bigint;
  owner: string;
  backend: string;
  manager: string;
  asset: string | null;
  versions: Partial<Record<Role, { version: string; hash: string }>>;
}

/** The next token id of the collection: one more than the highest minted. */
async function nextTokenId(ctx: Context, nftId: Principal): Promise<bigint> {
  const nft = await ctx.nft(nftId);
  let highest = 0n;
  let prev: [] | [bigint] = [];
  for (;;) {
    const page = await nft.icrc7_tokens(prev, [100n]);
    if (page.length === 0) return highest + 1n;
    for (const t of page) if (t > highest) highest = t;
    prev = [page[page.length - 1]!];
  }
}

/**
 * Spawns a dapp with the sdk's `spawnDapp` and records its canisters in the ids file as
 * `backend`, `manager`, `asset` (or `<name>.backend`…).
 */
export async function spawn(ctx: Context, raw: unknown): Promise<SpawnResult> {
  const input = parseInput(SpawnInput, raw);
  requireIdentity(ctx, 'spawning a dapp');
  const network = ctx.network.name;
  if (network === 'ic') {
    throw usageError(
      'spawning a dapp creates three canisters, which on the IC mainnet must be bought with cycles; lineage does not handle cycles',
      'see "Pointing Lineage at a real network" in scripts/README.md (deploy --no-dapp installs into canisters you created)',
    );
  }
  const registryId = ctx.canister('registry');
  const nftId = ctx.canister('nft');
  for (const role of ROLES) {
    const name = dappCanisterName(input.name, role);
    if (ctx.ids.get(name, network)) {
      throw usageError(`the ids file already has a canister named ${name} on ${network}`, input.name ? 'pick another --name' : 'give the new dapp a name with --name <dapp>');
    }
  }
  const owner = input.owner ? Principal.fromText(input.owner) : ctx.principal;
  const registry = await ctx.registry(registryId);
  const nft = await ctx.nft(nftId);
  const authority = await nft.lineage_minting_authority();
  if (authority.toText() !== ctx.principal.toText()) {
    throw usageError(`only the collection's minting authority (${authority.toText()}) can spawn dapps; you are ${ctx.principal.toText()}`, 'run spawn with --identity <the minting authority\'s pem>');
  }
  const roles: Role[] = input.noAsset ? ['backend', 'manager'] : [...ROLES];
  const versions: Partial<Record<Role, string>> = {};
  for (const role of roles) {
    const spec = input[role];
    if (spec) versions[role] = toHex((await resolveVersion(registry as never, NAMESPACES[role], spec, `--${role}`)).hash);
  }
  const tokenId = await nextTokenId(ctx, nftId);
  ctx.out.step(`Spawning dapp${input.name ? ` ${input.name}` : ''} (token ${tokenId}) for ${owner.toText()}`);
  let spawned: SpawnedDapp;
  try {
    spawned = await spawnDapp({
      deployer: await deployerFor(ctx), registry: registry as never, registryId, nft: nft as never, nftId, tokenId, owner,
      types: { backend: NAMESPACES.backend, manager: NAMESPACES.manager, ...(input.noAsset ? {} : { asset: NAMESPACES.asset }) },
      versions, onProgress: (text) => ctx.out.note(text),
      // `(null : opt AssetCanisterArgs)`: the asset canister's defaults (its installer may commit).
      assetArg: new Uint8Array(IDL.encode(assetInitArgs({ IDL }) as IDL.Type[], [[]])),
    });
  } catch (error) {
    if (error instanceof SpawnError) {
      throw networkError(rejectText(error.message), error.created.length ? `created before the failure (delete them or reuse them): ${error.created.map((p) => p.toText()).join(', ')}` : undefined);
    }
    throw error;
  }
  const ids: Record<Role, Principal | undefined> = { backend: spawned.backend, manager: spawned.manager, asset: spawned.asset };
  for (const role of ROLES) if (ids[role]) ctx.ids.set(dappCanisterName(input.name, role), network, ids[role]!);
  ctx.ids.save();
  const out: SpawnResult['versions'] = {};
  for (const role of ROLES) {
    const v = spawned.versions[role];
    if (v) out[role] = { version: v.version.join('.'), hash: v.hash };
  }
  return {
    name: input.name ?? null, tokenId, owner: owner.toText(), backend: spawned.backend.toText(), manager: spawned.manager.toText(),
    asset: spawned.asset?.toText() ?? null, versions: out,
  };
}

export function printSpawned(ctx: Context, result: SpawnResult): void {
  const prefix = result.name ? `${result.name}.` : '';
  ctx.out.result(result, [
    `Dapp ${result.name ?? '(project dapp)'}: token ${result.tokenId} owned by ${result.owner}`,
    ...ROLES.filter((r) => result[r]).map((r) => `  ${`${prefix}${r}`.padEnd(prefix.length + 8)} ${result[r]}  ${result.versions[r] ? `${NAMESPACES[r]} ${result.versions[r]!.version}` : ''}`),
  ], result.backend);
}

export function register(program: Command): void {
  examples(
    program.command('spawn')
      .description('create a new dapp instance from the registry and mint its NFT to the owner (run as the collection\'s minting authority)')
      .option('--owner <principal>', 'who gets the dapp\'s NFT (default: you)')
      .option('--name <dapp>', 'record its canisters as <dapp>.backend, <dapp>.manager, <dapp>.asset')
      .option('--backend <version|hash>', 'backend version to install (default: the latest)')
      .option('--manager <version|hash>', 'manager version to install (default: the latest)')
      .option('--asset <version|hash>', 'asset canister version to install (default: the latest)')
      .option('--no-asset', 'a dapp without a frontend canister')
      .action(action(async (ctx, opts: Record<string, unknown>) => {
        printSpawned(ctx, await spawn(ctx, { ...opts, noAsset: opts.asset === false, asset: typeof opts.asset === 'string' ? opts.asset : undefined }));
      })),
    'lineage spawn --owner 2vxsx-fae --name shop',
    'lineage spawn --owner $(dfx identity get-principal) --name shop --backend 1.0.0',
  );
}
