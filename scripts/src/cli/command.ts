/**
 * Glue between commander and the commands: every action gets a `Context` built from the global
 * options, and every failure becomes one `error:` line, a `hint:` line and the right exit code.
 */
import { Command, CommanderError, Option } from 'commander';
import { z } from 'zod';

import { zodMessage } from './canister-ids.js';
import { Context, type GlobalOptions } from './context.js';
import { asCliError, EXIT, usageError } from './errors.js';
import { Output } from './output.js';

/** Set by `runAction` so that `main` exits with the right code. */
export const outcome = { exitCode: EXIT.ok as number };

/** Wraps a command's action: builds the context, reports errors, records the exit code. */
export function action<A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<void>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    const ctx = new Context(globals);
    try {
      await fn(ctx, ...(args.slice(0, -1) as A));
    } catch (error) {
      const failure = asCliError(error);
      if (process.env.LINEAGE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      if (!(failure.resultPrinted && ctx.out.json)) ctx.out.error(failure);
      outcome.exitCode = failure.exitCode;
    }
  };
}

/**
 * Validates `input` with `schema`; a failure is a usage error naming each field, e.g.
 * `--to: a version is major.minor.patch, like 1.2.0`.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw usageError(zodMessage(parsed.error.issues.map((i) => ({ ...i, path: i.path.map((p) => (typeof p === 'string' && !p.startsWith('<') ? `--${p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : p)) }))));
  }
  return parsed.data;
}

/** Adds `Example:` lines to a command's help. */
export function examples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** The global options every command accepts. */
export function addGlobalOptions(program: Command): void {
  program
    .addOption(new Option('-n, --network <network>', 'local, ic, or a URL (default: $LINEAGE_NETWORK or local)'))
    .addOption(new Option('-i, --identity <pem>', 'a PEM private key (Ed25519 or secp256k1, as dfx exports them), or "anonymous" (default: $LINEAGE_IDENTITY or .lineage/identity.pem)'))
    .option('--json', 'print the result as one JSON document on stdout')
    .option('-q, --quiet', 'print only the essential result (a hash, an id)');
}

/** Reports a commander usage error (unknown option, missing argument) with exit code 2. */
export function reportCommanderError(error: CommanderError, json: boolean): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
  const out = new Output({ json, quiet: false });
  out.error(usageError(error.message.replace(/^error: /, ''), 'see `lineage <command> --help`'));
  return EXIT.usage;
}
