/**
 * The canonical layout of a site (canisters/asset/README.md § The canonical layout), the part that
 * needs no file system: which content type, headers and encodings an asset gets, and the asset root
 * the Lineage asset canister certifies for exactly those assets. Browser-safe (the console computes
 * a picked folder's root with it); `layout.ts` adds reading a build directory in Node.
 */
import {
  buildCertTree, contentTypeFor, keyProblem, normaliseHeaders, SERVE_CHUNK_BYTES, toHex, type CertTree, type SiteAsset,
} from '@lineage/asset-canister/domain';

import { sha256 } from '../bytes.js';

/** What a deploy sets on an asset besides its content. */
export interface AssetProperties {
  /** Default: by extension (`contentTypeFor`, the table AssetManager's `mime` uses), else `application/octet-stream`. */
  contentType?: string;
  /** Custom headers (names keep their spelling, responses carry them lower-cased; the canister refuses `content-type`, `content-encoding`, `etag`, `ic-*`…). */
  headers?: [string, string][];
  /** Sets `cache-control: max-age=<maxAge>`. */
  maxAge?: bigint;
  /** Whether `/a` serves `/a.html` and `/a/` serves `/a/index.html` (default true). */
  isAliased?: boolean;
}

export interface AssetLayoutOptions {
  /**
   * Which files become assets, by path relative to the directory with `/`. Default: every regular
   * file except those with a path segment starting with `.` (other than `.well-known`).
   */
  include?: (path: string) => boolean;
  /** Properties of the asset at `key` (e.g. headers a deploy script sets). */
  properties?: (key: string) => AssetProperties | undefined;
  /**
   * Encoded variants uploaded besides `identity` (e.g. `{ gzip: gzipSync(content) }`): their exact
   * bytes are part of the root. Default: none.
   */
  encodings?: (key: string, content: Uint8Array) => Record<string, Uint8Array> | undefined;
}

/** One asset of a local site: what the canister will hold for it. */
export interface LocalAsset extends SiteAsset {
  /** The file it comes from, relative to the directory. */
  path: string;
  /** The content of every encoding, `identity` first. */
  contents: Record<string, Uint8Array>;
}

export const defaultInclude = (path: string) => !path.split('/').some((s) => s.startsWith('.') && s !== '.well-known');

/** The certification facts of one encoding's content: its sha256, length and serving-chunk hashes. */
export function describeContent(name: string, content: Uint8Array) {
  const chunkHashes: Uint8Array[] = [];
  if (content.length > SERVE_CHUNK_BYTES) {
    for (let at = 0; at < content.length; at += SERVE_CHUNK_BYTES) chunkHashes.push(sha256(content.subarray(at, at + SERVE_CHUNK_BYTES)));
  }
  return { name, sha256: sha256(content), length: content.length, chunkHashes };
}

/** An asset from a key, its identity content and options (the layout of one file). */
export function localAsset(key: string, path: string, content: Uint8Array, options: AssetLayoutOptions = {}): LocalAsset {
  const problem = keyProblem(key);
  if (problem) throw new Error(`${path}: cannot be an asset at ${JSON.stringify(key)}: ${problem}`);
  const props = options.properties?.(key) ?? {};
  const headers = normaliseHeaders(props.headers ?? [], props.maxAge);
  if ('error' in headers) throw new Error(`${path}: header ${JSON.stringify(headers.error.name)}: ${headers.error.reason}`);
  const contents: Record<string, Uint8Array> = { identity: content, ...(options.encodings?.(key, content) ?? {}) };
  const encodings = Object.keys(contents).sort().map((name) => describeContent(name, contents[name]!));
  return {
    key, path, contents, contentType: props.contentType ?? contentTypeFor(path), headers: headers.ok, encodings,
    ...(props.maxAge !== undefined ? { maxAge: props.maxAge } : {}),
    ...(props.isAliased !== undefined ? { isAliased: props.isAliased } : {}),
  };
}

export interface SiteRoot {
  /** The asset root: what the canister certifies (with its history head) for these assets. */
  root: Uint8Array;
  rootHex: string;
  assets: LocalAsset[];
  /** The whole certified tree of the site (for witnesses and inspection). */
  tree: CertTree;
}

/** The asset root of a list of assets. */
export function siteRoot(assets: LocalAsset[]): SiteRoot {
  const tree = buildCertTree(assets);
  const root = tree.assetRoot();
  return { root, rootHex: toHex(root), assets, tree };
}

