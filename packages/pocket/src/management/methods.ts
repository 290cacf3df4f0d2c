/**
 * The management canister's methods (IC interface spec § The IC management canister). Each takes
 * the decoded argument and answers through `reply`; a user error is thrown as an `IcError` and
 * changes nothing.
 */
import { createHash } from 'node:crypto';
import { IDL } from '@dfinity/candid';
import type { Principal } from '@dfinity/principal';

import type { Canister, ChangeOrigin } from '../canister.js';
import { DEFAULTS, INSTRUCTION_LIMITS, LIMITS } from '../constants.js';
import { MANAGEMENT_INSTRUCTIONS } from '../costs.js';
import { HELP, IcError } from '../errors.js';
import { InstallFailed, installCode, uninstallCode, type InstallMode } from '../execution/install.js';
import { chargeIngressFee } from '../execution/fees.js';
import { idleBurnPerDay } from '../execution/idle-burn.js';
import { roundsAfterFirst } from '../execution/slices.js';
import { toHex } from '../ids.js';
import { EMPTY_CANDID, type CallResult } from '../messages.js';
import type { ManagementCall, ManagementHost, Reply } from './host.js';
import * as T from './idl.js';
import { opt, type Opt } from './idl.js';
import type { Subnet } from '../subnet.js';
import { operationFees, payOperationFees } from './operation-fees.js';
import { mayView, mergeSettings, visibilityWire, type SettingsWire } from './settings.js';

export interface MethodContext {
  host: ManagementHost;
  call: ManagementCall;
  reply: Reply;
}

export const ok = (types: IDL.Type[], values: unknown[]): CallResult => ({ kind: 'reply', data: new Uint8Array(IDL.encode(types, values)) });
export const EMPTY: CallResult = { kind: 'reply', data: EMPTY_CANDID };

export function canisterNotFound(id: Principal): IcError {
  return new IcError('CanisterNotFound', `Canister ${id.toText()} not found.\n${HELP.canisterNotFound}`);
}

export function lookup(host: ManagementHost, id: Principal): Canister {
  const canister = host.canister(id);
  if (!canister) throw canisterNotFound(id);
  return canister;
}

export function invalidController(canister: Canister, sender: Principal): IcError {
  const controllers = canister.controllers.map((c) => c.toText()).sort().join(' ');
  return new IcError('CanisterInvalidController', `Only the controllers of the canister ${canister.idText} can control it.\nCanister's controllers: ${controllers}\nSender's ID: ${sender.toText()}\n${HELP.invalidController}`);
}

/** The canister `id`, if the caller controls it (or, with `orSelf`, is it). */
export function controlled(ctx: MethodContext, id: Principal, orSelf = false): Canister {
  const canister = lookup(ctx.host, id);
  const self = orSelf && ctx.call.sender.toText() === canister.idText;
  if (!self && !canister.isController(ctx.call.sender)) throw invalidController(canister, ctx.call.sender);
  return canister;
}

export function originOf(call: ManagementCall, senderVersion: Opt<bigint>): ChangeOrigin {
  return call.senderIsCanister
    ? { kind: 'canister', canister: call.sender, version: opt(senderVersion) }
    : { kind: 'user', user: call.sender };
}

function installMode(mode: { install?: null; reinstall?: null; upgrade?: Opt<{ skip_pre_upgrade: Opt<boolean>; wasm_memory_persistence: Opt<{ keep?: null; replace?: null }> }> }): InstallMode {
  if ('install' in mode) return { kind: 'install' };
  if ('reinstall' in mode) return { kind: 'reinstall' };
  const options = opt(mode.upgrade!);
  const persistence = options ? opt(options.wasm_memory_persistence) : undefined;
  return {
    kind: 'upgrade',
    skipPreUpgrade: (options && opt(options.skip_pre_upgrade)) ?? false,
    keepWasmMemory: persistence === undefined ? undefined : 'keep' in persistence,
  };
}

/**
 * An ingress `update_settings` payload up to this size is charged its induction fee only after the
 * settings apply, and only if the canister can then pay it: so a controller can unfreeze a canister
 * whose freezing threshold was set too high (replica: `MAX_DELAYED_INGRESS_COST_PAYLOAD_SIZE`, the
 * fee then counted on the method name and payload, an unpaid one ignored).
 */
export const DELAYED_INGRESS_FEE_PAYLOAD = 338;

function chargeDelayedIngressFee(ctx: MethodContext, canister: Canister): void {
  const env = ctx.host.environment(canister);
  const cost = ctx.host.subnetOf(canister.id)?.cost ?? ctx.call.subnet.cost;
  const bytes = BigInt(ctx.call.payload.length + ctx.call.method.length);
  if (canister.cycles >= env.freezingLimit(canister) + cost.ingress(bytes)) chargeIngressFee(canister, env, cost, bytes);
}

export const methods = {
  provisional_create_canister_with_cycles(ctx: MethodContext, args: { amount: Opt<bigint>; settings: Opt<SettingsWire>; specified_id: Opt<Principal>; sender_canister_version: Opt<bigint> }) {
    const settings = opt(args.settings);
    const controllers = (settings && opt(settings.controllers)) ?? [ctx.call.sender];
    const canister = ctx.host.createCanister({
      subnet: ctx.call.subnet, specifiedId: opt(args.specified_id), controllers,
      cycles: opt(args.amount) ?? DEFAULTS.provisionalCycles, settings, origin: originOf(ctx.call, args.sender_canister_version),
    });
    ctx.host.recordMinted(canister.idText, canister.cycles);
    ctx.reply(ok([T.CanisterIdRecord], [{ canister_id: canister.id }]), ctx.call.cycles);
  },

  create_canister(ctx: MethodContext, args: { settings: Opt<SettingsWire>; sender_canister_version: Opt<bigint> }) {
    const fee = ctx.call.subnet.cost.createCanister();
    if (ctx.call.cycles < fee) {
      throw new IcError('InsufficientCyclesForCreateCanister', `Creating a canister requires a fee of ${fee} that is deducted from the canister's initial balance but only ${ctx.call.cycles} cycles were received with the create_canister request.`);
    }
    const settings = opt(args.settings);
    const canister = ctx.host.createCanister({
      subnet: ctx.call.subnet, specifiedId: undefined, controllers: (settings && opt(settings.controllers)) ?? [ctx.call.sender],
      cycles: ctx.call.cycles - fee, settings, origin: originOf(ctx.call, args.sender_canister_version),
    });
    // The fee is burnt from the cycles the caller attached: the caller paid it.
    ctx.host.recordFee(ctx.call.sender.toText(), 'creation', fee);
    ctx.reply(ok([T.CanisterIdRecord], [{ canister_id: canister.id }]), 0n);
  },

  update_settings(ctx: MethodContext, args: { canister_id: Principal; settings: SettingsWire; sender_canister_version: Opt<bigint> }) {
    const canister = controlled(ctx, args.canister_id);
    const { settings, controllers } = mergeSettings(canister.settings, args.settings);
    if (canister.instance && settings.wasmMemoryLimit > 0n && BigInt(canister.instance.heap.byteLength) > settings.wasmMemoryLimit) {
      throw new IcError('CanisterContractViolation', `Could not validate the settings: Invalid settings: 'wasm_memory_limit' (${settings.wasmMemoryLimit} bytes) is lower than the current Wasm memory usage (${canister.instance.heap.byteLength} bytes).`);
    }
    canister.settings = settings;
    canister.version += 1n;
    if (controllers) {
      canister.controllers = controllers;
      canister.recordChange({
        timestampNanos: ctx.host.time, canisterVersion: canister.version, origin: originOf(ctx.call, args.sender_canister_version),
        details: { kind: 'controllers_change', controllers },
      });
    }
    if (!ctx.call.senderIsCanister && ctx.call.payload.length <= DELAYED_INGRESS_FEE_PAYLOAD) chargeDelayedIngressFee(ctx, canister);
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  upload_chunk(ctx: MethodContext, args: { canister_id: Principal; chunk: Uint8Array }) {
    const canister = controlled(ctx, args.canister_id, true);
    chargeUploadChunk(ctx, canister);
    if (args.chunk.length > LIMITS.maxChunkSize) {
      throw chunkStoreError(`Wasm chunk size ${args.chunk.length} exceeds the maximum chunk size of ${LIMITS.maxChunkSize}`);
    }
    const hash = createHash('sha256').update(args.chunk).digest();
    const key = hash.toString('hex');
    if (!canister.chunkStore.has(key) && canister.chunkStore.size >= LIMITS.chunkStoreEntries) {
      throw chunkStoreError(`Wasm chunk store has already reached maximum capacity of ${LIMITS.chunkStoreBytes} bytes or the maximum number of entries, ${LIMITS.chunkStoreEntries}`);
    }
    canister.chunkStore.set(key, args.chunk.slice());
    ctx.reply(ok([T.ChunkHash], [{ hash: new Uint8Array(hash) }]), ctx.call.cycles);
  },

  clear_chunk_store(ctx: MethodContext, args: { canister_id: Principal }) {
    controlled(ctx, args.canister_id, true).chunkStore.clear();
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  stored_chunks(ctx: MethodContext, args: { canister_id: Principal }) {
    const canister = controlled(ctx, args.canister_id, true);
    const hashes = [...canister.chunkStore.keys()].map((h) => ({ hash: Uint8Array.from(Buffer.from(h, 'hex')) }));
    ctx.reply(ok([IDL.Vec(T.ChunkHash)], [hashes]), ctx.call.cycles);
  },

  install_code(ctx: MethodContext, args: { mode: never; canister_id: Principal; wasm_module: Uint8Array; arg: Uint8Array; sender_canister_version: Opt<bigint> }) {
    const canister = controlled(ctx, args.canister_id);
    install(ctx, canister, installMode(args.mode), args.wasm_module, args.arg, args.sender_canister_version);
  },

  install_chunked_code(ctx: MethodContext, args: { mode: never; target_canister: Principal; store_canister: Opt<Principal>; chunk_hashes_list: { hash: Uint8Array }[]; wasm_module_hash: Uint8Array; arg: Uint8Array; sender_canister_version: Opt<bigint> }) {
    const target = controlled(ctx, args.target_canister);
    const storeId = opt(args.store_canister) ?? args.target_canister;
    const store = lookup(ctx.host, storeId);
    if (store.idText !== ctx.call.sender.toText() && !store.isController(ctx.call.sender)) throw invalidController(store, ctx.call.sender);
    if (ctx.host.subnetOf(store.id) !== ctx.host.subnetOf(target.id)) {
      throw new IcError('CanisterContractViolation', `InstallChunkedCode Error: Store canister ${store.idText} is not on the same subnet as target canister ${target.idText}.`);
    }
    const chunks: Uint8Array[] = [];
    for (const { hash } of args.chunk_hashes_list) {
      if (hash.length !== 32) throw chunkStoreError('Chunk hash is invalid. The length is not 32');
      const chunk = store.chunkStore.get(toHex(hash));
      if (!chunk) throw chunkStoreError(`Chunk hash ${rustBytes(hash)} was not found`);
      chunks.push(chunk);
    }
    const wasm = Buffer.concat(chunks);
    const actual = createHash('sha256').update(wasm).digest();
    // A module that does not hash as given is refused where the replica assembles it, in the
    // install (for an upgrade, after pre_upgrade), which charges the assembly all the same: one
    // instruction per byte of a full chunk, for each chunk (`WasmSource::instructions_to_assemble`).
    const assemblyError = actual.equals(Buffer.from(args.wasm_module_hash))
      ? undefined
      : chunkStoreError(`Wasm module hash ${rustBytes(actual)} does not match given hash WasmHash(${rustBytes(args.wasm_module_hash)})`);
    const assembly = { instructions: BigInt(LIMITS.maxChunkSize) * BigInt(chunks.length), error: assemblyError };
    install(ctx, target, installMode(args.mode), new Uint8Array(wasm), args.arg, args.sender_canister_version, assembly);
  },

  uninstall_code(ctx: MethodContext, args: { canister_id: Principal; sender_canister_version: Opt<bigint> }) {
    const canister = controlled(ctx, args.canister_id);
    ctx.host.rejectCallContexts(canister, { kind: 'reject', code: 4, message: 'Canister has been uninstalled.', errorCode: 'CanisterRejectedMessage' });
    uninstallCode(canister, originOf(ctx.call, args.sender_canister_version), ctx.host.time);
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  start_canister(ctx: MethodContext, args: { canister_id: Principal }) {
    const canister = controlled(ctx, args.canister_id);
    if (canister.status === 'stopping') ctx.host.cancelStops(canister);
    canister.status = 'running';
    canister.version += 1n;
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  stop_canister(ctx: MethodContext, args: { canister_id: Principal }) {
    const canister = controlled(ctx, args.canister_id);
    canister.version += 1n;
    if (canister.status === 'stopped') {
      ctx.reply(EMPTY, ctx.call.cycles);
      return;
    }
    canister.status = 'stopping';
    const cycles = ctx.call.cycles;
    // A start cancels the stop: users get IC0511, canisters the replica's CANISTER_REJECT.
    const cancelled: CallResult = ctx.call.senderIsCanister
      ? { kind: 'reject', code: 4, message: `Canister ${canister.idText}'s stop request cancelled`, errorCode: 'CanisterRejectedMessage' }
      : { kind: 'reject', code: 5, message: `Canister ${canister.idText}'s stop request was cancelled.`, errorCode: 'CanisterStoppingCancelled' };
    ctx.host.awaitStopped(canister, (result) => ctx.reply(result, cycles), cancelled);
  },

  canister_status(ctx: MethodContext, args: { canister_id: Principal }) {
    // `status_visibility` decides who besides the controllers and the canister itself may ask.
    const canister = lookup(ctx.host, args.canister_id);
    if (!mayView(canister, canister.settings.statusVisibility, ctx.call.sender)) throw invalidController(canister, ctx.call.sender);
    ctx.reply(ok([T.CanisterStatusResult], [canisterStatus(canister, ctx.call.subnet)]), ctx.call.cycles);
  },

  canister_metadata(ctx: MethodContext, args: { canister_id: Principal; name: string }) {
    const canister = lookup(ctx.host, args.canister_id);
    if (!canister.module) {
      throw new IcError('CanisterRejectedMessage', `The canister ${canister.idText} has no Wasm module and hence no metadata is available.`);
    }
    // Private sections are for controllers only; to anyone else they do not exist.
    const value = canister.module.publicMetadata.get(args.name)
      ?? (canister.isController(ctx.call.sender) ? canister.module.privateMetadata.get(args.name) : undefined);
    if (!value) throw new IcError('CanisterRejectedMessage', `The canister ${canister.idText} has no metadata section with the name ${args.name}.`);
    ctx.reply(ok([T.CanisterMetadataResult], [{ value }]), ctx.call.cycles);
  },

  canister_info(ctx: MethodContext, args: { canister_id: Principal; num_requested_changes: Opt<bigint> }) {
    const canister = lookup(ctx.host, args.canister_id);
    ctx.reply(ok([T.CanisterInfoResult], [canisterInfo(canister, opt(args.num_requested_changes))]), ctx.call.cycles);
  },

  delete_canister(ctx: MethodContext, args: { canister_id: Principal }) {
    // The replica refuses self-deletion before looking at controllers.
    if (ctx.call.sender.toText() === args.canister_id.toText()) {
      throw new IcError('CanisterInvalidController', `Canister ${args.canister_id.toText()} cannot delete itself.\n${HELP.deleteSelf}`);
    }
    const canister = controlled(ctx, args.canister_id);
    if (canister.status !== 'stopped') {
      throw new IcError('CanisterNotStopped', `Canister ${canister.idText} must be stopped before it is deleted.\n${HELP.deleteNotStopped}`);
    }
    ctx.host.deleteCanister(canister);
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  deposit_cycles(ctx: MethodContext, args: { canister_id: Principal }) {
    lookup(ctx.host, args.canister_id).cycles += ctx.call.cycles;
    ctx.reply(EMPTY, 0n);
  },

  provisional_top_up_canister(ctx: MethodContext, args: { canister_id: Principal; amount: bigint }) {
    const canister = lookup(ctx.host, args.canister_id);
    canister.cycles += args.amount;
    ctx.host.recordMinted(canister.idText, args.amount);
    ctx.reply(EMPTY, ctx.call.cycles);
  },

  raw_rand(ctx: MethodContext) {
    // Randomness comes from the next block: the reply arrives in the next round.
    const cycles = ctx.call.cycles;
    const bytes = ctx.host.randomBytes(32);
    ctx.host.nextRound(() => ctx.reply(ok([IDL.Vec(IDL.Nat8)], [bytes]), cycles));
  },
};

/**
 * Installs, reinstalls or upgrades. Deterministic time slicing (replica:
 * `MAX_INSTRUCTIONS_PER_INSTALL_CODE_SLICE`, 2 billion on an application subnet): the execution
 * ran at once here, but the call completes, the canister takes the new code and state, and runs
 * nothing else, only in the round its last slice would have run in.
 */
function install(ctx: MethodContext, canister: Canister, mode: InstallMode, wasm: Uint8Array, arg: Uint8Array, senderVersion: Opt<bigint>, assembly?: { instructions: bigint; error: IcError | undefined }): void {
  checkInstallPrepayment(ctx, canister);
  const cycles = ctx.call.cycles;
  let result: CallResult = EMPTY;
  let instructions: bigint;
  let complete: (() => void) | undefined;
  try {
    ({ instructions, complete } = installCode(canister, ctx.host.environment(canister), {
      mode, wasm, arg, caller: ctx.call.sender.toUint8Array(), origin: originOf(ctx.call, senderVersion), time: ctx.host.time,
      assembly: assembly?.instructions, assemblyError: assembly?.error,
    }));
  } catch (error) {
    // An install that failed after running code (a hook that trapped, an upgrade refused after
    // pre_upgrade) ran its slices too before the reject.
    if (!(error instanceof InstallFailed)) throw error;
    result = { kind: 'reject', code: error.rejectCode, message: error.message, errorCode: error.errorCode };
    instructions = error.instructions;
  }
  const rounds = roundsAfterFirst(instructions, INSTRUCTION_LIMITS.installSlice);
  if (rounds > 0) {
    ctx.host.continueForRounds(canister, rounds, () => {
      complete?.();
      ctx.reply(result, cycles);
    }, true);
  } else ctx.reply(result, cycles);
}

/**
 * An install reserves its execution first, the base fee and its whole 300-billion limit (at the
 * wasm32 rate), above the canister's freezing threshold, and refunds the unused instructions
 * when it ends (replica: `install_code_dts`, `prepay_execution_cycles`). A canister that cannot
 * reserve it is refused before anything runs; the caller, a controller, is told how much is missing.
 */
function checkInstallPrepayment(ctx: MethodContext, canister: Canister): void {
  const env = ctx.host.environment(canister);
  const reserved = env.cost.execution() + env.cost.instructions(INSTRUCTION_LIMITS.install, false);
  const needed = env.freezingLimit(canister) + reserved;
  if (canister.cycles >= needed) return;
  throw new IcError('CanisterOutOfCycles', `Canister installation failed with \`Canister ${canister.idText} is out of cycles: please top up the canister with at least ${needed - canister.cycles} additional cycles\`.\n${HELP.installNotEnoughCycles}`);
}

/**
 * Charges an `upload_chunk` as the replica does, first and whatever then happens to the chunk: the
 * execution of 200 million instructions (`CanisterManager::upload_chunk`), if the canister can pay
 * it above its freezing threshold.
 */
function chargeUploadChunk(ctx: MethodContext, canister: Canister): void {
  const fees = operationFees(ctx, canister, [MANAGEMENT_INSTRUCTIONS.uploadChunk], (shortfall) =>
    chunkStoreError(`Error charging for 'upload_chunk': Canister ${canister.idText} is out of cycles: please top up the canister with at least ${shortfall} additional cycles`));
  payOperationFees(ctx, canister, 'uploadChunk', fees);
}

function chunkStoreError(message: string): IcError {
  return new IcError('CanisterContractViolation', `Error from Wasm chunk store: ${message}.\n${HELP.chunkStore}`);
}

/** Bytes as Rust's `{:?}` prints a byte slice: `[1, 2, 3]`. */
function rustBytes(bytes: Uint8Array): string {
  return `[${[...bytes].join(', ')}]`;
}

/** The `canister_status` record of `canister` (answered by update and by query). */
export function canisterStatus(canister: Canister, subnet: Subnet) {
  const heap = BigInt(canister.instance?.heap.byteLength ?? 0);
  const chunkBytes = [...canister.chunkStore.values()].reduce((n, c) => n + BigInt(c.length), 0n);
  const logBytes = canister.logs.reduce((n, r) => n + BigInt(r.content.length), 0n);
  return {
    status: { [canister.status]: null },
    ready_for_migration: canister.status === 'stopped',
    version: canister.version,
    settings: definiteSettings(canister),
    module_hash: canister.module ? [canister.module.hash] : [],
    memory_size: canister.memorySize,
    memory_metrics: {
      wasm_memory_size: heap,
      stable_memory_size: canister.stable.byteLength,
      global_memory_size: BigInt((canister.module?.mutableGlobals.length ?? 0) * 8),
      wasm_binary_size: BigInt(canister.module?.size ?? 0),
      custom_sections_size: BigInt(canister.module?.customSectionsSize ?? 0),
      canister_history_size: BigInt(canister.history.length * 100),
      wasm_chunk_store_size: chunkBytes,
      snapshots_size: canister.snapshotsSize,
      log_memory_store_size: logBytes,
    },
    cycles: canister.cycles,
    reserved_cycles: canister.reservedCycles,
    idle_cycles_burned_per_day: idleBurnPerDay(canister, subnet.cost),
    query_stats: {
      num_calls_total: canister.queryStats.calls,
      num_instructions_total: canister.queryStats.instructions,
      request_payload_bytes_total: canister.queryStats.requestBytes,
      response_payload_bytes_total: canister.queryStats.responseBytes,
    },
  };
}

export function definiteSettings(canister: Canister) {
  const s = canister.settings;
  return {
    controllers: canister.controllers,
    compute_allocation: s.computeAllocation,
    memory_allocation: s.memoryAllocation,
    freezing_threshold: s.freezingThreshold,
    reserved_cycles_limit: s.reservedCyclesLimit,
    minimum_incoming_canister_call_cycles: s.minimumIncomingCanisterCallCycles,
    log_visibility: visibilityWire(s.logVisibility),
    snapshot_visibility: visibilityWire(s.snapshotVisibility),
    status_visibility: visibilityWire(s.statusVisibility),
    log_memory_limit: s.logMemoryLimit,
    wasm_memory_limit: s.wasmMemoryLimit,
    wasm_memory_threshold: s.wasmMemoryThreshold,
    environment_variables: s.environmentVariables.map(([name, value]) => ({ name, value })),
  };
}

export function canisterInfo(canister: Canister, requested: bigint | undefined) {
  const n = requested === undefined ? 0 : Number(requested > BigInt(canister.history.length) ? BigInt(canister.history.length) : requested);
  const changes = n === 0 ? [] : canister.history.slice(canister.history.length - n);
  return {
    total_num_changes: canister.totalChanges,
    recent_changes: changes.map((c) => ({
      timestamp_nanos: c.timestampNanos,
      canister_version: c.canisterVersion,
      origin: c.origin.kind === 'user'
        ? { from_user: { user_id: c.origin.user } }
        : { from_canister: { canister_id: c.origin.canister, canister_version: c.origin.version === undefined ? [] : [c.origin.version] } },
      details: changeDetails(c.details),
    })),
    module_hash: canister.module ? [canister.module.hash] : [],
    controllers: canister.controllers,
  };
}

function changeDetails(d: Canister['history'][number]['details']) {
  switch (d.kind) {
    case 'creation': return { creation: { controllers: d.controllers, environment_variables_hash: d.environmentVariablesHash ? [d.environmentVariablesHash] : [] } };
    case 'code_uninstall': return { code_uninstall: null };
    case 'code_deployment': return { code_deployment: { mode: { [d.mode]: null }, module_hash: d.moduleHash } };
    case 'controllers_change': return { controllers_change: { controllers: d.controllers } };
    case 'load_snapshot': return {
      load_snapshot: {
        from_canister_id: d.fromCanister ? [d.fromCanister] : [], snapshot_id: d.snapshotId, canister_version: d.canisterVersion,
        taken_at_timestamp: d.takenAtTimestamp, source: { [d.source]: null },
      },
    };
  }
}
