/**
 * The JSON API: POST /v1/predict, GET /v1/model, GET /healthz.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Run } from '../run/run-dir.js';
import { ACCEPTED_TYPES, methodNotAllowed, sendError } from './errors-http.js';
import { imageInput, jsonInput, parseJsonBody } from './input.js';
import type { ModelInfo } from './model-info.js';
import { Predictor, topK } from './predictor.js';

export interface ApiContext {
  run: Run;
  predictor: Predictor;
  info: ModelInfo;
  backend: string;
  /** Largest decoded image accepted, in pixels. */
  maxPixels: number;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/jpg'];

/** Registers raw-buffer parsers for image bodies and the JSON parser of input.ts (safe, naming a refused key); text/plain is dropped. */
export function installParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

type Query = { top?: string; invert?: string };

function parseQuery(q: Query, classes: number): { top: number; invert?: boolean } | string {
  let top = classes;
  if (q.top !== undefined) {
    top = Number(q.top);
    if (!/^\d+$/.test(q.top) || top < 1) return `top must be a positive integer, got ${JSON.stringify(q.top)}`;
  }
  let invert: boolean | undefined;
  if (q.invert !== undefined) {
    if (!['true', 'false', '1', '0'].includes(q.invert)) return `invert must be true or false, got ${JSON.stringify(q.invert)}`;
    invert = q.invert === 'true' || q.invert === '1';
  }
  return { top: Math.min(top, classes), invert };
}

async function predict(ctx: ApiContext, req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
  const t0 = performance.now();
  const q = parseQuery(req.query ?? {}, ctx.run.meta.labels.length);
  if (typeof q === 'string') return sendError(reply, 400, q);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  let input: Float32Array;
  if (IMAGE_TYPES.includes(type)) {
    const body = req.body as Buffer | undefined;
    if (!body || body.length === 0) return sendError(reply, 400, 'empty image body');
    input = await imageInput(body, ctx.run.meta, { invert: q.invert, maxPixels: ctx.maxPixels, source: 'request body' });
  } else if (type === 'application/json') {
    input = jsonInput(req.body, ctx.run.meta);
  } else {
    return sendError(reply, 415, `missing or unsupported content type: send ${ACCEPTED_TYPES}`);
  }
  const r = await ctx.predictor.predict(input);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    top: topK(r.probabilities, ctx.run.meta.labels, q.top),
    backend: ctx.backend,
    ms: round(performance.now() - t0),
    modelMs: round(r.ms),
    batch: r.batch,
  };
}

/** Registers the API routes and their 405 answers. */
export function apiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post<{ Querystring: Query }>('/v1/predict', (req, reply) => predict(ctx, req, reply));
  methodNotAllowed(app, '/v1/predict', ['POST']);
  app.get('/v1/model', async () => ctx.info);
  methodNotAllowed(app, '/v1/model', ['GET']);
  app.get('/healthz', async () => ({ status: 'ok', backend: ctx.backend, inFlight: ctx.predictor.inFlight }));
  methodNotAllowed(app, '/healthz', ['GET']);
}
