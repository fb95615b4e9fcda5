/**
 * The native V3 kernels (hard-sigmoid, hard-swish, SE multiply, affine, spatial mean; forward and backward) against the same
 * arithmetic in stock TF.js ops on the cpu backend, on random inputs that cross the ±3 kinks, small
 * (single-threaded loop) and large (OpenMP) sizes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, rand, runOn, SKIP } from './compare.js';
import { AFFINE, HARD_SIGMOID, HARD_SWISH, SE_MUL, SPATIAL_MEAN } from '../../src/backend/v3-kernels.js';

/** Values in [-scale, scale): with scale 5 about 40% fall outside (-3, 3). */
const t = (shape: number[], seed: number, scale = 5) =>
  tf.mul(tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape), scale);

/** Stock relu6(x + 3)/6 as Keras 3 defines it, and x times it. */
const stockHardSigmoid = (x: tf.Tensor) => tf.div(tf.relu6(tf.add(x, 3)), 6);
const stockHardSwish = (x: tf.Tensor) => tf.mul(x, stockHardSigmoid(x));

/** Forward and gradient (of Σ f(x)·dy) of f, on the active backend. */
function withGrad(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, dy: tf.Tensor): tf.Tensor[] {
  return [f(x), tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f(xx), dy)))(x)];
}

const native = (kernel: string) => (x: tf.Tensor) => tf.engine().runKernel(kernel, { x }, {}) as tf.Tensor;

for (const [kernel, stock] of [[HARD_SIGMOID, stockHardSigmoid], [HARD_SWISH, stockHardSwish]] as const) {
  test(`${kernel} forward and gradient match relu6-based stock ops on cpu`, { skip: SKIP }, async () => {
    for (const shape of [[3, 7], [8, 14, 14, 72]]) { // 21 and 112,896 elements
      const ref = await runOn('cpu', () => withGrad(stock, t(shape, 1), t(shape, 2, 1)));
      const got = await runOn('onednn', () => withGrad(native(kernel), t(shape, 1), t(shape, 2, 1)));
      assertClose(got[0], ref[0], 1e-6, `${kernel} ${shape} forward`);
      assertClose(got[1], ref[1], 1e-6, `${kernel} ${shape} gradient`);
    }
  });
}

test(`${AFFINE} (Rescaling) forward and gradient match mul + add on cpu`, { skip: SKIP }, async () => {
  for (const [scale, offset] of [[1 / 6, 0.5], [1 / 127.5, -1]]) {
    for (const shape of [[3, 7], [8, 14, 14, 72]]) {
      const stock = (x: tf.Tensor) => tf.add(tf.mul(x, scale), offset);
      const native = (x: tf.Tensor) => tf.engine().runKernel(AFFINE, { x }, { scale, offset }) as tf.Tensor;
      const ref = await runOn('cpu', () => withGrad(stock, t(shape, 6), t(shape, 7, 1)));
      const got = await runOn('onednn', () => withGrad(native, t(shape, 6), t(shape, 7, 1)));
      assertClose(got[0], ref[0], 1e-6, `${AFFINE} ${scale} ${offset} ${shape} forward`);
      assertClose(got[1], ref[1], 1e-6, `${AFFINE} ${scale} ${offset} ${shape} gradient`);
    }
  }
});

test(`${SPATIAL_MEAN} (global average pooling) forward and gradient match mean over H, W on cpu`, { skip: SKIP }, async () => {
  for (const shape of [[1, 1, 1, 3], [7, 5, 3, 24], [16, 14, 14, 72]]) {
    const dyShape = [shape[0], shape[3]];
    const f = (mean: (x: tf.Tensor) => tf.Tensor) => () => {
      const x = t(shape, 8), dy = t(dyShape, 9, 1);
      return [mean(x), tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(mean(xx), dy)))(x)];
    };
    const ref = await runOn('cpu', f((x) => tf.mean(x, [1, 2])));
    const got = await runOn('onednn', f((x) => tf.engine().runKernel(SPATIAL_MEAN, { x }, {}) as tf.Tensor));
    assertClose(got[0], ref[0], 1e-5, `${SPATIAL_MEAN} ${shape} forward`);
    assertClose(got[1], ref[1], 1e-6, `${SPATIAL_MEAN} ${shape} gradient`);
  }
});

test('hard-sigmoid and hard-swish: exact values at and around the kinks', { skip: SKIP }, async () => {
  const xs = [-1e9, -3.0001, -3, -2.9999, -1, 0, 1, 2.9999, 3, 3.0001, 1e9];
  const [hs, hw, dhs, dhw] = await runOn('onednn', () => {
    const x = tf.tensor1d(xs);
    return [native(HARD_SIGMOID)(x), native(HARD_SWISH)(x),
      tf.grad((v: tf.Tensor) => tf.sum(native(HARD_SIGMOID)(v)))(x), tf.grad((v: tf.Tensor) => tf.sum(native(HARD_SWISH)(v)))(x)];
  });
  xs.forEach((x, i) => {
    const h = Math.min(Math.max(x + 3, 0), 6) / 6;
    assert.ok(Math.abs(hs[i] - h) < 1e-6, `hs(${x}) = ${hs[i]}`);
    assert.ok(Math.abs(hw[i] - x * h) <= 1e-6 * Math.max(1, Math.abs(x)), `hw(${x}) = ${hw[i]}`);
    // TF.js's own gradients of the stock layers (Rescaling → ReLU(max 1), or relu6(x + 3)/6): the mask passes on
    // (-3, 3], so at x = 3 hs' = 1/6 and hard-swish's slope hs(3) + 3·hs'(3) = 1.5
    assert.equal(dhs[i], x > -3 && x <= 3 ? Math.fround(1 / 6) : 0, `hs'(${x})`);
    const slope = x <= -3 ? 0 : x > 3 ? 1 : x / 3 + 0.5;
    assert.ok(Math.abs(dhw[i] - slope) < 1e-6, `hw'(${x}) = ${dhw[i]} vs ${slope}`);
  });
});

test(`${SE_MUL} forward and both gradients match broadcasting mul on cpu`, { skip: SKIP }, async () => {
  for (const [b, h, w, c] of [[1, 3, 4, 5], [7, 5, 5, 24], [16, 14, 14, 72]]) {
    const make = () => [t([b, h, w, c], 3), tf.sigmoid(t([b, 1, 1, c], 4)), t([b, h, w, c], 5, 1)];
    const f = (mul: (x: tf.Tensor, g: tf.Tensor) => tf.Tensor) => () => {
      const [x, g, dy] = make();
      return [mul(x, g), ...tf.grads((xx: tf.Tensor, gg: tf.Tensor) => tf.sum(tf.mul(mul(xx, gg), dy)))([x, g])];
    };
    const ref = await runOn('cpu', f(tf.mul));
    const got = await runOn('onednn', f((x, gate) => tf.engine().runKernel(SE_MUL, { x, gate }, {}) as tf.Tensor));
    ['forward', 'dx', 'dgate'].forEach((what, i) => assertClose(got[i], ref[i], 1e-5, `${SE_MUL} [${b},${h},${w},${c}] ${what}`));
  }
});

test(`${SE_MUL} refuses shapes that are not x [B, H, W, C] with gate [B, 1, 1, C]`, { skip: SKIP }, async () => {
  await runOn('onednn', () => {
    assert.throws(() => tf.engine().runKernel(SE_MUL, { x: tf.zeros([2, 3, 3, 4]), gate: tf.zeros([2, 1, 1, 5]) }, {}),
      /gate \[B, 1, 1, C\] expected/);
    return tf.zeros([1]);
  });
});
