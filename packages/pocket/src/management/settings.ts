/** Canister settings: validating and applying `canister_settings`, and reporting definite settings. */
import { createHash } from 'node:crypto';
import type { Principal } from '@dfinity/principal';

import type { Canister, CanisterSettings, LogVisibility } from '../canister.js';
import { LIMITS } from '../constants.js';
import { IcError } from '../errors.js';
import { opt, type Opt } from './idl.js';

type VisibilityWire = { controllers: null } | { public: null } | { allowed_viewers: Principal[] };

export interface SettingsWire {
  controllers: Opt<Principal[]>;
  compute_allocation: Opt<bigint>;
  memory_allocation: Opt<bigint>;
  freezing_threshold: Opt<bigint>;
  reserved_cycles_limit: Opt<bigint>;
  minimum_incoming_canister_call_cycles: Opt<bigint>;
  log_visibility: Opt<VisibilityWire>;
  snapshot_visibility: Opt<VisibilityWire>;
  status_visibility: Opt<VisibilityWire>;
  log_memory_limit: Opt<bigint>;
  wasm_memory_limit: Opt<bigint>;
  wasm_memory_threshold: Opt<bigint>;
  environment_variables: Opt<{ name: string; value: string }[]>;
}

const invalid = (what: string) => new IcError('CanisterContractViolation', `Could not validate the settings: ${what}`);

function visibility(v: VisibilityWire): LogVisibility {
  if ('controllers' in v) return { kind: 'controllers' };
  if ('public' in v) return { kind: 'public' };
  if (v.allowed_viewers.length > LIMITS.maxControllers) throw invalid(`'allowed_viewers' length exceeds maximum size allowed of ${LIMITS.maxControllers}.`);
  return { kind: 'allowed_viewers', viewers: v.allowed_viewers };
}

/**
 * Whether `sender` may see what a visibility setting guards (logs, snapshots, status): controllers
 * always may, and so may the canister itself (IC spec § canister_status).
 */
export function mayView(canister: Canister, v: LogVisibility, sender: Principal): boolean {
  if (canister.isController(sender) || sender.toText() === canister.idText) return true;
  if (v.kind === 'public') return true;
  return v.kind === 'allowed_viewers' && v.viewers.some((p) => p.toText() === sender.toText());
}

export function visibilityWire(v: LogVisibility): VisibilityWire {
  if (v.kind === 'controllers') return { controllers: null };
  if (v.kind === 'public') return { public: null };
  return { allowed_viewers: v.viewers };
}

/**
 * Validates `wire` and returns the settings with every given field changed ("not including a
 * setting means not changing that field"), plus the new controllers if they were given.
 */
export function mergeSettings(current: CanisterSettings, wire: SettingsWire): { settings: CanisterSettings; controllers: Principal[] | undefined } {
  const settings: CanisterSettings = { ...current, environmentVariables: [...current.environmentVariables] };
  const controllers = opt(wire.controllers);
  if (controllers && controllers.length > LIMITS.maxControllers) {
    throw invalid(`Invalid settings: 'controllers' length exceeds maximum size allowed of ${LIMITS.maxControllers}.`);
  }
  const compute = opt(wire.compute_allocation);
  if (compute !== undefined) {
    if (compute > 100n) throw invalid(`ComputeAllocation expected to be in the range [0..100], got ${compute}`);
    settings.computeAllocation = compute;
  }
  const memory = opt(wire.memory_allocation);
  if (memory !== undefined) {
    if (memory > 2n ** 48n) throw invalid(`MemoryAllocation expected to be in the range [0..${2n ** 48n}], got ${memory}`);
    settings.memoryAllocation = memory;
  }
  const freezing = opt(wire.freezing_threshold);
  if (freezing !== undefined) {
    if (freezing >= 2n ** 64n) throw invalid(`Freezing threshold expected to be in the range of [0..2^64-1], got ${freezing}`);
    settings.freezingThreshold = freezing;
  }
  const reserved = opt(wire.reserved_cycles_limit);
  if (reserved !== undefined) settings.reservedCyclesLimit = reserved;
  const logVisibility = opt(wire.log_visibility);
  if (logVisibility) settings.logVisibility = visibility(logVisibility);
  const snapshotVisibility = opt(wire.snapshot_visibility);
  if (snapshotVisibility) settings.snapshotVisibility = visibility(snapshotVisibility);
  const statusVisibility = opt(wire.status_visibility);
  if (statusVisibility) settings.statusVisibility = visibility(statusVisibility);
  const minimumIncoming = opt(wire.minimum_incoming_canister_call_cycles);
  if (minimumIncoming !== undefined) {
    if (minimumIncoming >= 2n ** 128n) throw invalid(`Minimum incoming canister call cycles expected to be in the range of [0..2^128-1], got ${minimumIncoming}`);
    settings.minimumIncomingCanisterCallCycles = minimumIncoming;
  }
  const logLimit = opt(wire.log_memory_limit);
  if (logLimit !== undefined) {
    if (logLimit > 2n * 1024n * 1024n) throw invalid(`Invalid log memory limit: expected at most ${2 * 1024 * 1024} bytes, got ${logLimit}`);
    settings.logMemoryLimit = logLimit;
  }
  const wasmLimit = opt(wire.wasm_memory_limit);
  if (wasmLimit !== undefined) {
    if (wasmLimit > 2n ** 48n) throw invalid(`Wasm memory limit expected to be in the range of [0..2^48], got ${wasmLimit}`);
    settings.wasmMemoryLimit = wasmLimit;
  }
  const wasmThreshold = opt(wire.wasm_memory_threshold);
  if (wasmThreshold !== undefined) settings.wasmMemoryThreshold = wasmThreshold;
  const env = opt(wire.environment_variables);
  if (env) {
    // The replica's wording and code (InvalidManagementPayload), not the settings-validation one.
    const envError = (message: string) => new IcError('InvalidManagementPayload', message);
    if (env.length > LIMITS.maxEnvVarCount) throw envError(`Too many environment variables: ${env.length} (max: ${LIMITS.maxEnvVarCount})`);
    const names = new Set<string>();
    for (const { name, value } of env) {
      if (names.has(name)) throw invalid(`Duplicate environment variable name: ${name}`);
      if (new TextEncoder().encode(name).length > LIMITS.maxEnvVarNameLength) throw envError(`Environment variable name "${name}" exceeds the maximum allowed length of ${LIMITS.maxEnvVarNameLength}.`);
      if (new TextEncoder().encode(value).length > LIMITS.maxEnvVarValueLength) throw envError(`Environment variable value "${value}" exceeds the maximum allowed length of ${LIMITS.maxEnvVarValueLength}.`);
      names.add(name);
    }
    settings.environmentVariables = env.map(({ name, value }) => [name, value]);
  }
  return { settings, controllers };
}

/**
 * The hash of a set of environment variables the creation record carries: the spec's
 * representation-independent hash of a map (https-interface § hash-of-map), names and values
 * hashed as UTF-8 text.
 */
export function environmentVariablesHashOf(env: { name: string; value: string }[]): Uint8Array {
  const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const pairs = env.map(({ name, value }) => Buffer.concat([sha(name), sha(value)])).sort(Buffer.compare);
  return new Uint8Array(createHash('sha256').update(Buffer.concat(pairs)).digest());
}
