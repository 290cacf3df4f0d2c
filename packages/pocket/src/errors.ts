/**
 * The IC's reject codes and error codes, and the wording of its error messages.
 *
 * Reject codes are the interface specification's (§ Reject codes); error codes and messages follow
 * the replica (`ic_error_types`), because tests match on their wording. A message produced by
 * executing a canister reads "Error from Canister <id>: <what>.\n<help>", one produced by the
 * management canister "<what>\n<help>", one produced before execution is a plain sentence.
 */
import { DOC_BASE } from './constants.js';

export enum RejectCode {
  SysFatal = 1,
  SysTransient = 2,
  DestinationInvalid = 3,
  CanisterReject = 4,
  CanisterError = 5,
  SysUnknown = 6,
}

export const ERROR_CODES = {
  SubnetOversubscribed: 101, MaxNumberOfCanistersReached: 102,
  CanisterQueueFull: 201, IngressMessageTimeout: 202, CanisterQueueNotEmpty: 203, IngressHistoryFull: 204,
  CanisterIdAlreadyExists: 205, StopCanisterRequestTimeout: 206, CanisterOutOfCycles: 207,
  CertifiedStateUnavailable: 208, CanisterInstallCodeRateLimited: 209, CanisterHeapDeltaRateLimited: 210,
  CanisterNotFound: 301, CanisterSnapshotNotFound: 305,
  InsufficientMemoryAllocation: 402, InsufficientCyclesForCreateCanister: 403, SubnetNotFound: 404,
  CanisterNotHostedBySubnet: 405, CanisterRejectedMessage: 406, UnknownManagementMessage: 407,
  InvalidManagementPayload: 408, CanisterSnapshotImmutable: 409,
  CanisterTrapped: 502, CanisterCalledTrap: 503, CanisterContractViolation: 504, CanisterInvalidWasm: 505,
  CanisterDidNotReply: 506, CanisterOutOfMemory: 507, CanisterStopped: 508, CanisterStopping: 509,
  CanisterNotStopped: 510, CanisterStoppingCancelled: 511, CanisterInvalidController: 512,
  CanisterFunctionNotFound: 513, CanisterNonEmpty: 514, QueryCallGraphLoopDetected: 517,
  InsufficientCyclesInCall: 520, CanisterWasmEngineError: 521, CanisterInstructionLimitExceeded: 522,
  CanisterMemoryAccessLimitExceeded: 524, QueryCallGraphTooDeep: 525,
  QueryCallGraphTotalInstructionLimitExceeded: 526, CompositeQueryCalledInReplicatedMode: 527,
  QueryTimeLimitExceeded: 528, QueryCallGraphInternal: 529, InsufficientCyclesInComputeAllocation: 530,
  InsufficientCyclesInMemoryAllocation: 531, InsufficientCyclesInMemoryGrow: 532,
  ReservedCyclesLimitExceededInMemoryAllocation: 533, ReservedCyclesLimitExceededInMemoryGrow: 534,
  InsufficientCyclesInMessageMemoryGrow: 535, CanisterMethodNotFound: 536, CanisterWasmModuleNotFound: 537,
  CanisterAlreadyInstalled: 538, CanisterWasmMemoryLimitExceeded: 539, ReservedCyclesLimitIsTooLow: 540,
  DeadlineExpired: 601, ResponseDropped: 602,
} as const;

export type ErrorCodeName = keyof typeof ERROR_CODES;

/** The reject code an error code implies: its hundreds digit. */
export function rejectCodeOf(code: ErrorCodeName): RejectCode {
  return Math.floor(ERROR_CODES[code] / 100) as RejectCode;
}

/** `IC0503` for `CanisterCalledTrap`. */
export function icCode(code: ErrorCodeName): string {
  return `IC${String(ERROR_CODES[code]).padStart(4, '0')}`;
}

/** A reject as the IC reports it to a caller: code, message and the replica's error code. */
export class IcError extends Error {
  override name = 'IcError';

  constructor(readonly errorCode: ErrorCodeName, message: string, readonly rejectCode: RejectCode = rejectCodeOf(errorCode)) {
    super(message);
  }
}

export const HELP = {
  toolchain: 'This is likely an error with the compiler/CDK toolchain being used to build the canister. Please report the error to IC devs on the forum: https://forum.dfinity.org and include which language/CDK was used to create the canister.',
  trapped: (section: string) => `Consider gracefully handling failures from this canister or altering the canister to handle exceptions. See documentation: ${DOC_BASE}#${section}`,
  methodNotFound: `Check that the method being called is exported by the target canister. See documentation: ${DOC_BASE}#method-not-found`,
  wasmModuleNotFound: `Please install code to this canister before calling it. See documentation: ${DOC_BASE}#wasm-module-not-found`,
  wrongMode: `Check the ICP documentation to make sure APIs are being called in the correct message types. See documentation: ${DOC_BASE}#calling-a-system-api-from-the-wrong-mode`,
  certifiedDataTooLarge: `Try certifying just the hash of your data instead of the full contents. See documentation: ${DOC_BASE}#certified_data_set-payload-too-large`,
  replyTooLarge: `Consider checking the response size and returning an error if it is too long. See documentation: ${DOC_BASE}#msg_reply_data_append-payload-too-large`,
  rejectTooLarge: `Try truncating the error messages that are too long. See documentation: ${DOC_BASE}#msg_reject-payload-too-large`,
  canisterNotFound: `Check the ICP dashboard to ensure the canister exists. See documentation: ${DOC_BASE}#canister-not-found`,
  invalidController: `Execute this call from a controller of the target canister or add the current caller as a controller. See documentation: ${DOC_BASE}#invalid-controller`,
  chunkStore: `Use the \`stored_chunks\` API to check which hashes are present or top up the canister if it is low on cycles. See documentation: ${DOC_BASE}#wasm-chunk-store-error`,
  installNotEnoughCycles: `Top up the canister with more cycles. See documentation: ${DOC_BASE}#install-code-not-enough-cycles`,
  canisterNotEmpty: `Check that you want to overwrite the canister and, if so, use mode='reinstall'. See documentation: ${DOC_BASE}#canister-not-empty`,
  deleteNotStopped: `Stop the canister before deleting it. See documentation: ${DOC_BASE}#delete-canister-not-stopped`,
  deleteSelf: `Delete the canister from one of its other controllers. See documentation: ${DOC_BASE}#delete-canister-self`,
  snapshotNotFound: `Use the \`list_canister_snapshot\` API to see which snapshots are present. See documentation: ${DOC_BASE}#canister-snapshot-not-found`,
  snapshotInvalidOwnership: `Use the \`list_canister_snapshot\` API to see which snapshots are present. See documentation: ${DOC_BASE}#canister-snapshot-invalid-ownership`,
  // The replica gives these two a bare anchor, not a documentation URL.
  snapshotLimit: 'Consider deleting an unnecessary snapshot of the specified canister before creating a new one. See documentation: canister-snapshot-limit-exceeded',
  snapshotNotEnoughCycles: 'Try sending more cycles with the request. See documentation: canister-snapshot-not-enough-cycles',
} as const;

/**
 * A trap raised while a canister executes, carrying the replica's rendering of it (without the
 * "Error from Canister" prefix, which depends on where it is reported).
 */
export class Trap extends Error {
  override name = 'Trap';

  constructor(readonly errorCode: ErrorCodeName, readonly display: string, readonly help: string) {
    super(display);
  }

  /** The trap as the IC reports it to the caller of the method that trapped. */
  toIcError(canisterId: string): IcError {
    return new IcError(this.errorCode, fromCanister(canisterId, this.display, this.help));
  }

  /**
   * A callback's trap joined with its cleanup's, as the replica reports the pair: the callback's
   * code, both displays, no help text.
   */
  withCleanupFailure(cleanup: Trap): Trap {
    return new Trap(this.errorCode, `${this.display}\n\ncall_on_cleanup also failed:\n\n${cleanup.display}`, '');
  }

  /** The line written to the canister's log. */
  logLine(): string {
    return `[TRAP]: ${this.display.replace(/^Canister trapped: /, '').replace(/^Canister called `ic0.trap` with message: '(.*)'$/s, '$1') || '(no message)'}`;
  }
}

/** "Error from Canister <id>: <display>.\n<help>" — the replica's framing of execution errors. */
export function fromCanister(canisterId: string, display: string, help: string): string {
  return help === '' ? `Error from Canister ${canisterId}: ${display}` : `Error from Canister ${canisterId}: ${display}.\n${help}`;
}

export const traps = {
  explicit: (message: string) => new Trap('CanisterCalledTrap', `Canister called \`ic0.trap\` with message: '${message}'`, HELP.trapped('trapped-explicitly')),
  wasm: (what: string) => new Trap('CanisterTrapped', `Canister trapped: ${what}`, HELP.trapped('trapped')),
  /** A violation by the CDK or toolchain (wrong use of the System API). */
  toolchain: (what: string) => new Trap('CanisterContractViolation', `Canister violated contract: ${what}`, HELP.toolchain),
  /** A violation the canister's developer can fix, with a pointed help text. */
  contract: (what: string, help: string) => new Trap('CanisterContractViolation', `Canister violated contract: ${what}`, help),
  wrongMode: (api: string, mode: string) => new Trap('CanisterContractViolation', `Canister violated contract: "${api}" cannot be executed in ${mode} mode`, HELP.wrongMode),
  /** Over the message's instruction limit (the replica's `HypervisorError::InstructionLimitExceeded`). */
  instructionLimit: (limit: bigint) => new Trap(
    'CanisterInstructionLimitExceeded',
    `Canister exceeded the limit of ${limit} instructions for single message execution`,
    `Try optimizing this method to consume fewer instructions or split the work across multiple messages. See documentation: ${DOC_BASE}#instruction-limit-exceeded`,
  ),
  outOfMemory: () => new Trap('CanisterOutOfMemory', 'Canister cannot grow its memory usage.', `See documentation: ${DOC_BASE}#out-of-memory`),
};

/** Maps an error thrown by the Wasm engine to the trap the IC would report (wasmtime's codes). */
export function trapFromEngineError(error: unknown): Trap {
  if (error instanceof Trap) return error;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return traps.wasm('stack overflow');
  if (error instanceof WebAssembly.RuntimeError) {
    const m = error.message;
    if (/memory access out of bounds|out of bounds memory access/.test(m)) return traps.wasm('heap out of bounds');
    if (/divide by zero|division by zero|remainder by zero/.test(m)) return traps.wasm('integer division by 0');
    if (/unreachable/.test(m)) return traps.wasm('unreachable');
    if (/table index is out of bounds|out of bounds table access|element segment/.test(m)) return traps.wasm('table out of bounds');
    if (/stack overflow|call stack/.test(m)) return traps.wasm('stack overflow');
    if (/function signature mismatch|null function|type mismatch/i.test(m)) return traps.toolchain('function invocation does not match its signature');
    return traps.wasm('unknown');
  }
  if (error instanceof Error && /Maximum call stack/.test(error.message)) return traps.wasm('stack overflow');
  // Anything else is a bug of the emulator's own host code: surface it rather than hide it.
  throw error;
}
