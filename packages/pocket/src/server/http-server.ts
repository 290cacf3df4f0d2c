/**
 * The emulator's HTTP server: reads whole request bodies (up to a limit per endpoint; pic sends
 * multi-megabyte JSON), answers with JSON, and tracks activity for the `--ttl` shutdown. No request
 * ends the process: bad input gets the status PocketIC gives it, a client that hangs up is
 * forgotten, and an emulator bug becomes a 500 reply.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants as bufferConstants } from 'node:buffer';

import { leaveIdleConnectionsToClients } from './idle-connections.js';
import { guard, IC_HTTP_BODY_LIMIT, readBody, send } from './http-io.js';
import { JsonSyntaxError, parseJson, stringifyJson, type Json } from './json.js';
import { PocketIcApi, type PocketIcOptions } from './pocketic.js';

export interface PocketServerOptions extends PocketIcOptions {
  host?: string;
  port?: number;
}

export class PocketServer {
  readonly api: PocketIcApi;
  private server: Server | undefined;
  private inFlight = 0;
  private lastActivity = Date.now();

  constructor(private readonly options: PocketServerOptions = {}) {
    this.api = new PocketIcApi(options);
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    const server = createServer((req, res) => guard(res, () => this.onRequest(req, res), internalError));
    leaveIdleConnectionsToClients(server);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    // Errors of the listening socket after start-up are logged, not thrown at the process.
    server.removeAllListeners('error');
    server.on('error', (error) => console.error(error));
    return (server.address() as AddressInfo).port;
  }

  /** Milliseconds since the last request finished, or 0 while one is being served. */
  get idleMillis(): number {
    return this.inFlight > 0 ? 0 : Date.now() - this.lastActivity;
  }

  async close(): Promise<void> {
    await this.api.closeAll();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const raw = PocketIcApi.isRawPath(method, path);
      const read = await readBody(req, bodyLimit(method, path));
      if (read.kind === 'aborted') return;
      if (read.kind === 'too-large') {
        const message = `The request body is larger than the ${read.limit} bytes this endpoint accepts.`;
        // The IC HTTP interface answers in plain text, as the replica does; the REST API in JSON.
        if (raw && !path.startsWith('/blobstore')) send(res, 413, { 'content-type': 'text/plain' }, message, true);
        else send(res, 413, JSON_TYPE, JSON.stringify({ message }), true);
        return;
      }
      let body: Json | undefined;
      if (!raw && read.bytes.length > 0) {
        try {
          body = parseJson(Buffer.from(read.bytes).toString('utf8'));
        } catch (e) {
          if (!(e instanceof JsonSyntaxError)) throw e;
          send(res, 400, JSON_TYPE, JSON.stringify({ message: `invalid JSON body: ${e.message}` }));
          return;
        }
      }
      const reply = await this.api.handle(method, path, body, read.bytes, req.headers['content-type'] ?? '');
      if (reply.bytes !== undefined) send(res, reply.status, { 'content-type': reply.bytes.contentType }, reply.bytes.body);
      else if (reply.text !== undefined) send(res, reply.status, { 'content-type': 'text/plain' }, reply.text);
      else send(res, reply.status, JSON_TYPE, stringifyJson(reply.json ?? null));
    } finally {
      this.inFlight--;
      this.lastActivity = Date.now();
    }
  }
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** A bug in the emulator, reported as PocketIC reports server errors (the server keeps serving). */
function internalError(message: string) {
  return { headers: JSON_TYPE, body: JSON.stringify({ message: `internal error of the Lineage emulator: ${message}` }) };
}

/**
 * The largest body each endpoint reads. The IC HTTP interface takes what the boundary nodes pass
 * (PocketIC limits `/api/v2/…` bodies to 4 MiB, `MAX_REQUEST_BODY_SIZE` of the boundary node). The
 * REST API has no limit in PocketIC (pic sends Wasm modules as base64 JSON); here JSON bodies stop
 * at the longest string Node can decode them into, and the blob store at 1 GiB.
 */
function bodyLimit(method: string, path: string): number {
  if (/^\/instances\/[^/]+\/api\//.test(path)) return IC_HTTP_BODY_LIMIT;
  if (method === 'POST' && path.startsWith('/blobstore')) return BLOB_BODY_LIMIT;
  return bufferConstants.MAX_STRING_LENGTH;
}

const BLOB_BODY_LIMIT = 1024 * 1024 * 1024;
