/**
 * A canister's whole history read over the network: the IC's `canister_info` (a query anyone may
 * make under the current interface specification) merged with its manager's unbounded deployment
 * history, with registry version names. Browser-safe: the console and scripts share it.
 */
import { Actor, type Agent } from '@dfinity/agent';
import type { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';
import {
  managementTypes, managerIdl, registryIdl, type CanisterInfo, type HistoryEntry, type ManagerService, type RegistryService,
} from '@lineage/types';

import { fromHex, toHex } from '../bytes.js';
import { mergeHistories, type HistoryRow } from './merge.js';

const infoIdl: IDL.InterfaceFactory = ({ IDL: I }) => {
  const m = managementTypes(I as never);
  return I.Service({ canister_info: I.Func([m.CanisterInfoArgs], [m.CanisterInfo], ['query']) });
};

/** The reject text of an agent error (its first meaningful line). */
export function rejectText(error: unknown): string {
  const text = (error as Error)?.message ?? String(error);
  const reject = /Reject text: (.*)/.exec(text)?.[1] ?? /Reject message: (.*)/.exec(text)?.[1] ?? /"message":\s*"([^"]*)"/.exec(text)?.[1];
  return (reject ?? text.split('\n').find((l) => l.trim() !== '') ?? text).trim();
}

/**
 * `canister_info` of `canister` with up to `changes` recent changes, or why the network refused it.
 *
 * @example
 * const r = await readCanisterInfo(agent, Principal.fromText('…'));
 * if ('info' in r) console.log(r.info.total_num_changes);
 */
export async function readCanisterInfo(agent: Agent, canister: Principal, changes = 20n): Promise<{ info: CanisterInfo } | { refused: string }> {
  const actor = Actor.createActor<{ canister_info(a: { canister_id: Principal; num_requested_changes: [] | [bigint] }): Promise<CanisterInfo> }>(infoIdl, {
    agent, canisterId: Principal.managementCanister(),
    queryTransform: () => ({ effectiveCanisterId: canister }),
    callTransform: () => ({ effectiveCanisterId: canister }),
  });
  try {
    return { info: await actor.canister_info({ canister_id: canister, num_requested_changes: [changes] }) };
  } catch (error) {
    return { refused: rejectText(error) };
  }
}

/**
 * Every entry `manager` recorded for `canister`, oldest first (pages of 100).
 *
 * @example
 * const entries = await readManagerHistory(agent, managerId, backendId);
 */
export async function readManagerHistory(agent: Agent, manager: Principal, canister: Principal): Promise<HistoryEntry[]> {
  const actor = Actor.createActor<ManagerService>(managerIdl as never, { agent, canisterId: manager });
  const out: HistoryEntry[] = [];
  let prev: [] | [bigint] = [];
  for (;;) {
    const page = await actor.deployment_history({ canister: [canister], prev, take: [100n], descending: [false] });
    out.push(...page.entries);
    if (page.entries.length === 0 || BigInt(out.length) >= page.total) return out;
    prev = [page.entries[page.entries.length - 1]!.index];
  }
}

/**
 * Registry labels (`org.lineage.backend 2.0.0`) of module hashes (hex), for those the registry has.
 *
 * @example
 * const names = await versionNamesOf(agent, registryId, ['5c1e…']);
 */
export async function versionNamesOf(agent: Agent, registry: Principal, hashes: string[]): Promise<Map<string, string>> {
  const actor = Actor.createActor<RegistryService>(registryIdl as never, { agent, canisterId: registry });
  const names = new Map<string, string>();
  const unique = [...new Set(hashes)];
  for (let i = 0; i < unique.length; i += 20) {
    const batch = unique.slice(i, i + 20);
    const found = await actor.icrc118_get_wasms({ filter: [batch.map((h) => ({ hash: fromHex(h) }))], prev: [], take: [BigInt(batch.length)] } as never);
    for (const w of found) names.set(toHex(w.hash), `${w.canister_type_namespace} ${w.version_number.join('.')}${w.deprecated ? ' (deprecated)' : ''}`);
  }
  return names;
}

export interface CanisterHistory {
  rows: (HistoryRow & { version?: string })[];
  /** What the IC said: how many changes it counts, or why it refused `canister_info`. */
  ic: { totalChanges: bigint; listed: number } | { refused: string };
  /** The manager's record, when a manager watches the canister. */
  manager?: { canister: string; entries: number } | { canister: string; refused: string };
  notes: string[];
}

/**
 * The merged history of `canister` (IC + manager when given), with version names from `registry`.
 *
 * @example
 * const h = await readCanisterHistory({ agent, canister, manager, registry });
 * for (const row of h.rows) console.log(row.change, row.version, row.requestedBy);
 */
export async function readCanisterHistory(o: { agent: Agent; canister: Principal; manager?: Principal; registry?: Principal }): Promise<CanisterHistory> {
  const notes: string[] = [];
  const fromIc = await readCanisterInfo(o.agent, o.canister);
  if ('refused' in fromIc) notes.push(`the network refused canister_info as a query (${fromIc.refused}); showing the manager's record only`);
  let entries: HistoryEntry[] = [];
  let manager: CanisterHistory['manager'];
  if (o.manager) {
    try {
      entries = await readManagerHistory(o.agent, o.manager, o.canister);
      manager = { canister: o.manager.toText(), entries: entries.length };
    } catch (error) {
      manager = { canister: o.manager.toText(), refused: rejectText(error) };
      notes.push(`the manager's history could not be read: ${rejectText(error)}`);
    }
  } else {
    notes.push('no manager watches this canister: the IC\'s record is all there is (it keeps the most recent changes only)');
  }
  const rows = mergeHistories({ ic: 'info' in fromIc ? fromIc.info : undefined, manager: entries, canister: o.canister.toText() });
  const hashes = rows.map((r) => r.moduleHash).filter((h): h is string => h !== undefined);
  const names = o.registry && hashes.length ? await versionNamesOf(o.agent, o.registry, hashes).catch(() => new Map<string, string>()) : new Map<string, string>();
  return {
    rows: rows.map((r) => ({ ...r, ...(r.moduleHash && names.has(r.moduleHash) ? { version: names.get(r.moduleHash)! } : {}) })),
    ic: 'info' in fromIc ? { totalChanges: fromIc.info.total_num_changes, listed: fromIc.info.recent_changes.length } : { refused: fromIc.refused },
    ...(manager ? { manager } : {}),
    notes,
  };
}
