/**
 * An HTTP gateway (PocketIC's `/http_gateway`): one port that serves browsers and agents.
 * `GET http://<canister-id>.localhost:<port>/path` (or `…/path?canisterId=<id>`) calls the
 * canister's `http_request` query, its `http_request_update` when the reply asks for an upgrade,
 * and follows the streaming callback for large bodies; status, headers (the certification headers
 * included) and body pass through. `/api/…` is the IC HTTP interface of the instance.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import type { IcInstance } from '../instance.js';
import type { RawResult } from '../messages.js';
import type { IcHttpApi } from './ic-http/api.js';

const HeaderField = IDL.Tuple(IDL.Text, IDL.Text);
const HttpRequest = IDL.Record({
  method: IDL.Text, url: IDL.Text, headers: IDL.Vec(HeaderField), body: IDL.Vec(IDL.Nat8), certificate_version: IDL.Opt(IDL.Nat16),
});
const HttpUpdateRequest = IDL.Record({ method: IDL.Text, url: IDL.Text, headers: IDL.Vec(HeaderField), body: IDL.Vec(IDL.Nat8) });
const Token = IDL.Record({ key: IDL.Text, content_encoding: IDL.Text, index: IDL.Nat, sha256: IDL.Opt(IDL.Vec(IDL.Nat8)) });
const StreamingCallbackResponse = IDL.Record({ body: IDL.Vec(IDL.Nat8), token: IDL.Opt(Token) });
const StreamingStrategy = IDL.Variant({
  Callback: IDL.Record({ callback: IDL.Func([Token], [StreamingCallbackResponse], ['query']), token: Token }),
});
const fields = {
  status_code: IDL.Nat16, headers: IDL.Vec(HeaderField), body: IDL.Vec(IDL.Nat8), upgrade: IDL.Opt(IDL.Bool),
};
const HttpResponse = IDL.Record({ ...fields, streaming_strategy: IDL.Opt(StreamingStrategy) });
/** For canisters whose streaming token is not the asset canister's: the first chunk only. */
const HttpResponseNoStreaming = IDL.Record({ ...fields, streaming_strategy: IDL.Opt(IDL.Reserved) });

type Header = [string, string];
interface CanisterResponse {
  status_code: number;
  headers: Header[];
  body: Uint8Array;
  upgrade: [] | [boolean];
  streaming_strategy: [] | [{ Callback: { callback: [Principal, string]; token: unknown } } | null];
}

/** Most chunks a streamed body may have, so a canister returning tokens forever cannot hang the gateway. */
const MAX_STREAMED_CHUNKS = 10_000;

export interface GatewayTarget {
  ic: IcInstance;
  api: IcHttpApi;
}

export class HttpGateway {
  private server: Server | undefined;
  port = 0;

  constructor(readonly id: number, private readonly target: () => GatewayTarget | undefined, private readonly options: { host?: string; port?: number } = {}) {}

  async listen(): Promise<number> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.requestTimeout = 0;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = this.target();
    if (!target) return send(res, 503, 'text/plain', 'The instance this gateway forwards to was deleted.');
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (url.pathname.startsWith('/api/')) {
      const reply = target.api.handle(req.method ?? 'GET', url.pathname.split('/').filter(Boolean).slice(1), body);
      return send(res, reply.status, reply.contentType, reply.body);
    }
    const canisterId = canisterOf(req.headers.host, url);
    if (!canisterId) {
      return send(res, 400, 'text/plain', 'Could not find a canister id to forward to: use http://<canister-id>.localhost:<port>/ or add ?canisterId=<canister-id>.');
    }
    try {
      const response = this.fetchFromCanister(target.ic, canisterId, req, url, body);
      const headers: Record<string, string> = {};
      for (const [name, value] of response.headers) {
        const key = name.toLowerCase();
        if (key === 'content-length' || key === 'transfer-encoding') continue;
        headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
      }
      headers['content-length'] = String(response.body.length);
      res.writeHead(response.status_code, headers);
      res.end(response.body);
    } catch (error) {
      send(res, 502, 'text/plain', `The canister ${canisterId.toText()} could not answer: ${(error as Error).message}`);
    }
  }

  private fetchFromCanister(ic: IcInstance, canisterId: Principal, req: IncomingMessage, url: URL, body: Uint8Array): CanisterResponse {
    const headers: Header[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const request = { method: req.method ?? 'GET', url: `${url.pathname}${url.search}`, headers, body };
    const effective = { kind: 'canister' as const, id: canisterId };
    const anonymous = Principal.anonymous();
    let response = decodeResponse(ok(ic.query(anonymous, canisterId, 'http_request', new Uint8Array(IDL.encode([HttpRequest], [{ ...request, certificate_version: [2] }])), effective)));
    if (response.upgrade[0] === true) {
      const submitted = ic.submitIngress(anonymous, canisterId, 'http_request_update', new Uint8Array(IDL.encode([HttpUpdateRequest], [request])), effective);
      if ('err' in submitted) ok(submitted.err);
      else response = decodeResponse(ok(ic.awaitIngress(submitted.ok.messageId)));
    }
    const strategy = response.streaming_strategy[0];
    if (!strategy || !('Callback' in strategy)) return response;
    const chunks = [response.body];
    const [callee, method] = strategy.Callback.callback;
    let token: unknown = strategy.Callback.token;
    for (let n = 0; token !== undefined && n < MAX_STREAMED_CHUNKS; n++) {
      const reply = ok(ic.query(anonymous, callee, method, new Uint8Array(IDL.encode([Token], [token])), { kind: 'canister', id: callee }));
      const [chunk] = IDL.decode([StreamingCallbackResponse], reply) as unknown as [{ body: Uint8Array; token: [] | [unknown] }];
      chunks.push(chunk.body);
      token = chunk.token[0];
    }
    return { ...response, body: Buffer.concat(chunks) };
  }
}

function ok(result: RawResult): Uint8Array {
  if ('Ok' in result) return result.Ok;
  throw new Error(`${result.Err.reject_message} (reject code ${result.Err.reject_code}, ${result.Err.error_code})`);
}

function decodeResponse(reply: Uint8Array): CanisterResponse {
  try {
    return IDL.decode([HttpResponse], reply)[0] as unknown as CanisterResponse;
  } catch {
    const response = IDL.decode([HttpResponseNoStreaming], reply)[0] as unknown as CanisterResponse;
    return { ...response, streaming_strategy: [] };
  }
}

/** `<id>.localhost`, `<id>.raw.localhost`, or `?canisterId=<id>`. */
function canisterOf(host: string | undefined, url: URL): Principal | undefined {
  const fromQuery = url.searchParams.get('canisterId');
  const candidates = [fromQuery, host?.split(':')[0]?.split('.')[0]];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      const id = Principal.fromText(candidate);
      if (id.toUint8Array().length > 0) return id;
    } catch {
      // not a principal: try the next place
    }
  }
  return undefined;
}

function send(res: ServerResponse, status: number, contentType: string, body: Uint8Array | string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}
