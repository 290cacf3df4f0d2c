/**
 * Creating and installing canisters on the chosen network. Local networks (this emulator, dfx,
 * PocketIC) create canisters with `provisional_create_canister_with_cycles`; the IC mainnet does
 * not offer it (canisters are bought with cycles through a wallet or the cycles ledger), so there
 * Lineage installs only into canisters that already exist and are named in the ids file.
 */
import { managementDeployer, type CanisterDeployer } from '@lineage/sdk';

import type { Context } from './context.js';
import { usageError } from './errors.js';

export async function deployerFor(ctx: Context): Promise<CanisterDeployer> {
  const agent = await ctx.agent();
  const mainnet = ctx.network.name === 'ic';
  return managementDeployer(agent, mainnet ? {
    createCanister: () => {
      throw usageError(
        'creating canisters on the IC mainnet needs cycles, which lineage does not handle',
        'create empty canisters you control (e.g. `dfx canister create --network ic <name>`), record their ids under "ic" in .lineage/canister_ids.json, and run the command again',
      );
    },
  } : {});
}

/** Refuses to act as the anonymous principal where the canisters need an owner. */
export function requireIdentity(ctx: Context, what: string): void {
  if (ctx.principal.isAnonymous()) throw usageError(`${what} needs an identity, not the anonymous principal`, 'pass --identity <pem>, or drop --identity anonymous to use the project identity');
}
