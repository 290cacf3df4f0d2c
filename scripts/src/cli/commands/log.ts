/** `lineage log verify`: checks a canister's ICRC-3 log end to end against the IC's certificate. */
import { verifyIcrc3Log, type Icrc3Verdict } from '@lineage/sdk';
import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { verificationError } from '../errors.js';

const LogInput = z.object({
  '<canister>': z.string().min(1),
  pageSize: z.coerce.number().int().min(1, 'at least 1 block per page').max(10_000).default(500),
});

export interface LogResult extends Omit<Icrc3Verdict, 'tipHash'> {
  canister: string;
  tipHash: string | null;
}

/** Reads every block of the canister's log (registry, nft or manager) and verifies the chain and its certified tip. */
export async function logVerify(ctx: Context, raw: unknown): Promise<LogResult> {
  const input = parseInput(LogInput, raw);
  const id = ctx.canister(input['<canister>']);
  const agent = await ctx.agent();
  // Every Lineage log has the same ICRC-3 methods; the manager's interface has them all.
  const log = await ctx.manager(id);
  const verdict = await verifyIcrc3Log(log as never, { canisterId: id, rootKey: agent.rootKey!, pageSize: input.pageSize });
  return { ...verdict, canister: id.toText(), tipHash: verdict.tipHash ? Buffer.from(verdict.tipHash).toString('hex') : null };
}

export function register(program: Command): void {
  const log = program.command('log').description('ICRC-3 logs of the registry, the NFT collection and managers');
  examples(
    log.command('verify').description('read every block, recompute the hash chain and check the tip against the certificate')
      .argument('<canister>', 'registry, nft, manager, <dapp>.manager, or a canister id')
      .option('--page-size <n>', 'blocks per icrc3_get_blocks call', '500')
      .action(action(async (ctx, canister: string, opts: Record<string, unknown>) => {
        const r = await logVerify(ctx, { '<canister>': canister, ...opts });
        ctx.out.result(r, [
          `${r.ok ? '✔' : '✘'} log of ${ctx.nameOf(ctx.canister(r.canister))}: ${r.blocks} block(s)${r.tipHash ? `, tip ${r.tipIndex} ${r.tipHash}` : ''}`,
          ...(r.ok ? ['  ✔ every block links to its parent', '  ✔ the tip is certified by the IC (certificate verified against the root key)']
            : r.failures.map((f) => `  ✘ ${f.check}${f.blockId !== undefined ? ` (block ${f.blockId})` : ''}: ${f.message}`)),
        ], r.ok ? 'ok' : 'failed');
        if (!r.ok) {
          // The verdict is printed; the exit code says it failed.
          throw verificationError(`the log of ${canister} did not verify (${r.failures.length} failure(s))`).afterResult();
        }
      })),
    'lineage log verify registry',
    'lineage log verify manager --json',
  );
}
