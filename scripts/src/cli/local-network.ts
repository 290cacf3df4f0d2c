/**
 * A local IC network on the Lineage emulator, as `lineage start` and the demo run it: the
 * emulator's PocketIC server in this process, one instance with an application subnet (optionally
 * restored from and saved to a state directory), auto-progress (time follows the wall clock, rounds
 * run on their own) and an HTTP gateway that serves the IC HTTP interface and canister pages.
 */
import { HttpAgent } from '@dfinity/agent';
import { PocketServer } from '@lineage/pocket';

import { networkError, usageError } from './errors.js';

export interface LocalNetworkOptions {
  /** The gateway's port: 4943 like dfx; 0 picks a free one. */
  port: number;
  /** A state directory: restored when the instance is created, written when it is deleted. */
  stateDir?: string;
  onCanisterLog?: (line: string) => void;
}

export interface LocalNetwork {
  url: string;
  port: number;
  /** The DER root key agents must trust (hex). */
  rootKey: string;
  instance: number;
  /** The PocketIC server (for `@dfinity/pic` or the REST API). */
  server: string;
  /** Stops progress and the gateway, deletes the instance (which writes the state) and closes the server. */
  stop(): Promise<void>;
}

async function rest(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const value = text.length ? JSON.parse(text) as unknown : null;
  const failure = (value as { message?: string; Error?: { message?: string } } | null);
  if (failure && typeof failure === 'object' && ('message' in failure || 'Error' in failure)) {
    throw new Error(failure.message ?? failure.Error?.message ?? text);
  }
  return value;
}

/**
 * Starts a local network.
 *
 * @example
 * const net = await startLocalNetwork({ port: 0 });
 * const agent = await HttpAgent.create({ host: net.url, shouldFetchRootKey: true });
 * await net.stop();
 */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const server = new PocketServer({ onCanisterLog: options.onCanisterLog });
  const serverPort = await server.listen();
  const base = `http://127.0.0.1:${serverPort}`;
  let instance: number | undefined;
  let gateway: number | undefined;
  const stop = async () => {
    if (gateway !== undefined) await rest(base, 'POST', `/http_gateway/${gateway}/stop`).catch(() => undefined);
    if (instance !== undefined) {
      await rest(base, 'POST', `/instances/${instance}/stop_progress`, {}).catch(() => undefined);
      await rest(base, 'DELETE', `/instances/${instance}`);
    }
    await server.close();
  };
  try {
    const created = await rest(base, 'POST', '/instances', {
      subnet_config_set: {
        nns: null, sns: null, ii: null, fiduciary: null, bitcoin: null, system: [],
        application: [{ state_config: 'New', instruction_config: 'Production', dts_flag: 'Enabled' }], verified_application: [],
      },
      ...(options.stateDir ? { state_dir: options.stateDir } : {}),
    }) as { Created?: { instance_id: number } };
    if (!created?.Created) throw new Error(`unexpected reply creating an instance: ${JSON.stringify(created)}`);
    instance = created.Created.instance_id;
    await rest(base, 'POST', `/instances/${instance}/auto_progress`, { artificial_delay_ms: 0 });
    let opened: { Created?: { instance_id: number; port: number } };
    try {
      opened = await rest(base, 'POST', '/http_gateway', { forward_to: { PocketIcInstance: instance }, ip_addr: '127.0.0.1', port: options.port }) as typeof opened;
    } catch (error) {
      if (/EADDRINUSE|in use/i.test((error as Error).message)) {
        throw usageError(`--port: port ${options.port} is in use`, 'is another `lineage start` or `dfx start` running? Stop it, or pass --port <other>');
      }
      throw error;
    }
    if (!opened?.Created) throw new Error(`unexpected reply opening the gateway: ${JSON.stringify(opened)}`);
    gateway = opened.Created.instance_id;
    const port = opened.Created.port;
    const url = `http://127.0.0.1:${port}`;
    const agent = await HttpAgent.create({ host: url, shouldFetchRootKey: true });
    const rootKey = Buffer.from(agent.rootKey!).toString('hex');
    return { url, port, rootKey, instance, server: base, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    if (error instanceof Error && /state_dir|persistent state/i.test(error.message)) {
      throw usageError(`--state: ${error.message}`, 'this emulator build cannot keep state yet; start without --state');
    }
    if (error instanceof Error && error.name === 'CliError') throw error;
    throw networkError(`starting the local network failed: ${(error as Error).message}`);
  }
}
