/**
 * MobileNet V3 on 'onednn': the layers take the native hard-sigmoid / hard-swish / SE paths (and only
 * where they are exact), the saved topology stays stock, and inference, gradients and one Adam step
 * match the cpu backend.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import {
  AFFINE, HARD_SIGMOID, HARD_SIGMOID_GRAD, HARD_SWISH, HARD_SWISH_GRAD, SE_MUL, SE_MUL_GRAD, SPATIAL_MEAN,
  SPATIAL_MEAN_GRAD,
} from '../../src/backend/v3-kernels.js';
import { multiply } from '../../src/backend/v3-layers.js';
import { buildModel } from '../../src/models/presets.js';
import { hardSwish } from '../../src/models/v3-blocks.js';
import { adamStepOn, assertClose, rand, runOn, SKIP } from './compare.js';

const ARCHS = ['v3-small', 'v3-large'] as const;
/** Small, deterministic V3s (no dropout: its masks differ between runs). */
const build = (arch: string, o: object = {}) => buildModel(arch, { alpha: 0.5, seed: 7, dropoutRate: 0, ...o }, 'mnist');
const images = (n: number, seed: number) => tf.tensor4d(rand(n * 28 * 28, seed), [n, 28, 28, 1]); // [B, 28, 28, 1]

/** Names of the kernels `f` runs. */
async function kernelsRun(f: () => tf.TensorContainer): Promise<Set<string>> {
  const info = await tf.profile(() => f() as tf.Tensor);
  tf.dispose(info.result);
  return new Set(info.kernels.map((k) => k.name));
}

test('V3 training step on onednn runs the native hard-sigmoid, hard-swish and SE kernels forward and backward', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const m = build('v3-large');
  const x = images(4, 1);
  const vars = m.trainableWeights.map((w) => w.read() as tf.Variable);
  const names = await kernelsRun(() => {
    const { value, grads } = tf.variableGrads(() => tf.mean(m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
    return [value, ...Object.values(grads)];
  });
  for (const k of [HARD_SIGMOID, HARD_SIGMOID_GRAD, HARD_SWISH, HARD_SWISH_GRAD, SE_MUL, SE_MUL_GRAD, AFFINE, SPATIAL_MEAN,
    SPATIAL_MEAN_GRAD]) assert.ok(names.has(k), k);
  assert.ok(!names.has('ClipByValue'), 'no stock clip (its ReLUs are native)');
  tf.dispose(x);
  m.dispose();
});

test('the fused paths only where exact: a Multiply of unrelated tensors, or on cpu, is the stock product', { skip: SKIP }, async () => {
  const input = tfl.input({ shape: [6] });
  const other = tfl.input({ shape: [6] });
  const fused = hardSwish(input, 'hw');
  const plain = multiply({ name: 'plain' }).apply([input, other]) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: [input, other], outputs: [fused, plain] });
  const xs = [-4, -3, -1, 0, 2, 5];
  const run = () => model.predict([tf.tensor2d([xs]), tf.tensor2d([[2, 2, 2, 2, 2, 2]])]) as tf.Tensor[];
  const [hw, prod] = await runOn('onednn', run);
  const [hwCpu] = await runOn('cpu', run);
  assert.deepEqual(Array.from(prod), xs.map((v) => 2 * v));
  assertClose(hw, hwCpu, 1e-6, 'hard-swish onednn vs cpu');
  // Called eagerly outside the model with a gate that is not the hard-sigmoid of x: the product.
  await initBackend('onednn');
  const y = model.getLayer('hw').apply([tf.tensor1d([1, 2]), tf.tensor1d([3, 4])]) as tf.Tensor;
  assert.deepEqual(Array.from(y.dataSync()), [3, 8]);
});

test('V3 model.json holds only stock class names and round-trips', { skip: SKIP }, async () => {
  await initBackend('onednn');
  for (const arch of ARCHS) {
    const model = build(arch);
    const json = JSON.stringify(model.toJSON(null, false));
    const classes = new Set([...json.matchAll(/"class_name":"(\w+)"/g)].map((m) => m[1]));
    assert.deepEqual([...classes].sort(), ['Activation', 'Add', 'BatchNormalization', 'Conv2D', 'DepthwiseConv2D',
      'Flatten', 'GlobalAveragePooling2D', 'InputLayer', 'Model', 'Multiply', 'ReLU', 'Rescaling', 'Reshape',
      'Ones', 'VarianceScaling', 'Zeros'].sort(), arch); // layers and initialisers
    const copy = await tfl.models.modelFromJSON(JSON.parse(json));
    copy.setWeights(model.getWeights());
    const x = images(3, 9);
    const a = model.predict(x) as tf.Tensor, b = copy.predict(x) as tf.Tensor;
    assertClose(b.dataSync() as Float32Array, a.dataSync() as Float32Array, 1e-6, `${arch} round-trip predictions`);
    tf.dispose([x, a, b]);
    model.dispose();
    copy.dispose();
  }
});

test('V3 inference and training-mode forward on onednn match cpu', { skip: SKIP }, async () => {
  for (const arch of ARCHS) {
    for (const training of [false, true]) {
      const run = () => {
        const m = build(arch, { alpha: 0.75, minimalistic: false });
        const x = images(5, 12);
        const y = (training ? m.apply(x, { training: true }) : m.predict(x)) as tf.Tensor; // [B, 10]
        m.dispose();
        return y;
      };
      assertClose((await runOn('onednn', run))[0], (await runOn('cpu', run))[0], 1e-4, `${arch} training=${training}`);
    }
  }
});

/** A batch of 8 images with labels 0–7 (one-hot). */
function batch(): [tf.Tensor, tf.Tensor] {
  return [images(8, 3), tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10), 'float32')]; // [B, 10]
}

for (const arch of ARCHS) {
  test(`${arch}: gradients and one Adam step on onednn match cpu`, { skip: SKIP }, async () => {
    const ref = await adamStepOn('cpu', () => build(arch), batch);
    const got = await adamStepOn('onednn', () => build(arch), batch);
    assert.ok(Math.abs(got.loss - ref.loss) <= 1e-4 * Math.abs(ref.loss), `loss ${got.loss} vs ${ref.loss}`);
    const gmax = Math.max(...ref.grads.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    ref.grads.forEach((r, i) => assertClose(got.grads[i], r, 1e-3, `gradient ${i}`, 1e-2 * gmax));
    for (const [name, r] of ref.weights) assertClose(got.weights.get(name)!, r, 1e-3, name, 1);
  });
}
