/** Fast checks without training: options, schedules, loss, atomic directory swap, history CSV, metrics, head patch. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { OptionError } from '../../src/errors.js';
import { perClassMetrics } from '../../src/evaluate/metrics.js';
import { confusionText } from '../../src/evaluate/text.js';
import { SwapStage, completeDir, replaceDir } from '../../src/run/atomic-dir.js';
import { historyCsv } from '../../src/train/checkpoint.js';
import { crossEntropyFromLogits } from '../../src/evaluate/loss.js';
import { setHeadActivation } from '../../src/run/model-files.js';
import { resolveTrainOptions } from '../../src/train/options.js';
import { learningRate } from '../../src/train/schedule.js';

test('options: defaults and one OptionError per bad value', () => {
  const o = resolveTrainOptions({ arch: 'v2' });
  assert.deepEqual([o.epochs, o.batchSize, o.lr, o.optimizer, o.schedule, o.valSplit], [10, 128, 1e-2, 'adam', 'cosine', 0]);
  const bad: Array<[object, RegExp]> = [
    [{ arch: 'v3' }, /arch/], [{ epochs: 0 }, /epochs/], [{ batchSize: 1.5 }, /batchSize/], [{ lr: -1 }, /lr/],
    [{ lr: NaN }, /lr/], [{ optimizer: 'adagrad' }, /optimizer/], [{ schedule: 'poly' }, /schedule/],
    [{ labelSmoothing: 1 }, /labelSmoothing/], [{ valSplit: -0.1 }, /valSplit/], [{ seed: 1.5 }, /seed/],
    [{ patience: 2 }, /validation split/], [{ limitTrain: 0 }, /limitTrain/],
  ];
  for (const [o2, re] of bad) assert.throws(() => resolveTrainOptions({ arch: 'v2', ...o2 } as never), (e: Error) => e instanceof OptionError && re.test(e.message));
});

test('schedules: warm-up, cosine to zero, step decay, constant', () => {
  const span = { stepsPerEpoch: 10, totalSteps: 100 };
  const cos = resolveTrainOptions({ arch: 'v2', lr: 1, epochs: 10, warmupSteps: 10 });
  assert.equal(learningRate(cos, span, 0), 0.1);
  assert.equal(learningRate(cos, span, 9), 1);
  assert.equal(learningRate(cos, span, 10), 1);
  assert.ok(Math.abs(learningRate(cos, span, 55) - 0.5) < 1e-12);
  assert.ok(learningRate(cos, span, 99) < 0.001);
  const step = resolveTrainOptions({ arch: 'v2', lr: 1, epochs: 9, schedule: 'step', warmupSteps: 0 });
  assert.deepEqual([0, 29, 30, 60, 89].map((s) => +learningRate(step, { stepsPerEpoch: 10, totalSteps: 90 }, s).toFixed(6)), [1, 1, 0.1, 0.01, 0.01]);
  const c = resolveTrainOptions({ arch: 'v2', lr: 0.3, schedule: 'constant', warmupSteps: 0 });
  assert.equal(learningRate(c, span, 77), 0.3);
});

test('cross-entropy from logits: stable for huge logits, matches the formula, label smoothing', async () => {
  await tf.setBackend('cpu');
  const logits = tf.tensor2d([[1000, 0, -1000], [1, 2, 3]]);
  const y = tf.tensor1d([0, 1], 'int32');
  const l = crossEntropyFromLogits(logits, y).dataSync()[0];
  const row2 = -(2 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)));
  assert.ok(Math.abs(l - row2 / 2) < 1e-5, `got ${l}`);
  const ls = crossEntropyFromLogits(tf.tensor2d([[0, 0]]), tf.tensor1d([0], 'int32'), 0.2).dataSync()[0];
  assert.ok(Math.abs(ls - Math.log(2)) < 1e-6);
  const sm = crossEntropyFromLogits(tf.tensor2d([[5, 0]]), tf.tensor1d([0], 'int32'), 0.2).dataSync()[0];
  const lp = [5 - Math.log(Math.exp(5) + 1), -Math.log(Math.exp(5) + 1)];
  assert.ok(Math.abs(sm - -(0.9 * lp[0] + 0.1 * lp[1])) < 1e-5);
});

async function tmpDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'mn-train-'));
}

test('replaceDir: a crash after any stage leaves one complete copy', async () => {
  for (const stage of ['written', 'old-moved', 'renamed'] as SwapStage[]) {
    const root = await tmpDir();
    const final = path.join(root, 'checkpoint');
    const write = (v: string) => async (d: string) => {
      await fs.writeFile(path.join(d, 'a'), v);
      await fs.writeFile(path.join(d, 'b'), v);
    };
    await replaceDir(final, write('1'));
    await assert.rejects(replaceDir(final, write('2'), (s) => { if (s === stage) throw new Error(`crash at ${s}`); }), /crash/);
    const got = await completeDir(final);
    assert.ok(got, stage);
    const a = await fs.readFile(path.join(got, 'a'), 'utf8'), b = await fs.readFile(path.join(got, 'b'), 'utf8');
    assert.equal(a, b, `${stage}: files from one checkpoint`);
    assert.equal(a, stage === 'renamed' ? '2' : '1', stage);
    await replaceDir(final, write('3')); // the next save recovers from whatever was left
    assert.equal(await fs.readFile(path.join(final, 'a'), 'utf8'), '3');
    assert.deepEqual((await fs.readdir(root)).sort(), ['checkpoint']);
    await fs.rm(root, { recursive: true });
  }
});

test('history CSV, per-class metrics, confusion text, head patch', () => {
  assert.equal(historyCsv([{ epoch: 1, trainLoss: 0.5, trainAcc: 0.8, valLoss: null, valAcc: null, lr: 0.001, seconds: 2 },
    { epoch: 2, trainLoss: 0.4, trainAcc: 0.9, valLoss: null, valAcc: null, testLoss: 0.3, testAcc: 0.95, testSeconds: 1.5, lr: 0.001, seconds: 2, elapsed: 5 }]),
  'epoch,trainLoss,trainAcc,valLoss,valAcc,testLoss,testAcc,lr,seconds,elapsed,testSeconds\n1,0.5,0.8,,,,,0.001,2,,\n2,0.4,0.9,,,0.3,0.95,0.001,2,5,1.5\n');
  const m = perClassMetrics([[3, 1], [0, 2]], ['a', 'b']);
  assert.deepEqual(m.map((c) => [c.precision, c.recall, c.support]), [[1, 0.75, 4], [2 / 3, 1, 2]]);
  assert.ok(Math.abs(m[0].f1 - 6 / 7) < 1e-12);
  assert.deepEqual(perClassMetrics([[0, 0], [0, 0]], ['a', 'b']).map((c) => c.f1), [0, 0]);
  assert.match(confusionText([[3, 1], [0, 2]], ['a', 'b']), /^a\s+3\s+1$/m);
  const topo = { config: { layers: [{ config: { name: 'conv1' } }, { config: { name: 'predictions', activation: 'linear' } }] } };
  setHeadActivation(topo, 'softmax');
  assert.equal(topo.config.layers[1].config.activation, 'softmax');
  assert.throws(() => setHeadActivation({ config: { layers: [] } }, 'softmax'), /predictions/);
});
