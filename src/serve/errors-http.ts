/**
 * Every error leaves the server as JSON {"error": "<one line>"} with the right status: Fastify's own
 * errors (body too large, unsupported media type, bad JSON) get plain wording; an image over the pixel
 * limit is a 413; DataError (undecodable image, wrong pixel shape) is a 400; anything else is a 500 whose detail goes to the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DataError } from '../errors.js';
import { ImageTooLargeError } from './input.js';

export const ACCEPTED_TYPES = 'image/png, image/jpeg or application/json';

/** Sends {"error": message} with `status`. */
export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: message });
}

function describeFastifyError(e: FastifyError, bodyLimit: number, contentType: string | undefined): [number, string] | null {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return [413, `request body is larger than the limit of ${bodyLimit} bytes`];
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return [415, `unsupported content type ${JSON.stringify(contentType ?? '')}: send ${ACCEPTED_TYPES}`];
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return [400, 'empty JSON body: send {"pixels": [[...]]}'];
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return [400, 'Content-Length does not match the body'];
    default:
      break;
  }
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return [400, 'body is not valid JSON'];
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return [e.statusCode, e.message.split('\n')[0]];
  }
  return null;
}

/** Installs the JSON error, 404 and logging behaviour on `app`. */
export function installErrorHandling(app: FastifyInstance, bodyLimit: number, log: (line: string) => void): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ImageTooLargeError) return sendError(reply, 413, err.message);
    if (err instanceof DataError) return sendError(reply, 400, err.message);
    const known = describeFastifyError(err, bodyLimit, req.headers['content-type']);
    if (known) return sendError(reply, known[0], known[1]);
    log(`internal error on ${req.method} ${req.url}: ${err?.stack ?? String(err)}`);
    return sendError(reply, 500, 'internal error');
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, `no route ${req.method} ${req.url.split('?')[0]}`));
}

/** Answers 405 (with Allow) for every method Fastify routes (TRACE and QUERY too) that `url` does not serve; GET implies HEAD. */
export function methodNotAllowed(app: FastifyInstance, url: string, allowed: string[]): void {
  const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
  const others = app.supportedMethods.filter((m) => !allow.includes(m));
  app.route({
    method: others, url,
    handler: (req, reply) => {
      reply.header('allow', allow.join(', '));
      return sendError(reply, 405, `method ${req.method} not allowed on ${url} (allowed: ${allow.join(', ')})`);
    },
  });
}
