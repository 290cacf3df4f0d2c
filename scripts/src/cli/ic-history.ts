/**
 * A canister's history as the IC records it: `canister_info`, which the current interface
 * specification lets anyone call as a query to the management canister (older replicas allow it
 * only from canisters, and then the manager's own record is all there is).
 */
import { Actor, type ActorSubclass } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import { managementTypes, type CanisterInfo } from '@lineage/types';

import type { Context } from './context.js';

const infoIdl: IDL.InterfaceFactory = ({ IDL: I }) => {
  const m = managementTypes(I as never);
  return I.Service({ canister_info: I.Func([m.CanisterInfoArgs], [m.CanisterInfo], ['query']) });
};

interface InfoService {
  canister_info(args: { canister_id: Principal; num_requested_changes: [] | [bigint] }): Promise<CanisterInfo>;
}

/** `canister_info` of `canister` with up to `changes` recent changes, or why the network refused it. */
export async function canisterInfo(ctx: Context, canister: Principal, changes = 20n): Promise<{ info: CanisterInfo } | { refused: string }> {
  const actor = Actor.createActor<InfoService>(infoIdl, {
    agent: await ctx.agent(), canisterId: Principal.managementCanister(),
    queryTransform: () => ({ effectiveCanisterId: canister }),
    callTransform: () => ({ effectiveCanisterId: canister }),
  }) as ActorSubclass<InfoService>;
  try {
    return { info: await actor.canister_info({ canister_id: canister, num_requested_changes: [changes] }) };
  } catch (error) {
    const text = (error as Error).message;
    const reject = /Reject text: (.*)/.exec(text)?.[1] ?? /Reject message: (.*)/.exec(text)?.[1] ?? text.split('\n')[0]!;
    return { refused: reject.trim() };
  }
}
