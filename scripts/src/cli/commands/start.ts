/** `lineage start`: a local IC network on the Lineage emulator, until interrupted. */
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from 'commander';
import { z } from 'zod';

import { action, examples, parseInput } from '../command.js';
import type { Context } from '../context.js';
import { startLocalNetwork } from '../local-network.js';
import { DEFAULT_LOCAL_PORT, localNetworkPath, runningLocalNetwork } from '../network.js';
import { writeFileAtomic } from '../project.js';
import { usageError } from '../errors.js';

const StartInput = z.object({
  port: z.coerce.number().int('a port is a whole number').min(0, 'a port is 0…65535').max(65535, 'a port is 0…65535'),
  state: z.string().min(1).optional(),
  canisterLogs: z.boolean(),
});

/** Where the console is (kept state with a deployed console), or how to get one. */
function consoleLine(ctx: Context, port: number, kept: boolean): string {
  const id = kept ? ctx.ids.get('console', 'local') : undefined;
  return id ? `  console   http://${id.toText()}.localhost:${port}/` : '  console   run `lineage deploy`: it installs the console and prints its URL';
}

export async function start(ctx: Context, raw: unknown): Promise<void> {
  const input = parseInput(StartInput, raw);
  const running = runningLocalNetwork();
  if (running) throw usageError(`a local network is already running at ${running.url} (pid ${running.pid})`, 'stop it first (Ctrl-C in its terminal, or kill that pid)');
  const stateDir = input.state ? resolve(input.state) : undefined;
  if (stateDir) mkdirSync(stateDir, { recursive: true });
  const net = await startLocalNetwork({
    port: input.port, stateDir,
    onCanisterLog: input.canisterLogs && !ctx.out.quiet && !ctx.out.json ? (line) => process.stderr.write(`[canister] ${line}\n`) : undefined,
  });
  const record = { url: net.url, port: net.port, pid: process.pid, rootKey: net.rootKey, instance: net.instance, server: net.server, ...(stateDir ? { stateDir } : {}) };
  writeFileAtomic(localNetworkPath(), `${JSON.stringify(record, null, 2)}\n`);
  ctx.out.result(record, [
    `Local IC network (Lineage emulator) listening on ${net.url}`,
    `  root key  ${net.rootKey}`,
    `  state     ${stateDir ? `${stateDir} (restored at start, saved at stop)` : 'not kept (pass --state DIR to keep canisters across restarts)'}`,
    `  browse    http://<canister-id>.localhost:${net.port}/  or  ${net.url}/?canisterId=<canister-id>`,
    consoleLine(ctx, net.port, stateDir !== undefined),
    'Press Ctrl-C to stop.',
  ], net.url);

  await new Promise<void>((done) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      ctx.out.step(`${signal}: stopping${stateDir ? ` and saving the state to ${stateDir}` : ''}`);
      net.stop()
        .catch((error: Error) => process.stderr.write(`error: stopping the network failed: ${error.message}\n`))
        .finally(() => {
          rmSync(localNetworkPath(), { force: true });
          done();
        });
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}

export function register(program: Command): void {
  examples(
    program.command('start')
      .description('run a local IC network on the Lineage emulator (IC HTTP interface + HTTP gateway) until interrupted')
      .option('-p, --port <port>', 'the port of the gateway (0: any free port)', String(DEFAULT_LOCAL_PORT))
      .option('--state <dir>', 'keep canisters and data in <dir> across restarts (like dfx start without --clean)')
      .option('--no-canister-logs', 'do not print canister debug output')
      .action(action((ctx, opts: { port: string; state?: string; canisterLogs: boolean }) => start(ctx, opts))),
    'lineage start',
    'lineage start --port 8080 --state .lineage/state',
  );
}
