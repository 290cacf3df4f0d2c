/**
 * The dapp's backend and its owner gate. Every owner-only method first asks the NFT collection
 * who holds the dapp's token now; there is no other admin. Upgrades go through the manager, which
 * the backend controls and which controls the backend; the manager itself is upgraded by the
 * backend, with the manager preparing and recording each step.
 *
 * This class is the shell; the rules live in `./domain`.
 */
import { call, canisterSelf, IDL, init, msgCaller, postUpgrade, Principal, query, StableBTreeMap, time, update } from 'azle';
import {
  backendTypes, managementTypes, managerTypes, nftTypes,
  type Account, type BackendError, type BackendInitArgs, type CanisterSettingsUpdate, type CompleteSelfUpgradeResult,
  type DappInfo, type DappRole, type HistoryPage, type HistoryRequest, type Note, type PrepareSelfUpgradeResult,
  type SelfUpgradeStep, type UpgradeDappRequest, type UpgradeResult, type UpgradeStep, type UpgradeTicket,
} from '@lineage/types';

import { checkOwner, noteProblem, ownerFromReply, ringProblem } from './domain/index.js';

const T = backendTypes(IDL);
const M = managerTypes(IDL);
const MGMT = managementTypes(IDL);
const N = nftTypes(IDL);
const MANAGEMENT = 'aaaaa-aa';
/**
 * `(null : opt null)`: what the dapp's canisters take on upgrade when nothing changes. Their
 * `post_upgrade` declares `(opt InitArgs)`, and Azle refuses empty arguments for it.
 */
const NO_UPGRADE_ARG = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0x01, 0x6e, 0x7f, 0x01, 0x00, 0x00]);

interface Config {
  nft: string;
  tokenId: bigint;
  manager: string;
  registry: string;
  asset: string | undefined;
}

type Result<T> = { Ok: T } | { Err: BackendError };

function rejectMessage(error: unknown): string {
  const e = error as { rejectMessage?: string; message?: string; type?: string };
  return e.rejectMessage ?? e.message ?? e.type ?? String(error);
}

const pad = (n: bigint) => n.toString().padStart(20, '0');

export default class {
  meta = new StableBTreeMap<string, unknown>(0);
  notesMap = new StableBTreeMap<string, { id: bigint; text: string; author: string; time: bigint }>(1);

  @init([IDL.Opt(T.InitArgs)])
  init(args: [] | [BackendInitArgs]): void {
    const a = args[0];
    if (!a) throw new Error('the backend needs its init argument: (opt record { nft; token_id; manager; registry; asset })');
    this.configure(a);
  }

  /** An upgrade may repoint the backend (the argument is the owner's, carried by the manager). */
  @postUpgrade([IDL.Opt(T.InitArgs)])
  postUpgrade(args: [] | [BackendInitArgs]): void {
    if (args[0]) this.configure(args[0]);
  }

  private configure(a: BackendInitArgs): void {
    const config: Config = {
      nft: a.nft.toText(), tokenId: a.token_id, manager: a.manager.toText(), registry: a.registry.toText(), asset: a.asset[0]?.toText(),
    };
    this.meta.insert('config', config);
  }

  private get config(): Config {
    return this.meta.get('config') as Config;
  }

  // ---- the owner gate ------------------------------------------------------------------------

  /** The principal holding the dapp's token now, or an error saying why it is unknown. */
  private async currentOwner(): Promise<{ owner: string | undefined } | { error: BackendError }> {
    const { nft, tokenId } = this.config;
    try {
      const reply = await call<[bigint[]], ([] | [Account])[]>(nft, 'icrc7_owner_of', {
        paramIdlTypes: [IDL.Vec(IDL.Nat)], returnIdlType: IDL.Vec(IDL.Opt(N.Account)), args: [[tokenId]],
      });
      return { owner: ownerFromReply(reply.map((a) => a[0] && { owner: a[0].owner.toText(), subaccount: undefined })) };
    } catch (error) {
      return { error: { NftUnavailable: `icrc7_owner_of on ${nft}: ${rejectMessage(error)}` } };
    }
  }

  /** Undefined when the caller holds the token now; otherwise the error to answer. */
  private async refuseNonOwner(): Promise<BackendError | undefined> {
    const caller = msgCaller().toText();
    const found = await this.currentOwner();
    if ('error' in found) return found.error;
    const check = checkOwner(caller, found.owner);
    if (check.ok) return undefined;
    return { NotOwner: { caller: Principal.fromText(caller), owner: found.owner === undefined ? [] : [Principal.fromText(found.owner)] } };
  }

  private canisterOf(role: DappRole): string | undefined {
    if ('Backend' in role) return canisterSelf().toText();
    if ('Manager' in role) return this.config.manager;
    return this.config.asset;
  }

  // ---- reading -------------------------------------------------------------------------------

  @query([], T.DappInfo)
  dapp(): DappInfo {
    const c = this.config;
    return {
      nft: Principal.fromText(c.nft), token_id: c.tokenId, backend: canisterSelf(), manager: Principal.fromText(c.manager),
      registry: Principal.fromText(c.registry), asset: c.asset === undefined ? [] : [Principal.fromText(c.asset)],
    };
  }

  @update([], T.OwnerResult)
  async owner(): Promise<Result<[] | [Principal]>> {
    const found = await this.currentOwner();
    if ('error' in found) return { Err: found.error };
    return { Ok: found.owner === undefined ? [] : [Principal.fromText(found.owner)] };
  }

  // ---- upgrades ------------------------------------------------------------------------------

  /**
   * Upgrades one of the dapp's canisters to a registry version, for the token's holder. The
   * backend's own upgrade is acknowledged at once (`Scheduled`) and run by the manager afterwards.
   */
  @update([T.UpgradeDappRequest], T.UpgradeDappResult)
  async request_upgrade(r: UpgradeDappRequest): Promise<Result<UpgradeTicket>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const canister = this.canisterOf(r.canister);
    if (canister === undefined) return { Err: { InvalidArgument: 'this dapp has no asset canister' } };
    const arg: [Uint8Array | number[]] = [r.arg[0] ?? NO_UPGRADE_ARG];
    const request = { canister: Principal.fromText(canister), target_hash: r.to, requested_by: msgCaller(), arg };
    if ('Manager' in r.canister) return this.upgradeManager(request);
    try {
      const result = await call<unknown[], UpgradeResult>(this.config.manager, 'upgrade', {
        paramIdlTypes: [M.UpgradeRequest], returnIdlType: M.UpgradeResult, args: [request],
      });
      return 'Ok' in result ? { Ok: result.Ok } : { Err: { Upgrade: result.Err } };
    } catch (error) {
      return { Err: { ManagerUnavailable: rejectMessage(error) } };
    }
  }

  /**
   * The manager cannot install code on itself, so the backend does the install between the
   * manager's `prepare_self_upgrade` (plan, fetch and check the chunks into the manager's own
   * chunk store) and `complete_self_upgrade` (confirm, record, stage the next step).
   */
  private async upgradeManager(request: { canister: Principal; target_hash: Uint8Array | number[]; requested_by: Principal; arg: [] | [Uint8Array | number[]] }): Promise<Result<UpgradeTicket>> {
    const manager = this.config.manager;
    let step: SelfUpgradeStep;
    try {
      const prepared = await call<unknown[], PrepareSelfUpgradeResult>(manager, 'prepare_self_upgrade', {
        paramIdlTypes: [M.UpgradeRequest], returnIdlType: M.PrepareSelfUpgradeResult, args: [request],
      });
      if ('Err' in prepared) return { Err: { Upgrade: prepared.Err } };
      step = prepared.Ok;
    } catch (error) {
      return { Err: { ManagerUnavailable: rejectMessage(error) } };
    }
    const steps: UpgradeStep[] = [];
    for (;;) {
      steps.push({ from: step.from, to: step.to, version: step.version });
      const install = await this.installOnManager(step);
      let completed: CompleteSelfUpgradeResult;
      try {
        completed = await call<unknown[], CompleteSelfUpgradeResult>(manager, 'complete_self_upgrade', {
          paramIdlTypes: [M.CompleteSelfUpgradeRequest], returnIdlType: M.CompleteSelfUpgradeResult,
          args: [{ operation: step.operation, step: step.step, install }],
        });
      } catch (error) {
        return { Err: { ManagerUnavailable: `the manager did not confirm step ${step.step}: ${rejectMessage(error)}` } };
      }
      if ('Err' in completed) return { Err: { Upgrade: completed.Err } };
      const next = completed.Ok.next[0];
      if (!next) return { Ok: { operation: step.operation, steps, state: { Completed: null } } };
      step = next;
    }
  }

  /** Stop, install the staged chunks, start; the manager is started again whatever happens. */
  private async installOnManager(step: SelfUpgradeStep): Promise<{ Ok: null } | { Err: string }> {
    const manager = Principal.fromText(this.config.manager);
    const mgmt = (method: string, types: IDL.Type[], args: unknown[]) => call(MANAGEMENT, method, { paramIdlTypes: types, args });
    let failure: string | undefined;
    try {
      await mgmt('stop_canister', [MGMT.CanisterId], [{ canister_id: manager }]);
      await mgmt('install_chunked_code', [MGMT.InstallChunkedCodeArgs], [{
        mode: { upgrade: [] }, target_canister: manager, store_canister: [manager],
        chunk_hashes_list: step.chunk_hashes.map((hash) => ({ hash })), wasm_module_hash: step.to, arg: step.arg,
      }]);
    } catch (error) {
      failure = rejectMessage(error);
    }
    try {
      await mgmt('start_canister', [MGMT.CanisterId], [{ canister_id: manager }]);
    } catch (error) {
      failure ??= `start_canister: ${rejectMessage(error)}`;
    }
    return failure === undefined ? { Ok: null } : { Err: failure };
  }

  // ---- settings ------------------------------------------------------------------------------

  @update([T.SettingsRequest], T.UnitResult)
  async update_settings(r: { canister: DappRole; settings: CanisterSettingsUpdate }): Promise<Result<null>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const canister = this.canisterOf(r.canister);
    if (canister === undefined) return { Err: { InvalidArgument: 'this dapp has no asset canister' } };
    const controllers = r.settings.controllers[0];
    if (controllers) {
      const problem = ringProblem(controllers.map((p) => p.toText()), { backend: canisterSelf().toText(), manager: this.config.manager });
      if (problem) return { Err: { BreaksControllerRing: problem } };
    }
    try {
      await call(MANAGEMENT, 'update_settings', {
        paramIdlTypes: [MGMT.UpdateSettingsArgs], args: [{ canister_id: Principal.fromText(canister), settings: r.settings }],
      });
      return { Ok: null };
    } catch (error) {
      return { Err: { ManagementRejected: rejectMessage(error) } };
    }
  }

  // ---- the frontend ------------------------------------------------------------------------------

  /**
   * Lets the current owner upload to the dapp's asset canister: grants them `Commit`, and takes it
   * from everyone else who has it (a previous owner, after a sale). Controllers (backend, manager)
   * hold every permission anyway.
   */
  @update([], T.UnitResult)
  async authorize_uploads(): Promise<Result<null>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const asset = this.config.asset;
    if (asset === undefined) return { Err: { InvalidArgument: 'this dapp has no asset canister' } };
    const owner = msgCaller();
    const Permission = IDL.Variant({ Commit: IDL.Null, ManagePermissions: IDL.Null, Prepare: IDL.Null });
    try {
      const permitted = await call<unknown[], Principal[]>(asset, 'list_permitted', {
        paramIdlTypes: [IDL.Record({ permission: Permission })], returnIdlType: IDL.Vec(IDL.Principal), args: [{ permission: { Commit: null } }],
      });
      for (const p of permitted) {
        if (p.toText() === owner.toText()) continue;
        await call(asset, 'revoke_permission', {
          paramIdlTypes: [IDL.Record({ of_principal: IDL.Principal, permission: Permission })], args: [{ of_principal: p, permission: { Commit: null } }],
        });
      }
      await call(asset, 'grant_permission', {
        paramIdlTypes: [IDL.Record({ to_principal: IDL.Principal, permission: Permission })], args: [{ to_principal: owner, permission: { Commit: null } }],
      });
      return { Ok: null };
    } catch (error) {
      return { Err: { ManagementRejected: `the asset canister refused: ${rejectMessage(error)}` } };
    }
  }

  // ---- history -------------------------------------------------------------------------------

  @update([M.HistoryRequest], T.HistoryResult)
  async deployment_history(r: HistoryRequest): Promise<Result<HistoryPage>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    try {
      const page = await call<unknown[], HistoryPage>(this.config.manager, 'deployment_history', {
        paramIdlTypes: [M.HistoryRequest], returnIdlType: M.HistoryPage, args: [r],
      });
      return { Ok: page };
    } catch (error) {
      return { Err: { ManagerUnavailable: rejectMessage(error) } };
    }
  }

  // ---- the dapp's own state ------------------------------------------------------------------

  @update([IDL.Text], T.NoteResult)
  async add_note(text: string): Promise<Result<Note>> {
    const problem = noteProblem(text);
    if (problem) return { Err: { InvalidArgument: problem } };
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const id = BigInt(this.notesMap.len());
    const note = { id, text, author: msgCaller().toText(), time: time() };
    this.notesMap.insert(pad(id), note);
    return { Ok: { ...note, author: Principal.fromText(note.author) } };
  }

  @query([], IDL.Vec(T.Note))
  notes(): Note[] {
    return this.notesMap.values().map((n) => ({ ...n, author: Principal.fromText(n.author) }));
  }
}
