/**
 * The training executors of one plan share their buffers (native/src/plan/train.h, TrainBuffers): a step at a second
 * batch size must give exactly what a fresh plan gives at that size, and the first size must still be exact after.
 * The plan's set-up time (executors built) grows only when a new batch size is built.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/index.js';
import { Engine } from '../../src/engine/engine.js';
import { buildModel } from '../../src/models/presets.js';
import { SKIP } from '../backend/compare.js';
import { ADAM, batchFor } from './reference.js';

function compile(model: Parameters<typeof Engine.compile>[0]): Engine {
  const e = Engine.compile(model, { logits: true });
  if ('unsupported' in e) assert.fail(e.unsupported);
  return e;
}

/** Loss and every gradient of one step without update. */
async function probe(e: Engine, x: Float32Array, y: Int32Array): Promise<{ loss: number; grads: Float32Array[] }> {
  const r = await e.step(x, y, ADAM, { lr: ADAM.lr, update: false });
  return { loss: r.loss, grads: e.graph.params.map((p, i) => (p.trainable ? e.gradient(i) : new Float32Array(0))) };
}

test('engine: a second batch size runs in the first one\'s buffers and matches a fresh plan exactly; set-up is counted once per size', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const model = buildModel('v2', { alpha: 0.35, seed: 5, classifierActivation: null }, 'mnist');
  const big = batchFor(model, 8, 3), small = batchFor(model, 5, 4);
  const a = compile(model);
  assert.equal(a.setupSeconds(), 0);
  const first = await probe(a, big.x, big.y);
  const afterFirst = a.setupSeconds();
  assert.ok(afterFirst > 0, 'building the batch-8 executor takes time');
  await probe(a, big.x, big.y);
  assert.equal(a.setupSeconds(), afterFirst, 'the same batch size builds nothing');
  const shared = await probe(a, small.x, small.y);
  assert.ok(a.setupSeconds() > afterFirst, 'a new batch size builds an executor');
  const again = await probe(a, big.x, big.y);
  const fresh = await probe(compile(model), small.x, small.y);
  assert.equal(shared.loss, fresh.loss);
  assert.equal(again.loss, first.loss);
  shared.grads.forEach((g, i) => assert.deepEqual(g, fresh.grads[i], `gradient ${i} at batch 5`));
  again.grads.forEach((g, i) => assert.deepEqual(g, first.grads[i], `gradient ${i} at batch 8 after batch 5`));
  a.trim();
  model.dispose();
});
