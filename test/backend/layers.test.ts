import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/presets.js';
import { assertClose, rand, runOn, SKIP } from './compare.js';

test('fast layers serialise under the stock Keras class names and round-trip through model JSON', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const model = buildModel('v2', { alpha: 0.35, seed: 3 }, 'mnist');
  const json = JSON.stringify(model.toJSON(null, false));
  assert.ok(json.includes('"class_name":"BatchNormalization"'));
  assert.ok(json.includes('"class_name":"ReLU"'));
  assert.ok(!/Mobilenet|Fast/.test(json), 'no custom class names in model.json');
  const x = tf.tensor4d(rand(3 * 28 * 28, 9), [3, 28, 28, 1]); // [B, 28, 28, 1]
  const copy = await tfl.models.modelFromJSON(JSON.parse(json));
  copy.setWeights(model.getWeights());
  const a = model.predict(x) as tf.Tensor, b = copy.predict(x) as tf.Tensor;
  assertClose(b.dataSync() as Float32Array, a.dataSync() as Float32Array, 1e-6, 'round-trip predictions');
  tf.dispose([x, a, b]);
  model.dispose();
  copy.dispose();
});

test('inference (moving statistics, fused conv epilogues) on onednn matches cpu for V1 and V2', { skip: SKIP }, async () => {
  for (const arch of ['v1', 'v2']) {
    const run = () => {
      const m = buildModel(arch, { alpha: 0.5, seed: 11 }, 'mnist');
      const y = m.predict(tf.tensor4d(rand(5 * 28 * 28, 12), [5, 28, 28, 1])) as tf.Tensor; // [B, 10]
      m.dispose();
      return y;
    };
    assertClose((await runOn('onednn', run))[0], (await runOn('cpu', run))[0], 1e-4, `${arch} predictions`);
  }
});
