/** The asset canister's records, and the checks on what an uploader may put in them. */
import { ENCODINGS, MAX_HEADER_BYTES, MAX_HEADERS } from './limits.js';

/** One encoding of an asset's content. */
export interface EncodingRecord {
  /** `identity`, `gzip`, … */
  name: string;
  /** sha256 of the whole content, computed by the canister. */
  sha256: Uint8Array;
  length: number;
  /** When this content was set (ns since the epoch). */
  modified: bigint;
  /** Where the content lives in stable memory (chunks `blob:index`); negative while only planned. */
  blob: number;
  /** sha256 of every serving chunk, when the content has more than one (else empty). */
  chunkHashes: Uint8Array[];
}

export interface AssetRecord {
  key: string;
  contentType: string;
  /**
   * Custom headers with names as the uploader spelled them (`get_asset_properties` returns them so,
   * and `ic-asset` compares them with `.ic-assets.json` to decide what to re-send), sorted by
   * lower-case name, no two names equal ignoring case. Responses carry them lower-cased.
   */
  headers: [string, string][];
  /** `cache-control: max-age=<maxAge>`, when set. */
  maxAge?: bigint;
  /** `enable_aliasing` / `is_aliased` as given (undefined: aliasing on, the default). */
  isAliased?: boolean;
  /** Whether a raw domain (`<id>.raw.icp0.io`) may serve it (undefined: yes, DFINITY's default). */
  allowRawAccess?: boolean;
  /** Sorted by name. */
  encodings: EncodingRecord[];
}

/** Whether other paths may fall back to this asset (`/a` → `/a.html`, `/` → `/index.html`). */
export const aliasingOn = (asset: AssetRecord) => asset.isAliased ?? true;

export const encodingOf = (asset: AssetRecord, name: string) => asset.encodings.find((e) => e.name === name);

/** `asset` with `encoding` set (replacing one of the same name), encodings kept sorted. */
export function withEncoding(asset: AssetRecord, encoding: EncodingRecord): AssetRecord {
  const encodings = asset.encodings.filter((e) => e.name !== encoding.name);
  encodings.push(encoding);
  encodings.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...asset, encodings };
}

/** Header names the canister sets itself: custom headers cannot replace them. */
const RESERVED_HEADERS = new Set([
  'content-type', 'content-encoding', 'content-range', 'content-length', 'transfer-encoding',
  'ic-certificate', 'ic-certificateexpression', 'etag',
]);

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

export type HeaderCheck = { ok: [string, string][] } | { error: { name: string; reason: string } };

/**
 * Checks custom headers and sorts them by lower-case name (names keep their spelling), or says
 * which one is refused and why.
 */
export function normaliseHeaders(headers: [string, string][], maxAge: bigint | undefined): HeaderCheck {
  if (headers.length > MAX_HEADERS) return { error: { name: '', reason: `at most ${MAX_HEADERS} custom headers` } };
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (!TOKEN.test(name)) return { error: { name: rawName, reason: 'a header name is an HTTP token (letters, digits, !#$%&\'*+.^_`|~-)' } };
    if (RESERVED_HEADERS.has(name)) return { error: { name, reason: 'the canister sets this header itself' } };
    if (name === 'cache-control' && maxAge !== undefined) return { error: { name, reason: 'max_age already sets cache-control' } };
    if (seen.has(name)) return { error: { name, reason: 'a header appears once (combine the values with ", ")' } };
    if (/[\r\n\u0000]/.test(value)) return { error: { name, reason: 'a header value has no CR, LF or NUL' } };
    if (name.length + value.length > MAX_HEADER_BYTES) return { error: { name, reason: `a header has at most ${MAX_HEADER_BYTES} bytes` } };
    seen.add(name);
    out.push([rawName, value]);
  }
  const lower = (h: [string, string]) => h[0].toLowerCase();
  out.sort((a, b) => (lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0));
  return { ok: out };
}

/** Why `contentType` is refused, or undefined. */
export function contentTypeProblem(contentType: string): string | undefined {
  if (contentType.length === 0) return 'a content type is not empty';
  if (contentType.length > 256) return 'a content type has at most 256 characters';
  if (/[\r\n\u0000-\u001f\u007f]/.test(contentType)) return 'a content type has no control characters';
  return undefined;
}

/** Why `encoding` is not an accepted content-encoding name, or undefined. */
export function encodingNameProblem(encoding: string): string | undefined {
  return (ENCODINGS as readonly string[]).includes(encoding) ? undefined : `accepted encodings: ${ENCODINGS.join(', ')}`;
}

/**
 * Why content does not look like `encoding` (its first bytes), or undefined. gzip, compress and
 * zstd have magic numbers, deflate (zlib, RFC 1950) a checked header; br and identity cannot be
 * told from their bytes.
 */
export function encodingMismatch(encoding: string, head: Uint8Array, length: number): string | undefined {
  const b0 = head[0];
  const b1 = head[1];
  switch (encoding) {
    case 'gzip':
      return b0 === 0x1f && b1 === 0x8b ? undefined : 'gzip content starts with 1f 8b';
    case 'compress':
      return b0 === 0x1f && b1 === 0x9d ? undefined : 'compress (LZW) content starts with 1f 9d';
    case 'zstd':
      return b0 === 0x28 && b1 === 0xb5 && head[2] === 0x2f && head[3] === 0xfd ? undefined : 'zstd content starts with 28 b5 2f fd';
    case 'deflate':
      return b0 !== undefined && b1 !== undefined && (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0
        ? undefined
        : 'deflate content is a zlib stream (RFC 1950: method 8, checked header)';
    case 'br':
      return length === 0 ? 'brotli content is never empty' : undefined;
    default:
      return undefined;
  }
}
