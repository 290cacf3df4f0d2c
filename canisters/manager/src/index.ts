/**
 * The Lineage manager: upgrades the dapp's canisters from registry versions for its controllers
 * (the backend, acting for the NFT holder) and keeps an unbounded, hash-chained, certified
 * history of every change to them, including changes it did not make.
 *
 * This class is the shell: Candid, callers, time, timers and calls. The rules live in `./domain`,
 * the calls in `./ic`, the state in `./storage`.
 */
import {
  canisterSelf, certifiedDataSet, dataCertificate, IDL, init, inspectMessage, isController, msgArgData, msgCaller, msgMethodName,
  performanceCounter, postUpgrade, Principal, setTimer, setTimerInterval, time, trap,
} from 'azle';
import {
  managerTypes,
  type CompleteSelfUpgradeRequest, type CompleteSelfUpgradeResult, type HistoryPage, type HistoryRequest,
  type Icrc3DataCertificate, type Icrc3GetBlocksResult, type ManagedCanister, type ManagerInitArgs, type Operation,
  type PrepareSelfUpgradeResult, type SelfUpgradeStep, type UpgradeError, type UpgradeRequest, type UpgradeResult,
  type HealthResult, type RestoreRequest, type RestoreResult, type RollbackReport, type SnapshotInfo,
  type SetTrustPolicyRequest, type TrustPolicy as CandidTrustPolicy,
} from '@lineage/types';
import { asBytes, candidWorkProblem, fromHex, toHex } from '@lineage/kit';

import {
  blockToEntry, BLOCK_TYPES, checkTarget, DEFAULT_SNAPSHOTS_KEPT, IC_SNAPSHOTS_PER_CANISTER, confirmModule, DEFAULT_PAGE, PAGE_INSTRUCTION_BUDGET, eventToTx, explainPathError, installStaged,
  liveLock, newChanges, pagePositions, policyProblem, reconcileDeployment, stageChunks, stepsFromPath, untrustedSteps,
  type HistoryEvent, type ObservedChange, type OperationFailure, type OperationRecord, type Refusal, type RegistryVersion, type SafetyEffects, type Step,
} from './domain/index.js';
import { entryToCandid, failureKindToCandid, operationToCandid, policyToCandid, refusalToCandid, stepToCandid, untrustedToCandid } from './convert.js';
import { canisterInfo, canisterStatus, icEffects, observedChange, Registry, safetyEffects } from './ic.js';
import { planProblem, runProtectedStep } from './protected.js';
import { healthOfManager } from './self-health.js';
import { restoreCanister } from './restore.js';
import { query, update } from './methods.js';
import { Storage } from './storage.js';

const T = managerTypes(IDL);

const EMPTY_ARGS = Uint8Array.from([0x44, 0x49, 0x44, 0x4c, 0, 0]);
const DEFAULT_WATCH_SECONDS = 300n;
/** `canister_info` guarantees at least this many recent changes (IC interface specification). */
const IC_HISTORY_KEPT = 20n;
const MAX_BLOCKS_PER_REPLY = 1000n;
const DOCS = 'https://github.com/lineage-dapps/lineage/blob/main/canisters/manager/README.md#history-blocks';
/** No argument of the manager's interface needs more (an upgrade's `arg` is at most this). */
const MAX_INGRESS_ARG = 64 * 1024;


/**
 * The `snapshots_kept` of an install argument, or `current` when it has none. Outside 1..10 the
 * install traps (the IC then refuses it): the IC keeps at most 10 snapshots per canister.
 */
function snapshotsKeptOf(a: ManagerInitArgs, current: number): number {
  const wanted = a.snapshots_kept[0];
  if (wanted === undefined) return current;
  if (wanted < 1 || wanted > IC_SNAPSHOTS_PER_CANISTER) trap(`snapshots_kept must be 1 to ${IC_SNAPSHOTS_PER_CANISTER} (the IC keeps at most ${IC_SNAPSHOTS_PER_CANISTER} per canister), not ${wanted}`);
  return wanted;
}

export default class {
  store = new Storage();
  /** Heap only: a watch pass in flight (a second one would find nothing new anyway). */
  watching = false;

  @init([IDL.Opt(T.InitArgs)])
  init(args: [] | [ManagerInitArgs]): void {
    const a = args[0];
    if (!a) throw new Error('the manager needs its init argument: (opt record { registry; managed; watch_interval_seconds; snapshots_kept })');
    this.store.config = {
      registry: a.registry.toText(), watchIntervalSeconds: a.watch_interval_seconds[0] ?? DEFAULT_WATCH_SECONDS, nextOperation: 0n,
      snapshotsKept: snapshotsKeptOf(a, DEFAULT_SNAPSHOTS_KEPT),
    };
    this.addManaged(a.managed);
    this.startWatching();
  }

  /**
   * An upgrade may add managed canisters or change the watch interval, never the registry: a
   * manager repointed at a registry its holder controls would install whatever she publishes
   * there, after the dapp was sold (issue 11). Trapping makes the IC refuse the upgrade.
   */
  @postUpgrade([IDL.Opt(T.InitArgs)])
  postUpgrade(args: [] | [ManagerInitArgs]): void {
    const a = args[0];
    if (a && a.registry.toText() !== this.store.config.registry) {
      trap(`the manager's registry is fixed at spawn (${this.store.config.registry}); an upgrade cannot change it`);
    }
    if (a) {
      this.store.config = {
        ...this.store.config, registry: a.registry.toText(), watchIntervalSeconds: a.watch_interval_seconds[0] ?? this.store.config.watchIntervalSeconds,
        snapshotsKept: snapshotsKeptOf(a, this.store.config.snapshotsKept ?? DEFAULT_SNAPSHOTS_KEPT),
      };
      this.addManaged(a.managed);
    }
    const certified = this.store.log.certifiedData();
    if (certified) certifiedDataSet(certified);
    this.startWatching();
    // Timers do not survive an upgrade: operations that were only scheduled are scheduled again.
    for (const w of this.store.watched()) {
      const lock = this.store.lock(w.canister);
      const op = lock && this.store.operation(lock.operation);
      if (op && !op.self && op.state.kind === 'scheduled') setTimer(0, () => this.execute(op.id));
    }
  }

  // ---- access --------------------------------------------------------------------------------

  /**
   * Every update is for the manager's controllers (the dapp's backend and the manager itself,
   * both canisters), so ingress from anyone else is refused before the manager pays for it.
   */
  @inspectMessage({ manual: true })
  inspect(): boolean {
    const caller = msgCaller();
    if (!isController(caller)) trap(`${msgMethodName()} is for the manager's controllers only; ${caller.toText()} is not one`);
    const arg = msgArgData();
    if (arg.length > MAX_INGRESS_ARG) trap(`the argument is ${arg.length} bytes; at most ${MAX_INGRESS_ARG}`);
    const problem = candidWorkProblem(arg);
    if (problem) trap(problem);
    return true;
  }

  private refuseNonController(): UpgradeError | undefined {
    const caller = msgCaller();
    if (isController(caller)) return undefined;
    return { Unauthorized: `${caller.toText()} is not a controller of the manager; only the dapp's backend may ask for changes` };
  }

  private get registry(): Registry {
    return new Registry(this.store.config.registry);
  }

  private get self(): string {
    return canisterSelf().toText();
  }

  // ---- the history ---------------------------------------------------------------------------

  /** Appends one history entry (also used by `./protected.ts` and `./restore.ts`). */
  record(canister: string, event: HistoryEvent): bigint {
    const { btype, tx } = eventToTx(canister, event);
    const { index, certifiedData } = this.store.log.append(btype, time(), tx);
    this.store.indexEntry(canister, index);
    certifiedDataSet(certifiedData);
    return index;
  }

  private recordChanges(canister: string, gap: { missed: bigint; lastSeen: bigint; nowTotal: bigint } | undefined, changes: ObservedChange[]): void {
    if (gap) this.record(canister, { kind: 'gap', ...gap });
    for (const change of changes) this.record(canister, { kind: 'observed', change });
  }

  private setSeen(canister: string, seen: bigint): void {
    const w = this.store.watchedCanister(canister);
    if (w) this.store.putWatched({ ...w, seenChanges: seen });
  }

  private addManaged(list: ManagedCanister[]): void {
    for (const m of list) {
      const canister = m.canister.toText();
      const known = this.store.watchedCanister(canister);
      this.store.putWatched({ canister, label: m.label, seenChanges: known?.seenChanges ?? 0n });
    }
  }

  // ---- watching changes the manager did not make -----------------------------------------------

  private startWatching(): void {
    const seconds = Number(this.store.config.watchIntervalSeconds);
    if (seconds > 0) setTimerInterval(seconds, () => this.watchAll());
    setTimer(0, () => this.watchAll());
  }

  /** Reads `canister_info` of every watched canister that no operation holds; records what is new. */
  private async watchAll(): Promise<number> {
    if (this.watching) return 0;
    this.watching = true;
    let recorded = 0;
    try {
      for (const w of this.store.watched()) {
        if (liveLock(this.store.lock(w.canister), time())) continue;
        let info;
        try {
          info = await canisterInfo(w.canister, IC_HISTORY_KEPT);
        } catch {
          continue; // A deleted canister or a transient refusal: try again next time.
        }
        // Re-read after the await: an operation may have started, or recorded changes, meanwhile.
        if (liveLock(this.store.lock(w.canister), time())) continue;
        const current = this.store.watchedCanister(w.canister);
        if (!current) continue;
        const fresh = newChanges(current.seenChanges, { totalChanges: info.total_num_changes, recent: info.recent_changes.map(observedChange) });
        this.recordChanges(w.canister, fresh.gap, fresh.changes);
        recorded += fresh.changes.length + (fresh.gap ? 1 : 0);
        this.setSeen(w.canister, fresh.seen);
      }
    } finally {
      this.watching = false;
    }
    return recorded;
  }

  @update([], IDL.Nat64)
  async watch_now(): Promise<bigint> {
    if (this.refuseNonController()) throw new Error(`${msgCaller().toText()} is not a controller of the manager`);
    return BigInt(await this.watchAll());
  }

  @update([IDL.Vec(T.ManagedCanister)], T.ManageResult)
  manage(list: ManagedCanister[]): { Ok: null } | { Err: UpgradeError } {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    this.addManaged(list);
    return { Ok: null };
  }

  @update([IDL.Vec(IDL.Principal)], T.ManageResult)
  unmanage(list: Principal[]): { Ok: null } | { Err: UpgradeError } {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    for (const p of list) this.store.removeWatched(p.toText());
    return { Ok: null };
  }

  @query([], IDL.Vec(T.ManagedCanister))
  managed(): ManagedCanister[] {
    return this.store.watched().map((w) => ({ canister: Principal.fromText(w.canister), label: w.label }));
  }

  /**
   * Sets (or, with no policy, clears) the owner's trust policy; the backend asks for the NFT holder.
   * Every change is an entry of the history, about the manager itself.
   */
  @update([T.SetTrustPolicyRequest], T.ManageResult)
  set_trust_policy(r: SetTrustPolicyRequest): { Ok: null } | { Err: UpgradeError } {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    const policy = r.policy[0] && { threshold: r.policy[0].threshold, verifiers: r.policy[0].verifiers.map((p) => p.toText()) };
    const problem = policy && policyProblem(policy);
    if (problem) return { Err: { InvalidArgument: problem } };
    this.store.trustPolicy = policy;
    this.record(this.self, { kind: 'trust_policy', policy, requestedBy: r.requested_by.toText() });
    return { Ok: null };
  }

  @query([], IDL.Opt(T.TrustPolicy))
  trust_policy(): [] | [CandidTrustPolicy] {
    const policy = this.store.trustPolicy;
    return policy ? [policyToCandid(policy)] : [];
  }

  @query([], IDL.Principal)
  registry_id(): Principal {
    return Principal.fromText(this.store.config.registry);
  }

  // ---- planning ------------------------------------------------------------------------------

  /**
   * What the request means: the steps from the module `canister` runs to `targetHash`, every one
   * of them trusted by the owner's trust policy (issue 16).
   */
  private async plan(canister: string, targetHash: string): Promise<{ steps: Step[]; versions: Map<string, RegistryVersion> } | { error: UpgradeError }> {
    const planned = await this.planPath(canister, targetHash);
    if ('error' in planned) return planned;
    const refused = await this.untrusted(planned.steps);
    if (refused) return { error: refused };
    // Each step carries its version's upgrade options, so the ticket and `operation(id)` show them.
    const steps = planned.steps.map((s) => {
      const policy = planned.versions.get(s.to)?.policy;
      return policy ? { ...s, options: { wasmMemoryPersistence: policy.wasmMemoryPersistence, skipPreUpgrade: policy.skipPreUpgrade } } : s;
    });
    return { steps, versions: planned.versions };
  }

  /** `Untrusted` naming every step the trust policy does not trust, or undefined (no policy: nothing is required). */
  private async untrusted(steps: Step[]): Promise<UpgradeError | undefined> {
    const policy = this.store.trustPolicy;
    if (!policy) return undefined;
    const filings = new Map<string, Awaited<ReturnType<Registry['filings']>>>();
    try {
      for (const s of steps) filings.set(s.to, await this.registry.filings(s.to, policy.verifiers));
    } catch (error) {
      return { RegistryUnavailable: (error as Error).message };
    }
    // Re-read after the awaits: the policy may have changed meanwhile.
    const missing = untrustedSteps(this.store.trustPolicy, steps, (hash) => filings.get(hash) ?? []);
    return missing.length === 0 ? undefined : { Untrusted: { missing: missing.map(untrustedToCandid) } };
  }

  private async planPath(canister: string, targetHash: string): Promise<{ steps: Step[]; versions: Map<string, RegistryVersion> } | { error: UpgradeError }> {
    let current: string | undefined;
    try {
      const status = await canisterStatus(canister);
      current = status.module_hash.length === 0 ? undefined : toHex(status.module_hash[0]);
    } catch (error) {
      return { error: { NotAController: `the manager cannot read the status of ${canister} (${(error as Error).message}); it must be one of its controllers` } };
    }
    let versions: Map<string, RegistryVersion>;
    try {
      versions = await this.registry.versions(current === undefined ? [targetHash] : [targetHash, current]);
    } catch (error) {
      return { error: { RegistryUnavailable: (error as Error).message } };
    }
    const target = versions.get(targetHash);
    const first = checkTarget(current, targetHash, target);
    if ('kind' in first) return { error: refusalToCandid(first) };
    if ('steps' in first) {
      const problem = planProblem(first.steps, versions);
      return problem ? { error: refusalToCandid(problem) } : { steps: first.steps, versions };
    }
    // Several steps: the registry's path, then every step's record, checked again here.
    try {
      const path = await this.registry.path(target!.namespace, current!, targetHash);
      if ('error' in path) {
        return { error: refusalToCandid({ kind: 'NoUpgradePath', from: current, to: targetHash, reason: explainPathError(path.error) }) };
      }
      const all = await this.registry.versions([...path.ok, current!]);
      const planned = stepsFromPath(current!, targetHash, path.ok, all);
      if ('kind' in planned) return { error: refusalToCandid(planned as Refusal) };
      const problem = planProblem(planned.steps, all);
      return problem ? { error: refusalToCandid(problem) } : { steps: planned.steps, versions: all };
    } catch (error) {
      return { error: { RegistryUnavailable: (error as Error).message } };
    }
  }

  private validHash(bytes: Uint8Array | number[]): string | undefined {
    const b = asBytes(bytes);
    return b.length === 32 ? toHex(b) : undefined;
  }

  /** Takes the per-canister lock before the first await, or says who holds it. */
  private lock(canister: string): { operation: bigint } | { error: UpgradeError } {
    const now = time();
    const held = liveLock(this.store.lock(canister), now);
    if (held) return { error: { Busy: { canister: Principal.fromText(canister), operation: held.operation, since: held.since } } };
    const operation = this.store.takeOperationId();
    this.store.putLock({ canister, operation, since: now });
    return { operation };
  }

  // ---- upgrading another canister ------------------------------------------------------------

  /**
   * Upgrades `canister` to the registry version `target_hash`, step by step along the registry's
   * upgrade path. When the caller asks for itself, the reply comes first and the upgrade runs
   * from a timer: the caller could not be stopped while it waits for this reply.
   */
  @update([T.UpgradeRequest], T.UpgradeResult)
  async upgrade(r: UpgradeRequest): Promise<UpgradeResult> {
    return this.startUpgrade(r, false);
  }

  /**
   * `upgrade` without the snapshot before each install, controllers only: refused with
   * `SnapshotRequired` (nothing touched) unless every version of the path declares
   * `lineage:snapshot = optional`. A failed health check then has nothing to roll back to.
   */
  @update([T.UpgradeRequest], T.UpgradeResult)
  async upgrade_without_snapshot(r: UpgradeRequest): Promise<UpgradeResult> {
    return this.startUpgrade(r, true);
  }

  private async startUpgrade(r: UpgradeRequest, skipSnapshot: boolean): Promise<UpgradeResult> {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    const canister = r.canister.toText();
    if (canister === this.self) {
      return { Err: { InvalidArgument: 'the manager cannot install code on itself; its controller calls prepare_self_upgrade, installs, then complete_self_upgrade' } };
    }
    const targetHash = this.validHash(r.target_hash);
    if (!targetHash) return { Err: { InvalidArgument: 'target_hash must be a 32-byte sha256' } };
    const locked = this.lock(canister);
    if ('error' in locked) return { Err: locked.error };
    const id = locked.operation;
    const planned = await this.plan(canister, targetHash);
    if ('error' in planned) {
      this.store.releaseLock(canister, id);
      return { Err: planned.error };
    }
    const required = skipSnapshot ? planned.steps.find((s) => !planned.versions.get(s.to)?.policy.snapshotOptional) : undefined;
    if (required) {
      this.store.releaseLock(canister, id);
      return { Err: { SnapshotRequired: { hash: fromHex(required.to), version: required.version } } };
    }
    const caller = msgCaller().toText();
    const op: OperationRecord = {
      id, canister, requestedBy: r.requested_by.toText(), requestedAt: time(), steps: planned.steps,
      arg: toHex(r.arg[0] ? asBytes(r.arg[0]) : EMPTY_ARGS), state: { kind: 'scheduled' }, entries: [], self: false,
      ...(skipSnapshot ? { skipSnapshot: true } : {}),
    };
    this.store.putOperation(op);
    if (!this.store.watchedCanister(canister)) this.store.putWatched({ canister, label: '', seenChanges: 0n });
    if (canister === caller) {
      setTimer(0, () => this.execute(id));
      return { Ok: { operation: id, steps: planned.steps.map(stepToCandid), state: { Scheduled: null } } };
    }
    await this.execute(id);
    return this.outcome(id);
  }

  private outcome(id: bigint): UpgradeResult {
    const op = this.store.operation(id)!;
    if (op.state.kind === 'completed') return { Ok: { operation: id, steps: op.steps.map(stepToCandid), state: { Completed: null } } };
    return { Err: this.failedError(id) };
  }

  /** The typed error of an operation that failed. */
  private failedError(id: bigint): UpgradeError {
    const op = this.store.operation(id)!;
    const failedAt = op.state.kind === 'failed' ? op.state.step : 0;
    const failure = op.state.kind === 'failed' ? op.state.failure : undefined;
    return {
      Failed: {
        operation: id, completed: op.steps.slice(0, failedAt).map(stepToCandid), failed: stepToCandid(op.steps[failedAt]!),
        kind: failureKindToCandid(failure ?? { kind: 'StateChanged', message: '' }),
        message: op.state.kind === 'failed' ? op.state.error : 'the operation did not finish',
      },
    };
  }

  /** `safety` that also writes the phase the running step enters into operation `id` (live progress). */
  private phased(safety: SafetyEffects, id: bigint, step: number): SafetyEffects {
    return {
      ...safety,
      phase: (phase) => {
        const op = this.store.operation(id);
        if (op?.state.kind === 'running') this.store.putOperation({ ...op, state: { kind: 'running', step, phase } });
      },
    };
  }

  /** Runs every step of operation `id` in order, stopping at the first failure. */
  private async execute(id: bigint): Promise<void> {
    const op = this.store.operation(id);
    if (!op) return;
    const effects = icEffects(this.registry);
    const arg = fromHex(op.arg);
    try {
      for (let i = 0; i < op.steps.length; i++) {
        const step = op.steps[i]!;
        this.store.putOperation({ ...this.store.operation(id)!, state: { kind: 'running', step: i } });
        const checked = await this.recheck(step, op.canister);
        const outcome = 'failure' in checked
          ? checked
          : await runProtectedStep(this, effects, this.phased(safetyEffects(time), id, i), { operation: id, index: i, step, version: checked.version, oldPolicy: checked.from?.policy, target: op.canister, arg, takeSnapshot: !op.skipSnapshot });
        if ('failure' in outcome) {
          this.fail(id, i, outcome.failure);
          return;
        }
        await this.recordDeployment(id, i, this.self);
        if (outcome.health) this.record(op.canister, { kind: 'health_checked', operation: id, step: i, healthy: true, detail: outcome.health.detail });
      }
      this.store.putOperation({ ...this.store.operation(id)!, state: { kind: 'completed' } });
    } finally {
      this.store.releaseLock(op.canister, id);
    }
  }

  /**
   * Just before a step: the version may have been deprecated and the canister changed by another
   * controller since the request was planned (a scheduled upgrade runs later).
   */
  private async recheck(step: Step, canister: string): Promise<{ version: RegistryVersion; from: RegistryVersion | undefined } | { failure: OperationFailure }> {
    let version: RegistryVersion | undefined;
    let from: RegistryVersion | undefined;
    let current: string | undefined;
    try {
      const both = await this.registry.versions([step.to, step.from]);
      version = both.get(step.to);
      from = both.get(step.from);
    } catch (error) {
      return { failure: { kind: 'RegistryUnavailable', message: (error as Error).message } };
    }
    try {
      const status = await canisterStatus(canister);
      current = status.module_hash.length === 0 ? undefined : toHex(status.module_hash[0]);
    } catch (error) {
      return { failure: { kind: 'ManagementRejected', method: 'canister_status', message: (error as Error).message } };
    }
    if (!version || !version.verified || version.deprecated) {
      return { failure: { kind: 'StateChanged', message: `version ${step.to} is no longer installable (unknown, unverified or deprecated in the registry)` } };
    }
    if (current !== step.from) {
      return { failure: { kind: 'StateChanged', message: `${canister} runs ${current ?? 'no module'}, not ${step.from}, so version ${step.to} does not apply` } };
    }
    // A divergence filed (or the policy changed) since planning stops the step too.
    const untrusted = await this.untrusted([step]);
    if (untrusted && 'Untrusted' in untrusted) {
      return { failure: { kind: 'StateChanged', message: `the trust policy no longer trusts version ${step.to}: ${untrusted.Untrusted.missing.map((m) => `${m.attested_by.length} of ${m.needed} attestations, ${m.diverged_by.length} divergences`).join('; ')}` } };
    }
    if (untrusted) return { failure: { kind: 'RegistryUnavailable', message: 'RegistryUnavailable' in untrusted ? untrusted.RegistryUnavailable : 'registry unavailable' } };
    return { version, from };
  }

  fail(id: bigint, step: number, failure: OperationFailure): void {
    const op = this.store.operation(id)!;
    const s = op.steps[step]!;
    const entry = this.record(op.canister, {
      kind: 'deploy_failed', operation: id, step, steps: op.steps.length, from: s.from, to: s.to, version: s.version,
      requestedBy: op.requestedBy, error: failure.message,
    });
    this.store.putOperation({ ...op, state: { kind: 'failed', step, error: failure.message, failure }, entries: [...op.entries, entry] });
  }

  /**
   * Records a step that installed: changes other controllers made meanwhile first, then the
   * deployment with the IC's version of its change; then reports the installation to the registry.
   */
  async recordDeployment(id: bigint, step: number, installer: string): Promise<bigint> {
    const op = this.store.operation(id)!;
    const s = op.steps[step]!;
    let reconciled: ReturnType<typeof reconcileDeployment> | undefined;
    try {
      const info = await canisterInfo(op.canister, IC_HISTORY_KEPT);
      const seen = this.store.watchedCanister(op.canister)?.seenChanges ?? 0n;
      reconciled = reconcileDeployment(seen, { totalChanges: info.total_num_changes, recent: info.recent_changes.map(observedChange) }, s.to, installer);
    } catch {
      // Without canister_info the deployment is still recorded; the watcher catches up later.
    }
    if (reconciled) this.recordChanges(op.canister, reconciled.gap, reconciled.before);
    const entry = this.record(op.canister, {
      kind: 'deployed', operation: id, step, steps: op.steps.length, from: s.from, to: s.to, version: s.version,
      requestedBy: op.requestedBy, canisterVersion: reconciled?.ours?.canisterVersion,
    });
    if (reconciled) {
      this.recordChanges(op.canister, undefined, reconciled.after);
      this.setSeen(op.canister, reconciled.seen);
    }
    const latest = this.store.operation(id)!;
    this.store.putOperation({ ...latest, entries: [...latest.entries, entry] });
    await this.registry.reportInstallation(op.canister, s.to);
    return entry;
  }

  // ---- upgrading the manager itself, through its controller ----------------------------------

  /**
   * First half of the manager's own upgrade: plans it, and stages the first step's chunks in the
   * manager's own chunk store. The controller then stops the manager, calls
   * `install_chunked_code` (target and store: the manager), starts it, and calls
   * `complete_self_upgrade`, which the new code answers.
   */
  @update([T.UpgradeRequest], T.PrepareSelfUpgradeResult)
  async prepare_self_upgrade(r: UpgradeRequest): Promise<PrepareSelfUpgradeResult> {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    if (r.canister.toText() !== this.self) return { Err: { InvalidArgument: 'prepare_self_upgrade is for the manager itself; use upgrade for other canisters' } };
    const targetHash = this.validHash(r.target_hash);
    if (!targetHash) return { Err: { InvalidArgument: 'target_hash must be a 32-byte sha256' } };
    const locked = this.lock(this.self);
    if ('error' in locked) return { Err: locked.error };
    const id = locked.operation;
    const planned = await this.plan(this.self, targetHash);
    if ('error' in planned) {
      this.store.releaseLock(this.self, id);
      return { Err: planned.error };
    }
    this.store.putOperation({
      id, canister: this.self, requestedBy: r.requested_by.toText(), requestedAt: time(), steps: planned.steps,
      arg: toHex(r.arg[0] ? asBytes(r.arg[0]) : EMPTY_ARGS), state: { kind: 'scheduled' }, entries: [], self: true,
    });
    if (!this.store.watchedCanister(this.self)) this.store.putWatched({ canister: this.self, label: 'manager', seenChanges: 0n });
    const staged = await this.stageSelfStep(id, 0);
    return 'error' in staged ? { Err: staged.error } : { Ok: staged.step };
  }

  private async stageSelfStep(id: bigint, step: number): Promise<{ step: SelfUpgradeStep } | { error: UpgradeError }> {
    const op = this.store.operation(id)!;
    const s = op.steps[step]!;
    this.store.putOperation({ ...op, state: { kind: 'running', step } });
    const checked = await this.recheck(s, this.self);
    const staged = 'failure' in checked ? checked : await stageChunks(icEffects(this.registry), checked.version, this.self);
    if ('failure' in staged) {
      this.fail(id, step, staged.failure);
      this.store.releaseLock(this.self, id);
      return { error: this.failedError(id) };
    }
    return {
      step: {
        operation: id, step, steps: op.steps.length, from: fromHex(s.from), to: fromHex(s.to), version: s.version,
        chunk_hashes: staged.chunkHashes.map(fromHex), arg: fromHex(op.arg),
      },
    };
  }

  /** Second half, answered by the new code: confirms and records the step, stages the next one. */
  @update([T.CompleteSelfUpgradeRequest], T.CompleteSelfUpgradeResult)
  async complete_self_upgrade(r: CompleteSelfUpgradeRequest): Promise<CompleteSelfUpgradeResult> {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    const op = this.store.operation(r.operation);
    if (!op || !op.self || op.state.kind !== 'running' || op.state.step !== r.step) {
      return { Err: { InvalidArgument: `operation ${r.operation} is not waiting for the install of step ${r.step}` } };
    }
    const effects = icEffects(this.registry);
    const s = op.steps[r.step]!;
    try {
      await effects.clearChunkStore(this.self);
    } catch {
      // Cleared again before the next staging.
    }
    if ('Err' in r.install) {
      this.fail(op.id, r.step, { kind: 'InstallRejected', message: `install_chunked_code: ${r.install.Err}` });
      this.store.releaseLock(this.self, op.id);
      return { Err: this.failedError(op.id) };
    }
    const confirmed = await confirmModule(effects, s, this.self);
    if ('failure' in confirmed) {
      this.fail(op.id, r.step, confirmed.failure);
      this.store.releaseLock(this.self, op.id);
      return { Err: this.failedError(op.id) };
    }
    const entry = await this.recordDeployment(op.id, r.step, msgCaller().toText());
    if (r.step + 1 < op.steps.length) {
      const next = await this.stageSelfStep(op.id, r.step + 1);
      return 'error' in next ? { Err: next.error } : { Ok: { next: [next.step], entry } };
    }
    this.store.putOperation({ ...this.store.operation(op.id)!, state: { kind: 'completed' } });
    this.store.releaseLock(this.self, op.id);
    return { Ok: { next: [], entry } };
  }

  // ---- restoring a snapshot, and health -------------------------------------------------------

  /**
   * Loads the last snapshot the manager took of `canister` (before its last upgrade) back, for
   * the holder (the backend asks). When the backend asks for itself, the reply comes first and
   * the restore runs from a timer, as its own upgrade does.
   */
  @update([T.RestoreRequest], T.RestoreResult)
  async restore(r: RestoreRequest): Promise<RestoreResult> {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    return restoreCanister(this, r.canister.toText(), r.requested_by.toText(), msgCaller().toText());
  }

  /**
   * Answered by the old manager after the backend loaded its snapshot back: the new manager failed
   * its check after `complete_self_upgrade`. Records the rollback and ends the operation.
   */
  @update([T.RollbackReport], T.ManageResult)
  record_rollback(r: RollbackReport): { Ok: null } | { Err: UpgradeError } {
    const refused = this.refuseNonController();
    if (refused) return { Err: refused };
    const op = this.store.operation(r.operation);
    if (!op || !op.self || op.state.kind !== 'running' || op.state.step !== r.step) {
      return { Err: { InvalidArgument: `operation ${r.operation} is not at step ${r.step} of the manager's own upgrade` } };
    }
    const s = op.steps[r.step]!;
    this.record(this.self, {
      kind: 'rolled_back', operation: op.id, step: r.step, from: s.from, to: s.to, reason: r.reason, snapshot: toHex(asBytes(r.snapshot)),
      loaded: r.loaded, detail: r.detail,
    });
    this.fail(op.id, r.step, { kind: 'Unhealthy', rolledBack: r.loaded, message: `version ${s.to} failed its check (${r.reason}); the backend loaded the snapshot back (${r.detail})` });
    this.store.releaseLock(this.self, op.id);
    return { Ok: null };
  }

  @query([IDL.Principal], IDL.Vec(T.SnapshotInfo))
  snapshots(canister: Principal): SnapshotInfo[] {
    return this.store.snapshotsOf(canister.toText()).map((s) => ({
      id: fromHex(s.id), taken_at: s.takenAt, module: s.module === undefined ? [] : [fromHex(s.module)], operation: s.operation,
    }));
  }

  /** State loaded and invariants hold: what the backend checks after installing a new manager. */
  @query([], T.HealthResult)
  lineage_health(): HealthResult {
    return healthOfManager(this.store, time());
  }

  /** Takes the per-canister lock (for `./restore.ts`). */
  lockFor(canister: string): { operation: bigint } | { error: UpgradeError } {
    return this.lock(canister);
  }

  get selfId(): string {
    return this.self;
  }

  get registryClient(): Registry {
    return this.registry;
  }

  // ---- reading -------------------------------------------------------------------------------

  @query([IDL.Nat64], IDL.Opt(T.Operation))
  operation(id: bigint): [] | [Operation] {
    const op = this.store.operation(id);
    return op ? [operationToCandid(op)] : [];
  }

  /**
   * Operations that hold a canister now (scheduled or running, their lock not expired): what a
   * buyer checks before paying for a dapp.
   */
  @query([], IDL.Vec(T.Operation))
  pending_operations(): Operation[] {
    const now = time();
    return this.store.watched()
      .map((w) => liveLock(this.store.lock(w.canister), now))
      .flatMap((lock) => {
        const op = lock && this.store.operation(lock.operation);
        return op ? [operationToCandid(op)] : [];
      });
  }

  /** The history, oldest first (or newest first), optionally of one canister; anyone may read it. */
  @query([T.HistoryRequest], T.HistoryPage)
  deployment_history(r: HistoryRequest): HistoryPage {
    const canister = r.canister[0]?.toText();
    const take = Number(r.take[0] ?? BigInt(DEFAULT_PAGE));
    const descending = r.descending[0] ?? false;
    const count = canister === undefined ? this.store.log.length : this.store.entryCount(canister);
    const indexAt = canister === undefined ? (n: bigint) => n : (n: bigint) => this.store.entryOf(canister, n)!;
    const entries: HistoryPage['entries'] = [];
    for (const n of pagePositions(count, indexAt, r.prev[0], take, descending)) {
      // At least one entry, then no more once the budget is spent: a short page, never a trap.
      if (entries.length > 0 && performanceCounter(0) > PAGE_INSTRUCTION_BUDGET) break;
      const index = indexAt(n);
      entries.push(entryToCandid(blockToEntry(index, this.store.log.block(index)!)));
    }
    return { entries, total: count };
  }

  // ---- ICRC-3 and ICRC-10 --------------------------------------------------------------------

  @query([T.GetBlocksArgs], T.GetBlocksResult)
  icrc3_get_blocks(ranges: { start: bigint; length: bigint }[]): Icrc3GetBlocksResult {
    return { ...this.store.log.getBlocks(ranges, MAX_BLOCKS_PER_REPLY), archived_blocks: [] } as Icrc3GetBlocksResult;
  }

  @query([], IDL.Opt(T.DataCertificate))
  icrc3_get_tip_certificate(): [] | [Icrc3DataCertificate] {
    const certificate = dataCertificate();
    const tree = this.store.log.tipHashTree();
    if (!certificate || !tree) return [];
    return [{ certificate, hash_tree: tree }];
  }

  @query([T.GetArchivesArgs], T.GetArchivesResult)
  icrc3_get_archives(_args: { from: [] | [Principal] }): { canister_id: Principal; start: bigint; end: bigint }[] {
    return [];
  }

  @query([], IDL.Vec(T.BlockType))
  icrc3_supported_block_types(): { block_type: string; url: string }[] {
    return BLOCK_TYPES.map((block_type) => ({ block_type, url: DOCS }));
  }

  @query([], IDL.Vec(T.SupportedStandard))
  icrc10_supported_standards(): { name: string; url: string }[] {
    return [
      { name: 'ICRC-3', url: 'https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-3' },
      { name: 'ICRC-10', url: 'https://github.com/dfinity/ICRC/ICRCs/ICRC-10' },
    ];
  }
}
