/** `lineage whoami`: the principal the CLI acts as, and where its key comes from. */
import type { Command } from 'commander';

import { action, examples } from '../command.js';
import type { Context } from '../context.js';

export function whoami(ctx: Context) {
  const id = ctx.identity;
  return { principal: ctx.principal.toText(), kind: id.kind, source: id.source, network: ctx.network.name, url: ctx.network.url };
}

export function register(program: Command): void {
  examples(
    program.command('whoami').description('print the principal lineage acts as (from --identity, or the project identity)')
      .action(action(async (ctx) => {
        const r = whoami(ctx);
        ctx.out.result(r, [`${r.principal}`, `  ${r.kind} key from ${r.source}; network ${r.network} (${r.url})`], r.principal);
      })),
    'lineage whoami',
    'lineage whoami --identity ~/.config/dfx/identity/default/identity.pem',
  );
}
