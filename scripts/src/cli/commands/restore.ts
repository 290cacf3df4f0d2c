/**
 * `lineage restore`: asks a dapp's backend, as the NFT holder, to load back the snapshot the manager
 * took of one of the dapp's canisters before its last upgrade (the old module and the old state).
 * The backend's own restore is acknowledged first and run afterwards, so this command waits for it.
 */
import { toHex } from '@lineage/sdk';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { networkError } from '../errors.js';
import { describeVariant, findDapp, moduleHashOf, roleVariant } from '../lineage.js';

const RestoreInput = z.object({
  '<canister>': z.string().min(1),
  backend: z.string().optional(),
  timeout: z.coerce.number().positive('seconds, more than 0').default(180),
});

export interface RestoreResult {
  canister: string;
  role: string;
  operation: bigint;
  snapshot: string;
  takenAt: bigint;
  state: string;
  detail: string;
  moduleHash: string | null;
}

export async function restore(ctx: Context, raw: unknown): Promise<RestoreResult> {
  const input = parseInput(RestoreInput, raw);
  const { dapp, role, target } = await findDapp(ctx, input['<canister>'], input.backend);
  const name = ctx.nameOf(target);
  ctx.out.step(`Restoring ${name} (${role}) from the manager's last pre-upgrade snapshot, as ${ctx.principal.toText()}`);
  const backend = await ctx.backend(dapp.info.backend);
  const reply = await backend.request_restore({ canister: roleVariant(role) });
  if ('Err' in reply) {
    const e = reply.Err;
    if ('NotOwner' in e) throw networkError(`refused: ${ctx.principal.toText()} does not hold this dapp's NFT`, 'only the NFT holder may restore the dapp; `lineage nft owner` shows who that is');
    throw networkError(`refused: ${describeVariant(e)}`);
  }
  const ticket = reply.Ok;
  const manager = await ctx.manager(dapp.info.manager);
  const deadline = Date.now() + input.timeout * 1000;
  let state = Object.keys(ticket.state)[0]!;
  while (state === 'Scheduled' || state === 'Running') {
    if (Date.now() > deadline) throw networkError(`restore operation ${ticket.operation} did not finish within ${input.timeout} s`, 'check later with `lineage history`');
    await new Promise((r) => setTimeout(r, 500));
    const [op] = await manager.operation(ticket.operation);
    if (op) state = Object.keys(op.state)[0]!;
  }
  const page = await manager.deployment_history({ canister: [target], prev: [], take: [20n], descending: [true] });
  const entry = page.entries.find((e) => 'Restored' in e.event && e.event.Restored.operation === ticket.operation);
  const detail = entry && 'Restored' in entry.event ? entry.event.Restored.detail : '';
  if (state === 'Failed') throw networkError(`the restore failed: ${detail}`, '`lineage history` shows the attempt');
  return {
    canister: target.toText(), role, operation: ticket.operation, snapshot: toHex(ticket.snapshot), takenAt: ticket.taken_at, state, detail,
    moduleHash: (await moduleHashOf(ctx, target)) ?? null,
  };
}

export function register(program: Command): void {
  examples(
    program.command('restore')
      .description('load back the snapshot the manager took before the last upgrade of a dapp canister, as the holder of the dapp\'s NFT')
      .argument('<canister>', 'backend, asset, <dapp>.backend…, or a canister id')
      .option('--backend <name|id>', 'the dapp\'s backend, when <canister> is an id the ids file does not name')
      .option('--timeout <seconds>', 'how long to wait for the backend\'s own restore', '180')
      .action(action(async (ctx, canister: string, opts: Record<string, unknown>) => {
        const r = await restore(ctx, { '<canister>': canister, ...opts });
        ctx.out.result(r, [
          `${ctx.nameOf(ctx.canister(r.canister))} runs ${r.moduleHash ?? 'nothing'} again (snapshot ${r.snapshot})`, `  ${r.detail}`, `  operation ${r.operation}`,
        ], r.snapshot);
      })),
    'lineage restore backend',
    'lineage restore shop.asset --identity alice.pem',
  );
}
