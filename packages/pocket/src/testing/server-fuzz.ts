/**
 * A seeded fuzzer for the emulator's servers: random and mutated requests to every route of the
 * PocketIC REST API, the IC HTTP interface (v2/v3/v4, on the REST server and on a gateway) and the
 * HTTP gateway's canister pages, plus clients that hang up mid-body. Loopback only; the same seed
 * gives the same requests, so a failure reproduces. What must hold is the caller's to check: every
 * request gets an answer (never a 500, which is an emulator bug) and the server keeps serving.
 *
 * @example
 * const report = await fuzzServers({ seed: 7, count: 500, deadlineMs: 10_000, target });
 * expect(report.failures).toEqual([]);
 */
import { request as httpRequest } from 'node:http';
import { Principal } from '@dfinity/principal';

import { encodeTaggedCbor, type CborValue } from '../certification/cbor.js';

/** Where the fuzzer sends requests, and the ids that make them plausible. */
export interface FuzzTarget {
  /** Port of the PocketIC REST server on 127.0.0.1. */
  restPort: number;
  /** Port of an HTTP gateway on 127.0.0.1 forwarding to `instance`. */
  gatewayPort: number;
  /** That gateway's id, which the fuzzer never stops. */
  gatewayId: number;
  /** The instance the final normal call runs on: the fuzzer never deletes it nor moves its clock. */
  instance: number;
  /** An instance the fuzzer may delete, stop, start and send back in time. */
  victim: number;
  /** An installed canister of `instance`. */
  canisterId: string;
  /** A subnet of `instance`. */
  subnetId: string;
}

export interface FuzzRequest {
  port: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Hang up after sending this many body bytes (of a body announced in full). */
  hangUpAfter?: number;
}

export type FuzzOutcome = { status: number; body: string } | { status: 'hung-up' } | { status: 'no-answer'; error: string };

export interface FuzzReport {
  sent: number;
  byStatus: Record<string, number>;
  /** Requests answered with a 5xx other than the gateway's canister and backend errors, or not at all. */
  failures: { request: string; outcome: string }[];
}

/** A small, fast, seeded generator (mulberry32): the same seed, the same requests. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

const ANONYMOUS = Principal.anonymous().toUint8Array();
/** A mainnet canister id (the ICP ledger's) that no subnet of a fresh instance hosts. */
const UNHOSTED = 'ryjl3-tyaaa-aaaaa-aaaba-cai';
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const utf8 = (text: string) => new TextEncoder().encode(text);

/** Byte-level mutations: flips, truncation, insertion, duplication, or noise. */
export function mutateBytes(rng: Random, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    switch (rng.int(6)) {
      case 0: if (out.length) out[rng.int(out.length)] = rng.int(256); break;
      case 1: if (out.length) out[rng.int(out.length)]! ^= 1 << rng.int(8); break;
      case 2: out.length = rng.int(out.length + 1); break;
      case 3: out.splice(rng.int(out.length + 1), 0, ...rng.bytes(1 + rng.int(16))); break;
      case 4: { const at = rng.int(out.length + 1); out.splice(at, 0, ...out.slice(at, at + 1 + rng.int(32))); break; }
      default: return rng.bytes(rng.int(512));
    }
  }
  return Uint8Array.from(out);
}

/** A value of a random JSON type, sometimes large or deeply nested. */
function jsonNoise(rng: Random, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1.5, 2 ** 53 + 2, -(2 ** 63), 1e308]);
    case 3: return rng.pick(['', 'None', 'x'.repeat(rng.int(300)), '\u0000\uffff', b64(rng.bytes(rng.int(40)))]);
    case 4: return BigInt(rng.pick(['340282366920938463463374607431768211456', '18446744073709551616', '-5']));
    case 5: return b64(rng.bytes(rng.int(64)));
    case 6: return Array.from({ length: rng.int(4) }, () => jsonNoise(rng, depth + 1));
    case 7: return { [rng.pick(['SubnetId', 'CanisterId', 'Timestamp', 'principal_id', 'x'])]: jsonNoise(rng, depth + 1) };
    default: return Object.fromEntries(Array.from({ length: rng.int(4) }, (_, i) => [`k${i}`, jsonNoise(rng, depth + 1)]));
  }
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `__BIG${v}__` : v)).replace(/"__BIG(-?\d+)__"/g, '$1');
}

/** A plausible body for a REST route, then perhaps one field swapped for noise. */
function restBody(rng: Random, t: FuzzTarget, route: string): unknown {
  const canister = rng.pick([b64(Principal.fromText(t.canisterId).toUint8Array()), b64(Principal.fromText(UNHOSTED).toUint8Array()), b64(new Uint8Array()), b64(rng.bytes(rng.int(40)))]);
  const effective = rng.pick<unknown>(['None', { CanisterId: canister }, { SubnetId: b64(Principal.fromText(t.subnetId).toUint8Array()) }, { SubnetId: b64(rng.bytes(29)) }, { Nope: 1 }, 7]);
  const call = {
    sender: b64(rng.chance(0.5) ? ANONYMOUS : rng.bytes(rng.int(30))),
    canister_id: canister,
    method: rng.pick(['read', 'inc', 'http_request', 'canister_status', 'provisional_create_canister_with_cycles', 'install_code', 'nope', '']),
    payload: b64(rng.chance(0.5) ? utf8('DIDL\u0000\u0000') : rng.bytes(rng.int(64))),
    effective_principal: effective,
  };
  const bodies: Record<string, unknown> = {
    'update/set_time': { nanos_since_epoch: jsonNoise(rng) },
    'update/set_certified_time': { nanos_since_epoch: jsonNoise(rng) },
    'update/add_cycles': { canister_id: canister, amount: rng.pick<unknown>([1, 10n ** 40n, -1, 'x']) },
    'update/await_ingress_message': { effective_principal: effective, message_id: b64(rng.bytes(rng.pick([0, 32, 33]))) },
    'read/ingress_status': { raw_message_id: { effective_principal: effective, message_id: b64(rng.bytes(32)) }, raw_caller: rng.pick<unknown>([null, b64(ANONYMOUS), { principal_id: 5 }]) },
    'read/pub_key': { subnet_id: rng.pick([b64(Principal.fromText(t.subnetId).toUint8Array()), b64(rng.bytes(29))]) },
    'update/set_stable_memory': { canister_id: canister, blob_id: b64(rng.bytes(32)) },
    'update/mock_canister_http': { subnet_id: null, request_id: rng.int(5), response: jsonNoise(rng), additional_responses: [] },
    auto_progress: { artificial_delay_ms: rng.pick<unknown>([0, 50, -1, 'x', null]) },
    instances: {
      subnet_config_set: rng.pick<unknown>([undefined, { application: [{}] }, { nns: {}, application: [] }, { application: 5 }, { cloud_engine: [{}] }, jsonNoise(rng)]),
      state_dir: rng.pick<unknown>([undefined, 7]), icp_features: rng.pick<unknown>([undefined, {}, { registry: 'DefaultConfig' }]),
      initial_time: rng.pick<unknown>([undefined, { Timestamp: { nanos_since_epoch: jsonNoise(rng) } }, { AutoProgress: {} }]),
    },
    http_gateway: {
      forward_to: rng.pick<unknown>([{ PocketIcInstance: rng.pick([t.instance, t.victim, 99, -1, 'x']) }, { Replica: 'http://127.0.0.1:1' }, 5]),
      ip_addr: rng.pick<unknown>([undefined, '127.0.0.1', 'not-an-ip', 7]), port: rng.pick<unknown>([undefined, 0, -1, 70_000, 1.5, 'x']),
      https_config: rng.pick<unknown>([undefined, null, { cert_path: '/nonexistent', key_path: '/nonexistent' }]),
    },
  };
  const body = (bodies[route] ?? call) as Record<string, unknown>;
  if (rng.chance(0.3) && typeof body === 'object') {
    const keys = Object.keys(body);
    const key = keys.length && rng.chance(0.8) ? rng.pick(keys) : `extra${rng.int(3)}`;
    if (rng.chance(0.3)) delete body[key];
    else body[key] = jsonNoise(rng);
  }
  return rng.chance(0.05) ? jsonNoise(rng) : body;
}

/** A JSON body, valid or broken in one of the ways a parser must survive. */
function jsonBytes(rng: Random, value: unknown): Uint8Array {
  const text = toJson(value) ?? 'null';
  switch (rng.int(12)) {
    case 0: return utf8(text.slice(0, rng.int(text.length + 1)));
    case 1: return mutateBytes(rng, utf8(text));
    case 2: return utf8(rng.pick(['{"a":"\\x"}', '"\\u12"', '[' .repeat(5000), '{"__proto__":{"x":1}}', '1e999999', '-', '{"a" 1}', 'nul', '\ufeff{}']));
    case 3: return Uint8Array.from([0xff, 0xfe, 0x00, 0xc3, 0x28]);
    default: return utf8(text);
  }
}

const REST_ROUTES = [
  'read/topology', 'read/get_time', 'update/set_time', 'update/set_certified_time', 'update/tick',
  'update/submit_ingress_message', 'update/await_ingress_message', 'update/execute_ingress_message',
  'read/ingress_status', 'read/query', 'read/get_controllers', 'read/get_cycles', 'update/add_cycles',
  'read/get_subnet', 'read/pub_key', 'read/get_stable_memory', 'update/set_stable_memory',
  'read/get_canister_http', 'update/mock_canister_http', 'auto_progress', 'stop_progress', '_/topology',
  'read/nope', 'update', '',
];
/** Routes that change an instance's clock or life: sent to the victim only. */
const DISRUPTIVE = new Set(['update/set_time', 'update/set_certified_time', 'auto_progress', 'stop_progress', 'update/set_stable_memory']);

/**
 * Deleting the fuzzer's own instance (`/instances/0`, `/instances/00/`…) or stopping its gateway
 * would end the test, not the server: those requests go to the victim and to no gateway instead.
 */
function spare(method: string, path: string, t: FuzzTarget): string {
  if (method === 'DELETE' && new RegExp(`^/instances/0*${t.instance}/*$`).test(path)) return `/instances/${t.victim}`;
  if (new RegExp(`^/http_gateway/0*${t.gatewayId}/stop/*$`).test(path)) return `/http_gateway/${t.gatewayId + 1000}/stop`;
  return path;
}

function restRequest(rng: Random, t: FuzzTarget): FuzzRequest {
  const json = { 'content-type': 'application/json' };
  const kind = rng.int(10);
  if (kind === 0) {
    // Instances, blobs, gateways, the graph, the status endpoint and paths that do not exist.
    const path = rng.pick(['/instances', '/instances/', `/instances/${t.victim}`, '/instances/99999', '/instances/-1', '/instances/abc',
      '/instances/1e0', '/blobstore', `/blobstore/${Buffer.from(rng.bytes(32)).toString('hex')}`, '/blobstore/../x', '/http_gateway',
      `/http_gateway/${rng.int(5)}/stop`, '/http_gateway/abc/stop', '/http_gateway/NaN/stop', '/read_graph/x/y', '/status', '/', '/%zz', '//', '/instances/0/../../status']);
    const method = rng.pick(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);
    const safePath = spare(method, path, t);
    const route = safePath.startsWith('/http_gateway') ? 'http_gateway' : 'instances';
    const body = safePath.startsWith('/blobstore') && method === 'POST' ? rng.bytes(rng.int(2048)) : jsonBytes(rng, restBody(rng, t, route));
    return { port: t.restPort, method, path: safePath, headers: rng.chance(0.8) ? json : {}, body };
  }
  const route = rng.pick(REST_ROUTES);
  const instance = DISRUPTIVE.has(route) || rng.chance(0.15) ? t.victim : t.instance;
  const id = rng.chance(0.05) ? rng.pick(['999', 'x', '-1', '00']) : String(instance);
  const method = rng.chance(0.9) ? (route.startsWith('read/get_time') || route.endsWith('topology') || route.endsWith('get_canister_http') ? 'GET' : 'POST') : rng.pick(['GET', 'DELETE', 'PUT']);
  return { port: t.restPort, method, path: spare(method, `/instances/${id}/${route}`, t), headers: rng.chance(0.9) ? json : { 'content-type': 'text/plain' }, body: jsonBytes(rng, restBody(rng, t, route)) };
}

/** An anonymous envelope for the IC HTTP interface, valid before mutation. */
function envelope(rng: Random, t: FuzzTarget, requestType: 'call' | 'query' | 'read_state', canister: Uint8Array): CborValue {
  const expiry = BigInt(Date.now()) * 1_000_000n + 60_000_000_000n;
  const content: Record<string, CborValue> = requestType === 'read_state'
    ? {
      request_type: 'read_state', sender: ANONYMOUS, ingress_expiry: expiry,
      paths: rng.pick<CborValue>([[[utf8('time')]], [[utf8('request_status'), rng.bytes(32)]], [[utf8('canister'), canister, utf8('module_hash')]],
        [[utf8('subnet')]], [[utf8('nope')]], [[]], [[utf8('canister'), rng.bytes(40), utf8('metadata'), utf8('x')]]]),
    }
    : {
      request_type: requestType, sender: ANONYMOUS, ingress_expiry: expiry, canister_id: canister,
      method_name: rng.pick(['read', 'inc', 'http_request', 'provisional_create_canister_with_cycles', 'canister_status', 'nope']),
      arg: rng.chance(0.7) ? utf8('DIDL\u0000\u0000') : rng.bytes(rng.int(64)), nonce: rng.bytes(8),
    };
  if (rng.chance(0.3)) {
    // A field of the wrong type, or missing, or an authentication part without its partner.
    const keys = Object.keys(content);
    const key = rng.pick(keys);
    const swap = rng.int(4);
    if (swap === 0) delete content[key];
    else if (swap === 1) content[key] = rng.pick<CborValue>([7, -1, 'text', null, [], new Map([[1, 2]]), 2n ** 70n, rng.bytes(100)]);
    else if (swap === 2) content.ingress_expiry = rng.pick<CborValue>([0n, 2n ** 64n - 1n, -5]);
    else return { content, sender_pubkey: rng.bytes(44) };
  }
  if (rng.chance(0.2)) {
    // Signed by someone: keys of every scheme the IC knows (DER prefixes) with random points and
    // signatures, sometimes behind a delegation chain; the sender is the key's principal or not.
    const prefix = rng.pick(['302a300506032b6570032100', '3056301006072a8648ce3d020106052b8104000a034200', '3059301306072a8648ce3d020106082a8648ce3d030107034200',
      '303c300c060a2b0601040183b8430102032c00', '305e300c060a2b0601040182dc7c0502010361008a', '']);
    const key = Uint8Array.from([...Buffer.from(prefix, 'hex'), ...rng.bytes(rng.pick([32, 65, 44, 96, 3]))]);
    content.sender = rng.chance(0.5) ? Principal.selfAuthenticating(key).toUint8Array() : rng.bytes(29);
    const signed: Record<string, CborValue> = { content, sender_pubkey: key, sender_sig: rng.bytes(rng.pick([64, 72, 96, 0])) };
    if (rng.chance(0.4)) {
      signed.sender_delegation = Array.from({ length: 1 + rng.int(3) }, () => ({
        delegation: { pubkey: key, expiration: rng.pick<CborValue>([2n ** 63n, 0n, 'x']), ...(rng.chance(0.5) ? { targets: [canister, rng.bytes(10)] } : {}) },
        signature: rng.bytes(64),
      }));
    }
    return signed;
  }
  return { content };
}

function icHttpRequest(rng: Random, t: FuzzTarget): FuzzRequest {
  const onGateway = rng.chance(0.5);
  const version = rng.pick(['v2', 'v2', 'v3', 'v3', 'v4', 'v1', 'v9']);
  const endpoint = rng.pick(['call', 'call', 'query', 'query', 'read_state', 'status', 'nope']);
  const subnet = endpoint === 'read_state' && rng.chance(0.25);
  const ecid = subnet
    ? rng.pick([t.subnetId, t.canisterId, 'not-a-principal'])
    : rng.pick([t.canisterId, t.canisterId, UNHOSTED, 'aaaaa-aa', t.subnetId, 'not-a-principal', Principal.fromUint8Array(rng.bytes(10)).toText()]);
  const path = endpoint === 'status' ? `/api/${version}/status` : `/api/${version}/${subnet ? 'subnet' : 'canister'}/${ecid}/${endpoint}`;
  const requestType = endpoint === 'call' ? 'call' : endpoint === 'read_state' ? 'read_state' : 'query';
  const canister = rng.pick([Principal.fromText(t.canisterId).toUint8Array(), new Uint8Array(), Principal.fromText(UNHOSTED).toUint8Array(), rng.bytes(rng.int(40))]);
  let body: Uint8Array = encodeTaggedCbor(envelope(rng, t, requestType, canister));
  const size = rng.int(100);
  if (size === 0) {
    // An ingress message over the 2 MiB limit, its envelope still valid.
    body = encodeTaggedCbor({ content: { request_type: 'call', sender: ANONYMOUS, ingress_expiry: BigInt(Date.now()) * 1_000_000n + 60_000_000_000n, canister_id: canister, method_name: 'inc', arg: new Uint8Array(2 * 1024 * 1024 + 1) } });
  } else if (size === 1) {
    body = new Uint8Array(4 * 1024 * 1024 + 1); // over the 4 MiB body limit
  } else if (rng.chance(0.4)) {
    body = mutateBytes(rng, body);
  }
  const method = rng.chance(0.9) ? (endpoint === 'status' ? 'GET' : 'POST') : rng.pick(['GET', 'PUT', 'DELETE']);
  const headers: Record<string, string> = rng.chance(0.9) ? { 'content-type': 'application/cbor' } : rng.chance(0.5) ? { 'content-type': 'application/json' } : {};
  if (onGateway) return { port: t.gatewayPort, method, path, headers, body };
  const instance = rng.chance(0.1) ? rng.pick([String(t.victim), '424242']) : String(t.instance);
  return { port: t.restPort, method, path: `/instances/${instance}${path}`, headers, body };
}

function gatewayPageRequest(rng: Random, t: FuzzTarget): FuzzRequest {
  const id = rng.pick([t.canisterId, UNHOSTED, 'not-a-principal', 'aaaaa-aa', Principal.fromUint8Array(rng.bytes(10)).toText(), '']);
  const path = rng.pick(['/', '/index.html', '/app.js', '/%zz', '/a/../b', `/?canisterId=${id}`, `/x?canisterId=${id}&canisterId=${t.canisterId}`, '/?canisterId', '/api', '/apix']);
  const headers: Record<string, string> = {};
  const host = rng.int(5);
  if (host === 0) headers.host = `${id}.localhost:${t.gatewayPort}`;
  else if (host === 1) headers.host = `${id}.raw.localhost`;
  else if (host === 2) headers.host = rng.pick(['[::1]:80', '[', 'a b', '...', ':::', 'localhost:notaport']);
  if (rng.chance(0.4)) {
    headers.referer = rng.pick([`http://127.0.0.1:${t.gatewayPort}/?canisterId=${id}`, `http://${id}.localhost/`, 'not a url', 'http://[', `/?canisterId=${id}`, 'http://localhost/?canisterId=%zz']);
  }
  const method = rng.pick(['GET', 'GET', 'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
  const body = method === 'GET' || method === 'HEAD' ? new Uint8Array() : rng.chance(0.02) ? new Uint8Array(10 * 1024 * 1024 + 1) : rng.bytes(rng.int(256));
  return { port: t.gatewayPort, method, path, headers, body };
}

/** The next fuzzed request: REST, IC HTTP interface, gateway page, or a client that hangs up. */
export function fuzzRequest(rng: Random, t: FuzzTarget): FuzzRequest {
  const kind = rng.int(20);
  const request = kind < 8 ? restRequest(rng, t) : kind < 15 ? icHttpRequest(rng, t) : gatewayPageRequest(rng, t);
  if (kind === 19 && request.body.length > 1) request.hangUpAfter = rng.int(request.body.length);
  return request;
}

/** Sends one request on a fresh connection; never rejects. */
export function sendRequest(request: FuzzRequest, timeoutMs = 15_000): Promise<FuzzOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: FuzzOutcome) => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const headers: Record<string, string> = { ...request.headers, 'content-length': String(request.body.length), connection: 'close' };
    if (request.headers.host === undefined) headers.host = `127.0.0.1:${request.port}`;
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({ host: '127.0.0.1', port: request.port, method: request.method, path: request.path, headers, setHost: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => settle({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8', 0, 2000) }));
        res.on('error', (e) => settle({ status: 'no-answer', error: e.message }));
      });
    } catch (error) {
      // A header Node will not send (the fuzzer's own invalid Host, say): nothing reached the server.
      settle({ status: 'hung-up' });
      return;
    }
    req.setTimeout(timeoutMs, () => {
      settle({ status: 'no-answer', error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    });
    req.on('error', (e) => {
      // Refusing a body mid-upload (413) may reset the connection before the answer is read.
      if (request.hangUpAfter !== undefined) settle({ status: 'hung-up' });
      else settle({ status: 'no-answer', error: e.message });
    });
    if (request.hangUpAfter !== undefined) {
      req.write(request.body.subarray(0, request.hangUpAfter), () => {
        setTimeout(() => {
          req.destroy();
          settle({ status: 'hung-up' });
        }, 5);
      });
      return;
    }
    req.end(request.body);
  });
}

/** Whether an answer is one the servers may give: a 4xx/2xx, or a gateway's canister or backend error. */
export function acceptable(request: FuzzRequest, outcome: FuzzOutcome): boolean {
  if (outcome.status === 'hung-up') return true;
  if (outcome.status === 'no-answer') {
    // A 413 sent while the client is still uploading can reset the connection under it.
    return request.body.length > 4 * 1024 * 1024 && /ECONNRESET|EPIPE|socket hang up/.test(outcome.error);
  }
  if (outcome.status < 500) return true;
  // 502: a gateway that could not start (POST /http_gateway); 503: a canister's reject or a
  // canister reply the gateway cannot use, or a gateway whose instance was deleted.
  return outcome.status === 502 || outcome.status === 503;
}

/**
 * Sends `count` fuzzed requests (or as many as fit before `deadlineMs`), a few at a time, and
 * reports what came back. One at a time by default, so that a seed replays the same run.
 */
export async function fuzzServers(options: { seed: number; count: number; deadlineMs: number; target: FuzzTarget; parallel?: number }): Promise<FuzzReport> {
  const rng = new Random(options.seed);
  const requests = Array.from({ length: options.count }, () => fuzzRequest(rng, options.target));
  const report: FuzzReport = { sent: 0, byStatus: {}, failures: [] };
  const stopAt = Date.now() + options.deadlineMs;
  let next = 0;
  const worker = async () => {
    while (next < requests.length && Date.now() < stopAt) {
      const request = requests[next++]!;
      const outcome = await sendRequest(request);
      report.sent++;
      const key = String(outcome.status);
      report.byStatus[key] = (report.byStatus[key] ?? 0) + 1;
      if (!acceptable(request, outcome)) {
        report.failures.push({
          request: `${request.method} :${request.port}${request.path} ${JSON.stringify(request.headers)} (${request.body.length} bytes)`,
          outcome: JSON.stringify(outcome).slice(0, 600),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 1 }, worker));
  return report;
}
