import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertClose, compare, rand, runOn, SKIP } from './compare.js';
import { initBackend, nativeAvailable } from '../../src/backend/index.js';
import { BN_TRAIN, CLIP_RELU } from '../../src/backend/norm-kernels.js';

const t = (shape: number[], seed: number) => tf.tensor(rand(shape.reduce((a, b) => a * b, 1), seed), shape);

test('BatchMatMul and _FusedMatMul (transposes, batch 1 and 7, bias, relu/relu6) match cpu', { skip: SKIP }, async () => {
  for (const batch of [1, 7]) for (const ta of [false, true]) for (const tb of [false, true]) {
    const [M, K, N] = [5, 6, 3];
    const a = () => t(ta ? [batch, K, M] : [batch, M, K], 1 + batch); // [B, M, K] or [B, K, M]
    const b = () => t(tb ? [batch, N, K] : [batch, K, N], 2 + batch); // [B, K, N] or [B, N, K]
    await compare(`BatchMatMul b${batch} ta${ta} tb${tb}`, () => tf.matMul(a(), b(), ta, tb));
  }
  for (const activation of ['linear', 'relu', 'relu6'] as const) {
    await compare(`_FusedMatMul ${activation}`, () => tf.fused.matMul({
      a: t([7, 9], 3), b: t([9, 4], 4), bias: t([4], 5), activation, transposeB: false,
    }));
    await compare(`_FusedMatMul transposeA ${activation}`, () => tf.fused.matMul({
      a: t([9, 7], 3), b: t([4, 9], 4), bias: t([4], 5), activation, transposeA: true, transposeB: true,
    }));
  }
  await compare('matMul broadcast batch (cpu path)', () => tf.matMul(t([1, 3, 4], 6), t([2, 4, 5], 7)));
});

test('FusedBatchNorm (inference) matches cpu, with and without offset/scale', { skip: SKIP }, async () => {
  for (const shape of [[1, 3, 3, 5], [7, 4, 5, 8], [6, 10]]) {
    const C = shape[shape.length - 1];
    const stats = () => [t([C], 8), tf.add(tf.abs(t([C], 9)), 0.1)];
    await compare(`batchNorm ${shape}`, () => {
      const [m, v] = stats();
      return tf.batchNorm(t(shape, 10), m, v, t([C], 11), t([C], 12), 1e-3);
    });
    await compare(`batchNorm no offset/scale ${shape}`, () => {
      const [m, v] = stats();
      return tf.batchNorm(t(shape, 10), m, v, undefined, undefined, 1e-3);
    });
  }
});

/** The stock training-mode batchnorm (moments + batchNorm) and its gradients. */
function stockBnTrain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, dy: tf.Tensor): tf.Tensor[] {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
    const { mean, variance } = tf.moments(xx, axes);
    return tf.batchNorm(xx, mean, variance, bb, gg, 1e-3);
  };
  const { mean, variance } = tf.moments(x, axes);
  return [f(x, g, b), mean, variance, ...tf.grads((xx, gg, bb) => tf.mul(f(xx, gg, bb), dy))([x, g, b])];
}

function nativeBnTrain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, dy: tf.Tensor): tf.Tensor[] {
  const run = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
    tf.engine().runKernel(BN_TRAIN, { x: xx, gamma: gg, beta: bb }, { epsilon: 1e-3 }) as tf.Tensor[];
  const [y, mean, variance] = run(x, g, b);
  return [y, mean, variance, ...tf.grads((xx, gg, bb) => tf.mul(run(xx, gg, bb)[0], dy))([x, g, b])];
}

test('fused training batchnorm (forward, batch statistics, gradients) matches the stock ops on cpu', { skip: SKIP }, async () => {
  for (const shape of [[1, 2, 2, 3], [7, 5, 6, 16], [128, 1, 1, 8]]) {
    const C = shape[shape.length - 1];
    const inputs = () => [tf.add(tf.mul(t(shape, 13), 3), 0.5), tf.add(t([C], 14), 1), t([C], 15), t(shape, 16)];
    const ref = await runOn('cpu', () => stockBnTrain(...(inputs() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])));
    const got = await runOn('onednn', () => nativeBnTrain(...(inputs() as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])));
    ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].forEach((n, i) => assertClose(got[i], ref[i], 1e-4, `${n} ${shape}`, 1e-3));
  }
});

test('fused ReLU / ReLU6 and gradients match relu + clipByValue on cpu (including x = 0 and x = 6)', { skip: SKIP }, async () => {
  const xs = () => tf.concat([tf.mul(t([999], 17), 8), tf.tensor1d([0, 6, -0, 6.0001, 5.9999])]);
  for (const cap of [0, 6]) {
    const stock = (x: tf.Tensor) => (cap ? tf.clipByValue(tf.relu(x), 0, cap) : tf.relu(x));
    const fused = (x: tf.Tensor) => tf.engine().runKernel(CLIP_RELU, { x }, { cap }) as tf.Tensor;
    const dy = () => t([1004], 18);
    const ref = await runOn('cpu', () => [stock(xs()), tf.grad((x) => tf.mul(stock(x), dy()))(xs())]);
    const got = await runOn('onednn', () => [fused(xs()), tf.grad((x) => tf.mul(fused(x), dy()))(xs())]);
    // Exactly equal values (tolerance 0; -0 and +0 count as equal).
    assertClose(got[0], ref[0], 0, `relu cap ${cap} forward`);
    assertClose(got[1], ref[1], 0, `relu cap ${cap} gradient`);
  }
});

test('elementwise ops and Sum/Mean match cpu (equal shapes, scalar sides, fallbacks)', { skip: SKIP }, async () => {
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum],
    ['minimum', tf.minimum], ['squaredDifference', tf.squaredDifference]];
  for (const [name, op] of ops) {
    await compare(`${name} same shape`, () => op(t([70000], 19), t([70000], 20)));
    await compare(`${name} scalar right`, () => op(t([3, 5], 21), tf.scalar(0.7)));
    await compare(`${name} scalar left`, () => op(tf.scalar(-1.3), t([3, 5], 22)));
    await compare(`${name} broadcast row (cpu path)`, () => op(t([3, 5], 23), t([5], 24)));
  }
  await compare('sqrt/square/neg/abs/rsqrt', () => {
    const x = tf.abs(t([1000], 25));
    return [tf.sqrt(x), tf.square(x), tf.neg(x), tf.abs(tf.neg(x)), tf.rsqrt(tf.add(x, 0.1))];
  });
  await compare('sum/mean', () => {
    const x = t([7, 3, 4, 5], 26);
    return [tf.mean(x, [1, 2]), tf.mean(x, [1, 2], true), tf.sum(x, -1), tf.sum(x), tf.mean(x, 0), tf.sum(x, [0, 2]),
      tf.mean(x, [3, 2])];
  });
});

test('Adam steps on onednn (one native pass per variable) match tf.train.adam on cpu', { skip: SKIP }, async () => {
  const steps = async (backend: 'cpu' | 'onednn') => {
    await initBackend(backend);
    const w = tf.variable(t([300], 27)), b = tf.variable(t([4, 5], 28));
    const opt = tf.train.adam(0.01);
    for (let i = 0; i < 3; i++) {
      opt.minimize(() => tf.add(tf.sum(tf.square(tf.sub(w, 0.3))), tf.sum(tf.mul(b, t([4, 5], 29 + i)))) as tf.Scalar);
    }
    const out = [w.dataSync(), b.dataSync(), ...(await opt.getWeights()).map((s) => s.tensor.dataSync())] as Float32Array[];
    opt.dispose(); w.dispose(); b.dispose();
    return out;
  };
  const ref = await steps('cpu');
  const got = await steps('onednn');
  assert.equal(got.length, ref.length);
  ref.forEach((r, i) => assertClose(got[i], r, 1e-5, `adam state ${i}`));
});

