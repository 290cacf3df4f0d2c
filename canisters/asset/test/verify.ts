/**
 * A small response-verification v2 / v1 check over our own types, for unit tests (the
 * integration suites use @dfinity/response-verification, an independent verifier).
 */
import {
  bytesEqual, cborDecode, decodeHashTree, EXPRESSION_HEADER, expressionHash, fromBase64, lookupLeaf, lookupSubtree, requestHash, requestPath,
  responseHash, sha256, treeHash, utf8, type HttpResponseOut,
} from '../src/domain/index.js';

export function parseCertificateHeader(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    const m = /^\s*([a-z_]+)=(?::([^:]*):|(\S+))\s*$/.exec(part);
    if (m) out[m[1]!] = m[2] ?? m[3]!;
  }
  return out;
}

/** Checks a response against the certified data; returns the problem, or undefined when it verifies. */
export function verifyResponse(url: string, response: HttpResponseOut, certifiedData: Uint8Array, body = response.body, requestHeaders: [string, string][] = []): string | undefined {
  const get = (name: string) => response.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const cert = get('ic-certificate');
  if (!cert) return 'no IC-Certificate header';
  const fields = parseCertificateHeader(cert);
  const tree = decodeHashTree(fromBase64(fields.tree!));
  if (!bytesEqual(treeHash(tree), certifiedData)) return 'the tree does not hash to the certified data';
  const path = requestPath(url)!;
  if (fields.version !== '2') {
    const leafValue = lookupLeaf(['http_assets', path], tree) ?? lookupLeaf(['http_assets', '/index.html'], tree);
    return leafValue && bytesEqual(leafValue, sha256(body)) ? undefined : 'v1: body hash not in the tree';
  }
  const exprPath = cborDecode(fromBase64(fields.expr_path!)) as string[];
  const expression = get(EXPRESSION_HEADER)!;
  const certified = /certified_response_headers:ResponseHeaderList\{headers:\[([^\]]*)\]/.exec(expression)![1]!
    .split(',').filter(Boolean).map((s) => JSON.parse(s) as string);
  const headers = response.headers.filter(([n]) => certified.includes(n.toLowerCase()));
  const respHash = responseHash(response.status_code, headers, expression, sha256(body));
  const requestCert = /certified_request_headers:\[([^\]]*)\]/.exec(expression);
  const reqLabel = requestCert
    ? requestHash('GET', requestHeaders
      .filter(([n]) => requestCert[1]!.split(',').filter(Boolean).map((s) => JSON.parse(s)).includes(n.toLowerCase()))
      .map(([n, v]): [string, string] => [n.toLowerCase(), v]))
    : new Uint8Array();
  const found = lookupSubtree([...exprPath.map(utf8), expressionHash(expression), reqLabel, respHash], tree);
  if (found.status !== 'found') return `v2: response not certified at ${exprPath.join('/')} (${found.status})`;
  // The exact path of the request must be provably absent when a wildcard answered.
  if (exprPath[exprPath.length - 1] === '<*>') {
    const segments = path.split('/').filter(Boolean);
    if (path.endsWith('/')) segments.push('');
    const exact = lookupSubtree(['http_expr', ...segments, '<$>'], tree);
    if (exact.status !== 'absent') return `v2: the exact path is ${exact.status}, not absent`;
  }
  return undefined;
}
