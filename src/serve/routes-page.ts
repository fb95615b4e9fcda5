/**
 * The browser page and what it loads: / (index.html), /assets/* (the esbuild bundle), /model/* (the
 * served model in the TF.js layers format) and /wasm/* (tfjs-backend-wasm binaries). All local.
 */
import type { FastifyInstance } from 'fastify';
import { methodNotAllowed, sendError } from './errors-http.js';
import type { ModelFiles } from './model-info.js';
import { readStatic, wasmDir, webDistDir } from './static-files.js';

const NOT_BUILT = 'the web page is not built: run `node scripts/build-web.mjs` (scripts/setup.sh does it)';

/** Registers the page routes; `webDir` defaults to web/dist in the package. */
export function pageRoutes(app: FastifyInstance, files: ModelFiles, webDir = webDistDir()): void {
  const wasm = wasmDir();
  app.get('/', async (_req, reply) => {
    const f = await readStatic(webDir, 'index.html');
    if (!f) return sendError(reply, 503, NOT_BUILT);
    return reply.type(f.type).header('cache-control', 'no-cache').send(f.body);
  });
  methodNotAllowed(app, '/', ['GET']);

  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const f = await readStatic(webDir, req.params.file);
    if (!f) return sendError(reply, 404, `no asset ${req.params.file}`);
    return reply.type(f.type).header('cache-control', 'no-cache').send(f.body);
  });
  methodNotAllowed(app, '/assets/:file', ['GET']);

  app.get<{ Params: { file: string } }>('/wasm/:file', async (req, reply) => {
    const f = req.params.file.endsWith('.wasm') ? await readStatic(wasm, req.params.file) : null;
    if (!f) return sendError(reply, 404, `no wasm file ${req.params.file}`);
    return reply.type(f.type).header('cache-control', 'max-age=3600').send(f.body);
  });
  methodNotAllowed(app, '/wasm/:file', ['GET']);

  app.get('/model/model.json', async (_req, reply) =>
    reply.type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(files.modelJson));
  methodNotAllowed(app, '/model/model.json', ['GET']);
  app.get('/model/weights.bin', async (_req, reply) =>
    reply.type('application/octet-stream').header('cache-control', 'no-cache').send(files.weights));
  methodNotAllowed(app, '/model/weights.bin', ['GET']);
  app.get<{ Params: { file: string } }>('/model/:file', async (req, reply) => {
    const shard = files.shards?.get(req.params.file);
    if (!shard) return sendError(reply, 404, `no model file ${req.params.file}`);
    return reply.type('application/octet-stream').header('cache-control', 'no-cache').send(shard);
  });
  methodNotAllowed(app, '/model/:file', ['GET']);
}
