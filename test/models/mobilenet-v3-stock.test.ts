/**
 * A saved V3 model.json loads with stock `tf.loadLayersModel` in a Node process that imports nothing
 * of this package (only @tensorflow/tfjs-core, -layers and -backend-cpu), and predicts what our build does.
 * (The browser side is test/serve/page-v3.test.ts.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, nativeAvailable } from '../../src/backend/index.js';
import { saveLayersModel } from '../../src/format/layers-format.js';
import { buildModel } from '../../src/models/presets.js';
import { ROOT } from '../helpers.js';
import { calibrateBatchNorm } from '../serve/fixture.js';

/** Loads DIR/model.json with stock TF.js only and prints the predictions for the fixed input as JSON. */
const STOCK_SCRIPT = `
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
const dir = process.argv[1];
const json = JSON.parse(fs.readFileSync(dir + '/model.json', 'utf8'));
const bin = fs.readFileSync(dir + '/weights.bin');
await tf.setBackend('cpu');
const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology,
  weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
const x = tf.tensor4d(JSON.parse(fs.readFileSync(dir + '/input.json', 'utf8')), [2, 40, 40, 3]);
console.log(JSON.stringify(Array.from(model.predict(x).dataSync())));
`;

/** Pixel-like inputs 0..255 (the model includes Keras' Rescaling preprocessing). */
const pixels = () => Array.from({ length: 2 * 40 * 40 * 3 }, (_, i) => (i * 37) % 256);

for (const arch of ['v3-small', 'v3-large']) {
  test(`${arch}: stock tfjs-layers in a clean Node process loads the saved model and predicts the same`, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-v3-stock-'));
    try {
      await initBackend('cpu');
      const model = buildModel(arch, { inputShape: [40, 40, 3], classes: 7, alpha: 0.75, seed: 3 });
      // BN statistics of this very input, so the untrained net's answer depends on it (with the initial 0/1
      // statistics the activations fade block by block and every image gets the same probabilities).
      const x = tf.tensor4d(pixels(), [2, 40, 40, 3]); // [2, 40, 40, 3]
      calibrateBatchNorm(model, x);
      x.dispose();
      await saveLayersModel(model, dir);
      await fs.writeFile(path.join(dir, 'input.json'), JSON.stringify(pixels()));
      const ours: Record<string, Float32Array> = {};
      for (const backend of nativeAvailable().available ? ['cpu', 'onednn'] as const : ['cpu'] as const) {
        await initBackend(backend);
        const y = model.predict(tf.tensor4d(pixels(), [2, 40, 40, 3])) as tf.Tensor; // [2, 7]
        ours[backend] = y.dataSync() as Float32Array;
        y.dispose();
      }
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', STOCK_SCRIPT, dir], { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const stock = JSON.parse(r.stdout.trim().split('\n').pop()!) as number[];
      assert.equal(stock.length, 14);
      assert.ok(Math.abs(stock.slice(0, 7).reduce((a, b) => a + b, 0) - 1) < 1e-5, 'softmax head');
      assert.ok(Math.max(...stock) - Math.min(...stock) > 0.01, `input-dependent answer: ${stock}`);
      for (const [backend, y] of Object.entries(ours)) {
        stock.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5, `${backend} [${i}] ${y[i]} vs stock ${v}`));
      }
      model.dispose();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}
