/**
 * `pnpm --filter @lineage/console dev`: the console against the local network `lineage start`
 * runs. Serves `/config.json` from the project's `.lineage/` (the network's URL and root key, the
 * registry and collection the ids file names) and forwards `/api/*` to the network, so the page
 * talks to it as it does when the gateway serves it. LINEAGE_DIR and LINEAGE_NETWORK override.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const projectDir = () => resolve(process.env.LINEAGE_DIR ?? join(process.cwd(), '..', '..', '.lineage'));
const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined);

function localNetwork() {
  const record = readJson(join(projectDir(), 'networks', 'local.json'));
  const url = process.env.LINEAGE_NETWORK ?? record?.url ?? 'http://127.0.0.1:4943';
  return { url, rootKey: process.env.LINEAGE_NETWORK ? 'fetch' : record?.rootKey ?? 'fetch' };
}

function devConfig() {
  const ids = readJson(join(projectDir(), 'canister_ids.json')) ?? {};
  const id = (name) => ids[name]?.local;
  return { network: 'local', host: '', rootKey: localNetwork().rootKey, registry: id('registry'), collections: id('nft') ? [id('nft')] : [], localKeys: true };
}

/** The Vite plugin. */
export function devNetwork() {
  return {
    name: 'lineage-dev-network',
    config: () => ({ server: { proxy: { '/api': { target: localNetwork().url, changeOrigin: true } } } }),
    configureServer(server) {
      server.middlewares.use('/config.json', (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(devConfig()));
      });
    },
  };
}
