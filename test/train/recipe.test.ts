/**
 * Recipe pieces: per-dataset defaults and their validation, decoupled weight decay (exact formula), the EMA of the
 * weights, flips and erasing, torchvision initialisation, the report's legend and target line.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { eraseImage, flipImage } from '../../src/data/augment.js';
import { Rng } from '../../src/data/rng.js';
import { OptionError } from '../../src/errors.js';
import { buildModel } from '../../src/models/presets.js';
import { WeightEma } from '../../src/train/ema.js';
import { ARCH_RECIPES, BASE_LR, RECIPES, defaultLr, evalTestIsCheap, resolveTrainOptions, RECIPE_STEM_STRIDE_MAX_SIDE } from '../../src/train/options.js';
import { renderReport, targetLine, testNote } from '../../src/train/report.js';
import type { HistoryRow } from '../../src/run/run-dir.js';
import { decayKernels, trainStep, trainableVariables } from '../../src/train/step.js';
import { makeOptimizer } from '../../src/train/optimizer.js';

test('recipe defaults per dataset; flags override them; bad values are OptionErrors', () => {
  const m = resolveTrainOptions({ arch: 'v2' }, 'mnist');
  assert.deepEqual([m.augment, m.labelSmoothing, m.weightDecay, m.ema, m.preciseBn, m.target, m.flip, m.erase, m.evalTest, m.rotate, m.scale],
    [true, 0.1, 0.05, 0.999, 2048, 0.995, false, 0, null, 10, 0.1]); // evalTest: train() decides from the split sizes
  const fm = resolveTrainOptions({ arch: 'v2' }, 'fashion-mnist');
  assert.deepEqual([fm.target, fm.flip, fm.model.stemStride, fm.rotate], [0.93, true, 1, 0]);
  assert.equal(resolveTrainOptions({ arch: 'v2', model: { stemStride: 2 }, flip: false }, 'fashion-mnist').model.stemStride, 2);
  assert.equal(m.model.stemStride, undefined); // the builders' 2
  const f = resolveTrainOptions({ arch: 'v2' }, 'folder:/x');
  assert.deepEqual([f.augment, f.labelSmoothing, f.weightDecay, f.ema, f.preciseBn, f.target], [false, 0, 0, 0, 2048, null]);
  const o = resolveTrainOptions({ arch: 'v2', augment: false, ema: 0, weightDecay: 0, preciseBn: 0, target: 0.99 }, 'mnist');
  assert.deepEqual([o.augment, o.ema, o.weightDecay, o.preciseBn, o.target], [false, 0, 0, 0, 0.99]);
  assert.deepEqual(RECIPES.mnist, { ...RECIPES['fashion-mnist'], target: 0.995, rotate: 10, scale: 0.1, flip: false, stemStride: 2 });
  const bad: Array<[object, RegExp]> = [
    [{ preciseBn: -1 }, /preciseBn/], [{ preciseBn: 1.5 }, /preciseBn/], [{ target: 99.5 }, /target/], [{ target: 0 }, /target/],
    [{ weightDecay: -0.1 }, /weightDecay/], [{ weightDecay: 200 }, /weightDecay/], [{ ema: 1 }, /ema/], [{ erase: 2 }, /erase/],
    [{ rotate: -1 }, /rotate/], [{ scale: 1 }, /scale/],
  ];
  for (const [o2, re] of bad) assert.throws(() => resolveTrainOptions({ arch: 'v2', ...o2 } as never, 'mnist'), (e: Error) => e instanceof OptionError && re.test(e.message));
});

test('per-architecture defaults: V3-Small trains at a lower peak rate, the others at 0.01; flags override', () => {
  assert.equal(resolveTrainOptions({ arch: 'v3-small' }, 'mnist').lr, ARCH_RECIPES['v3-small']!.lr);
  assert.ok(ARCH_RECIPES['v3-small']!.lr! < BASE_LR);
  for (const arch of ['v1', 'v2', 'v3-large'] as const) assert.equal(resolveTrainOptions({ arch }, 'mnist').lr, BASE_LR);
  assert.equal(BASE_LR, 0.01);
  assert.equal(defaultLr('v3-small'), ARCH_RECIPES['v3-small']!.lr);
  assert.equal(resolveTrainOptions({ arch: 'v3-small', lr: 0.02 }, 'mnist').lr, 0.02);
  assert.equal(resolveTrainOptions({ arch: 'v3-small' }, 'folder:/x').lr, ARCH_RECIPES['v3-small']!.lr);
  assert.equal(resolveTrainOptions({ arch: 'v3-small' }, 'mnist').warmupSteps, null);
  assert.equal(resolveTrainOptions({ arch: 'v3-small' }, 'mnist').model.stemStride, 1, 'V3-Small: stem stride 1 on MNIST');
  assert.equal(resolveTrainOptions({ arch: 'v3-small', model: { stemStride: 2 } }, 'mnist').model.stemStride, 2);
  assert.equal(resolveTrainOptions({ arch: 'v3-small' }, 'folder:/x').model.stemStride, undefined);
  assert.equal(resolveTrainOptions({ arch: 'v3-large' }, 'mnist').model.stemStride, undefined);
  assert.equal(resolveTrainOptions({ arch: 'v1' }, 'mnist').model.stemStride, 1, 'V1: stem stride 1 on MNIST');
  assert.equal(resolveTrainOptions({ arch: 'v1', model: { stemStride: 2 } }, 'mnist').model.stemStride, 2);
  assert.equal(resolveTrainOptions({ arch: 'v1' }, 'folder:/x').model.stemStride, undefined);
  assert.equal(resolveTrainOptions({ arch: 'v2' }, 'mnist').model.stemStride, undefined, 'V2 keeps stride 2 on MNIST');
  assert.throws(() => resolveTrainOptions({ arch: '__proto__' as never }, 'mnist'), /arch must be one of/);
});

test('the recipes\' stride-1 stem applies to small inputs only: MNIST-like data resized to 96 or 224 keeps stride 2', () => {
  const at = (arch: 'v1' | 'v2' | 'v3-small', spec: string, inputShape?: [number, number, number]) =>
    resolveTrainOptions({ arch, model: inputShape ? { inputShape } : {} }, spec).model.stemStride;
  assert.equal(at('v2', 'fashion-mnist'), 1);
  assert.equal(at('v2', 'fashion-mnist', [28, 28, 1]), 1);
  assert.equal(at('v2', 'fashion-mnist', [32, 32, 3]), 1, `${RECIPE_STEM_STRIDE_MAX_SIDE} px is still small`);
  assert.equal(at('v2', 'fashion-mnist', [96, 96, 3]), undefined, 'at 96x96 the builders\' stride 2');
  assert.equal(at('v2', 'fashion-mnist', [224, 224, 3]), undefined);
  assert.equal(at('v1', 'mnist', [96, 96, 3]), undefined);
  assert.equal(at('v3-small', 'mnist', [64, 32, 1]), undefined, 'the larger side decides');
  assert.equal(resolveTrainOptions({ arch: 'v2', model: { inputShape: [96, 96, 3], stemStride: 1 } }, 'fashion-mnist').model.stemStride, 1,
    'a stride the user chose stays');
});

test('test evaluation per epoch: on by default where the test split is at most a quarter of the training split', () => {
  assert.equal(evalTestIsCheap(60000, 10000), true); // MNIST, Fashion-MNIST
  assert.equal(evalTestIsCheap(40000, 10000), true);
  assert.equal(evalTestIsCheap(39999, 10000), false);
  assert.equal(evalTestIsCheap(2048, 10000), false); // --limit-train 2048 with the full test split
  assert.equal(resolveTrainOptions({ arch: 'v2', evalTest: false }, 'mnist').evalTest, false);
  assert.equal(resolveTrainOptions({ arch: 'v2', evalTest: true }, 'folder:/x').evalTest, true);
});

test('decoupled weight decay: kernels shrink by lr·λ·w before the update, BN parameters and biases do not', async () => {
  await tf.setBackend('cpu');
  const make = () => buildModel('v2', { alpha: 0.35, inputShape: [8, 8, 1], classes: 3, seed: 2, classifierActivation: null });
  const x = Float32Array.from({ length: 4 * 64 }, (_, i) => Math.sin(i));
  const y = Int32Array.from([0, 1, 2, 0]);
  const run = (wd: number) => {
    const m = make();
    const vars = trainableVariables(m);
    const before = vars.map((v) => v.dataSync().slice());
    trainStep(m, makeOptimizer('adam', 0.01), vars, x, y, [8, 8, 1], 0, { lr: 0.01, weightDecay: wd });
    return { vars, before, after: vars.map((v) => v.dataSync().slice()) };
  };
  const plain = run(0);
  const decayed = run(0.5);
  plain.vars.forEach((v, i) => {
    const w0 = plain.before[i];
    const expect = (k: number) => plain.after[i][k] - (v.rank >= 2 ? 0.01 * 0.5 * w0[k] : 0);
    for (let k = 0; k < w0.length; k += 7) {
      assert.ok(Math.abs(decayed.after[i][k] - expect(k)) < 1e-6, `${v.name}[${k}]: ${decayed.after[i][k]} vs ${expect(k)}`);
    }
  });
  const v = tf.variable(tf.tensor2d([[2, -4]]));
  const b = tf.variable(tf.tensor1d([2, -4]));
  decayKernels([v, b], 0.1, 0.5);
  assert.deepEqual([...v.dataSync(), ...b.dataSync()], [1.9, -3.8, 2, -4].map((n) => Math.fround(n)));
});

test('EMA of the weights: d_t = min(decay, (1+t)/(10+t)), e ← d·e + (1−d)·w; pack/unpack', () => {
  assert.equal(WeightEma.rate(0.999, 1), 2 / 11);
  assert.equal(WeightEma.rate(0.999, 1e6), 0.999);
  const ema = new WeightEma([Float32Array.from([1, 2]), Float32Array.from([3])], 0.9);
  ema.update([[3, 2], [0]], 1); // d = 2/11
  const d = 2 / 11;
  assert.ok(Math.abs(ema.shadow[0][0] - (d * 1 + (1 - d) * 3)) < 1e-6);
  assert.ok(Math.abs(ema.shadow[1][0] - d * 3) < 1e-6);
  const packed = ema.pack();
  const other = new WeightEma([new Float32Array(2), new Float32Array(1)], 0.9);
  assert.ok(other.unpack(packed));
  assert.deepEqual(other.shadow, ema.shadow);
  assert.equal(other.unpack(new Float32Array(4)), false);
  assert.throws(() => ema.update([[1], [1]], 2), /EMA: weight 0/);
});

test('augmentation: flip mirrors rows, erase zeroes one rectangle of 2–33% of the image', () => {
  const img = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i + 1); // [2, 3, 2]
  flipImage(img, 0, [2, 3, 2]);
  assert.deepEqual([...img], [5, 6, 3, 4, 1, 2, 11, 12, 9, 10, 7, 8]);
  const rng = new Rng(3);
  for (let k = 0; k < 50; k++) {
    const x = new Float32Array(28 * 28).fill(1);
    eraseImage(x, 0, [28, 28, 1], rng);
    const zeros = x.filter((v) => v === 0).length;
    assert.ok(zeros >= 1 && zeros <= 0.45 * 784, `${zeros} pixels erased`);
    const rows = new Set<number>(), cols = new Set<number>();
    x.forEach((v, i) => { if (v === 0) { rows.add(Math.floor(i / 28)); cols.add(i % 28); } });
    assert.equal(zeros, rows.size * cols.size, 'one rectangle');
  }
});

test("init 'torchvision': He normal fan_out (depthwise: C·k·k), classifier N(0, 0.01); 'keras' stays glorot", async () => {
  await tf.setBackend('cpu');
  const m = buildModel('v2', { init: 'torchvision', seed: 3, classes: 10, inputShape: [32, 32, 3] });
  const std = (name: string) => {
    const w = m.getLayer(name).getWeights()[0];
    const d = w.dataSync();
    let s = 0;
    for (const v of d as Float32Array) s += v * v;
    return Math.sqrt(s / d.length);
  };
  const near = (a: number, b: number) => Math.abs(a / b - 1) < 0.1;
  assert.ok(near(std('block_16_project'), Math.sqrt(2 / 320)), `project ${std('block_16_project')}`);
  assert.ok(near(std('block_16_depthwise'), Math.sqrt(2 / (960 * 9))), `depthwise ${std('block_16_depthwise')}`);
  assert.ok(near(std('predictions'), 0.01), `classifier ${std('predictions')}`);
  const k = buildModel('v2', { seed: 3, classes: 10, inputShape: [32, 32, 3] });
  const lim = Math.sqrt(6 / (960 + 320));
  const w = k.getLayer('block_16_project').getWeights()[0].dataSync();
  let max = 0;
  for (const v of w as Float32Array) max = Math.max(max, Math.abs(v));
  assert.ok(max <= lim && max > 0.9 * lim, `glorot_uniform by default (max ${max}, limit ${lim})`);
  assert.throws(() => buildModel('v2', { init: 'xavier' as never }), /init must be one of keras, torchvision/);
});

test('report: validation only with a validation split, test curve and target line with --eval-test', () => {
  const row = (e: number, testAcc: number | null, valAcc: number | null): HistoryRow => ({
    epoch: e, trainLoss: 0.1, trainAcc: 0.98, valLoss: valAcc === null ? null : 0.1, valAcc,
    testLoss: testAcc === null ? null : 0.05, testAcc, lr: 1e-3, seconds: 60, elapsed: 70 * e,
  });
  const h = [row(1, 0.99, null), row(2, 0.996, null)];
  assert.equal(targetLine(h, 0.995, { epoch: 2, elapsed: 140, testAcc: 0.996 }),
    'Test accuracy first reached the target 99.50% at epoch 2 (99.60%), 2.3 minutes into the run.');
  assert.match(targetLine([row(1, null, null)], 0.995, null), /not measured \(off with --no-eval-test/);
  assert.match(testNote(h), /never chooses a model: without a validation split \(--val-split\) there is no best\/, and the published model is the last epoch's\.$/);
  assert.match(testNote([{ ...row(1, 0.99, 0.98), testSeconds: 2 }, { ...row(2, 0.99, 0.98), testSeconds: 3 }]),
    /best\/ is the epoch with the best validation accuracy .* Measuring it took 2\.5 s per epoch on average \(training 60\.0 s per epoch\)\.$/);
  assert.equal(testNote([row(1, null, 0.9)]), '');
  assert.match(targetLine(h.slice(0, 1), 0.995, null), /did not reach the target 99.50% in 1 epochs/);
  assert.equal(targetLine(h, null, null), '');
  const model = buildModel('v2', { alpha: 0.35, inputShape: [8, 8, 1], classes: 2, seed: 1 });
  const meta = { format: 'mobilenet-run/1', arch: 'v2', preset: null, buildOptions: {}, inputShape: [8, 8, 1], labels: ['a', 'b'],
    normalization: { mean: [0], std: [1] }, output: 'probabilities', dataset: 'x', backend: 'cpu', command: '' } as const;
  const test = { accuracy: 0.5, loss: 1, perClass: [], confusion: [[1, 0], [0, 1]], mistakes: [], count: 2 };
  const html = renderReport({ model, meta: meta as never, history: h, test: test as never, backend: 'cpu', status: 'done', target: 0.995,
    reached: { epoch: 2, elapsed: 140, testAcc: 0.996 } });
  assert.ok(!html.includes('— validation'), 'no validation legend without a validation split');
  assert.ok(html.includes('— test') && html.includes('target 99.50%') && html.includes('first reached'));
  assert.ok(html.includes('it never chooses a model') && html.includes('<th>test s</th>'));
  const withVal = renderReport({ model, meta: meta as never, history: [row(1, null, 0.9)], test: test as never, backend: 'cpu', status: 'done' });
  assert.ok(withVal.includes('— validation') && !withVal.includes('— test'));
});
