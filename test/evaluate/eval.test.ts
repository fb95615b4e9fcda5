/** evaluate() and predict() on a tiny trained run: consistent counts, metrics and predictions. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodePng } from '../../src/data/image.js';
import { evaluate, predict } from '../../src/evaluate/evaluate.js';
import { loadRun } from '../../src/run/run-dir.js';
import { train } from '../../src/train/train.js';
import { TINY, bandDataset } from '../train/fixture.js';

test('evaluate and predict agree with each other and with training\'s test pass', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-eval-'));
  const data = bandDataset(12, 6);
  const t = await train({ ...TINY, dataset: data, out: root, epochs: 1, batchSize: 6, lr: 3e-3 });
  const run = await loadRun(root);
  const r = await evaluate(run, data);
  assert.equal(r.count, 6);
  assert.deepEqual(r.perClass.map((c) => c.support), [2, 2, 2]);
  assert.equal(r.confusion.flat().reduce((a, b) => a + b, 0), 6);
  const trace = r.confusion.reduce((s, row, i) => s + row[i], 0);
  assert.equal(r.accuracy, trace / 6);
  assert.ok(Math.abs(r.accuracy - t.test!.accuracy) < 1e-9, 'evaluate() reproduces train()\'s test accuracy');
  assert.ok(Math.abs(r.loss - t.test!.loss) < 1e-4);
  assert.equal(r.mistakes.length, 6 - trace);
  for (let i = 1; i < r.mistakes.length; i++) assert.ok(r.mistakes[i - 1].confidence >= r.mistakes[i].confidence);

  const limited = await evaluate(run, data, { limit: 3 });
  assert.equal(limited.count, 3);

  // predict on PNGs of the test images: top-1 must match the confusion matrix's predictions
  const [h, w] = data.test.shape;
  const predicted: number[] = [];
  const pngs: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) pngs.push(await encodePng(data.test.images.subarray(i * h * w, (i + 1) * h * w), w, h, 1));
  const preds = await predict(run, pngs, { top: 3, invert: false }); // the dataset's own polarity
  for (const p of preds) {
    assert.equal(p.top.length, 3);
    assert.ok(Math.abs(p.top.reduce((s, x) => s + x.probability, 0) - 1) < 1e-5);
    assert.ok(p.top[0].probability >= p.top[1].probability);
    predicted.push(p.top[0].index);
  }
  const confusion = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  predicted.forEach((p, i) => confusion[data.test.labels[i]][p]++);
  assert.deepEqual(confusion, r.confusion);
  await assert.rejects(predict(run, pngs, { top: 0 }), /top/);
  await fs.rm(root, { recursive: true });
});
