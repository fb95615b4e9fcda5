/**
 * createServer: the HTTP API and the browser page for one run, on Fastify.
 *
 * Why Fastify (5.x) rather than node:http: content-type parsers with a built-in body limit (413 before
 * the body is buffered past it), 415 for unregistered media types, a safe JSON parser (rejects
 * __proto__ poisoning), a single error handler, and close() that stops accepting connections, answers
 * 503 to new requests, closes idle keep-alive sockets and waits for in-flight requests — the SIGTERM drain.
 */
import Fastify, { FastifyInstance } from 'fastify';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { BackendChoice, BackendInfo, initBackend } from '../backend/index.js';
import { LIBVIPS_MAX_PIXELS, MAX_BYTES_LIMIT, MAX_IMAGE_BYTES } from '../data/limits.js';
import { OptionError } from '../errors.js';
import { checkRunModel, requireClassifier } from '../run/run-check.js';
import { Run, loadRun } from '../run/run-dir.js';
import { installErrorHandling } from './errors-http.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, clientErrorHandler, hostGuard, httpOptions, nodeLevelErrors, requireHost } from './guards.js';
import { DEFAULT_MAX_PIXELS } from './input.js';
import { modelFiles, modelInfo, storedModelFiles } from './model-info.js';
import { Predictor } from './predictor.js';
import { apiRoutes, installParsers } from './routes-api.js';
import { pageRoutes } from './routes-page.js';

export const DEFAULT_BODY_LIMIT = MAX_IMAGE_BYTES;
/** Most requests batched into one model call (a batch is one input tensor). */
export const MAX_SERVE_BATCH = 1024;
/** Longest request timeout: Node's timers hold 2^31 − 1 ms (24.8 days); a longer one fires at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface ServeOptions {
  /** TCP port; 0 picks a free one (default 8080). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Largest request body in bytes (default 5 MB); larger bodies get 413. */
  bodyLimit?: number;
  /** Largest image accepted, in decoded pixels (default 25 M); larger images get 413 before decoding. */
  maxPixels?: number;
  /** Most requests batched into one model call (default 32; 1 turns batching off). */
  maxBatch?: number;
  /** Backend to compute on (default 'auto'). */
  backend?: BackendChoice;
  /** Serve the best/ checkpoint of a run directory. */
  best?: boolean;
  /** Receives one line per request ("POST /v1/predict 200 3.1 ms") and internal errors. */
  log?: (line: string) => void;
  /** Folder with the built page (default web/dist of the package). */
  webDir?: string;
  /** Time for a whole request (headers and body) to arrive, in ms (default 60 s); then 408 and the connection is closed. */
  requestTimeout?: number;
  /** Host names answered besides localhost, 127.0.0.1 and [::1] when bound to loopback (e.g. behind a proxy). */
  allowedHosts?: string[];
}

export interface MobileNetServer {
  app: FastifyInstance;
  run: Run;
  backend: BackendInfo;
  /** Starts listening; resolves to the base URL, e.g. http://127.0.0.1:8080. */
  listen(): Promise<string>;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

function checkOptions(o: ServeOptions): void {
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) {
    throw new OptionError(`port must be an integer in 0..65535, got ${o.port}`);
  }
  const int = (name: string, v: number | undefined, max: number, unit: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0 && v <= max)) throw new OptionError(`${name} must be an integer in 1..${max}${unit}, got ${v}`);
  };
  int('bodyLimit', o.bodyLimit, MAX_BYTES_LIMIT, ' bytes');
  int('maxBatch', o.maxBatch, MAX_SERVE_BATCH, '');
  int('maxPixels', o.maxPixels, LIBVIPS_MAX_PIXELS, ' (libvips decodes no more)');
  int('requestTimeout', o.requestTimeout, MAX_TIMEOUT_MS, ' ms');
}

/** Builds the server for a run directory (or a loaded Run). Does not listen yet. */
export async function createServer(runDirOrRun: string | Run, o: ServeOptions = {}): Promise<MobileNetServer> {
  checkOptions(o);
  const backend = await initBackend(o.backend ?? 'auto');
  const run = typeof runDirOrRun === 'string' ? await loadRun(runDirOrRun, { best: o.best }) : runDirOrRun;
  if (typeof runDirOrRun !== 'string') checkRunModel(run.model, run.meta, run.dir); // loadRun checked the others
  requireClassifier(run.meta, run.dir);
  const bodyLimit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const log = o.log ?? (() => undefined);
  const timeout = o.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    bodyLimit, logger: false, return503OnClosing: true, forceCloseConnections: 'idle',
    http: httpOptions(timeout), requestTimeout: timeout, clientErrorHandler: clientErrorHandler(timeout),
  });
  installErrorHandling(app, bodyLimit, log);
  nodeLevelErrors(app);
  requireHost(app);
  hostGuard(app, o.host ?? '127.0.0.1', o.allowedHosts);
  installParsers(app);
  app.addHook('onResponse', async (req, reply) => {
    log(`${req.method} ${req.url} ${reply.statusCode} ${reply.elapsedTime.toFixed(1)} ms`);
  });
  const predictor = new Predictor(run.model, run.meta, o.maxBatch ?? 32, run.int8);
  apiRoutes(app, {
    run, predictor, info: modelInfo(run, backend.name), backend: backend.name, maxPixels: o.maxPixels ?? DEFAULT_MAX_PIXELS,
  });
  const stored = typeof runDirOrRun === 'string'
    ? await storedModelFiles(o.best ? path.join(runDirOrRun, 'best') : runDirOrRun) : null;
  pageRoutes(app, stored ?? await modelFiles(run), o.webDir);
  await app.ready();
  return {
    app, run, backend,
    async listen() {
      await app.listen({ port: o.port ?? 8080, host: o.host ?? '127.0.0.1' });
      const a = app.server.address() as AddressInfo;
      const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
      return `http://${host}:${a.port}`;
    },
    close: () => app.close(),
  };
}
