/**
 * Connection-level guards of the server: how long a request may take to arrive, what Node's HTTP parser
 * errors look like (the API's {"error"} shape, not Fastify's), and which Host headers a server bound to
 * loopback answers (a DNS-rebinding page in the user's browser would send its own host name).
 */
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { sendError } from './errors-http.js';

/** Default time for a whole request (headers and body) to arrive. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * node:http options: the request timeout, headers within it, checked every second (Node's default is every 30 s);
 * a missing Host header is answered by requireHost (node's own 400 has an empty body).
 */
export function httpOptions(requestTimeoutMs: number): ServerOptions {
  return {
    requireHostHeader: false,
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
  };
}

/**
 * Fastify's clientErrorHandler: Node's parser and timeout errors answered as {"error": "..."} — 408 for a
 * request that did not arrive in time, 431 for oversized headers, 400 for anything malformed — then the
 * connection is closed.
 */
export function clientErrorHandler(requestTimeoutMs: number) {
  return (err: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, message] = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, `the request did not arrive within ${requestTimeoutMs / 1000} s`]
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request headers are too large']
        : [400, `malformed HTTP request${err.reason ? ` (${err.reason.replace(/\s+/g, ' ')})` : ''}`];
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (inFlight?.headersSent) socket.destroy(err);
    else rawError(socket, status, message, err);
  };
}

/** Writes a whole {"error"} response on a raw socket and closes it (for requests Node answers before Fastify sees them). */
function rawError(socket: Duplex, status: number, message: string, err?: Error): void {
  const body = JSON.stringify({ error: message });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n`
      + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/**
 * What Node's HTTP server answers itself, with an empty body, answered as {"error"}: an Expect header other than
 * 100-continue (417) and CONNECT (501: this is not a proxy; Node would drop the connection without a word).
 */
export function nodeLevelErrors(app: FastifyInstance): void {
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ error: `Expect ${JSON.stringify(req.headers.expect ?? '')} cannot be met: only "100-continue" is supported` });
    res.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  app.server.on('connect', (_req: IncomingMessage, socket: Duplex) => rawError(socket, 501, 'method CONNECT is not served: this server is not a proxy'));
}

/** HTTP/1.1 requires a Host header: a request without one gets 400 (before the Host guard). */
export function requireHost(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers.host === undefined && req.raw.httpVersion === '1.1') {
      reply.header('connection', 'close');
      return sendError(reply, 400, 'request has no Host header (HTTP/1.1 requires one)');
    }
  });
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** True for interface names that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Splits a Host header into a lower-case name and the port (null when absent). */
function parseHost(header: string): { name: string; port: string | null } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(header.trim().toLowerCase());
  return m ? { name: m[1], port: m[2] ?? null } : { name: header, port: null };
}

/**
 * When bound to loopback, answers 403 to a Host header other than localhost, 127.0.0.1 or [::1] (or one of
 * `extra`), optionally with the port the server listens on. A server bound to another interface is left alone.
 */
export function hostGuard(app: FastifyInstance, boundHost: string, extra: string[] = []): void {
  if (!isLoopback(boundHost)) return;
  const allowed = new Set([...LOOPBACK_HOSTS, ...extra.map((h) => h.toLowerCase())]);
  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.host ?? '';
    const { name, port } = parseHost(header);
    const a = app.server.address() as AddressInfo | null;
    const portOk = port === null || a === null || port === String(a.port);
    if (allowed.has(name) && portOk) return;
    return sendError(reply, 403, `Host ${JSON.stringify(header)} is not allowed: this server is bound to ${boundHost} and answers only `
      + `${[...allowed].join(', ')} (with its port); use --allow-host to add a name`);
  });
}
