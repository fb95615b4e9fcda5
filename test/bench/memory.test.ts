/**
 * Training must not leak: tf.memory() flat across many steps after warm-up, RSS bounded, and
 * nothing left behind once a measurement returns.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/backend/index.js';
import { measureInference, measureTraining, trainingRig } from '../../src/bench/measure.js';

const STEPS = 200;
/** Time the checked steps may take; on a slow backend (pure-JS cpu, a busy machine) fewer steps run. */
const BUDGET_MS = 40_000;

for (const engine of [true, false]) {
test(`numTensors and numBytes stay flat across training steps; RSS stays bounded (${engine ? 'native engine' : 'TF.js per kernel'})`, async (t) => {
  const { name } = await initBackend('auto');
  const batch = name === 'cpu' ? 2 : 8; // pure-JS cpu: ~0.8 s a step even at batch 2
  const rig = trainingRig({ arch: 'v2', preset: 'mnist', alpha: 0.35, batch, seed: 3, engine });
  if (engine && !rig.engine) t.diagnostic(`${name}: no native engine here; the TF.js path is checked instead`);
  try {
    for (let i = 0; i < 2; i++) await rig.step(); // warm-up: Adam creates its moment variables on step 1
    const t0 = performance.now();
    await rig.step();
    const stepMs = performance.now() - t0;
    const steps = Math.min(STEPS, Math.max(10, Math.floor(BUDGET_MS / stepMs)));
    if (steps < STEPS) t.diagnostic(`${name}: ${stepMs.toFixed(0)} ms a step, so ${steps} steps instead of ${STEPS}`);
    const base = tf.memory();
    const rss0 = process.memoryUsage().rss;
    let lastLoss = NaN;
    for (let i = 0; i < steps; i++) {
      lastLoss = await rig.step();
      const m = tf.memory();
      assert.equal(m.numTensors, base.numTensors, `numTensors after step ${i + 1}`);
      assert.equal(m.numBytes, base.numBytes, `numBytes after step ${i + 1}`);
    }
    assert.ok(Number.isFinite(lastLoss), `loss is ${lastLoss}`);
    const grownMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
    t.diagnostic(`${name}${rig.engine ? ' (engine)' : ''}: batch ${batch}, ${steps} steps, ${base.numTensors} tensors, RSS grew ${grownMiB.toFixed(1)} MiB`);
    // The engine allocates its buffers once (a leak of 160 KiB a step would show as 32 MiB); TF.js's allocator churns.
    const limit = rig.engine ? 32 : 256;
    assert.ok(grownMiB < limit, `RSS grew ${grownMiB.toFixed(0)} MiB over ${steps} steps (limit ${limit})`);
  } finally {
    rig.dispose();
  }
});
}

test('a measurement leaves no tensors behind (model, batch, optimizer disposed)', async () => {
  await initBackend('auto');
  const before = tf.memory().numTensors;
  const tr = await measureTraining({ arch: 'v1', preset: 'mnist', alpha: 0.25, batch: 2, steps: 1, warmup: 0 });
  assert.equal(tr.mode, 'train');
  assert.ok(tr.imagesPerSecond > 0);
  const inf = await measureInference({ arch: 'v2', preset: 'mnist', alpha: 0.35, batch: 4, steps: 2, warmup: 1 });
  assert.equal(inf.batch, 4);
  assert.equal(tf.memory().numTensors, before);
});
