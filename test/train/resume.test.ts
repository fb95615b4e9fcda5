/**
 * Checkpoint → resume equivalence (interrupted mid-epoch by the abort signal, then resumed), and a crash
 * during a checkpoint save leaving the previous checkpoint loadable.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { loadRun } from '../../src/run/run-dir.js';
import { TrainConfig, resumeTraining, train } from '../../src/train/train.js';
import { TINY, bandDataset } from './fixture.js';

const data = bandDataset(12, 6);
const base = (out: string): TrainConfig => ({
  ...TINY, dataset: data, out, epochs: 2, batchSize: 6, lr: 3e-3, seed: 3, augment: true, maxShift: 1, warmupSteps: 1,
});

function weightsOf(m: tfl.LayersModel): Float32Array[] {
  return m.getWeights().map((w) => w.dataSync() as Float32Array);
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => { d = Math.max(d, Math.abs(v - b[i][j])); }));
  return d;
}

test('interrupted mid-epoch then resumed = uninterrupted (same seed)', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-resume-'));
  const a = await train(base(path.join(root, 'a')));
  assert.equal(a.status, 'done');
  assert.equal(a.history.length, 2);

  const ac = new AbortController();
  const dirB = path.join(root, 'b');
  const b1 = await train({ ...base(dirB), signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.epoch === 1 && e.step === 1) ac.abort(); } });
  assert.equal(b1.status, 'interrupted');
  const ck = await loadCheckpoint(dirB);
  assert.deepEqual([ck.state.epoch, ck.state.stepInEpoch, ck.state.globalStep], [0, 1, 1]);
  const b = await resumeTraining(dirB, { dataset: data });
  assert.equal(b.status, 'done');

  const [ra, rb] = [await loadRun(path.join(root, 'a')), await loadRun(dirB)];
  const d = maxDiff(weightsOf(ra.model), weightsOf(rb.model));
  assert.equal(d, 0, `weights differ by ${d}`);
  assert.equal(ra.history.length, rb.history.length);
  ra.history.forEach((r, i) => {
    assert.ok(Math.abs(r.trainLoss - rb.history[i].trainLoss) < 1e-4, `epoch ${i + 1} loss ${r.trainLoss} vs ${rb.history[i].trainLoss}`);
    assert.equal(r.lr, rb.history[i].lr);
  });
  assert.equal(a.test!.accuracy, b.test!.accuracy);
  for (const f of ['model.json', 'weights.bin', 'meta.json', 'history.json', 'history.csv', 'report.html']) {
    await fs.access(path.join(dirB, f));
  }
  const report = await fs.readFile(path.join(dirB, 'report.html'), 'utf8');
  assert.match(report, /<svg/);
  assert.match(report, /Confusion matrix/);
  assert.equal(ra.meta.output, 'probabilities');
  const p = (ra.model.predict((await import('@tensorflow/tfjs-core')).zeros([2, 8, 8, 1])) as { dataSync(): Float32Array }).dataSync();
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-5, 'saved model emits probabilities');
  await fs.rm(root, { recursive: true });
});

test('with EMA, precise BN, weight decay and --eval-test: resumed = uninterrupted; ema.bin; test accuracy per epoch', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-resume-ema-'));
  const cfg = (out: string): TrainConfig => ({ ...base(out), ema: 0.9, preciseBn: 6, weightDecay: 0.05, evalTest: true, target: 0.01 });
  const a = await train(cfg(path.join(root, 'a')));
  const ac = new AbortController();
  const dirB = path.join(root, 'b');
  await train({ ...cfg(dirB), signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.epoch === 2 && e.step === 1) ac.abort(); } });
  const ck = await loadCheckpoint(dirB);
  assert.ok(ck.ema && ck.ema.length > 0, 'checkpoint keeps the EMA');
  const b = await resumeTraining(dirB, { dataset: data });
  const [ra, rb] = [await loadRun(path.join(root, 'a')), await loadRun(dirB)];
  const d = maxDiff(weightsOf(ra.model), weightsOf(rb.model));
  assert.ok(d < 1e-5, `published (EMA + precise BN) weights differ by ${d}`);
  assert.equal(a.test!.accuracy, b.test!.accuracy);
  assert.ok(a.history.every((h) => typeof h.testAcc === 'number' && typeof h.elapsed === 'number'));
  assert.deepEqual(a.reached && [a.reached.epoch, a.reached.target], [1, 0.01]);
  const csv = await fs.readFile(path.join(root, 'a', 'history.csv'), 'utf8');
  assert.match(csv.split('\n')[1], /^1,[^,]+,[^,]+,,,[^,]+,[^,]+,/);
  assert.match(await fs.readFile(path.join(root, 'a', 'report.html'), 'utf8'), /first reached the target 1\.00% at epoch 1/);
  await fs.rm(root, { recursive: true });
});

test('a crash in the middle of a checkpoint save leaves the previous one loadable and resumable', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-crash-'));
  const dir = path.join(root, 'run');
  let saves = 0;
  await assert.rejects(train({
    ...base(dir), dataset: bandDataset(6, 3), batchSize: 6, valSplit: 0,
    checkpointFault: (stage) => { if (stage === 'old-moved' && ++saves === 1) throw new Error('killed during save'); },
  }), /killed during save/);
  const ck = await loadCheckpoint(dir);
  assert.equal(ck.state.epoch, 1, 'epoch 1 checkpoint survives');
  assert.match(ck.from, /checkpoint\.old$/);
  const run = await loadRun(dir);
  assert.equal(run.history.length, 1);
  const r = await resumeTraining(dir, { dataset: bandDataset(6, 3) });
  assert.equal(r.status, 'done');
  assert.equal(r.history.length, 2);
  assert.equal((await loadCheckpoint(dir)).from, path.join(dir, 'checkpoint'));
  await fs.rm(root, { recursive: true });
});

test('--patience stops early when validation accuracy stops improving; best/ holds the best epoch', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-patience-'));
  // lr 1e-12 and BN momentum ~1 leave the model (and validation accuracy) unchanged, so epoch 2 is not better
  const r = await train({
    ...TINY, model: { ...TINY.model, bnMomentum: 0.99999 }, dataset: bandDataset(12, 3), out: root, epochs: 5, batchSize: 9,
    lr: 1e-12, valSplit: 0.25, patience: 1,
  });
  assert.equal(r.status, 'early-stop');
  assert.equal(r.history.length, 2);
  assert.deepEqual(r.best, { valAcc: r.history[0].valAcc, epoch: 1 });
  const best = await loadRun(root, { best: true });
  assert.equal(best.meta.arch, 'v2');
  await fs.rm(root, { recursive: true });
});
