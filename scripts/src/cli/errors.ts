/**
 * What can go wrong, as the exit code a script can branch on: every error the CLI reports is one
 * line saying what happened plus a hint saying what to do.
 */
export const EXIT = {
  ok: 0,
  /** A bug or an unexpected failure. */
  internal: 1,
  /** The command line or an input file is wrong, or names something that does not exist. */
  usage: 2,
  /** The network could not be reached, or a canister refused or failed the request. */
  network: 3,
  /** A verification ran and failed: hashes, certificates or logs do not match. */
  verification: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports to the user as `error: <message>` + `hint: <hint>`. */
export class CliError extends Error {
  /** The command already printed its result (a failed verdict): with --json nothing more is printed. */
  resultPrinted = false;

  constructor(message: string, readonly exitCode: ExitCode, readonly hint?: string) {
    super(message);
    this.name = 'CliError';
  }

  /** Marks the result as printed (see `resultPrinted`). */
  afterResult(): this {
    this.resultPrinted = true;
    return this;
  }
}

/** A mistake in the command's input (flags, arguments, files, names). */
export const usageError = (message: string, hint?: string) => new CliError(message, EXIT.usage, hint);
/** The network or a canister refused or failed. */
export const networkError = (message: string, hint?: string) => new CliError(message, EXIT.network, hint);
/** A verification that ran and failed. */
export const verificationError = (message: string, hint?: string) => new CliError(message, EXIT.verification, hint);

/**
 * The reject text of an agent error, without the request details, certificate bytes and stack the
 * agent appends: the first line of `Reject text:`, or else the first line of the message.
 */
export function rejectText(message: string): string {
  const reject = /Reject text: (.*)/.exec(message) ?? /Reject message: (.*)/.exec(message);
  if (reject) return reject[1]!.trim();
  return message.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? message;
}

const agentReject = (error: Error) => rejectText(error.message);

/** Turns anything thrown into a `CliError`, classifying network and canister failures. */
export function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  const e = error instanceof Error ? error : new Error(String(error));
  const cause = (e as { cause?: { code?: string } }).cause;
  const code = (e as { code?: string }).code ?? cause?.code;
  if (code === 'ECONNREFUSED' || /fetch failed|ECONNREFUSED/.test(e.message)) {
    return networkError(`cannot reach the network: ${e.message.split('\n')[0]}`, 'start a local network with `lineage start`, or pick one with --network');
  }
  if (/Canister .* not found|does not belong to any subnet|canister_not_found|Requested canister has no wasm module|CanisterNotFound/i.test(e.message)) {
    return networkError(agentReject(e), 'the canister ids file may name canisters of an earlier network; run `lineage deploy` again');
  }
  if (e.name === 'AgentError' || e.name?.endsWith('Error') && /Call failed|Query failed|reject|Reject|Canister|certificate/i.test(e.message)) {
    return networkError(agentReject(e));
  }
  return new CliError(e.message.split('\n')[0] ?? 'unexpected error', EXIT.internal, 'this is probably a bug in lineage; run again with LINEAGE_DEBUG=1 for the stack');
}
