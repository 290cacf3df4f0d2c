/**
 * ICRC-3 log checks in the browser: every block of a Lineage log (registry, collection, manager)
 * is read and hashed, the chain is walked, and the tip is checked against the IC certificate with
 * the network's root key.
 */
import { Actor, type HttpAgent } from '@dfinity/agent';
import type { Principal } from '@dfinity/principal';
import { toHex, verifyIcrc3Log } from '@lineage/sdk/browser';
import { managerIdl } from '@lineage/types';

import { failed, reason, verified, type CheckLine } from './check.js';

/**
 * Verifies the ICRC-3 log of `canister` (named `label` on the page).
 *
 * @example
 * const line = await verifyLog(agent, managerId, 'manager log');
 */
export async function verifyLog(agent: HttpAgent, canister: Principal, label: string): Promise<CheckLine> {
  try {
    if (!agent.rootKey) return failed(label, 'not verified: the agent has no root key');
    // Every Lineage log has the same ICRC-3 methods; the manager's interface has them all.
    const log = Actor.createActor(managerIdl as never, { agent, canisterId: canister });
    const v = await verifyIcrc3Log(log as never, { canisterId: canister, rootKey: new Uint8Array(agent.rootKey) });
    if (v.ok) return verified(label, `${v.blocks} block(s) chained; tip ${v.tipIndex ?? '-'} ${v.tipHash ? `${toHex(v.tipHash).slice(0, 16)}…` : ''} certified by the IC (certificate verified against the root key)`);
    return failed(label, v.failures.map((f) => `${f.check}${f.blockId !== undefined ? ` (block ${f.blockId})` : ''}: ${f.message}`).join('; '));
  } catch (error) {
    return failed(label, `not verified: ${reason(error)}`);
  }
}
