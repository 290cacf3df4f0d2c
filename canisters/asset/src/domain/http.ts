/**
 * Answering `http_request`: which asset a URL serves, in which encoding, with which headers, and
 * the certificate headers that let a gateway verify the answer (v2 when the request asks for it,
 * v1 otherwise).
 */
import { base64, bytesEqual, utf8 } from './bytes.js';
import { cborEncodeSelfDescribing } from './cbor.js';
import type { CertTree } from './cert-tree.js';
import { encodeHashTree } from './hash-tree.js';
import { CERTIFICATE_HEADER, EXACT_TERMINATOR, EXPRESSION_HEADER, WILDCARD_TERMINATOR } from './http-cert.js';
import { canonicalPath, pathSegments, requestPath } from './keys.js';
import { SERVE_CHUNK_BYTES } from './limits.js';
import type { AssetRecord, EncodingRecord } from './model.js';
import {
  assetHeaders, chunkCount, chunkResponse, entityTag, exactExprPath, FALLBACK_KEY, fullResponse, isServable, notFoundResponse,
  notModifiedResponse, sourceOf, v1Encoding, type CertifiedResponse,
} from './site.js';

export interface HttpRequestIn {
  method: string;
  url: string;
  headers: [string, string][];
  certificate_version: [] | [number];
}

export interface StreamingToken {
  key: string;
  content_encoding: string;
  index: bigint;
  sha256: [] | [Uint8Array];
}

export interface HttpResponseOut {
  status_code: number;
  headers: [string, string][];
  body: Uint8Array;
  /** The token of the next chunk, when the body continues. */
  streaming?: StreamingToken;
}

export interface ServeContext {
  lookup(key: string): AssetRecord | undefined;
  readChunk(blob: number, index: number): Uint8Array;
  tree: CertTree;
  historyHead: Uint8Array;
  /** The data certificate (only in a non-replicated query). */
  certificate: Uint8Array | undefined;
  /** The canister's own id (for the redirect away from a raw domain). */
  canisterId?: string;
}

/** DFINITY's canister answers a refused raw-domain request with a permanent redirect (308). */
const PERMANENT_REDIRECT = 308;

const header = (request: HttpRequestIn, name: string): string[] =>
  request.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);

/** The encodings the client accepts, in its order (`;q=0` excluded, parameters dropped). */
function acceptedEncodings(request: HttpRequestIn): string[] {
  const out: string[] = [];
  for (const value of header(request, 'accept-encoding')) {
    for (const part of value.split(',')) {
      const [name, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
      if (!name || params.some((p) => /^q=0(\.0*)?$/.test(p))) continue;
      out.push(name);
    }
  }
  return out;
}

/** The encoding v2 answers with: the first the client accepts, else identity, else the v1 one. */
export function chooseEncoding(asset: AssetRecord, request: HttpRequestIn): EncodingRecord {
  for (const name of acceptedEncodings(request)) {
    const e = asset.encodings.find((x) => x.name === name);
    if (e) return e;
  }
  return (asset.encodings.find((x) => x.name === 'identity') ?? v1Encoding(asset)) as EncodingRecord;
}

/** The serving chunk a `Range: bytes=<start>-` request asks for, when it names one of a multi-chunk content. */
function rangeChunk(request: HttpRequestIn, encoding: EncodingRecord): number | undefined {
  if (encoding.length <= SERVE_CHUNK_BYTES) return undefined;
  const values = header(request, 'range');
  if (values.length !== 1) return undefined;
  const m = /^bytes=(\d+)-$/.exec(values[0]!);
  if (!m) return undefined;
  const start = Number(m[1]);
  if (!Number.isSafeInteger(start) || start % SERVE_CHUNK_BYTES !== 0 || start >= encoding.length) return undefined;
  return start / SERVE_CHUNK_BYTES;
}

/**
 * The certified domain for a request that came through a raw one (`<id>.raw.icp0.io`,
 * `<id>.raw.ic0.app`, or the emulator's `<id>.raw.localhost:<port>`), or undefined when the
 * request did not come through a raw domain. Gateways pass the request's `Host` on.
 */
export function certifiedHostFor(request: HttpRequestIn): string | undefined {
  const host = header(request, 'host')[0]?.trim().toLowerCase();
  if (!host) return undefined;
  const labels = host.split('.');
  if (labels.length < 3 || labels[1] !== 'raw') return undefined;
  return [labels[0], ...labels.slice(2)].join('.');
}

/** The 308 redirect from a raw domain to the certified one (the same path and query). */
function rawRedirect(request: HttpRequestIn, certifiedHost: string, canisterId: string | undefined): HttpResponseOut {
  const [first, ...rest] = certifiedHost.split('.');
  const domain = rest.join('.');
  // On the IC the certified domain is the canister's own; locally keep the host and port the request used.
  const local = /^localhost(:\d+)?$/.test(domain) || /^\d+\.\d+\.\d+\.\d+(:\d+)?$/.test(domain);
  const host = canisterId && !local ? `${canisterId}.${domain.startsWith('ic0.app') ? 'ic0.app' : 'icp0.io'}` : `${first}.${domain}`;
  const location = `${local ? 'http' : 'https'}://${host}${request.url}`;
  return { status_code: PERMANENT_REDIRECT, headers: [['location', location]], body: new Uint8Array() };
}

/** Whether `If-None-Match` names `tag` (or is `*`); weak tags compare by their opaque part (RFC 9110 § 13.1.2). */
function noneMatch(request: HttpRequestIn, tag: string): boolean {
  for (const value of header(request, 'if-none-match')) {
    for (const part of value.split(',')) {
      const t = part.trim().replace(/^W\//, '');
      if (t === '*' || t === tag) return true;
    }
  }
  return false;
}

/** The paths proving that no exact entry and no more specific wildcard than `<*>` exists for `segments`. */
export function fallbackProofPaths(segments: string[]): Uint8Array[][] {
  const u = (s: string) => utf8(s);
  const paths: Uint8Array[][] = [[...segments.map(u), u(EXACT_TERMINATOR)]];
  for (let k = 0; k <= segments.length; k++) {
    const prefix = segments.slice(0, k).map(u);
    // `<*>` itself answers: the entry path of the response reveals it.
    if (k > 0) paths.push([...prefix, u(WILDCARD_TERMINATOR)]);
    paths.push([...prefix, u(''), u(WILDCARD_TERMINATOR)]);
  }
  return paths;
}

const exprPathHeader = (segments: string[]) => base64(cborEncodeSelfDescribing(segments));

function withCertificate(
  ctx: ServeContext, headers: [string, string][], v2: { exprPath: string[]; witnessPaths: Uint8Array[][] } | undefined, v1Paths: Uint8Array[][],
): [string, string][] {
  if (!ctx.certificate) return headers;
  const cert = base64(ctx.certificate);
  if (v2) {
    const tree = encodeHashTree(ctx.tree.witness({ expr: v2.witnessPaths }, ctx.historyHead));
    return [...headers, [CERTIFICATE_HEADER, `version=2, certificate=:${cert}:, tree=:${base64(tree)}:, expr_path=:${exprPathHeader(['http_expr', ...v2.exprPath])}:`]];
  }
  const tree = encodeHashTree(ctx.tree.witness({ assets: v1Paths }, ctx.historyHead));
  return [...headers, [CERTIFICATE_HEADER, `certificate=:${cert}:, tree=:${base64(tree)}:`]];
}

function body(ctx: ServeContext, encoding: EncodingRecord, index: number): Uint8Array {
  return ctx.readChunk(encoding.blob, index);
}

function streamingToken(asset: AssetRecord, encoding: EncodingRecord, index: number): StreamingToken | undefined {
  if (index + 1 >= chunkCount(encoding.length)) return undefined;
  return { key: asset.key, content_encoding: encoding.name, index: BigInt(index + 1), sha256: [encoding.sha256] };
}

/** Answers an HTTP request from the assets and the certified tree. */
export function serveHttp(request: HttpRequestIn, ctx: ServeContext): HttpResponseOut {
  const decoded = requestPath(request.url);
  if (decoded === undefined) {
    return { status_code: 400, headers: [['content-type', 'text/plain']], body: utf8('the request path is not valid percent-encoded UTF-8 starting with "/"') };
  }
  const version = (request.certificate_version[0] ?? 1) >= 2 ? 2 : 1;

  // An asset with allow_raw_access = false is not served on a raw domain (no response
  // verification there): the answer is a redirect to the certified domain, as DFINITY's canister gives.
  const certifiedHost = certifiedHostFor(request);
  if (certifiedHost !== undefined) {
    const served = (sourceOf(canonicalPath(decoded), ctx.lookup) as AssetRecord | undefined) ?? ctx.lookup(FALLBACK_KEY);
    if (served && served.allowRawAccess === false) return rawRedirect(request, certifiedHost, ctx.canisterId);
  }

  if (version === 1) {
    const source = sourceOf(decoded, ctx.lookup) as AssetRecord | undefined;
    const served = source ?? (isServable(ctx.lookup(FALLBACK_KEY)) ? ctx.lookup(FALLBACK_KEY) : undefined);
    const proof = source ? [[utf8(decoded)]] : [[utf8(decoded)], [utf8(FALLBACK_KEY)]];
    if (!served) {
      const nf = notFoundResponse();
      return { status_code: 404, headers: withCertificate(ctx, nf.headers, undefined, proof), body: nf.body };
    }
    const encoding = v1Encoding(served) as EncodingRecord;
    const headers = withCertificate(ctx, [...assetHeaders(served, encoding.name), ['etag', entityTag(encoding)]], undefined, proof);
    const stream = streamingToken(served, encoding, 0);
    return { status_code: 200, headers, body: body(ctx, encoding, 0), ...(stream ? { streaming: stream } : {}) };
  }

  const path = canonicalPath(decoded);
  const segments = pathSegments(path);
  const source = sourceOf(path, ctx.lookup) as AssetRecord | undefined;
  if (source) {
    const encoding = chooseEncoding(source, request);
    const chunk = rangeChunk(request, encoding);
    const tag = entityTag(encoding);
    const notModified = chunk === undefined && noneMatch(request, tag);
    const response: CertifiedResponse = chunk !== undefined
      ? chunkResponse(source, encoding, chunk)
      : notModified ? notModifiedResponse(source, encoding) : fullResponse(source, encoding);
    const exprPath = [...segments, EXACT_TERMINATOR];
    // The entity tag is not certified (DFINITY's canister does not certify it either): it only
    // names what the client may already hold; the 304 itself is certified.
    const headers = withCertificate(ctx, [...response.headers, [EXPRESSION_HEADER, response.expression], ...(chunk === undefined ? [['etag', tag] as [string, string]] : [])], {
      exprPath, witnessPaths: [[...exactExprPath(path), ...response.entry]],
    }, []);
    if (chunk !== undefined) return { status_code: 206, headers, body: body(ctx, encoding, chunk) };
    if (notModified) return { status_code: 304, headers, body: new Uint8Array() };
    const stream = streamingToken(source, encoding, 0);
    return { status_code: 200, headers, body: body(ctx, encoding, 0), ...(stream ? { streaming: stream } : {}) };
  }

  const index = ctx.lookup(FALLBACK_KEY);
  const proof = fallbackProofPaths(segments);
  if (isServable(index)) {
    const encoding = chooseEncoding(index, request);
    const response = fullResponse(index, encoding);
    const headers = withCertificate(ctx, [...response.headers, [EXPRESSION_HEADER, response.expression], ['etag', entityTag(encoding)]], {
      exprPath: [WILDCARD_TERMINATOR], witnessPaths: [...proof, [utf8(WILDCARD_TERMINATOR), ...response.entry]],
    }, []);
    const stream = streamingToken(index, encoding, 0);
    return { status_code: 200, headers, body: body(ctx, encoding, 0), ...(stream ? { streaming: stream } : {}) };
  }
  const nf = notFoundResponse();
  const headers = withCertificate(ctx, [...nf.headers, [EXPRESSION_HEADER, nf.expression]], {
    exprPath: [WILDCARD_TERMINATOR], witnessPaths: [...proof, [utf8(WILDCARD_TERMINATOR), ...nf.entry]],
  }, []);
  return { status_code: 404, headers, body: nf.body };
}

/** The next chunk of a streamed body, or why the token is no longer valid. */
export function streamChunk(token: StreamingToken, ctx: Pick<ServeContext, 'lookup' | 'readChunk'>): { body: Uint8Array; token?: StreamingToken } | { error: string } {
  const asset = ctx.lookup(token.key);
  const encoding = asset?.encodings.find((e) => e.name === token.content_encoding);
  if (!asset || !encoding) return { error: `streaming: ${JSON.stringify(token.key)} has no ${token.content_encoding} encoding any more` };
  const expected = token.sha256[0];
  if (!expected || !bytesEqual(expected, encoding.sha256)) return { error: 'streaming: the content changed since the stream began (sha256 mismatch)' };
  const index = Number(token.index);
  if (!Number.isSafeInteger(index) || index < 0 || index >= chunkCount(encoding.length)) return { error: `streaming: no chunk ${token.index}` };
  const next = streamingToken(asset, encoding, index);
  return { body: ctx.readChunk(encoding.blob, index), ...(next ? { token: next } : {}) };
}
