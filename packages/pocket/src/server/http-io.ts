/**
 * Reading request bodies and writing responses so that no client can take a server down: a body
 * over its limit is refused without being buffered, a client that hangs up mid-request is simply
 * forgotten, and writing to a connection that is already gone is a no-op instead of an error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The largest body the IC HTTP interface (`/api/v2|v3|v4/…`) reads: PocketIC puts a 4 MiB limit on
 * these routes, the `MAX_REQUEST_BODY_SIZE` of the boundary nodes.
 */
export const IC_HTTP_BODY_LIMIT = 4 * 1024 * 1024;

/** What reading a request body came to: the bytes, a body over the limit, or a client that left. */
export type BodyRead =
  | { kind: 'body'; bytes: Uint8Array }
  | { kind: 'too-large'; limit: number }
  | { kind: 'aborted' };

/**
 * Reads a whole request body of at most `limit` bytes. Never rejects: a declared or streamed length
 * over the limit stops the reading (the connection is closed after the 413 the caller sends), and a
 * client disconnecting mid-body ends in `aborted`.
 *
 * @example
 * const read = await readBody(req, 4 * 1024 * 1024);
 * if (read.kind === 'too-large') sendText(res, 413, 'request body too large');
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: BodyRead) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      resolve(result);
    };
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limit) {
        chunks.length = 0;
        settle({ kind: 'too-large', limit });
        req.resume(); // discard the rest: the response closes the connection
        return;
      }
      chunks.push(chunk);
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      settle({ kind: 'too-large', limit });
      return;
    }
    req.on('data', onData);
    req.on('end', () => {
      const buf = Buffer.concat(chunks);
      // A view over its own buffer: @dfinity/candid decodes from `.buffer` and ignores offsets.
      settle({ kind: 'body', bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) });
    });
    // A client that disconnects mid-body: 'error' (ECONNRESET, "aborted"), then 'close'.
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => {
      if (!req.complete) settle({ kind: 'aborted' });
    });
  });
}

/** Whether a response can still be written (the client has not left, nothing was sent yet). */
export function canRespond(res: ServerResponse): boolean {
  return !res.headersSent && !res.writableEnded && !res.destroyed;
}

/**
 * Sends a whole response; a no-op when the client is gone or a response was already sent. With
 * `close`, the connection is closed afterwards (used after refusing a body that was not read).
 *
 * @example
 * send(res, 404, { 'content-type': 'text/plain' }, 'not found');
 */
export function send(
  res: ServerResponse, status: number, headers: Record<string, string>, body: string | Uint8Array, close = false,
): void {
  if (!canRespond(res)) return;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.writeHead(status, { ...headers, 'content-length': String(length), ...(close ? { connection: 'close' } : {}) });
  res.end(body);
}

/**
 * Runs a request handler so that whatever it throws, or rejects with later, is logged and answered
 * with a 500 (when nothing was sent yet) instead of becoming an unhandled rejection that ends the
 * process. The handler's own error answers come first; this is the net under them.
 *
 * @example
 * createServer((req, res) => guard(res, () => handle(req, res), (message) => ({ headers: {}, body: message })));
 */
export function guard(
  res: ServerResponse, handler: () => Promise<void>, internalError: (message: string) => { headers: Record<string, string>; body: string },
): void {
  const fail = (error: unknown) => {
    console.error(error);
    try {
      const reply = internalError(error instanceof Error ? error.message : String(error));
      if (canRespond(res)) send(res, 500, reply.headers, reply.body);
      else if (!res.writableEnded) res.destroy();
    } catch (secondary) {
      console.error(secondary);
      res.destroy();
    }
  };
  try {
    handler().catch(fail);
  } catch (error) {
    fail(error);
  }
}
