/** A few optimizer steps on a fixed batch lower the loss; BN runs in training mode (moving statistics move). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { iterateBatches } from '../../src/data/batches.js';
import { buildModel } from '../../src/models/presets.js';
import { makeOptimizer } from '../../src/train/optimizer.js';
import { trainStep, trainableVariables } from '../../src/train/step.js';
import { bandDataset } from './fixture.js';

test('six Adam steps on one batch of 32 lower its loss; moving means update', async () => {
  await initBackend('auto');
  const ds = bandDataset(32, 3);
  const m = buildModel('v2', { inputShape: [8, 8, 1], classes: 3, alpha: 0.35, classifierActivation: null, seed: 1, bnMomentum: 0.9 });
  const movingMean = () => m.getLayer('bn_Conv1').getWeights()[2].dataSync()[0];
  const mean0 = movingMean();
  const opt = makeOptimizer('adam', 1e-3);
  const vars = trainableVariables(m);
  const batch = iterateBatches(ds.train, { batchSize: 32, mean: ds.mean, std: ds.std }).next().value!;
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) losses.push(trainStep(m, opt, vars, batch.x, batch.y, [8, 8, 1], 0).loss);
  assert.ok(losses.every(Number.isFinite), String(losses));
  assert.ok(losses[5] < 0.8 * losses[0], `loss did not fall: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  assert.notEqual(movingMean(), mean0, 'batchnorm moving mean did not move: not training mode?');
  const before = tf.memory().numTensors;
  trainStep(m, opt, vars, batch.x, batch.y, [8, 8, 1], 0.1);
  assert.equal(tf.memory().numTensors, before, 'a step leaked tensors');
});
