#!/usr/bin/env node
/**
 * HDF5 loader timing (README, "Reading HDF5: h5wasm or jsfive"): a Keras-layout MobileNetV2 1.0 224 with top, written
 * by h5py with known arrays (test/weights/h5-fixtures.ts), read and assigned into our V2 end to end, RUNS times in
 * one process; prints one JSON line (file size, layers loaded, each load's ms, median).
 *
 *   node scripts/h5-load-time.mjs h5wasm [RUNS]
 *   node scripts/h5-load-time.mjs jsfive [RUNS] DIR   DIR: a jsfive package installed elsewhere
 *                                                     (npm install --no-save jsfive@0.4.2 in a scratch folder;
 *                                                     jsfive is not a dependency)
 * Needs `npx tsc -p tsconfig.json` (dist/) and python3-h5py. The .h5 is written once to $TMPDIR.
 */
import { promises as fs, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);
const [which = 'h5wasm', runsArg = '5', jsfiveDir] = process.argv.slice(2);
if (!['h5wasm', 'jsfive'].includes(which) || (which === 'jsfive' && !jsfiveDir)) {
  console.error('usage: node scripts/h5-load-time.mjs h5wasm|jsfive [RUNS] [JSFIVE-DIR]');
  process.exit(2);
}
const { initBackend } = await dist('src/backend/index.js');
const { buildModel } = await dist('src/models/presets.js');
const { readWeightSource, applyWeights } = await dist('src/weights/index.js');
const { writeH5, knownLayers } = await dist('test/weights/h5-fixtures.js');
await initBackend('cpu');
const model = buildModel('v2', { alpha: 1, inputShape: [224, 224, 3] });
const file = path.join(os.tmpdir(), 'mobilenet-h5-load-time-v2_1.0_224.h5');
if (!(await fs.stat(file).catch(() => null))) writeH5(file, knownLayers(model), 'keras2');

/** jsfive's datasets as a weight source (the same Map readWeightSource gives). */
async function viaJsfive() {
  const hdf5 = await import(pathToFileURL(path.join(path.resolve(jsfiveDir), 'dist', 'esm', 'index.mjs')).href);
  const buf = await fs.readFile(file);
  const f = new hdf5.File(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), file);
  const layers = new Map();
  for (const name of f.attrs.layer_names) {
    layers.set(name, f.get(name).attrs.weight_names.map((wn) => {
      const ds = f.get(`${name}/${wn}`);
      return { name: wn, shape: ds.shape, values: Float32Array.from(ds.value) };
    }));
  }
  return { description: `jsfive:${file}`, layers };
}

const ms = [];
let loaded = 0;
for (let i = 0; i < Number(runsArg); i++) {
  const t0 = performance.now();
  const src = which === 'jsfive' ? await viaJsfive() : await readWeightSource(file);
  loaded = applyWeights(model, src).loaded.length;
  ms.push(Math.round(performance.now() - t0));
}
const sorted = [...ms].sort((a, b) => a - b);
console.log(JSON.stringify({ which, bytes: statSync(file).size, loaded, ms, median: sorted[sorted.length >> 1] }));
