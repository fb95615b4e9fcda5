import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { getThreads, initBackend, setThreads } from '../../src/backend/index.js';
import { Engine } from '../../src/engine/engine.js';
import { Arch, buildModel } from '../../src/models/presets.js';
import type { OptSettings } from '../../src/engine/optimizer-state.js';
import { SKIP, rand } from '../backend/compare.js';
import type { Split } from '../../src/data/types.js';
import { WeightEma } from '../../src/train/ema.js';
import { recomputeBatchNormStats } from '../../src/train/precise-bn.js';
import { ADAM, assertNear, batchFor, compareGradients, compareInference, compareSteps } from './reference.js';

/** rtol: gradients, updates, slots (reference.ts: a few times what TF.js's cpu and onednn backends differ by). */
interface Case { arch: Arch; alpha: number; input: 'mnist' | '96'; batch: number; threads: number; rtol: number }

const CASES: Case[] = [
  { arch: 'v2', alpha: 0.35, input: 'mnist', batch: 8, threads: 1, rtol: 1e-3 },
  { arch: 'v2', alpha: 1, input: 'mnist', batch: 8, threads: 2, rtol: 5e-2 },
  { arch: 'v2', alpha: 0.35, input: '96', batch: 4, threads: 2, rtol: 2e-2 },
  { arch: 'v2', alpha: 1, input: '96', batch: 2, threads: 2, rtol: 5e-2 },
  { arch: 'v1', alpha: 0.35, input: 'mnist', batch: 8, threads: 2, rtol: 1e-3 },
  { arch: 'v1', alpha: 1, input: 'mnist', batch: 8, threads: 1, rtol: 1e-1 },
  { arch: 'v1', alpha: 0.35, input: '96', batch: 4, threads: 2, rtol: 2e-2 },
  { arch: 'v1', alpha: 1, input: '96', batch: 2, threads: 2, rtol: 5e-2 },
  { arch: 'v3-small', alpha: 1, input: 'mnist', batch: 8, threads: 2, rtol: 5e-3 },
  { arch: 'v3-large', alpha: 0.75, input: 'mnist', batch: 8, threads: 2, rtol: 5e-3 },
];

/** A logits model for the case (V1, V3 without dropout: TF.js's masks are unseeded, the engine's seeded). */
function build(c: Case): tfl.LayersModel {
  const opts = { alpha: c.alpha, seed: 5, classifierActivation: null, ...(c.arch === 'v1' ? { dropout: 0 } : {}),
    ...(c.arch.startsWith('v3') ? { dropoutRate: 0 } : {}),
    ...(c.input === '96' ? { inputShape: [96, 96, 3] as [number, number, number] } : {}) };
  return buildModel(c.arch, opts, 'mnist');
}

function compile(model: tfl.LayersModel): Engine {
  const e = Engine.compile(model, { logits: true });
  if ('unsupported' in e) assert.fail(e.unsupported);
  return e;
}

for (const c of CASES) {
  const name = `${c.arch} α${c.alpha} ${c.input === 'mnist' ? '28×28×1' : '96×96×3'}, ${c.threads} thread(s)`;
  test(`engine = TF.js autodiff: ${name}: loss, gradients, BN statistics; 20 Adam steps; inference`, { skip: SKIP }, async () => {
    await initBackend('onednn');
    const threads = getThreads();
    setThreads(c.threads);
    try {
      const model = build(c);
      const { rtol } = c;
      const zero = await compareGradients(model, compile(model), c.batch, rtol);
      const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
      const eng = compile(model);
      await compareSteps(model, eng, opt, ADAM, c.batch, 20, zero, rtol);
      eng.pushWeights();
      compareInference(model, eng, c.batch);
      opt.dispose();
      model.dispose();
    } finally {
      setThreads(threads);
    }
  });
}

test('engine: label smoothing; SGD with momentum and RMSProp match TF.js over 8 steps', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const model = build({ arch: 'v2', alpha: 0.35, input: 'mnist', batch: 8, threads: 2, rtol: 1e-3 });
  const zero = await compareGradients(model, compile(model), 8, 1e-3, 0.1);
  const sgd: OptSettings = { ...ADAM, optimizer: 1, lr: 1e-2, momentum: 0.9 };
  await compareSteps(model, compile(model), tf.train.momentum(sgd.lr, 0.9), sgd, 8, 8, zero, 1e-3, 0.1);
  const rms: OptSettings = { ...ADAM, optimizer: 2, lr: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-4 };
  await compareSteps(model, compile(model), tf.train.rmsprop(rms.lr, 0.9, 0, 1e-4), rms, 8, 8, zero, 1e-3, 0.1);
  model.dispose();
});

test('engine: pulled weights and optimizer state continue on a second engine and on TF.js exactly', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const model = build({ arch: 'v2', alpha: 0.35, input: 'mnist', batch: 8, threads: 2, rtol: 1e-3 });
  const eng = compile(model);
  for (let s = 0; s < 3; s++) {
    const { x, y } = batchFor(model, 8, 300 + s);
    await eng.step(x, y, ADAM, { lr: ADAM.lr });
  }
  const opt = tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  eng.pullWeights();
  eng.pullOptimizer(opt);
  assert.equal(eng.iterations, 3);
  assert.equal(((await opt.getWeights())[0].tensor.dataSync())[0], 3);
  const twin = compile(model); // weights from the model, state from the TF.js optimizer
  twin.pushOptimizer(opt);
  assert.equal(twin.iterations, 3);
  const { x, y } = batchFor(model, 8, 400);
  const a = await eng.step(x, y, ADAM, { lr: ADAM.lr });
  const b = await twin.step(x, y, ADAM, { lr: ADAM.lr });
  assert.equal(a.loss, b.loss);
  eng.graph.params.forEach((_, i) => assert.deepEqual(twin.value(i), eng.value(i)));
  opt.dispose();
  model.dispose();
});

test('engine: unknown layers, bad labels and softmax heads are refused with a reason', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const withSoftmax = buildModel('v2', { alpha: 0.35, seed: 1 }, 'mnist');
  const r = Engine.compile(withSoftmax, { logits: true });
  assert.ok('unsupported' in r && /softmax/.test(r.unsupported));
  const pooledMax = buildModel('v2', { alpha: 0.35, includeTop: false, pooling: 'max' }, 'mnist');
  const m = Engine.compile(pooledMax);
  assert.ok('unsupported' in m && /GlobalMaxPooling2D/.test(m.unsupported), JSON.stringify(m));
  const eng = compile(buildModel('v2', { alpha: 0.35, seed: 1, classifierActivation: null }, 'mnist'));
  const x = new Float32Array(2 * 28 * 28);
  await assert.rejects(eng.step(x, Int32Array.from([0, 10]), ADAM, { lr: 1e-3 }), /label out of range/);
  await assert.rejects(async () => eng.step(x.subarray(0, 10), Int32Array.from([0, 1]), ADAM, { lr: 1e-3 }), /elements/);
});

test('engine: precise BN from the plan\'s training-mode passes equals TF.js\'s; the EMA kept in the step equals train/ema.ts', { skip: SKIP }, async () => {
  await initBackend('onednn');
  const model = build({ arch: 'v2', alpha: 0.35, input: 'mnist', batch: 8, threads: 2, rtol: 1e-3 });
  const eng = compile(model);
  const ema = new WeightEma(eng.trainableValues().map((w) => w.slice()), 0.9);
  eng.pushEma(ema.shadow);
  for (let s = 0; s < 4; s++) { // a few steps so the statistics differ from the initial ones
    const { x, y } = batchFor(model, 8, 500 + s);
    await eng.step(x, y, ADAM, { lr: ADAM.lr, emaDecay: 0.9 });
    ema.update(eng.trainableValues(), s + 1);
  }
  const inPlan = ema.shadow.map((e) => new Float32Array(e.length));
  eng.pullEma(inPlan);
  inPlan.forEach((e, i) => assertNear(e, ema.shadow[i], 1e-6, 0, `EMA of trainable weight ${i}`));
  eng.pullWeights();
  const split: Split = { count: 64, shape: [28, 28, 1], images: Uint8Array.from(rand(64 * 784, 9), (v) => Math.round((v + 1) * 127)), labels: new Uint8Array(64) };
  const o = { images: 64, batchSize: 16, seed: 3, norm: { mean: [0.13], std: [0.31] } };
  recomputeBatchNormStats(model, split, o, eng);
  const fromPlan = model.weights.map((w) => (w.read().dataSync() as Float32Array).slice());
  recomputeBatchNormStats(model, split, o);
  model.weights.forEach((w, i) => {
    if (!/moving_/.test(w.name)) return;
    assertNear(fromPlan[i], w.read().dataSync() as Float32Array, 1e-4, 1e-6, `precise BN ${w.name}`);
  });
  model.dispose();
});
