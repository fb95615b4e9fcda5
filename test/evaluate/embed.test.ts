/**
 * embed() and `mobilenet embed`: the pooled penultimate features of a tiny run (V1 alpha 0.35, 32×32×3, BN
 * calibrated) equal plain TF.js's — the model loaded from the run's files with stock tfl.loadLayersModel, the images
 * decoded and normalised here — within 1e-4 relative, through the engine when the native addon is there; a named
 * 4-D layer is average-pooled; batch size does not change the values; --json maps each image to its array.
 */
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { initBackend, nativeAvailable } from '../../src/backend/index.js';
import { embed } from '../../src/evaluate/embed.js';
import { loadRun } from '../../src/run/run-dir.js';
import { runCli } from '../helpers.js';
import { makeRunDir, removeDir } from '../serve/fixture.js';

let dir = '';
const images: string[] = [];
const SIDE = 32;

/** A deterministic RGB image [SIDE, SIDE, 3]: smooth gradients that differ per `k`, so features differ per image. */
function pixels(k: number): Uint8Array {
  const p = new Uint8Array(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      for (let c = 0; c < 3; c++) p[(y * SIDE + x) * 3 + c] = (x * (k + 3) * 7 + y * (c + 1) * (k + 5) * 3 + k * 40) % 256;
    }
  }
  return p;
}

before(async () => {
  dir = await makeRunDir({ arch: 'v1', inputShape: [SIDE, SIDE, 3], dataset: 'folder:colours' });
  for (let k = 0; k < 5; k++) {
    const file = path.join(dir, `img-${k}.png`);
    await fs.writeFile(file, await sharp(pixels(k), { raw: { width: SIDE, height: SIDE, channels: 3 } }).png().toBuffer());
    images.push(file);
  }
});
after(() => removeDir(dir));

/** The run's model loaded by stock TF.js from model.json + weights.bin, on the cpu backend. */
async function stockModel(): Promise<tfl.LayersModel> {
  await initBackend('cpu');
  const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
  const bin = await fs.readFile(path.join(dir, 'weights.bin'));
  return tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
}

/** The images as the model input, normalised with the run's mean/std, computed here: [n, SIDE, SIDE, 3]. */
async function stockInput(): Promise<tf.Tensor4D> {
  const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'));
  const { mean, std } = meta.normalization as { mean: number[]; std: number[] };
  const all = new Float32Array(images.length * SIDE * SIDE * 3);
  for (const [i, f] of images.entries()) {
    const raw = await sharp(await fs.readFile(f)).removeAlpha().raw().toBuffer();
    raw.forEach((v, j) => { all[i * raw.length + j] = (v / 255 - mean[j % 3]) / std[j % 3]; });
  }
  return tf.tensor4d(all, [images.length, SIDE, SIDE, 3]);
}

function relErr(got: number[][], want: number[][]): number {
  const w = want.flat();
  const scale = Math.max(...w.map(Math.abs));
  assert.ok(scale > 1e-3, `features are not all ~0 (max ${scale})`);
  return Math.max(...got.flat().map((v, i) => Math.abs(v - w[i]))) / scale;
}

test('embed gives plain TF.js\'s global_average_pooling2d features (and a named 4-D layer, pooled) within 1e-4', async () => {
  const stock = await stockModel();
  const x = await stockInput();
  const pen = tf.tidy(() => (tfl.model({ inputs: stock.inputs, outputs: stock.getLayer('global_average_pooling2d').output }).predict(x) as tf.Tensor).arraySync() as number[][]);
  const mid = tf.tidy(() => tf.mean(tfl.model({ inputs: stock.inputs, outputs: stock.getLayer('conv_pw_6_relu').output }).predict(x) as tf.Tensor, [1, 2]).arraySync() as number[][]);
  x.dispose();
  await initBackend('auto');
  const run = await loadRun(dir);
  const r = await embed(run, images);
  assert.equal(r.runner, nativeAvailable() ? 'engine' : 'tfjs');
  assert.deepEqual([r.layer, r.pooled, r.dimension, r.embeddings.length], ['global_average_pooling2d', false, pen[0].length, 5]);
  assert.deepEqual(r.embeddings.map((e) => e.source), images);
  const got = r.embeddings.map((e) => Array.from(e.features));
  const err = relErr(got, pen);
  assert.ok(err <= 1e-4, `penultimate: max |embed − tfjs| / max |tfjs| = ${err.toExponential(2)}`);
  // the images differ, so do their features (a constant answer would pass the comparison above only by chance)
  assert.ok(relErr([got[0]], [got[1]]) > 1e-2);

  const m = await embed(run, images, { layer: 'conv_pw_6_relu' });
  assert.deepEqual([m.layer, m.pooled, m.dimension], ['conv_pw_6_relu', true, mid[0].length]);
  const errMid = relErr(m.embeddings.map((e) => Array.from(e.features)), mid);
  assert.ok(errMid <= 1e-4, `conv_pw_6_relu pooled: ${errMid.toExponential(2)}`);
});

test('batching gives the values of batch size 1', async () => {
  await initBackend('auto');
  const run = await loadRun(dir);
  const one = await embed(run, images, { batchSize: 1 });
  for (const batchSize of [2, 5, 32]) {
    const b = await embed(run, images, { batchSize });
    const err = relErr(b.embeddings.map((e) => Array.from(e.features)), one.embeddings.map((e) => Array.from(e.features)));
    assert.ok(err <= 1e-6, `batch size ${batchSize} vs 1: ${err.toExponential(2)}`);
  }
});

test('mobilenet embed: one text line per image, --json maps each image to its array, as the library gives', async () => {
  const run = await loadRun(dir);
  const lib = await embed(run, images.slice(0, 3));
  const j = runCli(['embed', dir, ...images.slice(0, 3), '--json', '--batch-size', '2']);
  assert.equal(j.status, 0, j.stderr);
  const out = JSON.parse(j.stdout) as Record<string, number[]>;
  assert.deepEqual(Object.keys(out), images.slice(0, 3));
  for (const e of lib.embeddings) {
    assert.equal(out[e.source].length, 358); // 1024 channels at alpha 0.35
    assert.ok(relErr([out[e.source]], [Array.from(e.features)]) <= 1e-6, e.source);
  }
  const t = runCli(['embed', dir, ...images.slice(0, 2), '--layer', 'conv_pw_6_relu']);
  assert.equal(t.status, 0, t.stderr);
  const lines = t.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  lines.forEach((l, i) => assert.match(l, new RegExp(`^${images[i].replace(/[.\\/]/g, '\\$&')}: 179-d \\[-?\\d+\\.\\d{4}, -?\\d+\\.\\d{4}, -?\\d+\\.\\d{4}, -?\\d+\\.\\d{4}, …\\] L2 \\d+\\.\\d{4}$`)));
  assert.match(t.stderr, /layer conv_pw_6_relu \(global average pooled\), 179 values an image/);
});
