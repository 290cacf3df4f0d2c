/**
 * The console's configuration: a small JSON file (`config.json`) uploaded beside the built files
 * at deploy time, so one build serves any network. Parsed here with a clear error per field.
 */
export interface ConsoleConfig {
  /** Where the IC HTTP interface is: '' (the origin that served the console, as through a gateway) or a URL. */
  host: string;
  /**
   * How the network's root key is known: the DER key in hex (what a deploy writes: the key the
   * deployer trusts), or 'fetch' to ask the network (local development only: nothing is verified
   * against an independent key then, and the page says so).
   */
  rootKey: string;
  /** The network's name, shown in the header ('local', 'ic'…). */
  network: string;
  registry?: string;
  /** ICRC-7 collections whose tokens are Lineage dapps. */
  collections: string[];
  /** Internet Identity's URL (mainnet sign-in); absent: no Internet Identity sign-in. */
  identityProvider?: string;
  /** Whether to offer a key generated in the browser (local networks). */
  localKeys: boolean;
}

export type ConfigResult = { ok: ConsoleConfig } | { error: string };

const isId = (s: unknown) => typeof s === 'string' && /^[a-z0-9]{5}(-[a-z0-9]{1,5})*$/.test(s);

/**
 * Validates a parsed config file.
 *
 * @example
 * parseConfig({ rootKey: 'fetch', collections: [] }); // { ok: { host: '', network: 'local', … } }
 */
export function parseConfig(raw: unknown): ConfigResult {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { error: 'config.json must hold a JSON object' };
  const c = raw as Record<string, unknown>;
  const host = c.host ?? '';
  if (typeof host !== 'string' || (host !== '' && !/^https?:\/\/[^\s]+$/.test(host))) return { error: 'host: a http(s) URL, or "" for the origin that served the console' };
  const rootKey = c.rootKey;
  if (rootKey !== 'fetch' && (typeof rootKey !== 'string' || !/^([0-9a-f]{2})+$/i.test(rootKey))) return { error: 'rootKey: the network root key (DER, hex) or "fetch" (local networks only)' };
  if (c.registry !== undefined && !isId(c.registry)) return { error: 'registry: a canister id' };
  const collections = c.collections ?? [];
  if (!Array.isArray(collections) || !collections.every(isId)) return { error: 'collections: a list of canister ids' };
  if (c.identityProvider !== undefined && (typeof c.identityProvider !== 'string' || !/^https?:\/\//.test(c.identityProvider))) return { error: 'identityProvider: a URL' };
  const network = c.network ?? 'local';
  if (typeof network !== 'string') return { error: 'network: a name' };
  return {
    ok: {
      host, rootKey: rootKey.toLowerCase(), network, collections: collections as string[],
      ...(c.registry ? { registry: c.registry as string } : {}),
      ...(c.identityProvider ? { identityProvider: c.identityProvider as string } : {}),
      localKeys: c.localKeys === undefined ? network !== 'ic' : c.localKeys === true,
    },
  };
}

/** Fetches and validates `config.json` next to the page. */
export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<ConfigResult> {
  try {
    const response = await fetchFn('config.json', { cache: 'no-store' });
    if (!response.ok) return { error: `config.json: HTTP ${response.status}` };
    return parseConfig(await response.json());
  } catch (error) {
    return { error: `config.json: ${(error as Error).message}` };
  }
}
