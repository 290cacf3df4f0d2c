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
import { shortHash } from './words.js';

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
    if (v.ok) return verified(label, logWords(v.blocks, v.tipIndex, v.tipHash ? toHex(v.tipHash) : undefined));
    return failed(label, v.failures.map((f) => `${f.check}${f.blockId !== undefined ? ` (block ${f.blockId})` : ''}: ${f.message}`).join('; '));
  } catch (error) {
    return failed(label, `not verified: ${reason(error)}`);
  }
}

/**
 * A verified log in words: how many entries, each linked to the one before, and that the latest is
 * the one the Internet Computer certifies.
 *
 * @example
 * logWords(28, 27n, 'fc62…'); // '28 entries, each linked to the one before; the latest (number 27, fc62a22d…6e75) is certified by the Internet Computer (certificate checked against the network's key)'
 */
export function logWords(blocks: number | bigint, tipIndex?: bigint, tipHash?: string): string {
  const n = Number(blocks);
  if (n === 0) return 'empty: nothing recorded yet (the empty log is what the Internet Computer certifies)';
  return `${n} ${n === 1 ? 'entry' : 'entries'}, each linked to the one before; the latest (number ${tipIndex ?? n - 1}${tipHash ? `, ${shortHash(tipHash)}` : ''}) is certified by the Internet Computer (certificate checked against the network's key)`;
}
