/**
 * The dapp's backend and its owner gate. Every owner-only method first asks the NFT collection
 * who holds the dapp's token now; there is no other admin. Upgrades go through the manager, which
 * the backend controls and which controls the backend; the manager itself is upgraded by the
 * backend, with the manager preparing and recording each step.
 *
 * This class is the shell; the rules live in `./domain`.
 */
import {
  call, canisterSelf, IDL, init, inspectMessage, msgArgData, msgCaller, msgMethodName, postUpgrade, Principal, StableBTreeMap, time, trap,
} from 'azle';
import { fullBucket, ingressProblem, takeToken, toHex, type Bucket, type IngressPolicy } from '@lineage/kit';
import {
  backendTypes, managementTypes, managerTypes, nftTypes,
  type Account, type BackendError, type BackendInitArgs, type CanisterSettingsUpdate, type CompleteSelfUpgradeResult,
  type DappInfo, type DappRole, type Ownership, type HistoryPage, type HistoryRequest, type Note, type PrepareSelfUpgradeResult,
  type SelfUpgradeStep, type UpgradeDappRequest, type UpgradeResult, type UpgradeStep, type UpgradeTicket, type TrustPolicy, type UpgradeError,
  type HealthResult, type RestoreResult, type RestoreTicket,
} from '@lineage/types';

import {
  backendProblems, checkOwner, configChangeProblem, isExactRing, LOOKUPS, noteProblem, ownerFromReply, policyRequestProblem, ringProblem, type DappConfig,
} from './domain/index.js';
import { query, update } from './methods.js';
import { loadManagerSnapshot, managerHealth, snapshotManager } from './manager-safety.js';

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

type Config = DappConfig;

/** The last answer about who holds the token: from the collection's notice or our own lookup. */
interface Holder {
  owner: string | undefined;
  at: bigint;
}

/** Methods only the token's holder can succeed with. */
const OWNER_GATED = ['request_upgrade', 'request_upgrade_without_snapshot', 'request_restore', 'update_settings', 'deployment_history', 'authorize_uploads', 'add_note', 'set_trust_policy'];

/**
 * Ingress the backend refuses before paying for it (`canister_inspect_message`): the anonymous
 * principal never holds a token, the collection's notice comes from a canister, and no argument
 * of this interface needs more than 64 KiB.
 */
const INGRESS: IngressPolicy = {
  maxArgBytes: { default: 64 * 1024 },
  refuseAnonymous: new Set(OWNER_GATED),
  canisterOnly: new Set(['lineage_holder_changed']),
};

const Permission = IDL.Variant({ Commit: IDL.Null, ManagePermissions: IDL.Null, Prepare: IDL.Null });

type Result<T> = { Ok: T } | { Err: BackendError };

function rejectMessage(error: unknown): string {
  const e = error as { rejectMessage?: string; message?: string; type?: string };
  return e.rejectMessage ?? e.message ?? e.type ?? String(error);
}

const pad = (n: bigint) => n.toString().padStart(20, '0');

const configOf = (a: BackendInitArgs): Config => ({
  nft: a.nft.toText(), tokenId: a.token_id, manager: a.manager.toText(), registry: a.registry.toText(), asset: a.asset[0]?.toText(),
});

/** A settings update that changes the controllers and nothing else. */
function controllersOnly(controllers: Principal[]): CanisterSettingsUpdate {
  return {
    controllers: [controllers], compute_allocation: [], memory_allocation: [], freezing_threshold: [], reserved_cycles_limit: [],
    log_visibility: [], wasm_memory_limit: [],
  };
}

/**
 * Why the holder's upgrade argument is refused: Lineage's canisters take none from the holder.
 * Every setting an argument could carry (the backend's token, the manager's registry, the asset
 * canister's permissions) is fixed at spawn or handed over with the NFT, and an argument would let
 * a holder keep a hold on the dapp past its sale. `(null)` and no argument are accepted.
 */
function holderArgProblem(arg: Uint8Array | number[] | undefined): string | undefined {
  if (arg === undefined) return undefined;
  try {
    const [value] = IDL.decode([IDL.Opt(IDL.Reserved)], Uint8Array.from(arg)) as [[] | [unknown]];
    if (value.length === 0) return undefined;
  } catch {
    return 'the upgrade argument is not Candid';
  }
  return "Lineage's canisters take no upgrade argument from the holder (the dapp's token, registry and permissions are fixed at spawn); pass none";
}

export default class {
  meta = new StableBTreeMap<string, unknown>(0);
  notesMap = new StableBTreeMap<string, { id: bigint; text: string; author: string; time: bigint }>(1);

  @init([IDL.Opt(T.InitArgs)])
  init(args: [] | [BackendInitArgs]): void {
    const a = args[0];
    if (!a) throw new Error('the backend needs its init argument: (opt record { nft; token_id; manager; registry; asset })');
    this.meta.insert('config', configOf(a));
  }

  /**
   * An upgrade may repeat the configuration but never change it: a seller who repointed the
   * backend at a token she keeps would keep the dapp after the sale. Trapping here makes the IC
   * refuse the whole upgrade.
   */
  @postUpgrade([IDL.Opt(T.InitArgs)])
  postUpgrade(args: [] | [BackendInitArgs]): void {
    if (!args[0]) return;
    const problem = configChangeProblem(this.config, configOf(args[0]));
    if (problem) trap(problem);
  }

  @inspectMessage({ manual: true })
  inspect(): boolean {
    const problem = ingressProblem(INGRESS, msgMethodName(), msgCaller().toText(), msgArgData());
    if (problem) trap(problem);
    return true;
  }

  private get config(): Config {
    return this.meta.get('config') as Config;
  }

  private get holder(): Holder | undefined {
    return this.meta.get('holder') as Holder | undefined;
  }

  private set holder(h: Holder) {
    this.meta.insert('holder', h);
  }

  /** The holder the dapp was last handed over to; absent until the first hand-over. */
  private get handedOverTo(): { owner: string | undefined } | undefined {
    return this.meta.get('handedOverTo') as { owner: string | undefined } | undefined;
  }

  // ---- the owner gate ------------------------------------------------------------------------

  /**
   * The principal holding the dapp's token now, asked of the collection, or an error saying why it
   * is unknown. A change of holder hands the dapp over before anything else happens.
   */
  private async currentOwner(): Promise<{ owner: string | undefined } | { error: BackendError }> {
    const { nft, tokenId } = this.config;
    let owner: string | undefined;
    try {
      const reply = await call<[bigint[]], ([] | [Account])[]>(nft, 'icrc7_owner_of', {
        paramIdlTypes: [IDL.Vec(IDL.Nat)], returnIdlType: IDL.Vec(IDL.Opt(N.Account)), args: [[tokenId]],
      });
      owner = ownerFromReply(reply.map((a) => a[0] && { owner: a[0].owner.toText(), subaccount: undefined }));
    } catch (error) {
      return { error: { NftUnavailable: `icrc7_owner_of on ${nft}: ${rejectMessage(error)}` } };
    }
    this.holder = { owner, at: time() };
    if (this.handedOverTo?.owner !== owner || !this.handedOverTo) await this.handOver(owner);
    return { owner };
  }

  /**
   * Whether a caller may make the backend ask the collection now. The holder we know of always
   * may (a sale the collection did not announce is found this way, by the seller's own request);
   * anyone else draws from a small budget, so strangers cannot make the backend call out without
   * bound (`domain/lookups.ts`).
   */
  private mayLookUp(caller: string): boolean {
    if (this.holder && this.holder.owner === caller) return true;
    const now = time();
    const taken = takeToken(LOOKUPS, (this.meta.get('lookups') as Bucket | undefined) ?? fullBucket(LOOKUPS, now), now);
    this.meta.insert('lookups', taken.bucket);
    return taken.granted;
  }

  /** Undefined when the caller holds the token now; otherwise the error to answer. */
  private async refuseNonOwner(): Promise<BackendError | undefined> {
    const caller = msgCaller().toText();
    const notOwner = (owner: string | undefined): BackendError => ({
      NotOwner: { caller: Principal.fromText(caller), owner: owner === undefined ? [] : [Principal.fromText(owner)] },
    });
    if (!checkOwner(caller, caller).ok || !this.mayLookUp(caller)) return notOwner(this.holder?.owner);
    const found = await this.currentOwner();
    if ('error' in found) return found.error;
    return checkOwner(caller, found.owner).ok ? undefined : notOwner(found.owner);
  }

  // ---- the hand-over -------------------------------------------------------------------------

  /**
   * Makes the dapp answer to `owner` alone (issue 11): every dapp canister controlled by exactly
   * the ring, and the frontend's permission lists emptied of everyone but the holder (a previous
   * holder, the spawner, anyone they granted). The new holder takes upload rights with
   * `authorize_uploads`.
   * Idempotent; recorded as done only when every part succeeded, so a failure is retried at the
   * next lookup.
   */
  private async handOver(owner: string | undefined): Promise<string[]> {
    const failures: string[] = [];
    const self = canisterSelf();
    const ring = { backend: self.toText(), manager: this.config.manager };
    for (const canister of [self.toText(), this.config.manager, ...(this.config.asset ? [this.config.asset] : [])]) {
      try {
        const status = await call<unknown[], { settings: { controllers: Principal[] } }>(MANAGEMENT, 'canister_status', {
          paramIdlTypes: [MGMT.CanisterId], returnIdlType: IDL.Record({ settings: IDL.Record({ controllers: IDL.Vec(IDL.Principal) }) }),
          args: [{ canister_id: Principal.fromText(canister) }],
        });
        if (isExactRing(status.settings.controllers.map((p) => p.toText()), ring)) continue;
        await call(MANAGEMENT, 'update_settings', {
          paramIdlTypes: [MGMT.UpdateSettingsArgs],
          args: [{ canister_id: Principal.fromText(canister), settings: controllersOnly([self, Principal.fromText(ring.manager)]) }],
        });
      } catch (error) {
        failures.push(`controllers of ${canister}: ${rejectMessage(error)}`);
      }
    }
    if (this.config.asset) {
      try {
        await this.resetUploads(this.config.asset, undefined);
      } catch (error) {
        failures.push(`permissions of ${this.config.asset}: ${rejectMessage(error)}`);
      }
    }
    if (failures.length === 0) this.meta.insert('handedOverTo', { owner });
    return failures;
  }

  /**
   * Takes every permission of the asset canister from everyone but the holder (who keeps `Commit`
   * only), then grants `Commit` to `uploader` if there is one. The holder is read after each await,
   * so a hand-over still running when the new holder authorizes herself does not undo her grant.
   */
  private async resetUploads(asset: string, uploader: Principal | undefined): Promise<void> {
    const listed = IDL.Record({ permission: Permission });
    const revoked = IDL.Record({ of_principal: IDL.Principal, permission: Permission });
    for (const name of ['Commit', 'Prepare', 'ManagePermissions'] as const) {
      const permission = { [name]: null };
      const holders = await call<unknown[], Principal[]>(asset, 'list_permitted', {
        paramIdlTypes: [listed], returnIdlType: IDL.Vec(IDL.Principal), args: [{ permission }],
      });
      for (const p of holders) {
        if (name === 'Commit' && p.toText() === this.holder?.owner) continue;
        await call(asset, 'revoke_permission', { paramIdlTypes: [revoked], args: [{ of_principal: p, permission }] });
      }
    }
    if (uploader) {
      await call(asset, 'grant_permission', {
        paramIdlTypes: [IDL.Record({ to_principal: IDL.Principal, permission: Permission })], args: [{ to_principal: uploader, permission: { Commit: null } }],
      });
    }
  }

  /**
   * The collection's notice that the token changed hands (sent one-way on every mint and
   * transfer). Only the dapp's own collection is believed, and only about the dapp's own token;
   * the dapp is handed over at once.
   */
  @update([T.HolderNotice])
  async lineage_holder_changed(notice: { token_id: bigint; holder: [] | [Account] }): Promise<void> {
    const { nft, tokenId } = this.config;
    if (msgCaller().toText() !== nft || notice.token_id !== tokenId) return;
    const owner = notice.holder[0]?.owner.toText();
    this.holder = { owner, at: time() };
    await this.handOver(owner);
  }

  /**
   * Anyone may ask the backend to check who holds the token and finish a hand-over that did not
   * complete; it draws from the same budget as any stranger's request.
   */
  @update([], T.OwnerResult)
  async reconcile(): Promise<Result<[] | [Principal]>> {
    if (!this.mayLookUp(msgCaller().toText())) {
      const known = this.holder?.owner;
      if (this.handedOverTo && this.handedOverTo.owner === known) return { Ok: known === undefined ? [] : [Principal.fromText(known)] };
      return { Err: { InvalidArgument: 'too many lookups by callers who do not hold the token; try again in a few seconds' } };
    }
    const found = await this.currentOwner();
    if ('error' in found) return { Err: found.error };
    if (this.handedOverTo?.owner !== found.owner) {
      const failures = await this.handOver(found.owner);
      if (failures.length > 0) return { Err: { ManagementRejected: failures.join('; ') } };
    }
    return { Ok: found.owner === undefined ? [] : [Principal.fromText(found.owner)] };
  }

  /** What the backend knows of its holder and its last hand-over (for the buyer's check). */
  @query([], T.Ownership)
  ownership(): Ownership {
    const h = this.holder;
    const handed = this.handedOverTo;
    const some = (p: string | undefined): [] | [Principal] => (p === undefined ? [] : [Principal.fromText(p)]);
    return {
      holder: some(h?.owner), checked_at: h?.at ?? 0n,
      handed_over: handed !== undefined, handed_over_to: some(handed?.owner),
    };
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

  /** Who holds the token: asked of the collection, or the last answer when strangers asked too often. */
  @update([], T.OwnerResult)
  async owner(): Promise<Result<[] | [Principal]>> {
    if (!this.mayLookUp(msgCaller().toText()) && this.holder) {
      return { Ok: this.holder.owner === undefined ? [] : [Principal.fromText(this.holder.owner)] };
    }
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
    return this.requestUpgrade(r, 'upgrade');
  }

  /**
   * `request_upgrade` without the snapshot before the install, for the holder only; the manager
   * refuses it (`SnapshotRequired`) unless every version of the path declares
   * `lineage:snapshot = optional`. Not for the manager itself, whose snapshot the backend takes.
   */
  @update([T.UpgradeDappRequest], T.UpgradeDappResult)
  async request_upgrade_without_snapshot(r: UpgradeDappRequest): Promise<Result<UpgradeTicket>> {
    if ('Manager' in r.canister) {
      const refused = await this.refuseNonOwner();
      if (refused) return { Err: refused };
      return { Err: { InvalidArgument: 'the manager\'s own upgrade always takes its snapshot (the backend installs it and needs the way back)' } };
    }
    return this.requestUpgrade(r, 'upgrade_without_snapshot');
  }

  private async requestUpgrade(r: UpgradeDappRequest, method: 'upgrade' | 'upgrade_without_snapshot'): Promise<Result<UpgradeTicket>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const canister = this.canisterOf(r.canister);
    if (canister === undefined) return { Err: { InvalidArgument: 'this dapp has no asset canister' } };
    const argProblem = holderArgProblem(r.arg[0]);
    if (argProblem) return { Err: { InvalidArgument: argProblem } };
    const arg: [Uint8Array | number[]] = [NO_UPGRADE_ARG];
    const request = { canister: Principal.fromText(canister), target_hash: r.to, requested_by: msgCaller(), arg };
    if ('Manager' in r.canister) return this.upgradeManager(request);
    try {
      const result = await call<unknown[], UpgradeResult>(this.config.manager, method, {
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
      // The manager's own upgrade is installed here, with no options: none to show.
      steps.push({ from: step.from, to: step.to, version: step.version, options: [] });
      const install = await this.installOnManager(step);
      let completed: CompleteSelfUpgradeResult;
      try {
        completed = await call<unknown[], CompleteSelfUpgradeResult>(manager, 'complete_self_upgrade', {
          paramIdlTypes: [M.CompleteSelfUpgradeRequest], returnIdlType: M.CompleteSelfUpgradeResult,
          args: [{ operation: step.operation, step: step.step, install }],
        });
      } catch (error) {
        const reason = `the new manager did not confirm step ${step.step}: ${rejectMessage(error)}`;
        if ('Ok' in install) return this.rollBackManager(step, reason);
        return { Err: { ManagerUnavailable: reason } };
      }
      if ('Err' in completed) return { Err: { Upgrade: completed.Err } };
      const health = await managerHealth(manager);
      if ('Err' in health) return this.rollBackManager(step, `lineage_health: Err ${health.Err}`);
      const next = completed.Ok.next[0];
      if (!next) return { Ok: { operation: step.operation, steps, state: { Completed: null } } };
      step = next;
    }
  }

  /**
   * The new manager installed but is not healthy: stop it, load the snapshot taken before the
   * install (the old manager and its state), start it, and have the old manager record the
   * rollback in its history. If loading fails the manager stays stopped and the snapshot stays.
   */
  private async rollBackManager(step: SelfUpgradeStep, reason: string): Promise<Result<UpgradeTicket>> {
    const loaded = await loadManagerSnapshot(this.meta, this.config.manager, step, reason);
    const failed: UpgradeStep = { from: step.from, to: step.to, version: step.version, options: [] };
    return {
      Err: {
        Upgrade: {
          Failed: {
            operation: step.operation, completed: [], failed, kind: { Unhealthy: { rolled_back: loaded.loaded } },
            message: loaded.loaded
              ? `manager ${toHex(Uint8Array.from(step.to))} failed its check (${reason}); the snapshot was loaded back (${loaded.detail})`
              : `manager ${toHex(Uint8Array.from(step.to))} failed its check (${reason}); loading the snapshot failed (${loaded.detail}): the manager is left stopped and the snapshot kept`,
          },
        },
      },
    };
  }

  /** Stop, install the staged chunks, start; the manager is started again whatever happens. */
  private async installOnManager(step: SelfUpgradeStep): Promise<{ Ok: null } | { Err: string }> {
    const manager = Principal.fromText(this.config.manager);
    const mgmt = (method: string, types: IDL.Type[], args: unknown[]) => call(MANAGEMENT, method, { paramIdlTypes: types, args });
    let failure: string | undefined;
    try {
      await mgmt('stop_canister', [MGMT.CanisterId], [{ canister_id: manager }]);
      // Stopped first: the snapshot is the manager exactly as the install finds it (issue 15).
      await snapshotManager(this.meta, manager, step.operation);
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

  // ---- restoring a snapshot ----------------------------------------------------------------

  /**
   * Loads the manager's last pre-upgrade snapshot of one of the dapp's canisters back, for the
   * token's holder. The backend's own restore is acknowledged at once (`Scheduled`) and run by the
   * manager afterwards; the manager's own restore is done here, from the snapshot the backend took
   * before installing it.
   */
  @update([T.RestoreDappRequest], T.RestoreDappResult)
  async request_restore(r: { canister: DappRole }): Promise<Result<RestoreTicket>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const canister = this.canisterOf(r.canister);
    if (canister === undefined) return { Err: { InvalidArgument: 'this dapp has no asset canister' } };
    if ('Manager' in r.canister) {
      return { Err: { InvalidArgument: "the manager's own snapshot is loaded back by the backend only when the manager's upgrade fails its check; ask for a manager upgrade instead" } };
    }
    try {
      const result = await call<unknown[], RestoreResult>(this.config.manager, 'restore', {
        paramIdlTypes: [M.RestoreRequest], returnIdlType: M.RestoreResult, args: [{ canister: Principal.fromText(canister), requested_by: msgCaller() }],
      });
      return 'Ok' in result ? { Ok: result.Ok } : { Err: { Upgrade: result.Err } };
    } catch (error) {
      return { Err: { ManagerUnavailable: rejectMessage(error) } };
    }
  }

  /** State loaded and invariants hold: the manager asks this after installing a new backend. */
  @query([], M.HealthResult)
  lineage_health(): HealthResult {
    const notes = this.notesMap.items().map(([key, n]) => ({ key, id: n.id, text: n.text, author: n.author }));
    const isPrincipal = (text: string) => {
      try {
        Principal.fromText(text);
        return true;
      } catch {
        return false;
      }
    };
    const problems = backendProblems(this.meta.get('config') as Config | undefined, notes, isPrincipal);
    return problems.length === 0 ? { Ok: null } : { Err: problems.join('; ') };
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
   * Lets the current owner upload to the dapp's asset canister: takes every permission (`Commit`,
   * `Prepare` and `ManagePermissions`: whatever a previous holder or the spawner held or granted)
   * from everyone else and grants the owner `Commit`. Controllers (backend, manager) hold every
   * permission anyway.
   */
  @update([], T.UnitResult)
  async authorize_uploads(): Promise<Result<null>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const asset = this.config.asset;
    if (asset === undefined) return { Err: { InvalidArgument: 'this dapp has no asset canister' } };
    try {
      await this.resetUploads(asset, msgCaller());
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

  // ---- the trust policy ------------------------------------------------------------------------

  /**
   * The holder sets (or, with no policy, clears) the versions she trusts: attestations from at
   * least `threshold` of `verifiers` and no divergence from them. The manager keeps the policy,
   * records the change in the dapp's history and checks it on every step of every upgrade.
   */
  @update([IDL.Opt(M.TrustPolicy)], T.UnitResult)
  async set_trust_policy(policy: [] | [TrustPolicy]): Promise<Result<null>> {
    const refused = await this.refuseNonOwner();
    if (refused) return { Err: refused };
    const problem = policyRequestProblem(policy[0] && { threshold: policy[0].threshold, verifiers: policy[0].verifiers.map((p) => p.toText()) });
    if (problem) return { Err: { InvalidArgument: problem } };
    try {
      const result = await call<unknown[], { Ok: null } | { Err: UpgradeError }>(this.config.manager, 'set_trust_policy', {
        paramIdlTypes: [M.SetTrustPolicyRequest], returnIdlType: M.ManageResult, args: [{ policy, requested_by: msgCaller() }],
      });
      if ('Ok' in result) return { Ok: null };
      return { Err: 'InvalidArgument' in result.Err ? { InvalidArgument: result.Err.InvalidArgument } : { Upgrade: result.Err } };
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
