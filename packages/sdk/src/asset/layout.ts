/**
 * The canonical layout of a build directory in Node: the files under it that become assets and
 * their asset root (the rules themselves are in `layout-core.ts`, which browsers use too).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { defaultInclude, localAsset, siteRoot, type AssetLayoutOptions, type LocalAsset, type SiteRoot } from './layout-core.js';

export * from './layout-core.js';

/** The regular files under `dir` (symbolic links are not followed), relative paths with `/`, sorted. */
export function listSiteFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(dir, path));
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) out.push(path);
    }
  };
  walk('');
  return out.sort();
}

/** The assets a build directory becomes: `/<relative path>` for every included file. */
export function readSite(dir: string, options: AssetLayoutOptions = {}): LocalAsset[] {
  const include = options.include ?? defaultInclude;
  return listSiteFiles(dir).filter(include).map((path) => localAsset(`/${path}`, path, new Uint8Array(readFileSync(join(dir, path))), options));
}

/**
 * The asset root the Lineage asset canister certifies after a site is uploaded from `dir` (with
 * the same layout options): rebuild the site, call this, compare with `get_certified_root`.
 *
 * @example
 * const { rootHex } = computeAssetRoot('dist');
 */
export function computeAssetRoot(dir: string, options: AssetLayoutOptions = {}): SiteRoot {
  return siteRoot(readSite(dir, options));
}
