/**
 * Which canister an HTTP gateway request is for, found as ic-gateway finds it
 * (`routing/middleware/validate.rs`): the first label of the host name (`<id>.localhost`,
 * `<id>.raw.localhost`); failing that the `canisterId` query parameter, which must then be a valid
 * principal; failing that the `Referer` header, by its host name's first label or its own
 * `canisterId` parameter. The last lets a page opened as `/index.html?canisterId=<id>` load its
 * absolute sub-resources (`/app.js`), whose URLs carry no canister id of their own.
 */
import { Principal } from '@dfinity/principal';

export type CanisterIdLookup =
  | { kind: 'found'; id: Principal; from: 'host' | 'query' | 'referer' }
  | { kind: 'none' }
  /** A `canisterId` query parameter that is not a principal: ic-gateway refuses the request. */
  | { kind: 'incorrect'; detail: string };

/**
 * Resolves the canister of a gateway request from its `Host`, URL and `Referer`.
 *
 * @example
 * resolveCanisterId('127.0.0.1:4943', new URL('http://x/app.js'), 'http://127.0.0.1:4943/?canisterId=ryjl3-tyaaa-aaaaa-aaaba-cai');
 * // → { kind: 'found', id: ryjl3-…, from: 'referer' }
 */
export function resolveCanisterId(host: string | undefined, url: URL, referer: string | undefined): CanisterIdLookup {
  const fromHost = host === undefined ? undefined : firstLabelPrincipal(hostName(host));
  if (fromHost) return { kind: 'found', id: fromHost, from: 'host' };

  const param = url.searchParams.get('canisterId');
  if (param !== null) {
    const id = principal(param);
    if (!id) return { kind: 'incorrect', detail: `'canisterId' failed to parse: Invalid Principal: ${JSON.stringify(param)}` };
    return { kind: 'found', id, from: 'query' };
  }

  const fromReferer = referer === undefined ? undefined : refererCanisterId(referer);
  if (fromReferer) return { kind: 'found', id: fromReferer, from: 'referer' };
  return { kind: 'none' };
}

/** A referer's canister: its host's first label, else its `canisterId` parameter; bad ones are ignored. */
function refererCanisterId(referer: string): Principal | undefined {
  let url: URL;
  try {
    url = new URL(referer);
  } catch {
    return undefined;
  }
  const fromHost = firstLabelPrincipal(url.hostname);
  if (fromHost) return fromHost;
  const param = url.searchParams.get('canisterId');
  return param === null ? undefined : principal(param);
}

/** `host` without its port (`[::1]:4943` → `[::1]`, `a.localhost:80` → `a.localhost`). */
function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function firstLabelPrincipal(hostname: string): Principal | undefined {
  return principal(hostname.split('.')[0] ?? '');
}

/** A canister id from its text form; the management canister's empty id names no page. */
function principal(text: string): Principal | undefined {
  if (text === '') return undefined;
  try {
    const id = Principal.fromText(text);
    return id.toUint8Array().length > 0 ? id : undefined;
  } catch {
    return undefined;
  }
}
