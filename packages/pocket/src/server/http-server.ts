/**
 * The emulator's HTTP server: reads whole request bodies (PocketIC turns body limits off, and pic
 * sends multi-megabyte JSON), answers with JSON, and tracks activity for the `--ttl` shutdown.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.keepAliveTimeout = 60_000;
    server.requestTimeout = 0;
    server.headersTimeout = 0;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
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
      const raw = await readBody(req);
      const path = req.url ?? '/';
      let body: Json | undefined;
      if (!PocketIcApi.isRawPath(req.method ?? 'GET', path) && raw.length > 0) {
        try {
          body = parseJson(Buffer.from(raw).toString('utf8'));
        } catch (e) {
          if (e instanceof JsonSyntaxError) {
            send(res, 400, JSON.stringify({ message: `invalid JSON body: ${e.message}` }));
            return;
          }
          throw e;
        }
      }
      let reply;
      try {
        reply = await this.api.handle(req.method ?? 'GET', path, body, raw);
      } catch (e) {
        // A bug in the emulator: report it as PocketIC reports server errors, and keep serving.
        console.error(e);
        send(res, 500, JSON.stringify({ message: `internal error of the Lineage emulator: ${(e as Error).message}` }));
        return;
      }
      if (reply.bytes !== undefined) send(res, reply.status, reply.bytes.body, reply.bytes.contentType);
      else if (reply.text !== undefined) send(res, reply.status, reply.text, 'text/plain');
      else send(res, reply.status, stringifyJson(reply.json ?? null));
    } finally {
      this.inFlight--;
      this.lastActivity = Date.now();
    }
  }
}

function send(res: ServerResponse, status: number, body: string | Uint8Array, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const buf = Buffer.concat(chunks);
      resolve(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    });
    req.on('error', reject);
  });
}
