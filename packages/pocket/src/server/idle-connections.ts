/**
 * How the emulator's HTTP servers (the REST API and the HTTP gateways) treat idle keep-alive
 * connections: the client closes them, as with PocketIC's own server (hyper sets no idle timeout).
 * A server-side idle timeout races the client: a request sent just as the server closes the socket
 * is reset (ECONNRESET). A long execution blocks the event loop for seconds, so Node's default of
 * 5 s then fires late and in bulk; two suites sharing one server under load hit it, on the REST
 * server and on a gateway. Sockets of clients that never close are reclaimed after ten minutes of
 * silence instead.
 */
import type { Server } from 'node:http';

/**
 * Leaves idle keep-alive connections of `server` to its clients.
 *
 * @example
 * const server = createServer(handler); leaveIdleConnectionsToClients(server); server.listen(0);
 */
export function leaveIdleConnectionsToClients(server: Server): void {
  server.keepAliveTimeout = 0;
  server.timeout = 600_000;
  server.requestTimeout = 0;
  server.headersTimeout = 0;
}
