/**
 * train --from a run directory: a new head on the source's backbone, phase 1 with the backbone frozen (features
 * computed once), phase 2 fine-tuning the top blocks with BN layers in inference mode; the run directory, meta.json
 * and resume work as for any run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchImagesBuilt } from '../../src/data/batches.js';
import { evaluateModel } from '../../src/evaluate/metrics.js';
import { loadRun } from '../../src/run/run-dir.js';
import { logitsModel } from '../../src/run/model-files.js';
import { TrainConfig, resumeTraining, train } from '../../src/train/train.js';
import { TINY, bandDataset } from './fixture.js';

const data = bandDataset(24, 9);
const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-transfer-'));
const source = path.join(root, 'source');
await train({ ...TINY, dataset: data, out: source, epochs: 1, batchSize: 8, lr: 3e-3, seed: 2, preciseBn: 24 });

const transfer = (out: string, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  dataset: data, out, epochs: 2, batchSize: 8, seed: 4, lr: 1e-2, ...extra,
  transfer: { from: source, fineTuneEpochs: 1, ...extra.transfer },
} as TrainConfig);

/** Weights by variable name. */
function byName(m: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(m.weights.map((w) => [w.originalName ?? w.name, (w.read().dataSync() as Float32Array).slice()]));
}

test('transfer from a run: head on the frozen backbone, then the top third fine-tuned, BN statistics kept', async () => {
  const logs: string[] = [];
  const r = await train({ ...transfer(path.join(root, 'a')), onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
  assert.equal(r.status, 'done');
  assert.equal(r.history.length, 3);
  assert.ok(logs.some((l) => /features of 24 training images computed once/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /phase 2 fine-tunes from block_11_expand/.test(l)), logs.join('\n'));
  const t = r.meta.transfer!;
  assert.equal(t.source, source);
  assert.equal(t.fineTuneFrom, 'block_11_expand');
  assert.deepEqual([t.headEpochs, t.fineTuneEpochs, t.fineTuneLr], [2, 1, 1e-3]);
  const src = await loadRun(source);
  assert.deepEqual(r.meta.normalization, src.meta.normalization);
  const after = await loadRun(path.join(root, 'a'));
  const s = byName(src.model), a = byName(after.model);
  let frozenSame = 0, tunedMoved = 0;
  for (const [name, v] of a) {
    const layer = name.split('/')[0];
    if (layer === 'predictions') { assert.notDeepEqual(v, s.get(name)); continue; } // a new head (3 classes either way)
    const was = s.get(name)!;
    if (/_BN\/|bn_Conv1|Conv_1_bn/.test(name)) { assert.deepEqual(v, was, `${name}: BN kept in inference mode`); continue; }
    const tuned = /^(block_(1[1-6])_|Conv_1\/)/.test(name);
    if (tuned) { assert.notDeepEqual(v, was, `${name} fine-tuned`); tunedMoved++; } else { assert.deepEqual(v, was, `${name} frozen`); frozenSame++; }
  }
  assert.ok(frozenSame > 20 && tunedMoved > 10, `${frozenSame} frozen, ${tunedMoved} tuned`);
  // the saved model evaluates as the run's final test did (its softmax head undone from meta.buildOptions)
  const logits = logitsModel(after.model, after.meta);
  assert.ok(Math.abs(evaluateModel(logits, data.test, data.labels, data).loss - r.test!.loss) < 1e-4);
});

test('transfer: interrupted in phase 2 and resumed = uninterrupted', async () => {
  const a = await train(transfer(path.join(root, 'b')));
  const ac = new AbortController();
  const dir = path.join(root, 'c');
  const b1 = await train({ ...transfer(dir), signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.epoch === 3) ac.abort(); } });
  assert.equal(b1.status, 'interrupted');
  const b = await resumeTraining(dir, { dataset: data });
  assert.equal(b.status, 'done');
  assert.deepEqual(b.history.map((h) => h.trainLoss), a.history.map((h) => h.trainLoss));
  assert.equal(b.test!.loss, a.test!.loss);
});

test('transfer: --freeze LAYER trains from that layer up in one phase; --freeze none trains every layer', async () => {
  const r = await train(transfer(path.join(root, 'd'), { epochs: 1, transfer: { from: source, freeze: 'block_14_expand', fineTuneEpochs: 0 } }));
  const s = byName((await loadRun(source)).model), a = byName((await loadRun(path.join(root, 'd'))).model);
  assert.deepEqual(a.get('block_13_expand/kernel'), s.get('block_13_expand/kernel'));
  assert.notDeepEqual(a.get('block_14_expand/kernel'), s.get('block_14_expand/kernel'));
  assert.equal(r.meta.transfer!.freeze, 'block_14_expand');
  const n = await train(transfer(path.join(root, 'e'), { epochs: 1, transfer: { from: source, freeze: 'none', fineTuneEpochs: 0 } }));
  const e = byName((await loadRun(path.join(root, 'e'))).model);
  assert.notDeepEqual(e.get('Conv1/kernel'), s.get('Conv1/kernel'));
  assert.notDeepEqual(e.get('bn_Conv1/moving_mean'), s.get('bn_Conv1/moving_mean')); // BNs train with --freeze none
  assert.equal(n.status, 'done');
});

/** A history without its timings (they differ between runs). */
const untimed = (h: object[]) => h.map((r) => ({ ...r, seconds: 0, elapsed: 0, testSeconds: 0 }));

test('transfer phase 1 on cached features builds no image batches and trains bit-identically to the image-batch path', async () => {
  const run = async (name: string, images: boolean) => {
    const dir = path.join(root, name);
    const was = process.env.MOBILENET_HEAD_IMAGES;
    process.env.MOBILENET_HEAD_IMAGES = images ? '1' : '0';
    const built0 = batchImagesBuilt();
    try {
      const r = await train(transfer(dir, { epochs: 3, ema: 0.9, transfer: { from: source, fineTuneEpochs: 0 } }));
      const files = await Promise.all(['weights.bin', 'optimizer.bin', 'ema.bin'].map((f) => fs.readFile(path.join(dir, 'checkpoint', f))));
      return { r, built: batchImagesBuilt() - built0, weights: byName((await loadRun(dir)).model), files };
    } finally {
      if (was === undefined) delete process.env.MOBILENET_HEAD_IMAGES; else process.env.MOBILENET_HEAD_IMAGES = was;
    }
  };
  const old = await run('head-images', true), now = await run('head-labels', false);
  assert.equal(old.r.status, 'done');
  assert.equal(old.built - now.built, 3 * now.r.counts.train, 'the image-batch path builds every training image each epoch, the cached one none');
  assert.deepEqual(untimed(now.r.history), untimed(old.r.history));
  assert.deepEqual(now.weights, old.weights);
  now.files.forEach((f, i) => assert.ok(f.equals(old.files[i]), `checkpoint file ${i} identical`));
});

test('transfer: interrupted mid-epoch in phase 1 (cached features) and resumed = uninterrupted', async () => {
  const cfg = (dir: string) => transfer(path.join(root, dir), { epochs: 3, transfer: { from: source, fineTuneEpochs: 0 } });
  const a = await train(cfg('p1a'));
  const ac = new AbortController();
  const b1 = await train({ ...cfg('p1b'), signal: ac.signal, onEvent: (e) => { if (e.type === 'step' && e.epoch === 2 && e.step === 1) ac.abort(); } });
  assert.equal(b1.status, 'interrupted');
  assert.equal(b1.history.length, 1);
  const logs: string[] = [];
  const b = await resumeTraining(path.join(root, 'p1b'), { dataset: data, onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
  assert.equal(b.status, 'done');
  assert.ok(logs.some((l) => /features of \d+ training images computed once/.test(l)), logs.join('\n'));
  assert.deepEqual(untimed(b.history), untimed(a.history));
  assert.deepEqual(byName((await loadRun(path.join(root, 'p1b'))).model), byName((await loadRun(path.join(root, 'p1a'))).model));
});
