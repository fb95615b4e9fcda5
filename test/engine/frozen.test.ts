/**
 * Frozen layers in the native plan against TF.js autodiff with the same layers frozen (reference.ts: frozen BNs in
 * inference mode on both sides, as Keras): loss, the trainable weights' gradients, several Adam steps, and frozen
 * weights and BN statistics left exactly as they were; no backward pass below the lowest trainable layer.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/index.js';
import { Engine } from '../../src/engine/engine.js';
import { Arch, buildModel } from '../../src/models/presets.js';
import { SKIP } from '../backend/compare.js';
import { ADAM, batchFor, compareGradients, compareInference, compareSteps } from './reference.js';

type Freeze = 'backbone' | 'partly' | 'top-without-bn';

/**
 * The case's logits model with moving statistics as a trained network has them (each BN's from one training-mode
 * batch): frozen BNs with the initial statistics (0, 1) would pass activations of ~1e5 upward.
 */
function build(arch: Arch): tfl.LayersModel {
  const model = buildModel(arch, {
    alpha: arch === 'v3-small' ? 1 : 0.35, seed: 5, classifierActivation: null,
    ...(arch === 'v1' ? { dropout: 0 } : {}), ...(arch.startsWith('v3') ? { dropoutRate: 0 } : {}),
  }, 'mnist');
  const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as Array<{ momentum: number }>;
  const momenta = bns.map((l) => l.momentum);
  bns.forEach((l) => { l.momentum = 0; });
  const { x } = batchFor(model, 16, 77);
  tf.tidy(() => { model.apply(tf.tensor4d(x, [16, 28, 28, 1]), { training: true }); });
  bns.forEach((l, i) => { l.momentum = momenta[i]; });
  return model;
}

/**
 * Freezes layers of `model` (tfjs-layers' trainable = false, as Keras's layer.trainable = False):
 * - backbone: every layer before the global pooling (the head trains);
 * - partly: the first 60% of the layers (the top blocks and the head train);
 * - top-without-bn: as partly, and every BN above stays frozen too (inference mode between trainable convolutions).
 */
function freeze(model: tfl.LayersModel, how: Freeze): string[] {
  const pool = model.layers.findIndex((l) => l.getClassName() === 'GlobalAveragePooling2D');
  const cut = how === 'backbone' ? pool : Math.floor(model.layers.length * 0.6);
  const frozen: string[] = [];
  model.layers.forEach((l, i) => {
    if (i < cut || (how === 'top-without-bn' && l.getClassName() === 'BatchNormalization')) {
      l.trainable = false;
      if (l.weights.length) frozen.push(l.name);
    }
  });
  return frozen;
}

function compile(model: tfl.LayersModel): Engine {
  const e = Engine.compile(model, { logits: true });
  if ('unsupported' in e) assert.fail(e.unsupported);
  return e;
}

const CASES: Array<{ arch: Arch; how: Freeze; rtol: number }> = [
  { arch: 'v1', how: 'backbone', rtol: 1e-3 },
  { arch: 'v1', how: 'partly', rtol: 1e-3 },
  { arch: 'v2', how: 'backbone', rtol: 1e-3 },
  { arch: 'v2', how: 'partly', rtol: 1e-3 },
  { arch: 'v2', how: 'top-without-bn', rtol: 1e-3 },
  { arch: 'v3-small', how: 'backbone', rtol: 5e-3 },
  { arch: 'v3-small', how: 'partly', rtol: 5e-3 },
];

for (const c of CASES) {
  test(`engine, frozen layers = TF.js autodiff: ${c.arch} ${c.how}: gradients, 6 Adam steps, frozen weights untouched`, { skip: SKIP }, async () => {
    await initBackend('onednn');
    const model = build(c.arch);
    const frozenLayers = freeze(model, c.how);
    assert.ok(frozenLayers.length > 0);
    const eng = compile(model);
    const params = eng.graph.params;
    const frozen = params.map((p, i) => ({ p, i })).filter(({ p }) => frozenLayers.includes(p.variable.name.split('/')[0]));
    const before = frozen.map(({ i }) => eng.value(i));
    const zero = await compareGradients(model, eng, 8, c.rtol);
    const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
    const e2 = compile(model);
    await compareSteps(model, e2, opt, ADAM, 8, 6, zero, c.rtol);
    // frozen weights and BN statistics: exactly as they were, in the plan and in the TF.js model alike
    frozen.forEach(({ p, i }, k) => {
      assert.deepEqual(e2.value(i), before[k], `${p.variable.name} changed in the plan`);
      assert.deepEqual(p.variable.read().dataSync(), before[k], `${p.variable.name} changed in TF.js`);
    });
    e2.pushWeights();
    compareInference(model, e2, 8);
    opt.dispose();
    model.dispose();
  });
}

test('engine, frozen backbone: the backward pass stops at the lowest trainable layer', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const counts: Record<string, number> = {};
  for (const how of ['none', 'backbone', 'partly'] as const) {
    const model = build('v2');
    if (how !== 'none') freeze(model, how);
    const eng = compile(model);
    const { x, y } = batchFor(model, 4, 3);
    counts[how] = (await eng.step(x, y, ADAM, { lr: 1e-3 })).backwardOps!;
    model.dispose();
  }
  assert.ok(counts.backbone <= 2, `frozen backbone: ${counts.backbone} backward ops (the head's dense layer only)`);
  assert.ok(counts.backbone < counts.partly && counts.partly < counts.none, JSON.stringify(counts));
});
