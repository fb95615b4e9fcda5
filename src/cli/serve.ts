/** `mobilenet serve DIR`: the HTTP prediction API and the browser page for a trained run. */
import { BackendChoice } from '../backend/index.js';
import { MobileNetError, OptionError } from '../errors.js';
import { createServer } from '../serve/server.js';
import { LIBVIPS_MAX_PIXELS, MAX_BYTES_LIMIT } from '../data/limits.js';
import { MAX_SERVE_BATCH, MAX_TIMEOUT_MS } from '../serve/server.js';
import { intIn, oneOf, parseCommandArgs, parseNumber, positiveUpTo } from '../args.js';

export const describe = 'HTTP prediction API and a browser page (draw a digit) for a trained run';

const HELP = `usage: mobilenet serve DIR [options]
  DIR                   run directory written by \`mobilenet train\` (model.json, weights.bin, meta.json)
  --port N              TCP port (default 8080; 0 picks a free one)
  --host H              interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)
  --body-limit MB       largest request body in MB (default 5); larger bodies get 413
  --max-megapixels MP   largest image accepted, in decoded megapixels (default 25); larger get 413
  --max-batch N         most concurrent requests batched into one model call (default 32; 1 = off)
  --request-timeout S   seconds for a whole request to arrive (default 60); slower ones get 408 and are closed
  --allow-host NAME     answer this Host name too (repeatable; bound to loopback, only localhost, 127.0.0.1
                        and [::1] are answered, against DNS rebinding)
  --best                serve DIR/best (the best validation checkpoint)
  --backend B           onednn | cpu | wasm | auto (default auto)
  --quiet               no line per request

API: POST /v1/predict (image/png, image/jpeg or {"pixels": [[...]]}) [?top=K&invert=true|false],
     GET /v1/model, GET /healthz; the page is at /. SIGTERM or Ctrl-C drains requests, then exits.`;

/** Resolves on the first SIGTERM/SIGINT, with the signal's name. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(s);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: 'string' }, host: { type: 'string' }, 'body-limit': { type: 'string' }, 'max-megapixels': { type: 'string' }, 'max-batch': { type: 'string' }, best: { type: 'boolean' },
    'request-timeout': { type: 'string' }, 'allow-host': { type: 'string', multiple: true },
    backend: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new OptionError('serve needs exactly one run directory (mobilenet serve DIR)');
  const port = parseNumber('port', values.port as string | undefined, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'an integer in 0..65535');
  const mb = positiveUpTo('body-limit', values['body-limit'] as string | undefined, MAX_BYTES_LIMIT / 1024 / 1024);
  const maxBatch = intIn('max-batch', values['max-batch'] as string | undefined, 1, MAX_SERVE_BATCH);
  const mp = positiveUpTo('max-megapixels', values['max-megapixels'] as string | undefined, Math.floor(LIBVIPS_MAX_PIXELS / 1e6), ' (libvips decodes no more)');
  const timeoutS = positiveUpTo('request-timeout', values['request-timeout'] as string | undefined, Math.floor(MAX_TIMEOUT_MS / 1000), ' (Node\'s longest timer)');
  const host = values.host as string | undefined;
  if (host !== undefined && host.trim() === '') throw new OptionError('--host must not be empty');
  const backend = oneOf('backend', values.backend as string | undefined, ['onednn', 'cpu', 'wasm', 'auto'] as const);
  const signal = nextSignal(); // listen for signals before the slow start, so an early SIGTERM is not lost
  const server = await createServer(positionals[0], {
    port: port ?? 8080, host: host ?? '127.0.0.1', best: values.best === true,
    bodyLimit: mb === undefined ? undefined : Math.round(mb * 1024 * 1024),
    maxBatch,
    maxPixels: mp === undefined ? undefined : Math.max(1, Math.round(mp * 1e6)),
    requestTimeout: timeoutS === undefined ? undefined : Math.max(1, Math.round(timeoutS * 1000)),
    allowedHosts: values['allow-host'] as unknown as string[] | undefined,
    backend: backend as BackendChoice | undefined,
    log: values.quiet ? undefined : (line) => console.log(line),
  });
  if (server.backend.notice) console.error(`mobilenet: ${server.backend.notice}`);
  for (const w of server.run.warnings ?? []) console.error(`mobilenet: warning: ${w}`);
  let url: string;
  try {
    url = await server.listen();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new MobileNetError(`cannot listen on ${host ?? '127.0.0.1'}:${port ?? 8080}: ${err.code ?? err.message}`);
  }
  const m = server.run.meta;
  console.log(`serving ${m.arch} (${m.dataset}, ${m.labels.length} classes) on backend ${server.backend.name} at ${url}`);
  const s = await signal;
  console.log(`${s}: draining requests…`);
  await server.close();
  console.log('stopped');
  return 0;
}
