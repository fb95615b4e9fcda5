/**
 * A real TFLite runtime for the tests: LiteRT.js (@litertjs/core, XNNPack on WebAssembly) in headless Chromium,
 * its ESM and wasm served from node_modules by a loopback server together with the models and inputs under
 * test. `runTflite` runs a .tflite file on float32 input rows, `batch` rows per invocation.
 */
import { createServer, Server } from 'node:http';
import { existsSync, promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM, Launched, launchChromium } from '../serve/browser.js';

const MODULES = path.resolve('node_modules/@litertjs');
const ROUTES: Record<string, string> = {
  '/litert/': path.join(MODULES, 'core/dist'),
  '/wasm/': path.join(MODULES, 'core/wasm'),
  '/wasm-utils/': path.join(MODULES, 'wasm-utils/dist'),
};
const PAGE = `<!doctype html><meta charset="utf-8"><title>LiteRT.js</title>
<script type="importmap">{"imports": {"@litertjs/wasm-utils": "/wasm-utils/index.js"}}</script>
<body>LiteRT.js test page</body>`;

/** Why the LiteRT.js tests cannot run here, or null. */
export function liteRtSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (Debian package chromium; scripts/setup.sh installs it)`;
  if (!existsSync(path.join(ROUTES['/wasm/'], 'litert_wasm_internal.wasm'))) return 'node_modules/@litertjs/core is not installed (npm ci)';
  return null;
}

export interface LiteRt {
  /** Makes bytes available to the page at /blob/NAME. */
  put(name: string, data: Uint8Array): void;
  /** Runs model /blob/MODEL on `rows` rows of `input` (float32, each row `inputShape` without the batch). */
  run(model: string, input: Float32Array, rowShape: number[], batch: number): Promise<Float32Array>;
  /** Console errors and page errors seen so far. */
  problems: string[];
  close(): Promise<void>;
}

function contentType(file: string): string {
  if (file.endsWith('.js')) return 'text/javascript';
  if (file.endsWith('.wasm')) return 'application/wasm';
  return 'application/octet-stream';
}

async function serve(blobs: Map<string, Uint8Array>): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    if (url.pathname.startsWith('/blob/')) {
      const data = blobs.get(url.pathname.slice(6));
      return data ? res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data) : res.writeHead(404).end();
    }
    const prefix = Object.keys(ROUTES).find((p) => url.pathname.startsWith(p));
    const file = prefix && path.join(ROUTES[prefix], path.normalize(url.pathname.slice(prefix.length)));
    if (!file || !file.startsWith(ROUTES[prefix!])) return res.writeHead(404).end();
    try {
      res.writeHead(200, { 'content-type': contentType(file) }).end(await fs.readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** In the page: load LiteRT.js once, compile the model on the wasm (XNNPack) accelerator, run every batch. */
async function runInPage(page: Page, model: string, inputBlob: string, rowShape: number[], batch: number): Promise<number[]> {
  return page.evaluate(async ({ model, inputBlob, rowShape, batch }) => {
    const lite = await import('/litert/index.js' as string);
    const w = globalThis as unknown as { liteRtLoaded?: Promise<unknown> };
    w.liteRtLoaded ??= lite.loadLiteRt('/wasm/');
    await w.liteRtLoaded;
    const compiled = await lite.loadAndCompile(`/blob/${model}`, { accelerator: 'wasm' });
    const x = new Float32Array(await (await fetch(`/blob/${inputBlob}`)).arrayBuffer());
    const rowSize = rowShape.reduce((a: number, b: number) => a * b, 1);
    const out: number[] = [];
    for (let r = 0; r < x.length / rowSize; r += batch) {
      const t = new lite.Tensor(x.slice(r * rowSize, (r + batch) * rowSize), [batch, ...rowShape]);
      const [y] = await compiled.run([t]);
      out.push(...Array.from(y.toTypedArray() as Float32Array));
      t.delete();
      y.delete();
    }
    compiled.delete();
    return out;
  }, { model, inputBlob, rowShape, batch });
}

/** Starts the server and Chromium, opens the page. */
export async function startLiteRt(): Promise<LiteRt> {
  const blobs = new Map<string, Uint8Array>();
  const { server, url } = await serve(blobs);
  let chrome: Launched | undefined;
  try {
    chrome = await launchChromium();
    const page = await chrome.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(url);
    let inputs = 0;
    return {
      problems,
      put: (name, data) => void blobs.set(name, data),
      async run(model, input, rowShape, batch) {
        const name = `input-${inputs++}`;
        blobs.set(name, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
        const out = await runInPage(page, model, name, rowShape, batch);
        blobs.delete(name);
        return Float32Array.from(out);
      },
      async close() {
        await chrome?.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (e) {
    await chrome?.close();
    server.close();
    throw e;
  }
}
