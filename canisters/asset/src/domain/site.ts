/**
 * From assets to certified responses: which paths serve which asset (aliases, the `<*>`
 * fallback), which headers each response carries, and the entries they put in the tree. The
 * canister and `@lineage/sdk` both use these functions, so a site rebuilt from its files gives
 * the root the canister certifies (README § The canonical layout).
 */
import { toHex, utf8 } from './bytes.js';
import { CertTree, deletePath, insertPath, MapBuilder } from './cert-tree.js';
import {
  certificateExpression, EXACT_TERMINATOR, expressionHash, requestHash, responseHash, WILDCARD_TERMINATOR, type CertificationRule,
} from './http-cert.js';
import { aliasPaths, aliasTargets, pathSegments } from './keys.js';
import { ENCODING_ORDER, SERVE_CHUNK_BYTES } from './limits.js';
import { sha256 } from './sha256.js';

/** What certification needs of an encoding. */
export interface SiteEncoding {
  name: string;
  sha256: Uint8Array;
  length: number;
  /** sha256 of each serving chunk when `length > SERVE_CHUNK_BYTES`, else empty. */
  chunkHashes: Uint8Array[];
}

/** What certification needs of an asset. */
export interface SiteAsset {
  key: string;
  contentType: string;
  headers: [string, string][];
  maxAge?: bigint;
  isAliased?: boolean;
  encodings: SiteEncoding[];
}

/** Finds an asset by key (the canister's state, or a client's list of files). */
export type AssetLookup = (key: string) => SiteAsset | undefined;

export const FALLBACK_KEY = '/index.html';

/** An asset is served when it has content in some encoding. */
export const isServable = (asset: SiteAsset | undefined): asset is SiteAsset => asset !== undefined && asset.encodings.length > 0;

/**
 * The asset a request path serves: the asset at that key, else the first alias target that is
 * servable and has aliasing on; undefined when neither (the `<*>` fallback answers then).
 */
export function sourceOf(path: string, lookup: AssetLookup): SiteAsset | undefined {
  const own = lookup(path);
  if (isServable(own)) return own;
  for (const target of aliasTargets(path)) {
    const asset = lookup(target);
    if (isServable(asset) && (asset.isAliased ?? true)) return asset;
  }
  return undefined;
}

/** The encoding v1 certifies and serves: the first of identity, gzip, compress, deflate, br, zstd the asset has. */
export function v1Encoding(asset: SiteAsset): SiteEncoding | undefined {
  for (const name of ENCODING_ORDER) {
    const e = asset.encodings.find((x) => x.name === name);
    if (e) return e;
  }
  return asset.encodings[0];
}

/** The response headers a full answer certifies, in the order the expression lists them. */
export function assetHeaders(asset: SiteAsset, encoding: string): [string, string][] {
  const headers: [string, string][] = [['content-type', asset.contentType]];
  if (encoding !== 'identity') headers.push(['content-encoding', encoding]);
  if (asset.maxAge !== undefined) headers.push(['cache-control', `max-age=${asset.maxAge}`]);
  for (const [name, value] of asset.headers) headers.push([name.toLowerCase(), value]);
  return headers;
}

const rule = (headers: [string, string][], requestHeaders?: string[]): CertificationRule => ({
  responseHeaders: headers.map(([n]) => n),
  ...(requestHeaders ? { requestHeaders } : {}),
});

/** The byte range of serving chunk `index` of content of `length` bytes (end exclusive). */
export function chunkRange(length: number, index: number): { start: number; end: number } {
  const start = index * SERVE_CHUNK_BYTES;
  return { start, end: Math.min(start + SERVE_CHUNK_BYTES, length) };
}

export const chunkCount = (length: number) => Math.max(1, Math.ceil(length / SERVE_CHUNK_BYTES));

/** A certified response: its status, headers (the expression header last) and where it sits below `<$>`/`<*>`. */
export interface CertifiedResponse {
  status: number;
  headers: [string, string][];
  expression: string;
  /** [expression hash, request hash or "", response hash] */
  entry: [Uint8Array, Uint8Array, Uint8Array];
}

const NO_REQUEST = new Uint8Array();
const EMPTY_BODY_HASH = sha256(new Uint8Array());

/** The 200 answer with the whole body in `encoding`. */
export function fullResponse(asset: SiteAsset, encoding: SiteEncoding): CertifiedResponse {
  const headers = assetHeaders(asset, encoding.name);
  const expression = certificateExpression(rule(headers));
  return {
    status: 200,
    headers,
    expression,
    entry: [expressionHash(expression), NO_REQUEST, responseHash(200, headers, expression, encoding.sha256)],
  };
}

/**
 * The 304 answer to a request whose `If-None-Match` names the current entity tag: the full
 * answer's headers, an empty body. Certified like the 200 (status and empty body hashed), as
 * DFINITY's canister certifies it, so a verifying gateway accepts it.
 */
export function notModifiedResponse(asset: SiteAsset, encoding: SiteEncoding): CertifiedResponse {
  const headers = assetHeaders(asset, encoding.name);
  const expression = certificateExpression(rule(headers));
  return {
    status: 304,
    headers,
    expression,
    entry: [expressionHash(expression), NO_REQUEST, responseHash(304, headers, expression, EMPTY_BODY_HASH)],
  };
}

/** The entity tag of an encoding: its sha256 in hex, quoted (`ETag`, RFC 9110 § 8.8.3). */
export const entityTag = (encoding: SiteEncoding) => `"${toHex(encoding.sha256)}"`;

/** The `Range` request header value a chunk answers. */
export const rangeRequest = (start: number) => `bytes=${start}-`;

/** The 206 answer to `Range: bytes=<start>-` for serving chunk `index` of a content larger than one chunk. */
export function chunkResponse(asset: SiteAsset, encoding: SiteEncoding, index: number): CertifiedResponse {
  const { start, end } = chunkRange(encoding.length, index);
  const headers: [string, string][] = [...assetHeaders(asset, encoding.name), ['content-range', `bytes ${start}-${end - 1}/${encoding.length}`]];
  const expression = certificateExpression(rule(headers, ['range']));
  const request = requestHash('GET', [['range', rangeRequest(start)]]);
  return {
    status: 206,
    headers,
    expression,
    entry: [expressionHash(expression), request, responseHash(206, headers, expression, encoding.chunkHashes[index]!)],
  };
}

const NOT_FOUND_BODY = utf8('not found');

/** The answer when no asset matches and there is no `/index.html`. */
export function notFoundResponse(): CertifiedResponse & { body: Uint8Array } {
  const headers: [string, string][] = [['content-type', 'text/plain']];
  const expression = certificateExpression(rule(headers));
  return {
    status: 404,
    headers,
    expression,
    body: NOT_FOUND_BODY,
    entry: [expressionHash(expression), NO_REQUEST, responseHash(404, headers, expression, sha256(NOT_FOUND_BODY))],
  };
}

/** Every certified response of an asset: the full answer and the 304 per encoding, and per chunk of large contents. */
export function assetResponses(asset: SiteAsset): CertifiedResponse[] {
  const out: CertifiedResponse[] = [];
  for (const e of asset.encodings) {
    out.push(fullResponse(asset, e), notModifiedResponse(asset, e));
    if (e.length > SERVE_CHUNK_BYTES) for (let i = 0; i < e.chunkHashes.length; i++) out.push(chunkResponse(asset, e, i));
  }
  return out;
}

const u = (s: string) => utf8(s);

/** The `http_expr` path of a request path: its segments, then `<$>`. */
export const exactExprPath = (path: string): Uint8Array[] => [...pathSegments(path).map(u), u(EXACT_TERMINATOR)];

/** Where entries go: the live tree (incremental) or builders (a whole site at once). */
interface EntrySink {
  asset(path: Uint8Array[], value: Uint8Array): void;
  expr(path: Uint8Array[], value: Uint8Array): void;
}

const treeSink = (tree: CertTree): EntrySink => ({
  asset: (path, value) => insertPath(tree.assets, path, value),
  expr: (path, value) => insertPath(tree.expr, path, value),
});

const NO_VALUE = new Uint8Array();

function pathEntries(sink: EntrySink, path: string, asset: SiteAsset, responses = assetResponses(asset)): void {
  const exact = exactExprPath(path);
  sink.asset([u(path)], v1Encoding(asset)!.sha256);
  for (const r of responses) sink.expr([...exact, ...r.entry], NO_VALUE);
}

function fallbackEntries(sink: EntrySink, index: SiteAsset | undefined): void {
  const base = [u(WILDCARD_TERMINATOR)];
  const responses = isServable(index) ? index.encodings.map((e) => fullResponse(index, e)) : [notFoundResponse()];
  for (const r of responses) sink.expr([...base, ...r.entry], NO_VALUE);
}

/** Makes the tree certify what `path` serves now (`asset`, or nothing). */
export function certifyPath(tree: CertTree, path: string, asset: SiteAsset | undefined, responses?: CertifiedResponse[]): void {
  deletePath(tree.assets, [u(path)]);
  deletePath(tree.expr, exactExprPath(path));
  if (isServable(asset)) pathEntries(treeSink(tree), path, asset, responses);
}

/** Makes the tree certify the `<*>` fallback: `/index.html`'s full answers, else the 404. */
export function certifyFallback(tree: CertTree, index: SiteAsset | undefined): void {
  deletePath(tree.expr, [u(WILDCARD_TERMINATOR)]);
  fallbackEntries(treeSink(tree), index);
}

/** The request paths whose answer may change when the asset at `key` changes. */
export function affectedPaths(key: string): string[] {
  return [key, ...aliasPaths(key)];
}

/**
 * Brings the tree up to date after the assets at `keys` changed (created, changed or deleted):
 * only their paths and aliases are recomputed, so a one-file change costs O(log n).
 */
export function certifyChanges(tree: CertTree, keys: Iterable<string>, lookup: AssetLookup): void {
  const paths = new Set<string>();
  let fallback = false;
  for (const key of keys) {
    for (const p of affectedPaths(key)) paths.add(p);
    if (key === FALLBACK_KEY) fallback = true;
  }
  // An asset served at several paths (its key and aliases) has its responses computed once.
  const responses = new Map<SiteAsset, CertifiedResponse[]>();
  for (const p of paths) {
    const source = sourceOf(p, lookup);
    let r = source && responses.get(source);
    if (source && !r) {
      r = assetResponses(source);
      responses.set(source, r);
    }
    certifyPath(tree, p, source, r);
  }
  if (fallback) certifyFallback(tree, lookup(FALLBACK_KEY));
}

/**
 * The certified tree of a whole site, from scratch (after an upgrade, or from a build directory):
 * the same tree `certifyChanges` maintains, built at once.
 */
export function buildCertTree(assets: Iterable<SiteAsset>): CertTree {
  const byKey = new Map<string, SiteAsset>();
  for (const a of assets) byKey.set(a.key, a);
  const lookup: AssetLookup = (k) => byKey.get(k);
  const assetsMap = new MapBuilder();
  const exprMap = new MapBuilder();
  const sink: EntrySink = { asset: (p, v) => assetsMap.insert(p, v), expr: (p, v) => exprMap.insert(p, v) };
  const paths = new Set<string>();
  for (const key of byKey.keys()) for (const p of affectedPaths(key)) paths.add(p);
  // An asset served at several paths (its key and aliases) has its responses computed once.
  const responses = new Map<SiteAsset, CertifiedResponse[]>();
  for (const p of paths) {
    const source = sourceOf(p, lookup);
    if (!source) continue;
    let r = responses.get(source);
    if (!r) {
      r = assetResponses(source);
      responses.set(source, r);
    }
    pathEntries(sink, p, source, r);
  }
  fallbackEntries(sink, lookup(FALLBACK_KEY));
  return new CertTree(assetsMap.build(), exprMap.build());
}
