import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { buildModel } from '../../src/models/presets.js';
import { adamStepOn, assertClose, rand, SKIP } from './compare.js';

const BATCH = 8;

function build(arch: 'v1' | 'v2'): tfl.LayersModel {
  const opts = arch === 'v1' ? { alpha: 0.25, seed: 7, dropout: 0 } : { alpha: 0.35, seed: 7 };
  return buildModel(arch, opts, 'mnist');
}

function batch(): [tf.Tensor, tf.Tensor] {
  const x = tf.tensor4d(rand(BATCH * 28 * 28, 3), [BATCH, 28, 28, 1]); // [B, 28, 28, 1]
  const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10), 'float32'); // [B, 10]
  return [x, y];
}

for (const arch of ['v1', 'v2'] as const) {
  test(`${arch}: gradients and one Adam training step on onednn match cpu`, { skip: SKIP }, async () => {
    const ref = await adamStepOn('cpu', () => build(arch), batch);
    const got = await adamStepOn('onednn', () => build(arch), batch);
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
