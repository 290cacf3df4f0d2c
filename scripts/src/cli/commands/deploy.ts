/**
 * `lineage deploy`: the registry and the NFT collection, the dapp canister types with the repo's
 * builds as their first versions, and the project's own dapp spawned from them. Idempotent: what
 * exists (per the ids file and the network) is kept, what is missing is created.
 */
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';
import { DEFAULT_CHUNK_BYTES, formatVersion, publishWasm, sha256, toHex, versionsOf, type PublishProgress } from '@lineage/sdk';
import { nftInit, principalText, registryInit, semver } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { deployerFor, requireIdentity } from '../deployer.js';
import { usageError } from '../errors.js';
import {
  builtWasm, canisterExists, isVerified, moduleHashOf, NAMESPACES, REPO_URL, ROLES, unwrap, type CanisterName, type Role,
} from '../lineage.js';
import { deployConsole, type ConsoleDeployment } from './console.js';
import { printSpawned, spawn, type SpawnResult } from './spawn.js';

const DeployInput = z.object({
  owner: principalText.optional(),
  version: semver.default([1, 0, 0]),
  dapp: z.boolean().default(true),
  console: z.boolean().default(true),
});

export interface DeployResult {
  network: string;
  registry: string;
  nft: string;
  created: string[];
  published: { type: string; version: string; hash: string }[];
  dapp: SpawnResult | null;
  /** The console's asset canister and where a browser opens it (absent with --no-console). */
  console: ConsoleDeployment | null;
}

const encode = (types: IDL.Type[], values: unknown[]) => new Uint8Array(IDL.encode(types, values));

/** Makes sure canister `name` exists and runs code; returns its id and whether it was created. */
async function ensureCanister(ctx: Context, name: CanisterName, arg: Uint8Array, created: string[]): Promise<Principal> {
  const network = ctx.network.name;
  const deployer = await deployerFor(ctx);
  let id = ctx.ids.get(name, network);
  if (id && !(await canisterExists(ctx, id))) {
    ctx.out.warn(`${name} ${id.toText()} from the ids file does not exist on ${network} (a restarted network?); creating a new one`);
    id = undefined;
  }
  if (id && (await moduleHashOf(ctx, id)) !== undefined) {
    ctx.out.note(`${name}: kept ${id.toText()}`);
    return id;
  }
  if (!id) {
    id = await deployer.createCanister();
    ctx.ids.set(name, network, id);
    ctx.ids.save();
    created.push(name);
  }
  const wasm = await builtWasm(name, (t) => ctx.out.note(t));
  await deployer.installCode(id, wasm, arg);
  ctx.out.note(`${name}: installed ${id.toText()} (${(wasm.length / 1e6).toFixed(1)} MB, sha256 ${toHex(sha256(wasm)).slice(0, 12)}…)`);
  return id;
}

/** Publishes `wasm` as a version, with a progress bar, unless the registry has it already. */
export async function publishWithProgress(ctx: Context, registryId: Principal, options: {
  type: string; version: string; wasm: Uint8Array; previous?: string; description?: string; repo?: string; declareChunkHashes?: boolean;
}) {
  const registry = await ctx.registry(registryId);
  const bar = ctx.out.progress(`${options.type} ${options.version}`, Math.ceil(options.wasm.length / DEFAULT_CHUNK_BYTES), 'chunks');
  const result = await publishWasm(registry as never, {
    canisterType: options.type, version: options.version, wasm: options.wasm, previousHash: options.previous,
    description: options.description ?? '', repo: options.repo ?? REPO_URL, declareChunkHashes: options.declareChunkHashes ?? false,
  }, {
    onProgress: (p: PublishProgress) => {
      const mb = `${(p.bytesDone / 1e6).toFixed(1)}/${(p.bytesTotal / 1e6).toFixed(1)} MB`;
      if (p.phase === 'verified') bar.end(p.skippedChunks === p.chunksTotal ? 'already published' : 'verified by the registry');
      else bar.update(p.chunksDone, p.phase === 'verifying' ? `${mb}, the registry is hashing` : mb);
    },
  });
  return result;
}

export async function deploy(ctx: Context, raw: unknown): Promise<DeployResult> {
  const input = parseInput(DeployInput, raw);
  requireIdentity(ctx, 'deploying');
  if (ctx.network.name === 'ic' && input.dapp) {
    throw usageError('on the IC mainnet, deploy installs into canisters you created and cannot spawn a dapp (that needs cycles)', 'run `lineage deploy --network ic --no-dapp`; see "Pointing Lineage at a real network" in scripts/README.md');
  }
  const me = ctx.principal;
  const created: string[] = [];
  ctx.out.step(`Deploying Lineage on ${ctx.network.name === ctx.network.url ? ctx.network.url : `${ctx.network.name} (${ctx.network.url})`} as ${me.toText()}`);

  const registryId = await ensureCanister(ctx, 'registry', encode(registryInit({ IDL }) as IDL.Type[], [[{ admins: [me], open_type_creation: false }]]), created);
  const nftId = await ensureCanister(ctx, 'nft', encode(nftInit({ IDL }) as IDL.Type[], [[{
    minting_authority: me, symbol: 'DAPP', name: 'Lineage dapps', description: ['One token per Lineage dapp: its holder owns the dapp'],
    logo: [], supply_cap: [], tx_window: [], permitted_drift: [],
  }]]), created);

  ctx.out.step('Canister types and first versions in the registry');
  const registry = await ctx.registry(registryId);
  const published: DeployResult['published'] = [];
  const version = input.version.join('.');
  for (const role of ROLES) {
    const namespace = NAMESPACES[role];
    const [existing] = await registry.icrc118_get_canister_types({ filter: [{ namespace }], prev: [], take: [1n] });
    if (!existing || existing.namespace !== namespace) {
      const [result] = await registry.icrc118_create_canister_type([{
        canister_type_namespace: namespace, canister_type_name: `Lineage ${role}`, controllers: [[me]],
        description: `The Lineage dapp ${role}`, repo: REPO_URL, metadata: [], forked_from: [],
      }]);
      unwrap(result as never, `creating canister type ${namespace}`);
      ctx.out.note(`created canister type ${namespace}`);
    }
    const versions = (await versionsOf(registry as never, namespace)).filter(isVerified);
    if (versions.length > 0) {
      ctx.out.note(`${namespace}: has ${versions.map((w) => formatVersion(w.version_number)).join(', ')}`);
      continue;
    }
    const wasm = await builtWasm(role as CanisterName, (t) => ctx.out.note(t));
    const result = await publishWithProgress(ctx, registryId, { type: namespace, version, wasm, description: `${namespace} ${version}, built from this repository` });
    published.push({ type: namespace, version, hash: toHex(result.hash) });
  }

  let dapp: SpawnResult | null = null;
  const backend = ctx.ids.get('backend', ctx.network.name);
  if (!input.dapp) ctx.out.note('no dapp spawned (--no-dapp)');
  else if (backend && (await canisterExists(ctx, backend))) ctx.out.note(`the project's dapp exists (backend ${backend.toText()})`);
  else {
    if (backend) {
      // The recorded dapp is gone (a restarted network): forget it before spawning a new one.
      for (const role of ROLES) ctx.ids.remove(role, ctx.network.name);
    }
    dapp = await spawn(ctx, { owner: input.owner });
  }
  let consoleDeployment: ConsoleDeployment | null = null;
  if (input.console) {
    ctx.out.step('The console (a Lineage asset canister serving the web app)');
    consoleDeployment = await deployConsole(ctx, registryId, nftId);
    ctx.out.note(`console ${consoleDeployment.canister}: root ${consoleDeployment.root.slice(0, 12)}…`);
  }
  return { network: ctx.network.name, registry: registryId.toText(), nft: nftId.toText(), created, published, dapp, console: consoleDeployment };
}

export function register(program: Command): void {
  examples(
    program.command('deploy')
      .description('deploy the registry, the NFT collection, the dapp versions and the project\'s dapp (keeps what exists)')
      .option('--owner <principal>', 'who owns the project\'s dapp (its NFT); default: you')
      .option('--version <x.y.z>', 'the version number of the first published backend, manager and asset builds', '1.0.0')
      .option('--no-dapp', 'deploy the registry and collection only; spawn dapps later with `lineage spawn`')
      .option('--no-console', 'do not install the console web app')
      .action(action(async (ctx, opts: { owner?: string; version: string; dapp: boolean; console: boolean }) => {
        const result = await deploy(ctx, opts);
        if (result.dapp && !ctx.out.json && !ctx.out.quiet) printSpawned(ctx, result.dapp);
        const lines = [
          `registry  ${result.registry}`,
          `nft       ${result.nft}`,
          ...result.published.map((p) => `published ${p.type} ${p.version}  ${p.hash}`),
          ...(result.console ? [`console   ${result.console.url}`] : []),
          `canister ids: ${ctx.ids.path}`,
        ];
        ctx.out.result(result, lines, result.registry);
      })),
    'lineage deploy',
    'lineage deploy --owner 2vxsx-fae --network http://127.0.0.1:8080',
  );
}
