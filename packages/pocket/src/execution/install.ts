/**
 * Installing, reinstalling, upgrading and uninstalling code (IC interface spec § IC method
 * install_code, § Canister upgrades, § uninstall_code). Each is atomic: on any failure the
 * canister is exactly as it was.
 */
import type { Canister, ChangeOrigin } from '../canister.js';
import { HELP, IcError } from '../errors.js';
import { StableMemory } from '../state/stable-memory.js';
import { WasmInstance } from '../wasm/instance.js';
import { decodedSize, prepareModule, type PreparedModule } from '../wasm/prepare.js';
import { INSTRUCTION_LIMITS } from '../constants.js';
import { roundsAfterFirst } from './slices.js';
import { compilationInstructions, failedCompilationInstructions } from '../costs.js';
import { execute, type ExecutionEnvironment } from './execute.js';
import { chargeFee, withPrepaid } from './fees.js';

export type InstallMode =
  | { kind: 'install' }
  | { kind: 'reinstall' }
  | { kind: 'upgrade'; skipPreUpgrade: boolean; keepWasmMemory: boolean | undefined };

export interface InstallRequest {
  mode: InstallMode;
  wasm: Uint8Array;
  arg: Uint8Array;
  caller: Uint8Array;
  origin: ChangeOrigin;
  time: bigint;
  /** Instructions charged for assembling the module from chunks (`install_chunked_code`). */
  assembly?: bigint;
  /**
   * Why the module assembled from chunks cannot be installed (its hash is not the one given), raised
   * where the replica assembles it: before compiling, and for an upgrade after `pre_upgrade`.
   */
  assemblyError?: IcError;
}

const EOP_SECTION = 'enhanced-orthogonal-persistence';

/**
 * What an installation cost: the instructions of start, init or pre- and post-upgrade together
 * (what deterministic time slicing spreads over rounds), and those charged for compiling the
 * module (counted against the install's limit and paid for, but not executed: the replica does not
 * slice them).
 */
export interface InstallOutcome {
  instructions: bigint;
  compilation: bigint;
  /**
   * For an install long enough to be sliced: what it does to the canister, done when the caller
   * calls this, in the round of its last slice (until then the canister is as before it, but for
   * the cycles it paid).
   */
  complete?: () => void;
}

/**
 * An install that failed after running code (a hook trapped, or an upgrade was refused after its
 * pre_upgrade): the error, and the instructions it ran before (its slices).
 */
export class InstallFailed extends IcError {
  constructor(error: IcError, readonly instructions: bigint) {
    super(error.errorCode, error.message, error.rejectCode);
  }
}

/** install_code is charged as an update: the base fee and its instructions (at the new module's rate). */
function chargeExecution(canister: Canister, env: ExecutionEnvironment, instructions: bigint, wasm64: boolean): void {
  chargeFee(canister, env, 'execution', env.cost.execution());
  chargeFee(canister, env, 'instructions', env.cost.instructions(instructions, wasm64));
}

/**
 * Instructions of compiling `prepared` on the subnet of `env`: a hundredth of its per-instruction
 * part if the subnet installed it since its last checkpoint (`compilationInstructions`).
 * @example compilationOf(prepared, env) // 8.9 B for an Azle module the subnet has not seen
 */
export function compilationOf(prepared: PreparedModule, env: ExecutionEnvironment): bigint {
  return compilationInstructions(prepared.compiledInstructions, env.compiledWasms?.has(prepared.hashHex) ?? false);
}

/** Why the new module cannot replace the old one, and the instructions that refusal is charged. */
interface Refusal {
  error: IcError;
  instructions: bigint;
}

/**
 * Assembles and compiles the new module, the replica's stage 2 of an install (dfinity/ic
 * `install.rs`, `upgrade.rs`). The assembly is charged whatever follows; a module whose chunks do
 * not hash as given goes no further. A module that does not compile is charged by its size
 * (`failedCompilationInstructions`); what a valid one costs is charged once it is in place
 * (`compile`). An upgrade also checks its options here (`optionError`), after compiling, but
 * before either compilation charge: refused for them, it pays for the assembly only.
 */
function prepareNew(req: InstallRequest, old?: { mode: InstallMode & { kind: 'upgrade' }; module: PreparedModule }): { module: PreparedModule } | Refusal {
  const assembly = req.assembly ?? 0n;
  if (req.assemblyError) return { error: req.assemblyError, instructions: assembly };
  let compiled: PreparedModule | IcError;
  try {
    compiled = prepareModule(req.wasm);
  } catch (error) {
    if (!(error instanceof IcError) || error.errorCode !== 'CanisterInvalidWasm') throw error;
    compiled = error;
  }
  const refused = old && optionError(old.mode, old.module, compiled instanceof IcError ? undefined : compiled);
  if (refused) return { error: refused, instructions: assembly };
  if (compiled instanceof IcError) return { error: compiled, instructions: assembly + failedCompilationInstructions(decodedSize(req.wasm)) };
  return { module: compiled };
}

/**
 * The upgrade options' checks against the old module and the new one, if it compiled (dfinity/ic
 * `upgrade.rs`, `determine_main_memory_handling`).
 */
function optionError(mode: InstallMode & { kind: 'upgrade' }, old: PreparedModule, next: PreparedModule | undefined): IcError | undefined {
  if (mode.keepWasmMemory === undefined && old.privateMetadata.has(EOP_SECTION)) {
    return new IcError('CanisterContractViolation', `Missing upgrade option: Enhanced orthogonal persistence requires the \`wasm_memory_persistence\` upgrade option.`);
  }
  if (mode.keepWasmMemory && next && !next.privateMetadata.has(EOP_SECTION)) {
    return new IcError('CanisterContractViolation', `Invalid upgrade option: The \`wasm_memory_persistence: opt Keep\` upgrade option requires that the new canister module supports enhanced orthogonal persistence.`);
  }
  return undefined;
}

/**
 * The instructions of preparing `prepared` on the canister's subnet: assembling it from chunks
 * (`assembly`) and compiling it (`compilationInstructions`), noted as a stage of the install (a
 * `compile` record) so that cost reports count them in the install message.
 */
function compile(canister: Canister, env: ExecutionEnvironment, prepared: PreparedModule, assembly: bigint): bigint {
  const instructions = assembly + compilationOf(prepared, env);
  env.recordExecution?.({ canister: canister.idText, kind: 'compile', method: 'compile', instructions, trapped: false });
  return instructions;
}

export function installCode(canister: Canister, env: ExecutionEnvironment, req: InstallRequest): InstallOutcome {
  const { mode } = req;
  // Refused before anything runs (the replica's stage 0), an install still pays the base fee: its
  // prepayment is refunded but for that (`finish_err`).
  const refuseAtStart = (error: IcError) => {
    chargeFee(canister, env, 'execution', env.cost.execution());
    return error;
  };
  if (mode.kind === 'install' && canister.module) {
    throw refuseAtStart(new IcError('CanisterNonEmpty', `Canister ${canister.idText} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.\n${HELP.canisterNotEmpty}`));
  }
  if (mode.kind === 'upgrade' && !canister.module) {
    throw refuseAtStart(new IcError('CanisterWasmModuleNotFound', `Error from Canister ${canister.idText}: Attempted to execute a message, but the canister contains no Wasm module..\n${HELP.wasmModuleNotFound}`));
  }

  // Everything below may fail; keep what is needed to put the canister back.
  const saved = {
    instance: canister.instance, module: canister.module, stable: canister.stable,
    cycles: canister.cycles, certifiedData: canister.certifiedData, globalTimer: canister.globalTimer, version: canister.version,
  };
  const restore = () => {
    canister.instance = saved.instance;
    canister.module = saved.module;
    canister.stable = saved.stable;
    canister.cycles = saved.cycles;
    canister.certifiedData = saved.certifiedData;
    canister.globalTimer = saved.globalTimer;
    canister.version = saved.version;
  };
  // What init, pre- and post-upgrade print goes to the canister log (`fetch_canister_logs`),
  // kept even when the installation fails and everything else is put back.
  const logs: Uint8Array[] = [];
  // start, init, pre_upgrade and post_upgrade share the install limit (one message on the IC), and
  // so do assembling and compiling the new module (after pre_upgrade, before start: dfinity/ic
  // `install.rs`), charged but not executed.
  let instructions = 0n;
  let compilation = 0n;
  // The new module: for an upgrade, prepared after the old module's pre_upgrade (dfinity/ic
  // `upgrade.rs`, stages 1 and 2).
  let prepared: PreparedModule | undefined;
  const fail = (error: IcError) => {
    restore();
    canister.appendLogs(req.time, logs);
    return error;
  };
  /**
   * The install failed after running code: all is put back, but what ran is paid for, with
   * `charged` (a compilation, an assembly), as the replica refunds only the unused part of the
   * install's prepaid execution (the base fee and the instructions it used).
   */
  const refuse = (error: IcError, charged: bigint) => {
    fail(error);
    // Before the new module is in place, what ran was the old one: its rate applies.
    chargeExecution(canister, env, instructions + charged, (prepared ?? saved.module!).memory64);
    return new InstallFailed(error, instructions);
  };
  /** A hook trapped. */
  const trapped = (error: IcError) => refuse(error, compilation);
  const metering = () => ({ instructionLimit: INSTRUCTION_LIMITS.install, instructionsBefore: instructions + compilation });
  // A hook runs with the install's prepayment (the base fee and its whole limit, at the rate the
  // reservation was checked at) out of the balance, as the replica withdraws it before the install
  // runs; the balance a hook leaves is counted with it again.
  const prepaid = env.cost.execution() + env.cost.instructions(INSTRUCTION_LIMITS.install, false);
  const runHook = (request: Parameters<typeof execute>[2]) => {
    const r = withPrepaid(canister, prepaid, () => execute(canister, env, request));
    return { ...r, balance: r.balance + prepaid };
  };
  let certifiedData: Uint8Array | undefined;
  if (mode.kind === 'upgrade') {
    const old = canister.instance!;
    old.begin();
    canister.stable.begin();
    if (!mode.skipPreUpgrade && canister.module!.system.has('canister_pre_upgrade')) {
      const pre = runHook({
        kind: 'G', entry: { export: 'canister_pre_upgrade' }, caller: req.caller, time: req.time,
        replicated: true, canRespond: false, transaction: 'none', ...metering(),
      });
      instructions += pre.instructions;
      logs.push(...pre.logs);
      if (pre.trap) {
        old.rollback();
        canister.stable.rollback();
        throw trapped(pre.trap.toIcError(canister.idText));
      }
      canister.cycles = pre.balance;
      certifiedData = pre.certifiedData;
    }
    // Stage 2: the new module. Refused, it pays for pre_upgrade and the preparation, and
    // pre_upgrade's changes are undone.
    const preparation = prepareNew(req, { mode, module: saved.module! });
    if ('error' in preparation) {
      old.rollback();
      canister.stable.rollback();
      throw refuse(preparation.error, preparation.instructions);
    }
    prepared = preparation.module;
  } else {
    // An install or reinstall assembles and compiles the new module first, before anything changed.
    const preparation = prepareNew(req);
    if ('error' in preparation) {
      chargeExecution(canister, env, preparation.instructions, false);
      throw preparation.error;
    }
    prepared = preparation.module;
    canister.stable = new StableMemory();
  }

  // `canister_init` and `canister_post_upgrade` see a version already incremented (IC spec
  // § Canister version) and no global timer (install and upgrade deactivate it).
  canister.version += 1n;
  canister.globalTimer = 0n;
  const rollbackOld = () => {
    if (mode.kind === 'upgrade') {
      saved.instance!.rollback();
      saved.stable.rollback();
    }
  };
  let fresh: WasmInstance;
  try {
    fresh = mode.kind === 'upgrade' && mode.keepWasmMemory
      ? WasmInstance.createOver(prepared, saved.instance!.heap, canister.api.imports)
      : WasmInstance.create(prepared, canister.api.imports);
  } catch (error) {
    // The module did not instantiate (a data segment out of its memory): it failed to compile.
    rollbackOld();
    const failure = fail(error instanceof IcError ? error : new IcError('CanisterInvalidWasm', `Canister's Wasm module is not valid: ${(error as Error).message}`));
    chargeExecution(canister, env, instructions + (req.assembly ?? 0n) + failedCompilationInstructions(decodedSize(req.wasm)), false);
    throw failure;
  }
  canister.instance = fresh;
  canister.module = prepared;
  compilation = compile(canister, env, prepared, req.assembly ?? 0n);

  const steps: { kind: 's' | 'I'; entry: { start: true } | { export: string } }[] = [];
  if (prepared.hasStart) steps.push({ kind: 's', entry: { start: true } });
  const hook = mode.kind === 'upgrade' ? 'canister_post_upgrade' : 'canister_init';
  if (prepared.system.has(hook)) steps.push({ kind: 'I', entry: { export: hook } });
  for (const step of steps) {
    const r = runHook({
      kind: step.kind, entry: step.entry, caller: req.caller, arg: req.arg, time: req.time,
      replicated: true, canRespond: false, transaction: 'none', ...metering(),
    });
    instructions += r.instructions;
    logs.push(...r.logs);
    if (r.trap) {
      rollbackOld();
      throw trapped(r.trap.toIcError(canister.idText));
    }
    canister.cycles = r.balance;
    if (r.certifiedData) certifiedData = r.certifiedData;
    if (r.globalTimer !== undefined) canister.globalTimer = r.globalTimer;
  }

  // Paid now: the replica takes an install's cost up front.
  chargeExecution(canister, env, instructions + compilation, prepared.memory64);
  env.compiledWasms?.add(prepared.hashHex);
  const installed = {
    instance: fresh, module: prepared, stable: canister.stable, version: canister.version, globalTimer: canister.globalTimer,
    certifiedData: mode.kind === 'upgrade' ? (certifiedData ?? saved.certifiedData) : (certifiedData ?? new Uint8Array()),
  };
  const complete = () => {
    Object.assign(canister, installed);
    if (mode.kind === 'reinstall') canister.logs = [];
    canister.appendLogs(req.time, logs);
    canister.lastInstalledAt = req.time;
    canister.lastInstall = {
      mode: mode.kind,
      skipPreUpgrade: mode.kind === 'upgrade' && mode.skipPreUpgrade,
      wasmMemoryPersistence: mode.kind === 'upgrade' && mode.keepWasmMemory !== undefined ? (mode.keepWasmMemory ? 'keep' : 'replace') : undefined,
      moduleHash: Buffer.from(prepared.hash).toString('hex'),
      at: req.time,
    };
    canister.recordChange({
      timestampNanos: req.time, canisterVersion: canister.version, origin: req.origin,
      details: { kind: 'code_deployment', mode: mode.kind, moduleHash: prepared.hash },
    });
  };
  if (roundsAfterFirst(instructions, INSTRUCTION_LIMITS.installSlice) === 0) {
    canister.stable.commit();
    fresh.commit();
    complete();
    return { instructions, compilation };
  }
  return { instructions, compilation, complete: setInstallAside(canister, mode, saved, installed, complete) };
}

/**
 * Puts the canister back as it was before a long install, all but its cycles, and returns what
 * completes the install when its last slice does (replica: a paused install changes the canister's
 * state only then; queries meanwhile run on the old module and memories). The new instance and
 * stable memory are committed now, or, where they share memory with the old ones (the stable memory
 * of an upgrade, the heap kept by `wasm_memory_persistence = keep`), their changes are set aside.
 */
function setInstallAside(
  canister: Canister,
  mode: InstallMode,
  saved: { instance: WasmInstance | undefined; module: PreparedModule | undefined; stable: StableMemory; certifiedData: Uint8Array; globalTimer: bigint; version: bigint },
  installed: { instance: WasmInstance; stable: StableMemory; version: bigint },
  complete: () => void,
): () => void {
  let finish: () => void;
  if (mode.kind === 'upgrade') {
    const old = saved.instance!;
    const stableChanges = saved.stable.setAside();
    if (mode.keepWasmMemory) {
      const globals = installed.instance.globalValues();
      const { heap } = old.setAside();
      finish = () => {
        saved.stable.reapply(stableChanges);
        installed.instance.reapply({ heap, globals });
      };
    } else {
      old.rollback();
      installed.instance.commit();
      finish = () => saved.stable.reapply(stableChanges);
    }
  } else {
    installed.stable.commit();
    installed.instance.commit();
    finish = () => {};
  }
  Object.assign(canister, {
    instance: saved.instance, module: saved.module, stable: saved.stable,
    certifiedData: saved.certifiedData, globalTimer: saved.globalTimer, version: saved.version,
  });
  return () => {
    // A canister whose code or memories changed meanwhile (uninstalled for lack of cycles) keeps them.
    if (canister.version !== saved.version || canister.instance !== saved.instance || canister.stable !== saved.stable) return;
    finish();
    complete();
  };
}

/**
 * What every uninstall takes from a canister (by a controller, or for lack of cycles): its module
 * and instance, memories, certified data, timer and chunk store; its version moves on.
 */
export function dropCodeAndState(canister: Canister): void {
  canister.module = undefined;
  canister.instance = undefined;
  canister.stable = new StableMemory();
  canister.certifiedData = new Uint8Array();
  canister.globalTimer = 0n;
  canister.chunkStore.clear();
  canister.version += 1n;
}

/**
 * Removes the canister's code and state. Open call contexts are rejected by the caller of this
 * function (it knows how to deliver responses); here they are only marked deleted.
 */
export function uninstallCode(canister: Canister, origin: ChangeOrigin, time: bigint): void {
  dropCodeAndState(canister);
  canister.logs = [];
  canister.recordChange({ timestampNanos: time, canisterVersion: canister.version, origin, details: { kind: 'code_uninstall' } });
}
