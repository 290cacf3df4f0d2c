/**
 * The `pocket-ic` command: PocketIC's server command line (`--port-file PATH`, `--ttl SECONDS`,
 * `--port N`), its port-file protocol, and its shutdown on SIGTERM, SIGINT or TTL
 * (../../shared/pocketic-rest.md §2). Canister output goes to stderr, server logs to stdout.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';

import { PocketServer } from './http-server.js';

interface Args {
  portFile: string | undefined;
  ttlSeconds: number;
  port: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { portFile: undefined, ttlSeconds: 60, port: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--port-file': args.portFile = value(); break;
      case '--ttl': args.ttlSeconds = Number(value()); break;
      case '-p': case '--port': args.port = Number(value()); break;
      case '--help': case '-h':
        process.stdout.write('usage: pocket-ic [--port-file PATH] [--ttl SECONDS] [--port N]\n  A PocketIC-compatible Internet Computer emulator (Lineage).\n');
        process.exit(0);
        break;
      case '--version': case '-V':
        process.stdout.write('pocket-ic-server 14.0.0 (Lineage emulator)\n');
        process.exit(0);
        break;
      default:
        // Options of the real server this emulator does not need (log levels…) are accepted.
        if (inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-')) i++;
    }
  }
  if (!Number.isFinite(args.ttlSeconds) || args.ttlSeconds < 0) throw new Error('--ttl must be a non-negative number of seconds');
  return args;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  let portFd: number | undefined;
  if (args.portFile) {
    try {
      // Exclusive create: if another server from the same parent owns the file, it serves.
      portFd = openSync(args.portFile, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') process.exit(0);
      throw e;
    }
  }
  const server = new PocketServer({ port: args.port, onCanisterLog: (line) => process.stderr.write(`${line}\n`) });
  const port = await server.listen();
  if (portFd !== undefined) {
    writeSync(portFd, `${port}\n`);
    closeSync(portFd);
  }
  process.stdout.write(`The PocketIC server is listening on port ${port}\n`);

  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (args.portFile) rmSync(args.portFile, { force: true });
    try {
      await server.close();
    } catch (error) {
      // Saving a state directory can fail (a disk full, a directory removed): say so in the exit code.
      console.error(error);
      process.exit(1);
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  const ttlMillis = args.ttlSeconds * 1000;
  const timer = setInterval(() => {
    const idle = server.idleMillis;
    if (idle > ttlMillis) void shutdown(0);
  }, Math.min(1000, Math.max(100, ttlMillis / 4)));
  timer.unref();
}
