/**
 * What the holder of a dapp's NFT does with it, over the network: find the dapps a principal
 * holds, the versions a canister may move to, request an upgrade and follow its operation, and hand
 * the dapp over (ICRC-7 transfer). Browser-safe (the console's "My dapps" uses it).
 */
import { Actor, CanisterStatus, type Agent, type HttpAgent } from '@dfinity/agent';
import { Principal } from '@dfinity/principal';
import {
  backendIdl, managerIdl, nftIdl, registryIdl,
  type BackendService, type DappInfo, type DappRole, type ManagerService, type NftService, type Operation, type RegistryService, type Wasm,
} from '@lineage/types';

import { fromHex, toHex } from '../bytes.js';
import { versionsOf } from './latest.js';
import { describeBackendError, describeVariant } from './refusal.js';

export type DappRoleName = 'backend' | 'manager' | 'asset';

const actor = <T>(idl: unknown, agent: Agent, id: Principal | string): T =>
  Actor.createActor(idl as never, { agent, canisterId: typeof id === 'string' ? Principal.fromText(id) : id }) as T;

export interface HeldDapp {
  collection: string;
  tokenId: bigint;
  /** The backend the token's `lineage:backend` metadata names (absent: a token without a dapp). */
  backend?: string;
}

/**
 * The tokens `owner` holds in each collection, with the backend each token's metadata names.
 *
 * @example
 * const dapps = await heldDapps(agent, ['lxzze-…'], me);
 */
export async function heldDapps(agent: Agent, collections: string[], owner: Principal): Promise<HeldDapp[]> {
  const out: HeldDapp[] = [];
  for (const collection of collections) {
    const nft = actor<NftService>(nftIdl, agent, collection);
    const tokens: bigint[] = [];
    for (let prev: [] | [bigint] = []; ;) {
      const page = await nft.icrc7_tokens_of({ owner, subaccount: [] }, prev, [100n]);
      tokens.push(...page);
      if (page.length < 100) break;
      prev = [page[page.length - 1]!];
    }
    const metadata = tokens.length ? await nft.icrc7_token_metadata(tokens) : [];
    tokens.forEach((tokenId, i) => {
      const entry = (metadata[i]?.[0] ?? []).find(([key]) => key === 'lineage:backend')?.[1];
      out.push({ collection, tokenId, ...(entry && 'Text' in entry ? { backend: entry.Text } : {}) });
    });
  }
  return out;
}

/**
 * Who holds token `tokenId` of `collection` now (ICRC-7 `icrc7_owner_of`), as principal text;
 * undefined when nobody does (an unminted or burnt token).
 *
 * @example
 * const holder = await tokenHolder(agent, info.nft, info.token_id); // 'qlfkm-…' or undefined
 */
export async function tokenHolder(agent: Agent, collection: Principal | string, tokenId: bigint): Promise<string | undefined> {
  const nft = actor<NftService>(nftIdl, agent, collection);
  return (await nft.icrc7_owner_of([tokenId]))[0]?.[0]?.owner.toText();
}

export interface DappCanister {
  role: DappRoleName;
  id: string;
  /** Hex module hash from the certified state tree (absent: no module). */
  moduleHash?: string;
  /** The registry version it is, when the registry has it. */
  version?: Wasm;
}

/**
 * A dapp's canisters with the module each runs (certified `read_state`) and its registry version.
 *
 * @example
 * const { info, canisters } = await dappCanisters(agent, backendId);
 */
export async function dappCanisters(agent: HttpAgent, backend: Principal | string): Promise<{ info: DappInfo; canisters: DappCanister[] }> {
  const info = await actor<BackendService>(backendIdl, agent, backend).dapp();
  const registry = actor<RegistryService>(registryIdl, agent, info.registry);
  const roles: [DappRoleName, Principal][] = [['backend', info.backend], ['manager', info.manager], ...(info.asset[0] ? [['asset', info.asset[0]] as [DappRoleName, Principal]] : [])];
  const canisters: DappCanister[] = [];
  for (const [role, id] of roles) {
    const status = await CanisterStatus.request({ agent, canisterId: id, paths: ['module_hash'] });
    const hash = status.get('module_hash');
    const moduleHash = typeof hash === 'string' ? hash : undefined;
    let version: Wasm | undefined;
    if (moduleHash) {
      const [found] = await registry.icrc118_get_wasms({ filter: [[{ hash: fromHex(moduleHash) }]], prev: [], take: [1n] });
      if (found && toHex(found.hash) === moduleHash) version = found;
    }
    canisters.push({ role, id: id.toText(), ...(moduleHash ? { moduleHash } : {}), ...(version ? { version } : {}) });
  }
  return { info, canisters };
}

export interface UpgradeOption {
  wasm: Wasm;
  /** The registry's path from the running module to this version (hex hashes), or why there is none. */
  path: { steps: string[] } | { none: string };
}

/**
 * The versions of the running module's canister type the registry offers, each with its path.
 *
 * @example
 * const options = await upgradeOptions(agent, info.registry, canister.version!);
 */
export async function upgradeOptions(agent: Agent, registryId: Principal, running: Wasm): Promise<UpgradeOption[]> {
  const registry = actor<RegistryService>(registryIdl, agent, registryId);
  const all = await versionsOf(registry, running.canister_type_namespace);
  const out: UpgradeOption[] = [];
  for (const wasm of all) {
    if (toHex(wasm.hash) === toHex(running.hash)) continue;
    const reply = await registry.icrc118_get_upgrade_path({
      canister_type_namespace: running.canister_type_namespace, current_version: running.hash, target_version: wasm.hash,
    });
    const path = 'Ok' in reply ? { steps: reply.Ok.map((s) => toHex(s.hash)) } : { none: describeVariant(reply.Error) };
    out.push({ wasm, path });
  }
  return out.sort((a, b) => compareVersions(a.wasm.version_number, b.wasm.version_number));
}

const compareVersions = (a: number[] | bigint[], b: number[] | bigint[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = Number(a[i] ?? 0) - Number(b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

const roleVariant = (role: DappRoleName): DappRole => (role === 'backend' ? { Backend: null } : role === 'manager' ? { Manager: null } : { Asset: null });

/**
 * What the manager's running step is doing: staging the chunks (`fetching`), the snapshot of the
 * stopped canister, the install, starting it, its health check, loading the snapshot back.
 */
export type UpgradePhase = 'snapshot' | 'fetching' | 'installing' | 'starting' | 'health' | 'rollback';

const PHASES: readonly UpgradePhase[] = ['fetching', 'snapshot', 'installing', 'starting', 'health', 'rollback'];

export type UpgradeProgress =
  | { state: 'requested' }
  | { state: 'scheduled'; operation: bigint; steps: number }
  /** `phase` is absent when the manager predates phases (or names one this sdk does not know). */
  | { state: 'running'; operation: bigint; step: number; steps: number; phase?: UpgradePhase }
  | { state: 'completed'; operation: bigint; steps: number; entries: bigint[] }
  | { state: 'failed'; operation?: bigint; reason: string };

/**
 * An operation's state as progress.
 *
 * @example
 * const [op] = await manager.operation(id);
 * if (op) operationProgress(op) // → { state: 'running', operation: 4n, step: 0, steps: 1, phase: 'installing' }
 */
export function operationProgress(op: Operation): UpgradeProgress {
  const s = op.state;
  if ('Scheduled' in s) return { state: 'scheduled', operation: op.id, steps: op.steps.length };
  if ('Running' in s) {
    // Older managers send no `phase` field at all.
    const named = (s.Running.phase ?? [])[0];
    const phase = PHASES.find((p) => p === named);
    return { state: 'running', operation: op.id, step: s.Running.step, steps: op.steps.length, ...(phase ? { phase } : {}) };
  }
  if ('Completed' in s) return { state: 'completed', operation: op.id, steps: op.steps.length, entries: op.entries };
  return { state: 'failed', operation: op.id, reason: `step ${s.Failed.step + 1}: ${s.Failed.error} (${describeVariant(s.Failed.kind)})` };
}

/**
 * Asks the dapp's backend (as the agent's identity) to upgrade one of its canisters to `to`, and
 * reports progress until the manager's operation completed or failed; a refusal is a `failed`
 * progress with the backend's own words.
 *
 * @example
 * const last = await upgradeDappCanister({ agent, info, role: 'backend', to: wasm.hash, caller, onProgress: console.log });
 */
export async function upgradeDappCanister(o: {
  agent: Agent; info: DappInfo; role: DappRoleName; to: Uint8Array | number[]; caller: string;
  onProgress?: (p: UpgradeProgress) => void; pollMs?: number; timeoutMs?: number;
}): Promise<UpgradeProgress> {
  const report = (p: UpgradeProgress) => { o.onProgress?.(p); return p; };
  report({ state: 'requested' });
  const backend = actor<BackendService>(backendIdl, o.agent, o.info.backend);
  let reply;
  try {
    reply = await backend.request_upgrade({ canister: roleVariant(o.role), to: Uint8Array.from(o.to), arg: [] });
  } catch (error) {
    return report({ state: 'failed', reason: (error as Error).message.split('\n')[0]! });
  }
  if ('Err' in reply) return report({ state: 'failed', reason: describeBackendError(reply.Err, o.caller) });
  const ticket = reply.Ok;
  const manager = actor<ManagerService>(managerIdl, o.agent, o.info.manager);
  let last = operationProgress({ id: ticket.operation, state: ticket.state, steps: ticket.steps, entries: [], canister: o.info.backend, requested_by: Principal.anonymous(), requested_at: 0n });
  report(last);
  const deadline = Date.now() + (o.timeoutMs ?? 180_000);
  while (last.state === 'scheduled' || last.state === 'running') {
    if (Date.now() > deadline) return report({ state: 'failed', operation: ticket.operation, reason: 'the operation did not finish in time; look at the history later' });
    await new Promise((r) => setTimeout(r, o.pollMs ?? 400));
    // The backend's own upgrade stops it for a moment: a failing poll is retried.
    const [op] = await manager.operation(ticket.operation).catch(() => [] as []);
    if (op) {
      const next = operationProgress(op);
      if (next.state !== last.state || (next.state === 'running' && last.state === 'running' && (next.step !== last.step || next.phase !== last.phase))) report(next);
      last = next;
    }
  }
  return last;
}

/**
 * Transfers the dapp's NFT (ICRC-7 `icrc7_transfer`) to `to`: the recipient becomes the only one
 * who can upgrade it. Returns the ICRC-3 block index, or the collection's error in words.
 *
 * @example
 * const r = await transferDapp(agent, info, Principal.fromText('…'));
 */
export async function transferDapp(agent: Agent, info: DappInfo, to: Principal): Promise<{ block: bigint } | { error: string }> {
  const nft = actor<NftService>(nftIdl, agent, info.nft);
  try {
    const [result] = await nft.icrc7_transfer([{ from_subaccount: [], to: { owner: to, subaccount: [] }, token_id: info.token_id, memo: [], created_at_time: [] } as never]);
    const r = result?.[0];
    if (!r) return { error: 'the collection gave no answer for the token' };
    return 'Ok' in r ? { block: r.Ok as bigint } : { error: describeVariant(r.Err) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0]! };
  }
}

/**
 * The new holder takes the frontend's upload permissions (`authorize_uploads` on the backend).
 *
 * @example
 * await takeUploads(agent, info, me.toText());
 */
export async function takeUploads(agent: Agent, info: DappInfo, caller: string): Promise<{ ok: true } | { error: string }> {
  try {
    const r = await actor<BackendService>(backendIdl, agent, info.backend).authorize_uploads();
    return 'Ok' in r ? { ok: true } : { error: describeBackendError(r.Err, caller) };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0]! };
  }
}
