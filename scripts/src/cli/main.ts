/**
 * The `lineage` command line: a local network, deployment, publishing, owner upgrades, transfers,
 * histories and verification of Lineage dapps on any IC network.
 */
import { Command, CommanderError } from 'commander';

import { addGlobalOptions, outcome, reportCommanderError } from './command.js';
import * as deploy from './commands/deploy.js';
import * as history from './commands/history.js';
import * as log from './commands/log.js';
import * as nft from './commands/nft.js';
import * as publish from './commands/publish.js';
import * as registry from './commands/registry.js';
import * as restore from './commands/restore.js';
import * as spawn from './commands/spawn.js';
import * as start from './commands/start.js';
import * as upgrade from './commands/upgrade.js';
import * as whoami from './commands/whoami.js';
import * as assets from './commands/verify-assets.js';
import * as verify from './commands/verify.js';

/** The program with every command; `main` runs it. */
export function program(): Command {
  const root = new Command('lineage')
    .description('Replicable, transferable, owner-upgradable Internet Computer dapps, every step verifiable')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  addGlobalOptions(root);
  root.addHelpText('after', `
Exit codes: 0 ok, 1 unexpected error, 2 usage (bad input, unknown name), 3 network or canister refused, 4 verification failed.
Files: .lineage/canister_ids.json (canister ids by network), .lineage/identity.pem (the default identity).

Example:
  $ lineage start &                       # a local network on http://127.0.0.1:4943
  $ lineage deploy                        # registry, nft and your first dapp
  $ lineage publish org.lineage.backend 1.1.0 dist/backend.wasm --previous 1.0.0
  $ lineage upgrade backend --to 1.1.0
  $ lineage history backend
`);
  for (const command of [start, whoami, deploy, publish, upgrade, restore, nft, spawn, history, verify, assets, registry, log]) command.register(root);
  // Every subcommand reports its own usage errors the same way.
  for (const sub of root.commands) {
    sub.exitOverride().configureOutput({ outputError: () => undefined });
    for (const inner of sub.commands) inner.exitOverride().configureOutput({ outputError: () => undefined });
  }
  return root;
}

export async function main(argv = process.argv): Promise<number> {
  const root = program();
  try {
    await root.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return reportCommanderError(error, argv.includes('--json'));
    throw error;
  }
  return outcome.exitCode;
}
