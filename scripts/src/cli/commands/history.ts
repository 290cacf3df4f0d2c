/**
 * `lineage history`: one table of every change to a canister, merging the IC's `canister_info`
 * (the most recent changes, with origins) and the dapp manager's unbounded deployment history
 * (who asked for each upgrade, failed attempts, changes made behind its back).
 */
import type { Principal } from '@dfinity/principal';
import { formatHistoryTable, mergeHistories, readManagerHistory, shortPrincipal, summarizeVerifications, verificationsOf, type HistoryRow } from '@lineage/sdk';
import type { HistoryEntry } from '@lineage/types';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { canisterInfo } from '../ic-history.js';
import { findDapp, versionNames } from '../lineage.js';

const HistoryInput = z.object({
  '<canister>': z.string().min(1),
  manager: z.string().optional(),
  registry: z.string().optional(),
  wide: z.boolean().optional(),
});

export interface HistoryResult {
  canister: string;
  name: string | null;
  /** `verifications`: who attested and who diverged on the module, per the registry (ICRC-126). */
  rows: (HistoryRow & { version: string | null; verifications: { attestedBy: string[]; divergedBy: string[] } | null })[];
  /** What the IC said: the number of changes it counts, or why it refused `canister_info`. */
  ic: { totalChanges: bigint; listed: number } | { refused: string };
  manager: { canister: string; entries: number } | null;
  notes: string[];
}

export async function history(ctx: Context, raw: unknown): Promise<HistoryResult> {
  const input = parseInput(HistoryInput, raw);
  const target = ctx.canister(input['<canister>']);
  const notes: string[] = [];
  let managerId: Principal | undefined = input.manager ? ctx.canister(input.manager, 'manager') : undefined;
  let registryId: Principal | undefined = input.registry ? ctx.canister(input.registry, 'registry') : undefined;
  if (!managerId) {
    // A dapp canister has a manager; the registry and the collection have none.
    const dapp = await findDapp(ctx, input['<canister>']).catch(() => undefined);
    if (dapp) {
      managerId = dapp.dapp.info.manager;
      registryId ??= dapp.dapp.info.registry;
    }
  }
  registryId ??= ctx.ids.get('registry', ctx.network.name);

  const fromIc = await canisterInfo(ctx, target);
  if ('refused' in fromIc) notes.push(`the network refused canister_info as a query (${fromIc.refused}); showing the manager's record only`);
  let entries = managerId ? await readManagerHistory(await ctx.agent(), managerId, target) : [];
  // The trust policy's entries are about the manager but concern the whole dapp.
  if (managerId && managerId.toText() !== target.toText()) {
    entries = [...entries, ...(await readManagerHistory(await ctx.agent(), managerId, managerId)).filter((e) => 'TrustPolicy' in e.event)];
  }
  if (!managerId) notes.push('no manager watches this canister: the IC\'s record is all there is (it keeps the most recent changes only)');
  const rows = mergeHistories({ ic: 'info' in fromIc ? fromIc.info : undefined, manager: entries, canister: target.toText() });
  if ('info' in fromIc && fromIc.info.total_num_changes > BigInt(fromIc.info.recent_changes.length) && !managerId) {
    notes.push(`the IC counts ${fromIc.info.total_num_changes} changes but lists only the last ${fromIc.info.recent_changes.length}`);
  }

  const hashes = rows.map((r) => r.moduleHash).filter((h): h is string => h !== undefined);
  const names = registryId && hashes.length ? await versionNames(await ctx.registry(registryId), hashes) : new Map<string, string>();
  const verifications = new Map<string, { attestedBy: string[]; divergedBy: string[] }>();
  if (registryId) {
    const registry = await ctx.registry(registryId);
    for (const hash of new Set(hashes)) if (names.has(hash)) verifications.set(hash, summarizeVerifications(await verificationsOf(registry as never, hash)));
  }
  return {
    canister: target.toText(),
    name: ctx.ids.nameOf(target, ctx.network.name) ?? null,
    rows: rows.map((r) => ({
      ...r, version: r.moduleHash ? names.get(r.moduleHash) ?? null : null, verifications: r.moduleHash ? verifications.get(r.moduleHash) ?? null : null,
    })),
    ic: 'info' in fromIc ? { totalChanges: fromIc.info.total_num_changes, listed: fromIc.info.recent_changes.length } : { refused: fromIc.refused },
    manager: managerId ? { canister: managerId.toText(), entries: entries.length } : null,
    notes,
  };
}

/** The table, with principals named after the ids file (and `you`). */
export function historyTable(ctx: Context, result: HistoryResult, wide = false): string {
  const names = new Map(ctx.ids.entries(ctx.network.name).map(([n, id]) => [id.toText(), n]));
  names.set(ctx.principal.toText(), names.get(ctx.principal.toText()) ?? 'you');
  const versions = new Map(result.rows.filter((r) => r.moduleHash && r.version).map((r) => [r.moduleHash!, r.version!]));
  const said = new Map(result.rows.filter((r) => r.moduleHash && r.verifications).map((r) => [r.moduleHash!, r.verifications!]));
  const who = (p: string) => names.get(p) ?? (wide ? p : shortPrincipal(p));
  const attestations = (hash: string) => {
    const v = said.get(hash);
    if (!v || (v.attestedBy.length === 0 && v.divergedBy.length === 0)) return undefined;
    return describeVerifications(v.attestedBy.map(who), v.divergedBy.map(who));
  };
  return formatHistoryTable(result.rows, { versionName: (h) => versions.get(h), principalName: (p) => names.get(p), wide, attestations });
}

/** `Attested by: a, b` / `Diverged: c` / `-` (nobody filed), for tables. */
export function describeVerifications(attestedBy: string[], divergedBy: string[]): string {
  const parts = [];
  if (attestedBy.length) parts.push(`Attested by: ${attestedBy.join(', ')}`);
  if (divergedBy.length) parts.push(`Diverged: ${divergedBy.join(', ')}`);
  return parts.length ? parts.join('\n') : '-';
}

export function register(program: Command): void {
  examples(
    program.command('history')
      .description('every change to a canister: the IC\'s canister_info merged with the dapp manager\'s unbounded history')
      .argument('<canister>', 'a name from the ids file or a canister id')
      .option('--manager <name|id>', 'the manager whose history to merge (default: the dapp\'s)')
      .option('--registry <name|id>', 'the registry that names versions (default: the dapp\'s)')
      .option('--wide', 'show principals and hashes in full')
      .action(action(async (ctx, canister: string, opts: Record<string, unknown>) => {
        const r = await history(ctx, { '<canister>': canister, ...opts });
        const header = `History of ${r.name ? `${r.name} ` : ''}${r.canister}: ${r.rows.length} change(s)` +
          ('totalChanges' in r.ic ? `; the IC counts ${r.ic.totalChanges}` : '') + (r.manager ? `; manager ${r.manager.canister} recorded ${r.manager.entries}` : '');
        ctx.out.result(r, [header, historyTable(ctx, r, opts.wide === true), ...r.notes.map((n) => `note: ${n}`)], String(r.rows.length));
      })),
    'lineage history backend',
    'lineage history lxzze-o7777-77777-aaaaa-cai --wide --network ic',
  );
}
