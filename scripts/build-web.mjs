#!/usr/bin/env node
// Bundles the browser page (web/src/main.ts + the shared src/data/mnist-preprocess.ts + @tensorflow/tfjs; the
// API's types come from src/api-types.ts, the module the server builds with too)
// with esbuild into web/dist (gitignored): index.html, app.js, app.css. No CDN: `mobilenet serve` serves
// these and the tfjs-backend-wasm binaries from node_modules, so the page works offline.
//   node scripts/build-web.mjs           build (minified, with source map)
//   node scripts/build-web.mjs --check   also type-check the page (tsc -p web/tsconfig.json)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const out = join(web, 'dist');

if (process.argv.includes('--check')) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(web, 'tsconfig.json')],
    { stdio: 'inherit' });
}
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(web, 'src', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // tfjs-backend-wasm's Node code paths reference these; the browser never takes them.
  external: ['fs', 'path', 'os', 'worker_threads', 'perf_hooks', 'crypto'],
});
copyFileSync(join(web, 'index.html'), join(out, 'index.html'));
copyFileSync(join(web, 'style.css'), join(out, 'app.css'));
console.log(`web page built in ${out}`);
