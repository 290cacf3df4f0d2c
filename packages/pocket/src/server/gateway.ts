/**
 * An HTTP gateway (PocketIC's `/http_gateway`): one port that serves browsers and agents.
 * `GET http://<canister-id>.localhost:<port>/path` (or `…/path?canisterId=<id>`, or any path whose
 * `Referer` names the canister either way: see gateway-canister-id.ts) calls the canister's
 * `http_request` query, its `http_request_update` when the reply asks for an upgrade, and follows
 * the streaming callback for large bodies; status, headers (the certification headers included)
 * and body pass through. `/api/…` is the IC HTTP interface of the instance. What goes wrong is
 * answered as ic-gateway answers it (gateway-errors.ts), and the gateway keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IDL } from '@dfinity/candid';
import { Principal } from '@dfinity/principal';

import { PocketError, type IcInstance } from '../instance.js';
import type { RawResult } from '../messages.js';
import { leaveIdleConnectionsToClients } from './idle-connections.js';
import { resolveCanisterId } from './gateway-canister-id.js';
import {
  backendError, bodyTooLarge, canisterIdIncorrect, canisterIdNotResolved, canisterNotFound, instanceGone,
  internalGatewayError, malformedRequest, rejectError, type GatewayError,
} from './gateway-errors.js';
import { canRespond, guard, IC_HTTP_BODY_LIMIT, readBody, send } from './http-io.js';
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

/**
 * The largest request body read for a canister's `http_request`. A larger one could not reach the
 * canister anyway (the IC takes messages of at most 2 MiB); the bound keeps a client from making
 * the gateway buffer without end.
 */
const CANISTER_BODY_LIMIT = 10 * 1024 * 1024;

export interface GatewayTarget {
  ic: IcInstance;
  api: IcHttpApi;
}

export class HttpGateway {
  private server: Server | undefined;
  port = 0;

  constructor(readonly id: number, private readonly target: () => GatewayTarget | undefined, private readonly options: { host?: string; port?: number } = {}) {}

  async listen(): Promise<number> {
    const server = createServer((req, res) => guard(res, () => this.onRequest(req, res), (message) => internalGatewayError(message)));
    leaveIdleConnectionsToClients(server);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    // Errors of the listening socket after start-up are logged, not thrown at the process.
    server.removeAllListeners('error');
    server.on('error', (error) => console.error(error));
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
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      // The path alone: the Host header may be anything a client sends.
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      return reply(res, malformedRequest(`unparsable request target ${JSON.stringify(req.url)}`));
    }
    const api = url.pathname.startsWith('/api/');
    const read = await readBody(req, api ? IC_HTTP_BODY_LIMIT : CANISTER_BODY_LIMIT);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      if (api) return send(res, 413, TEXT, `The request body is larger than the ${read.limit} bytes the IC HTTP interface accepts.`, true);
      return reply(res, bodyTooLarge(), true);
    }
    const target = this.target();
    if (!target) return reply(res, instanceGone());
    if (api) {
      const answer = target.api.handle(method, url.pathname.split('/').filter(Boolean).slice(1), read.bytes, req.headers['content-type'] ?? '');
      return send(res, answer.status, { 'content-type': answer.contentType }, answer.body);
    }
    const lookup = resolveCanisterId(req.headers.host, url, header(req, 'referer'));
    if (lookup.kind === 'none') return reply(res, canisterIdNotResolved());
    if (lookup.kind === 'incorrect') return reply(res, canisterIdIncorrect(lookup.detail));
    const outcome = this.fetchFromCanister(target.ic, lookup.id, req, url, read.bytes);
    if ('error' in outcome) return reply(res, outcome.error);
    const response = outcome.response;
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) {
      const key = name.toLowerCase();
      if (key === 'content-length' || key === 'transfer-encoding' || key === 'connection') continue;
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
    headers['content-length'] = String(response.body.length);
    if (!canRespond(res)) return;
    try {
      res.writeHead(response.status_code, headers);
    } catch (error) {
      // A status code or header Node refuses to send (ic-gateway refuses such replies too).
      return reply(res, backendError(`the canister's response cannot be sent over HTTP: ${(error as Error).message}`));
    }
    res.end(response.body);
  }

  /** The canister's HTTP response, or the gateway error to answer with instead. */
  private fetchFromCanister(ic: IcInstance, canisterId: Principal, req: IncomingMessage, url: URL, body: Uint8Array):
    { response: CanisterResponse } | { error: GatewayError } {
    const id = canisterId.toText();
    const headers: Header[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    const request = { method: req.method ?? 'GET', url: `${url.pathname}${url.search}`, headers, body };
    const effective = { kind: 'canister' as const, id: canisterId };
    const anonymous = Principal.anonymous();
    // A canister id no subnet hosts: the routing error (PocketError) is ic-gateway's "not found".
    const call = (run: () => RawResult): { ok: Uint8Array } | { error: GatewayError } => {
      try {
        const result = run();
        return 'Ok' in result ? { ok: result.Ok } : { error: rejectError(id, result.Err) };
      } catch (error) {
        if (error instanceof PocketError) return { error: canisterNotFound(id, error.message) };
        throw error;
      }
    };
    const first = call(() => ic.query(anonymous, canisterId, 'http_request', new Uint8Array(IDL.encode([HttpRequest], [{ ...request, certificate_version: [2] }])), effective));
    if ('error' in first) return first;
    let response = decodeResponse(first.ok);
    if (!response) return { error: backendError('the canister replied to http_request with something other than an HttpResponse') };
    if (response.upgrade[0] === true) {
      const updated = call(() => {
        const submitted = ic.submitIngress(anonymous, canisterId, 'http_request_update', new Uint8Array(IDL.encode([HttpUpdateRequest], [request])), effective);
        return 'err' in submitted ? submitted.err : ic.awaitIngress(submitted.ok.messageId);
      });
      if ('error' in updated) return updated;
      response = decodeResponse(updated.ok);
      if (!response) return { error: backendError('the canister replied to http_request_update with something other than an HttpResponse') };
    }
    const strategy = response.streaming_strategy[0];
    if (!strategy || !('Callback' in strategy)) return { response };
    const chunks = [response.body];
    const [callee, method] = strategy.Callback.callback;
    let token: unknown = strategy.Callback.token;
    for (let n = 0; token !== undefined && n < MAX_STREAMED_CHUNKS; n++) {
      const next = call(() => ic.query(anonymous, callee, method, new Uint8Array(IDL.encode([Token], [token])), { kind: 'canister', id: callee }));
      if ('error' in next) return next;
      let chunk: { body: Uint8Array; token: [] | [unknown] };
      try {
        [chunk] = IDL.decode([StreamingCallbackResponse], next.ok) as unknown as [{ body: Uint8Array; token: [] | [unknown] }];
      } catch (error) {
        return { error: backendError(`the streaming callback's reply does not decode: ${(error as Error).message}`) };
      }
      chunks.push(chunk.body);
      token = chunk.token[0];
    }
    return { response: { ...response, body: Buffer.concat(chunks) } };
  }
}

/** The canister's `HttpResponse`, or undefined when its reply is not one. */
function decodeResponse(reply: Uint8Array): CanisterResponse | undefined {
  try {
    return IDL.decode([HttpResponse], reply)[0] as unknown as CanisterResponse;
  } catch {
    // A streaming token of a type other than the asset canister's: the first chunk only.
  }
  try {
    const response = IDL.decode([HttpResponseNoStreaming], reply)[0] as unknown as CanisterResponse;
    return { ...response, streaming_strategy: [] };
  } catch {
    return undefined;
  }
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

function reply(res: ServerResponse, error: GatewayError, close = false): void {
  send(res, error.status, error.headers, error.body, close);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
