/**
 * How commands talk to the user: results on stdout (a table or text, or one JSON document with
 * `--json`), progress and notes on stderr (a redrawn bar on a terminal, plain lines otherwise),
 * nothing but the essential result with `--quiet`.
 */
import type { Writable } from 'node:stream';

import type { CliError } from './errors.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
}

export interface Progress {
  /** Reports `done` of `total` units, with an optional note (`3.1/4.3 MB`). */
  update(done: number, note?: string): void;
  /** Ends the bar (a terminal gets its final state and a newline). */
  end(note?: string): void;
}

/**
 * JSON-ready form of a value: bigints become decimal strings (nanosecond times and Candid nats
 * exceed 2^53), bytes become hex, principals their text.
 */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toText?: unknown }).toText === 'function' && (value as { _isPrincipal?: boolean })._isPrincipal) {
    return (value as { toText(): string }).toText();
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
  return out;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;

  constructor(options: OutputOptions, private readonly out: Writable = process.stdout, private readonly err: Writable = process.stderr) {
    this.json = options.json;
    this.quiet = options.quiet;
  }

  private get chatty(): boolean {
    return !this.json && !this.quiet;
  }

  /** A step of a longer command (`▸ Publishing …`), on stderr. */
  step(text: string): void {
    if (this.chatty) this.err.write(`▸ ${text}\n`);
  }

  /** A detail under a step, on stderr. */
  note(text: string): void {
    if (this.chatty) this.err.write(`  ${text}\n`);
  }

  /** Something the user should know even if the command succeeds; shown unless --json or --quiet. */
  warn(text: string): void {
    if (this.chatty) this.err.write(`warning: ${text}\n`);
  }

  /**
   * The command's result: `data` as JSON with --json; otherwise `human` (text or lines) on stdout,
   * or only `quiet` (if given) with --quiet.
   */
  result(data: unknown, human: string | string[], quiet?: string): void {
    if (this.json) {
      this.out.write(`${JSON.stringify(toJsonValue(data), null, 2)}\n`);
      return;
    }
    if (this.quiet) {
      if (quiet !== undefined) this.out.write(`${quiet}\n`);
      return;
    }
    const text = Array.isArray(human) ? human.join('\n') : human;
    if (text.length > 0) this.out.write(`${text}\n`);
  }

  /** Reports a failure: JSON on stdout with --json, `error:` and `hint:` lines on stderr otherwise. */
  error(error: CliError): void {
    if (this.json) {
      this.out.write(`${JSON.stringify({ error: { message: error.message, hint: error.hint, exitCode: error.exitCode } }, null, 2)}\n`);
      return;
    }
    this.err.write(`error: ${error.message}\n`);
    if (error.hint) this.err.write(`hint: ${error.hint}\n`);
  }

  /** A progress indicator for `total` units named `unit`; silent with --json or --quiet. */
  progress(label: string, total: number, unit: string): Progress {
    if (!this.chatty) return { update: () => undefined, end: () => undefined };
    const tty = (this.err as { isTTY?: boolean }).isTTY === true;
    const width = 24;
    let last = '';
    const render = (done: number, note?: string) => {
      const filled = total === 0 ? width : Math.round((done / total) * width);
      return `  ${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${unit}${note ? `  ${note}` : ''}`;
    };
    return {
      update: (done, note) => {
        if (tty) {
          last = render(done, note);
          this.err.write(`\r${last}\x1b[K`);
        } else {
          this.err.write(`  ${label}: ${done}/${total} ${unit}${note ? ` (${note})` : ''}\n`);
        }
      },
      end: (note) => {
        if (tty) this.err.write(`\r${last}${note ? `  ${note}` : ''}\x1b[K\n`);
        else if (note) this.err.write(`  ${label}: ${note}\n`);
      },
    };
  }
}
