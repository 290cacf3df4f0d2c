/**
 * `lineage upgrade`: asks a dapp's backend, as the NFT holder, to upgrade one of the dapp's canisters
 * to a registry version. The manager follows the registry's upgrade path step by step; the backend's
 * own upgrade is acknowledged first and run afterwards, so this command waits for it.
 */
import { formatVersion, operationProgress, toHex, type UpgradePhase } from '@lineage/sdk';
import type { BackendError, Operation, UpgradeStep } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { networkError, verificationError } from '../errors.js';
import { describeVariant, findDapp, findVersion, moduleHashOf, NAMESPACES, resolveVersion, roleVariant, versionLabel } from '../lineage.js';

const UpgradeInput = z.object({
  '<canister>': z.string().min(1),
  to: z.string({ error: 'required: the version (1.2.0) or module hash to upgrade to' }).min(1),
  backend: z.string().optional(),
  timeout: z.coerce.number().positive('seconds, more than 0').default(180),
  /** commander's `--no-snapshot` sets `snapshot: false`. */
  snapshot: z.boolean().default(true),
});

export interface UpgradeResult {
  canister: string;
  role: string;
  operation: bigint | null;
  from: { hash: string | null; version: string | null };
  to: { hash: string; version: string };
  /** Each step with the upgrade options passed to `install_chunked_code` (`null`: not reported). */
  steps: StepJson[];
  changed: boolean;
  /** What the manager did around the install (issue 15): its snapshot, the health check, any rollback. */
  safety: SafetyReport;
  /** The phases of the running step seen while waiting (`fetching`, `snapshot`, `installing`, …), in order; empty when the manager answered at once. */
  phases: string[];
}

export interface SafetyReport {
  snapshots: string[];
  health: { healthy: boolean; detail: string }[];
  rolledBack: { loaded: boolean; reason: string; detail: string }[];
}

/** The manager's history entries of operation `id` on `canister`: the snapshot, the health check, any rollback. */
export async function safetyOf(ctx: Context, managerId: import('@dfinity/principal').Principal, canister: import('@dfinity/principal').Principal, id: bigint): Promise<SafetyReport> {
  const manager = await ctx.manager(managerId);
  const page = await manager.deployment_history({ canister: [canister], prev: [], take: [50n], descending: [true] });
  const report: SafetyReport = { snapshots: [], health: [], rolledBack: [] };
  for (const e of [...page.entries].reverse()) {
    const ev = e.event;
    if ('SnapshotTaken' in ev && ev.SnapshotTaken.operation === id) report.snapshots.push(toHex(ev.SnapshotTaken.snapshot));
    if ('HealthChecked' in ev && ev.HealthChecked.operation === id) report.health.push({ healthy: ev.HealthChecked.healthy, detail: ev.HealthChecked.detail });
    if ('RolledBack' in ev && ev.RolledBack.operation === id) report.rolledBack.push({ loaded: ev.RolledBack.loaded, reason: ev.RolledBack.reason, detail: ev.RolledBack.detail });
  }
  return report;
}

/** The manager's `lineage:*` metadata of a version, as the plan shows it (`wasm_memory_persistence=keep, …`). */
export function upgradeOptionsOf(metadata: [string, Record<string, unknown>][]): string {
  return metadata
    .filter(([key]) => key.startsWith('lineage:'))
    .map(([key, value]) => `${key.slice('lineage:'.length)}=${String(Object.values(value)[0])}`)
    .join(', ');
}

function noteSafety(ctx: Context, s: SafetyReport): void {
  for (const id of s.snapshots) ctx.out.note(`snapshot ${id} taken before the install`);
  for (const h of s.health) ctx.out.note(`health check: ${h.healthy ? 'healthy' : 'UNHEALTHY'} (${h.detail})`);
  for (const r of s.rolledBack) ctx.out.note(r.loaded ? `rolled back: the snapshot was loaded back (${r.detail})` : `rollback FAILED: ${r.detail}`);
}

/** A step's upgrade options as the manager passes them to the IC; `null` when the manager did not say. */
function optionsJson(s: UpgradeStep): StepJson['options'] {
  const o = (s.options ?? [])[0];
  return o ? { wasm_memory_persistence: o.wasm_memory_persistence[0] ?? null, skip_pre_upgrade: o.skip_pre_upgrade } : null;
}

/** `wasm_memory_persistence=keep, skip_pre_upgrade` or `no upgrade options`, for the step lines. */
export function optionsLabel(options: StepJson['options']): string {
  if (!options) return 'upgrade options not reported';
  const parts = [
    ...(options.wasm_memory_persistence ? [`wasm_memory_persistence=${options.wasm_memory_persistence}`] : []),
    ...(options.skip_pre_upgrade ? ['skip_pre_upgrade'] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'no upgrade options';
}

interface StepJson {
  from: string;
  to: string;
  version: string;
  options: { wasm_memory_persistence: string | null; skip_pre_upgrade: boolean } | null;
}

const stepJson = (s: UpgradeStep): StepJson => ({ from: toHex(s.from), to: toHex(s.to), version: formatVersion(s.version), options: optionsJson(s) });

/** A backend refusal in words, with what to do about it. */
function refusal(err: BackendError, caller: string): { message: string; hint?: string } {
  if ('NotOwner' in err) {
    const owner = err.NotOwner.owner[0]?.toText();
    return {
      message: `refused: ${caller} does not hold this dapp's NFT${owner ? ` (its holder is ${owner})` : ''}`,
      hint: 'only the NFT holder may upgrade the dapp; `lineage nft owner` shows who that is',
    };
  }
  if ('Upgrade' in err) {
    const u = err.Upgrade;
    if ('NoUpgradePath' in u) return { message: `refused: no upgrade path: ${u.NoUpgradePath.reason}`, hint: '`lineage registry path` shows the registry\'s paths' };
    if ('SnapshotRequired' in u) {
      return {
        message: `refused: version ${formatVersion(u.SnapshotRequired.version)} does not declare that it may be installed without a snapshot`,
        hint: 'upgrade without --no-snapshot; only versions whose registry metadata says lineage:snapshot = optional may skip it',
      };
    }
    if ('Busy' in u) return { message: `refused: the canister is busy with operation ${u.Busy.operation}`, hint: 'wait for it to finish, then try again' };
    if ('Failed' in u) return { message: `the upgrade failed at ${formatVersion(u.Failed.failed.version)}: ${u.Failed.message}`, hint: 'the canister still runs the last version reached; `lineage history` shows the attempt' };
    return { message: `refused by the manager: ${describeVariant(u)}` };
  }
  return { message: `refused by the backend: ${describeVariant(err)}` };
}

/**
 * Polls the manager until operation `id` has completed or failed, printing each state and each
 * phase of the running step as it comes; answers the operation and the phases seen.
 */
async function waitFor(ctx: Context, managerId: import('@dfinity/principal').Principal, id: bigint, timeoutSeconds: number): Promise<{ op: Operation; phases: string[] }> {
  const manager = await ctx.manager(managerId);
  const deadline = Date.now() + timeoutSeconds * 1000;
  const phases: string[] = [];
  let shown = '';
  for (;;) {
    // The backend's own upgrade stops it for a moment, not the manager; a failing poll is retried.
    const [op] = await manager.operation(id).catch(() => [] as []);
    if (op) {
      const progress = operationProgress(op);
      const phase = progress.state === 'running' ? progress.phase : undefined;
      const state = `${progress.state}${progress.state === 'running' ? ` step ${progress.step + 1}/${progress.steps}` : ''}${phase ? `: ${PHASE_WORDS[phase]}` : ''}`;
      if (state !== shown) ctx.out.note(`operation ${id}: ${state}`);
      if (phase && phases.at(-1) !== phase) phases.push(phase);
      shown = state;
      if ('Completed' in op.state || 'Failed' in op.state) return { op, phases };
    }
    if (Date.now() > deadline) throw networkError(`operation ${id} did not finish within ${timeoutSeconds} s`, 'check later with `lineage history`; pass --timeout to wait longer');
    await new Promise((r) => setTimeout(r, 500));
  }
}

const PHASE_WORDS: Record<UpgradePhase, string> = {
  fetching: 'moving the chunks from the registry', snapshot: 'taking a snapshot', installing: 'installing',
  starting: 'starting', health: 'checking health', rollback: 'rolling back',
};

export async function upgrade(ctx: Context, raw: unknown): Promise<UpgradeResult> {
  const input = parseInput(UpgradeInput, raw);
  const { dapp, role, target } = await findDapp(ctx, input['<canister>'], input.backend);
  const registry = await ctx.registry(dapp.info.registry);
  const currentHash = await moduleHashOf(ctx, target);
  const current = currentHash ? await findVersion(registry as never, currentHash) : undefined;
  const namespace = current?.canister_type_namespace ?? NAMESPACES[role];
  const wanted = await resolveVersion(registry as never, namespace, input.to);
  const toHash = toHex(wanted.hash);
  const from = { hash: currentHash ?? null, version: current ? formatVersion(current.version_number) : null };
  const to = { hash: toHash, version: formatVersion(wanted.version_number) };
  const name = ctx.nameOf(target);
  if (currentHash === toHash) {
    ctx.out.note(`${name} already runs ${versionLabel(wanted)}`);
    return { canister: target.toText(), role, operation: null, from, to, steps: [], changed: false, safety: { snapshots: [], health: [], rolledBack: [] }, phases: [] };
  }
  const options = upgradeOptionsOf(wanted.metadata as [string, Record<string, unknown>][]);
  if (options) ctx.out.note(`the version declares: ${options}`);
  ctx.out.step(`Upgrading ${name} (${role}) from ${current ? versionLabel(current) : currentHash?.slice(0, 12) ?? 'nothing'} to ${versionLabel(wanted)} as ${ctx.principal.toText()}`);
  const backend = await ctx.backend(dapp.info.backend);
  if (!input.snapshot) ctx.out.note('without a snapshot (--no-snapshot): a failed health check cannot be rolled back');
  const request = { canister: roleVariant(role), to: wanted.hash, arg: [] as [] };
  const reply = input.snapshot ? await backend.request_upgrade(request) : await backend.request_upgrade_without_snapshot(request);
  if ('Err' in reply) {
    const { message, hint } = refusal(reply.Err, ctx.principal.toText());
    if ('Upgrade' in reply.Err && 'Failed' in reply.Err.Upgrade) noteSafety(ctx, await safetyOf(ctx, dapp.info.manager, target, reply.Err.Upgrade.Failed.operation));
    throw networkError(message, hint);
  }
  const ticket = reply.Ok;
  let steps = ticket.steps;
  let phases: string[] = [];
  if ('Scheduled' in ticket.state || 'Running' in ticket.state) {
    ctx.out.note(`the manager acknowledged operation ${ticket.operation} (${ticket.steps.length} step(s)); waiting for it`);
    const { op, phases: seen } = await waitFor(ctx, dapp.info.manager, ticket.operation, input.timeout);
    phases = seen;
    steps = op.steps;
    if ('Failed' in op.state) noteSafety(ctx, await safetyOf(ctx, dapp.info.manager, target, ticket.operation));
    if ('Failed' in op.state) throw networkError(`the upgrade failed at step ${op.state.Failed.step + 1}: ${op.state.Failed.error}`, 'the canister still runs the last version reached; `lineage history` shows the attempt');
  }
  const now = await moduleHashOf(ctx, target);
  if (now !== toHash) throw verificationError(`after the upgrade ${name} runs ${now ?? 'nothing'}, not ${toHash}`);
  for (const s of steps) ctx.out.note(`${toHex(s.from).slice(0, 12)}… → ${toHex(s.to).slice(0, 12)}… (${formatVersion(s.version)}; ${optionsLabel(optionsJson(s))})`);
  const safety = await safetyOf(ctx, dapp.info.manager, target, ticket.operation);
  noteSafety(ctx, safety);
  return { canister: target.toText(), role, operation: ticket.operation, from, to, steps: steps.map(stepJson), changed: true, safety, phases };
}

export function register(program: Command): void {
  examples(
    program.command('upgrade')
      .description('upgrade a dapp canister to a registry version, as the holder of the dapp\'s NFT')
      .argument('<canister>', 'backend, manager, asset, <dapp>.backend…, or a canister id')
      .requiredOption('--to <version|hash>', 'the version (1.2.0) or module hash to reach')
      .option('--backend <name|id>', 'the dapp\'s backend, when <canister> is an id the ids file does not name')
      .option('--timeout <seconds>', 'how long to wait for a scheduled upgrade of the backend', '180')
      .option('--no-snapshot', 'skip the snapshot before the install (only for versions that declare lineage:snapshot = optional)')
      .action(action(async (ctx, canister: string, opts: Record<string, unknown>) => {
        const r = await upgrade(ctx, { '<canister>': canister, ...opts });
        ctx.out.result(r, r.changed
          ? [`${ctx.nameOf(ctx.canister(r.canister))} now runs ${r.to.version} (${r.to.hash})`, ...(r.steps.length > 1 ? [`  via ${r.steps.map((s) => s.version).join(' → ')}`] : []), `  operation ${r.operation}`]
          : [`${ctx.nameOf(ctx.canister(r.canister))} already runs ${r.to.version} (${r.to.hash})`], r.to.hash);
      })),
    'lineage upgrade backend --to 2.0.0',
    'lineage upgrade shop.asset --to 5c1e…e9 --identity alice.pem',
  );
}
