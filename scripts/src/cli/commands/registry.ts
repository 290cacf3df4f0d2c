/** `lineage registry ls|show|path`: what the registry holds, read by anyone. */
import { formatTimestamp, formatVersion, recordedHash, renderTable, shortPrincipal, summarizeVerifications, toHex, verificationsOf, versionsOf } from '@lineage/sdk';
import type { CanisterType, Wasm } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { networkError, usageError } from '../errors.js';
import { findVersion, resolveVersion } from '../lineage.js';
import { describeVerifications } from './history.js';

const RegistryOption = z.object({ registry: z.string().optional() });

async function registryOf(ctx: Context, spec: string | undefined) {
  return ctx.registry(ctx.canister(spec ?? 'registry', 'registry'));
}

/** Every canister type (pages of 100). */
async function allTypes(ctx: Context, spec: string | undefined): Promise<CanisterType[]> {
  const registry = await registryOf(ctx, spec);
  const out: CanisterType[] = [];
  let prev: [] | [string] = [];
  for (;;) {
    const page = await registry.icrc118_get_canister_types({ filter: [], prev, take: [100n] });
    out.push(...page);
    if (page.length < 100) return out;
    prev = [page[page.length - 1]!.namespace];
  }
}

export interface VersionJson {
  type: string;
  version: string;
  hash: string;
  previous: string | null;
  verified: boolean;
  deprecated: boolean;
  chunks: bigint;
  created: bigint;
  description: string;
  repo: string;
  /** ICRC-126 filings on the version: who attested the rebuild matched, who found it diverged. */
  attestedBy: string[];
  divergedBy: string[];
}

const versionJson = (w: Wasm, said: { attestedBy: string[]; divergedBy: string[] } = { attestedBy: [], divergedBy: [] }): VersionJson => ({
  type: w.canister_type_namespace, version: formatVersion(w.version_number), hash: toHex(w.hash), previous: w.previous_hash[0] ? toHex(w.previous_hash[0]) : null,
  verified: recordedHash(w.calculated_hash) !== undefined, deprecated: w.deprecated, chunks: w.chunkCount, created: w.created, description: w.description, repo: w.repo,
  ...said,
});

/** Every version with its attestations (one paged query per version). */
async function withVerifications(registry: Awaited<ReturnType<typeof registryOf>>, wasms: Wasm[]): Promise<VersionJson[]> {
  const out: VersionJson[] = [];
  for (const w of wasms) out.push(versionJson(w, summarizeVerifications(await verificationsOf(registry as never, w.hash))));
  return out;
}

export async function registryLs(ctx: Context, raw: unknown) {
  const input = parseInput(RegistryOption, raw);
  const types = await allTypes(ctx, input.registry);
  return types.map((t) => {
    const live = t.versions.filter((v) => recordedHash(v.calculated_hash) !== undefined);
    const latest = live.reduce<typeof live[number] | undefined>((best, v) => (!best || cmp(v.version, best.version) > 0 ? v : best), undefined);
    return {
      namespace: t.namespace, name: t.canister_type_name, versions: t.versions.length, latest: latest ? formatVersion(latest.version) : null,
      controllers: t.controllers.map((c) => c.toText()), repo: t.repo, description: t.description,
    };
  });
}

function cmp(a: readonly bigint[], b: readonly bigint[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

const ShowInput = RegistryOption.extend({ '<type|hash>': z.string().min(1) });

export async function registryShow(ctx: Context, raw: unknown): Promise<{ type: string; versions: VersionJson[] }> {
  const input = parseInput(ShowInput, raw);
  const registry = await registryOf(ctx, input.registry);
  const spec = input['<type|hash>'];
  if (/^[0-9a-f]{64}$/.test(spec)) {
    const w = await findVersion(registry as never, spec);
    if (!w) throw usageError(`the registry has no module ${spec}`, '`lineage registry ls` lists the canister types');
    return { type: w.canister_type_namespace, versions: await withVerifications(registry, [w]) };
  }
  const versions = await versionsOf(registry as never, spec);
  if (versions.length === 0) {
    const [t] = await registry.icrc118_get_canister_types({ filter: [{ namespace: spec }], prev: [], take: [1n] });
    if (!t || t.namespace !== spec) throw usageError(`the registry has no canister type ${spec}`, '`lineage registry ls` lists the canister types');
  }
  return { type: spec, versions: await withVerifications(registry, versions.sort((a, b) => cmp(a.version_number, b.version_number))) };
}

const PathInput = RegistryOption.extend({ '<type>': z.string().min(1), from: z.string().min(1), to: z.string().min(1) });

export async function registryPath(ctx: Context, raw: unknown) {
  const input = parseInput(PathInput, raw);
  const registry = await registryOf(ctx, input.registry);
  const type = input['<type>'];
  const from = await resolveVersion(registry as never, type, input.from, '--from');
  const to = await resolveVersion(registry as never, type, input.to, '--to');
  const reply = await registry.icrc118_get_upgrade_path({ canister_type_namespace: type, current_version: from.hash, target_version: to.hash });
  if ('Error' in reply) {
    const variant = Object.keys(reply.Error)[0]!;
    const why: Record<string, string> = {
      NoPath: `no chain of --previous links leads from ${formatVersion(from.version_number)} to ${formatVersion(to.version_number)}`,
      TargetDeprecated: `${formatVersion(to.version_number)} is deprecated`,
      TargetNotVerified: `${formatVersion(to.version_number)} is not completely uploaded`,
      DeprecatedStep: 'a step on the way is deprecated', UnverifiedStep: 'a step on the way is not completely uploaded',
    };
    throw networkError(`no upgrade path: ${why[variant] ?? variant}`);
  }
  return {
    type, from: versionJson(from),
    steps: reply.Ok.map((v) => ({ version: formatVersion(v.version), hash: toHex(v.hash) })),
  };
}

/** A principal as the ids file names it (`you` for yourself), else shortened. */
function nameOf(ctx: Context, principal: string): string {
  if (principal === ctx.principal.toText()) return 'you';
  return ctx.ids.entries(ctx.network.name).find(([, id]) => id.toText() === principal)?.[0] ?? shortPrincipal(principal);
}

export function register(program: Command): void {
  const registry = program.command('registry').description('read the Wasm registry: canister types, versions, upgrade paths');
  const opt = (c: Command) => c.option('--registry <name|id>', 'the registry (default: the deployed one)');
  examples(
    opt(registry.command('ls').description('list the canister types and their latest versions'))
      .action(action(async (ctx, opts: Record<string, unknown>) => {
        const types = await registryLs(ctx, opts);
        ctx.out.result(types, types.length
          ? renderTable(['Type', 'Versions', 'Latest', 'Controllers'], types.map((t) => [t.namespace, String(t.versions), t.latest ?? '-', t.controllers.join('\n')]))
          : 'the registry has no canister types yet', types.map((t) => t.namespace).join('\n'));
      })),
    'lineage registry ls',
  );
  examples(
    opt(registry.command('show').description('list the versions of a canister type, or show one module')
      .argument('<type|hash>', 'a canister type (org.lineage.backend) or a module hash'))
      .action(action(async (ctx, spec: string, opts: Record<string, unknown>) => {
        const r = await registryShow(ctx, { '<type|hash>': spec, ...opts });
        ctx.out.result(r, r.versions.length ? [
          `${r.type}: ${r.versions.length} version(s)`,
          renderTable(['Version', 'Module sha256', 'Upgrades from', 'State', 'Published', 'Rebuilds'], r.versions.map((v) => [
            v.version, v.hash, v.previous ? `${r.versions.find((o) => o.hash === v.previous)?.version ?? `${v.previous.slice(0, 12)}…`}` : '-',
            v.deprecated ? 'deprecated' : v.verified ? 'verified' : 'uploading', formatTimestamp(v.created),
            describeVerifications(v.attestedBy.map((p) => nameOf(ctx, p)), v.divergedBy.map((p) => nameOf(ctx, p))),
          ])),
        ] : `${r.type} has no versions yet`, r.versions.map((v) => `${v.version} ${v.hash}`).join('\n'));
      })),
    'lineage registry show org.lineage.backend',
    'lineage registry show 5c1e0d…e9 --json',
  );
  examples(
    opt(registry.command('path').description('the upgrade path the manager would follow between two versions')
      .argument('<type>', 'the canister type')
      .requiredOption('--from <version|hash>', 'the version installed now')
      .requiredOption('--to <version|hash>', 'the version to reach'))
      .action(action(async (ctx, type: string, opts: Record<string, unknown>) => {
        const r = await registryPath(ctx, { '<type>': type, ...opts });
        ctx.out.result(r, [`${r.type}: ${[r.from.version, ...r.steps.map((s) => s.version)].join(' → ')}`, ...r.steps.map((s, i) => `  step ${i + 1}: ${s.version}  ${s.hash}`)],
          r.steps.map((s) => s.hash).join('\n'));
      })),
    'lineage registry path org.lineage.backend --from 1.0.0 --to 3.0.0',
  );
}
