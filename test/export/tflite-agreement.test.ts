/**
 * Float TFLite export checked by a real TFLite runtime: LiteRT.js 2.5.3 (XNNPack on WebAssembly) in headless
 * Chromium runs each exported .tflite file and gives TF.js's outputs within 1e-4 and the same top-1 — V1, V2,
 * V3-Small and V3-Large at 28×28×1 on 200 MNIST test images, V2 alpha 0.35 at 96×96×3 on 16 resized ones — and
 * the graphs are what they should be: every BN folded, every ReLU/ReLU6 after a convolution fused, V3's
 * hard-swish one HARD_SWISH op.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { convertToTflite } from '../../src/export/tflite/index.js';
import type { Arch } from '../../src/models/presets.js';
import { LiteRt, liteRtSkipReason, startLiteRt } from './litert.js';
import { compare, decisiveModel, mnistInput } from './onnx-helpers.js';

const skip = liteRtSkipReason() ?? false;
let lite: LiteRt;
before(async () => {
  await initBackend('auto');
  if (!skip) lite = await startLiteRt();
});
after(async () => {
  await lite?.close();
});

const CASES: Array<[Arch, number, [number, number, number], number]> = [
  ['v1', 1, [28, 28, 1], 200], ['v2', 1, [28, 28, 1], 200], ['v3-small', 1, [28, 28, 1], 200], ['v3-large', 1, [28, 28, 1], 200],
  ['v2', 0.35, [96, 96, 3], 16],
];

for (const [arch, alpha, shape, count] of CASES) {
  test(`${arch} alpha ${alpha} ${shape.join('x')}: LiteRT.js runs the .tflite and agrees with TF.js on ${count} MNIST images`, { skip }, async () => {
    const model = await decisiveModel(arch, alpha, shape, 16);
    const c = convertToTflite(model, { batch: 1 });
    assert.deepEqual(c.inputShape, [1, ...shape]);
    assert.deepEqual(c.outputShape, [1, 10]);
    const convs = model.layers.filter((l) => /Conv2D$/.test(l.getClassName())).length;
    assert.equal(c.ops.filter((o) => o === 'CONV_2D' || o === 'DEPTHWISE_CONV_2D').length, convs, 'one op per convolution');
    assert.ok(!c.ops.includes('ADD') || arch !== 'v1', 'no BN left as MUL/ADD in V1');
    assert.ok(!c.ops.includes('RELU') && !c.ops.includes('RELU6'), `every ReLU fused into its convolution: ${c.ops.join(' ')}`);
    if (arch.startsWith('v3')) assert.ok(c.ops.includes('HARD_SWISH'));
    lite.put(`${arch}-${alpha}.tflite`, c.bytes);
    const x = await mnistInput(count, shape);
    const ours = tf.tidy(() => (model.predict(x, { batchSize: 100 }) as tf.Tensor).dataSync() as Float32Array);
    const theirs = await lite.run(`${arch}-${alpha}.tflite`, x.dataSync() as Float32Array, shape, 1);
    const cmp = compare(ours, theirs, 10);
    assert.ok(cmp.maxDiff < 1e-4, `max |p_ours − p_tflite| = ${cmp.maxDiff}`);
    assert.deepEqual(cmp.top1Differs, [], `top-1 differs on images ${cmp.top1Differs.join(', ')}`);
    x.dispose();
    model.dispose();
  });
}

test('a batch of 4 and --logits: shapes and values follow', { skip }, async () => {
  const model = await decisiveModel('v2', 0.35, [28, 28, 1], 16);
  const c = convertToTflite(model, { batch: 4, logits: true });
  assert.deepEqual(c.outputShape, [4, 10]);
  assert.equal(c.outputName, 'logits');
  assert.ok(!c.ops.includes('SOFTMAX'));
  lite.put('logits.tflite', c.bytes);
  const x = await mnistInput(8, [28, 28, 1]);
  const probs = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
  const logits = await lite.run('logits.tflite', x.dataSync() as Float32Array, [28, 28, 1], 4);
  const soft = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [8, 10])).dataSync() as Float32Array);
  assert.ok(compare(probs, soft, 10).maxDiff < 1e-4);
  x.dispose();
  model.dispose();
});
