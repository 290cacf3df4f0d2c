/**
 * Which IC network the CLI talks to. `--network local` is the network `lineage start` runs
 * (its address is read from `.lineage/networks/local.json`, by default http://127.0.0.1:4943);
 * `ic` is the IC mainnet (its root key is built into the agent); any http(s) URL is a network of
 * its own, and a loopback URL is trusted to hand out its root key, as dfx does for local replicas.
 */
import { HttpAgent, type Identity } from '@dfinity/agent';
import { z } from 'zod';

import { networkError, usageError } from './errors.js';
import { projectPath, readJsonFile } from './project.js';

export const DEFAULT_LOCAL_PORT = 4943;
export const MAINNET_URL = 'https://icp-api.io';

export interface Network {
  /** The key under which the canister ids file records this network's canisters. */
  name: string;
  url: string;
  /** Whether the root key is fetched from the network (local networks) or built in (mainnet). */
  fetchRootKey: boolean;
}

/** What `lineage start` records about the running local network. */
export const localNetworkFile = z.object({
  url: z.string().url(),
  port: z.number().int(),
  pid: z.number().int(),
  rootKey: z.string().regex(/^[0-9a-f]+$/),
  instance: z.number().int(),
  server: z.string().url(),
  stateDir: z.string().optional(),
});
export type LocalNetworkFile = z.infer<typeof localNetworkFile>;

export const localNetworkPath = () => projectPath('networks', 'local.json');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The running local network recorded by `lineage start`, if its process is still alive. */
export function runningLocalNetwork(): LocalNetworkFile | undefined {
  const parsed = localNetworkFile.safeParse(readJsonFile(localNetworkPath()));
  return parsed.success && alive(parsed.data.pid) ? parsed.data : undefined;
}

const isLoopback = (host: string) => host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]';

/** Resolves `--network` (default: `LINEAGE_NETWORK`, else `local`). */
export function resolveNetwork(spec: string | undefined = process.env.LINEAGE_NETWORK): Network {
  // An empty value (e.g. `LINEAGE_NETWORK=`) means the default, as an unset one does.
  const name = spec || 'local';
  if (name === 'local') {
    const running = runningLocalNetwork();
    return { name: 'local', url: running?.url ?? `http://127.0.0.1:${DEFAULT_LOCAL_PORT}`, fetchRootKey: true };
  }
  if (name === 'ic') return { name: 'ic', url: MAINNET_URL, fetchRootKey: false };
  let url: URL;
  try {
    url = new URL(name);
  } catch {
    throw usageError(`--network: "${name}" is neither local, ic nor a URL`, 'use --network local, --network ic or --network http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--network: ${name} is not an http(s) URL`);
  const text = url.toString().replace(/\/$/, '');
  return { name: text, url: text, fetchRootKey: isLoopback(url.hostname) };
}

/** An agent for `network` acting as `identity`; local networks' root keys are fetched first. */
export async function createAgent(network: Network, identity: Identity): Promise<HttpAgent> {
  try {
    return await HttpAgent.create({ host: network.url, identity, shouldFetchRootKey: network.fetchRootKey, retryTimes: 2 });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    throw networkError(
      `cannot reach the ${network.name === network.url ? '' : `${network.name} `}network at ${network.url}: ${message}`,
      network.name === 'local' ? 'start it with `lineage start` (in another terminal), or pick another with --network' : 'check the URL and your connection',
    );
  }
}
