import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/presets.js';
import { assertClose, rand, SKIP } from './compare.js';

const BATCH = 8;

interface StepResult { loss: number; grads: Float32Array[]; weights: Map<string, Float32Array> }

function build(arch: 'v1' | 'v2'): tfl.LayersModel {
  const opts = arch === 'v1' ? { alpha: 0.25, seed: 7, dropout: 0 } : { alpha: 0.35, seed: 7 };
  return buildModel(arch, opts, 'mnist');
}

function batch(): [tf.Tensor, tf.Tensor] {
  const x = tf.tensor4d(rand(BATCH * 28 * 28, 3), [BATCH, 28, 28, 1]); // [B, 28, 28, 1]
  const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10), 'float32'); // [B, 10]
  return [x, y];
}

/** On `backend`: gradients of the training-mode loss, then one Adam trainOnBatch step; all from seed 7. */
async function oneStep(backend: 'cpu' | 'onednn', arch: 'v1' | 'v2'): Promise<StepResult> {
  await initBackend(backend);
  const [x, y] = batch();
  const probe = build(arch);
  const vars = probe.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads } = tf.variableGrads(() => tf.mean(tfl.metrics.categoricalCrossentropy(
    y, probe.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, vars);
  const gradValues = vars.map((v) => grads[v.name].dataSync() as Float32Array);
  tf.dispose(Object.values(grads));
  probe.dispose();

  const model = build(arch);
  // Adam's first step moves every weight by ~lr·sign(gradient); weights whose gradient is zero in
  // exact arithmetic (e.g. a BN beta followed by conv + BN in training mode) get float noise whose
  // sign differs between backends. epsilon 1e-4 keeps those noise-driven moves small.
  model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-4), loss: 'categoricalCrossentropy' });
  const loss = await model.trainOnBatch(x, y) as number;
  const weights = new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
  tf.dispose([x, y]);
  model.dispose();
  return { loss, grads: gradValues, weights };
}

for (const arch of ['v1', 'v2'] as const) {
  test(`${arch}: gradients and one Adam training step on onednn match cpu`, { skip: SKIP }, async () => {
    const ref = await oneStep('cpu', arch);
    const got = await oneStep('onednn', arch);
    assert.ok(Number.isFinite(got.loss), 'loss is finite');
    assert.ok(Math.abs(got.loss - ref.loss) <= 1e-4 * Math.abs(ref.loss), `loss ${got.loss} vs ${ref.loss}`);
    assert.equal(got.grads.length, ref.grads.length);
    // Some gradients are zero in exact arithmetic (a BN beta feeding conv + BN): compare relative to
    // the tensor's own scale, floored at 1% of the model's largest gradient.
    const gmax = Math.max(...ref.grads.map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    ref.grads.forEach((r, i) => assertClose(got.grads[i], r, 1e-3, `gradient ${i}`, 1e-2 * gmax));
    assert.equal(got.weights.size, ref.weights.size);
    for (const [name, r] of ref.weights) {
      const g = got.weights.get(name);
      assert.ok(g, `weight ${name} present`);
      // Relative to the weight scale: max |w|, at least 1 (gamma starts at 1, beta at 0).
      assertClose(g, r, 1e-3, name, 1);
    }
  });
}
