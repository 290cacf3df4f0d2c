/**
 * Response verification v2 (HTTP Gateway protocol specification): the certificate expression
 * (`IC-CertificateExpression`), the representation-independent hash of header maps, and the
 * request and response hashes the tree certifies.
 */
import { concatBytes, leb128, utf8 } from './bytes.js';
import { sha256, sha256Of } from './sha256.js';

export const EXACT_TERMINATOR = '<$>';
export const WILDCARD_TERMINATOR = '<*>';
export const CERTIFICATE_HEADER = 'ic-certificate';
export const EXPRESSION_HEADER = 'ic-certificateexpression';

export type HeaderValue = string | number;

/** A pure function's results, remembered for up to `limit` keys (then forgotten at once). */
function remembered<K>(limit: number, compute: (key: K) => Uint8Array): (key: K) => Uint8Array {
  const known = new Map<K, Uint8Array>();
  return (key) => {
    let h = known.get(key);
    if (!h) {
      if (known.size >= limit) known.clear();
      h = compute(key);
      known.set(key, h);
    }
    return h;
  };
}

/**
 * sha256 of a text, remembered: header names, content types and certificate expressions repeat
 * across assets, so most of a response hash's inputs are hashed once.
 */
export const textHash = remembered<string>(2048, (text) => sha256(utf8(text)));

/** sha256 of a number's LEB128 encoding, remembered (the statuses of certified responses repeat). */
const numberHash = remembered<number>(256, (n) => sha256(leb128(n)));

/**
 * The representation-independent hash of a map (IC interface specification, "hash of map"):
 * each pair hashed as sha256(key) · sha256(value), the pairs sorted, concatenated and hashed.
 * Text values hash as UTF-8, numbers as their LEB128 encoding. Keys may repeat.
 */
export function representationIndependentHash(pairs: [string, HeaderValue][]): Uint8Array {
  const hashed = pairs.map(([k, v]) => concatBytes(textHash(k), typeof v === 'number' ? numberHash(v) : textHash(v)));
  hashed.sort((a, b) => {
    for (let i = 0; i < 64; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  });
  return sha256(concatBytes(...hashed));
}

/** The certificate expression: the response headers it certifies and, optionally, request headers. */
export interface CertificationRule {
  /** Certified request headers; undefined for `no_request_certification`. */
  requestHeaders?: string[];
  /** Certified response headers (lower case), in the order the expression lists them. */
  responseHeaders: string[];
}

const list = (names: string[]) => `[${names.map((n) => `"${n}"`).join(',')}]`;

/** The `IC-CertificateExpression` value, in the compact form of `ic-http-certification`'s builder. */
export function certificateExpression(rule: CertificationRule): string {
  const request = rule.requestHeaders === undefined
    ? 'no_request_certification:Empty{}'
    : `request_certification:RequestCertification{certified_request_headers:${list(rule.requestHeaders)},certified_query_parameters:[]}`;
  return `default_certification(ValidationArgs{certification:Certification{${request},response_certification:ResponseCertification{certified_response_headers:ResponseHeaderList{headers:${list(rule.responseHeaders)}}}}})`;
}

export const expressionHash = (expression: string) => textHash(expression);

/**
 * The response hash: sha256(rih(certified headers + `ic-certificateexpression` + `:ic-cert-status`) ·
 * sha256(body)). `headers` are the certified response headers with lower-case names, without the
 * expression header (added here).
 */
export function responseHash(status: number, headers: [string, string][], expression: string, bodyHash: Uint8Array): Uint8Array {
  const pairs: [string, HeaderValue][] = [...headers, [EXPRESSION_HEADER, expression], [':ic-cert-status', status]];
  return sha256Of(representationIndependentHash(pairs), bodyHash);
}

/**
 * The request hash: sha256(rih(certified request headers + `:ic-cert-method`) · sha256(body)).
 * Query parameters are never certified here, so `:ic-cert-query` never appears.
 */
export function requestHash(method: string, headers: [string, string][], body: Uint8Array = new Uint8Array()): Uint8Array {
  const pairs: [string, HeaderValue][] = [...headers, [':ic-cert-method', method]];
  return sha256Of(representationIndependentHash(pairs), sha256(body));
}
