/**
 * Issue 19, items 8 and 9: a dataset without test images trains and says so (no "accuracy NaN%" in the summary,
 * history or report); a last batch of one image each epoch is said, not skipped in silence. (eval of such a
 * dataset, --batch-size 1 and --limit-train 1 are one-line errors: test/reliability/cases.ts.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { train } from '../../src/train/train.js';
import { runCli } from '../helpers.js';
import { TINY, bandDataset } from './fixture.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-empty-test-'));

test('train on a dataset with no test images: test null, "No test split" in the report, nothing NaN', async () => {
  const logs: string[] = [];
  const out = path.join(root, 'lib');
  const r = await train({ ...TINY, dataset: bandDataset(13, 0), out, epochs: 1, batchSize: 6, lr: 3e-3, evalTest: true,
    onEvent: (e) => { if (e.type === 'log') logs.push(e.message); } });
  assert.equal(r.status, 'done');
  assert.equal(r.test, null);
  assert.equal(r.counts.test, 0);
  assert.ok(logs.some((l) => /^note: dataset bands has no test images; the trained model will not be evaluated$/.test(l)), logs.join('\n'));
  assert.ok(logs.some((l) => /^note: the last batch of each epoch would hold 1 image \(13 images, batches of 6\); it is skipped, 12 images train each epoch$/.test(l)));
  assert.equal(r.history[0].testAcc, null);
  const report = await fs.readFile(path.join(out, 'report.html'), 'utf8');
  assert.match(report, /No test split \(the dataset has no test images\)/);
  assert.doesNotMatch(report, /NaN/);
});

test('CLI: train on a folder of 2 images a class says there is no test split, prints no NaN', async () => {
  const png = await sharp(new Uint8Array(64), { raw: { width: 8, height: 8, channels: 1 } }).png().toBuffer();
  for (const c of ['a', 'b', 'c']) {
    await fs.mkdir(path.join(root, 'small', c), { recursive: true });
    for (const i of [0, 1]) await fs.writeFile(path.join(root, 'small', c, `${i}.png`), png);
  }
  const r = runCli(['train', '--arch', 'v2', '--alpha', '0.35', '--dataset', `folder:${path.join(root, 'small')}`, '--input', '8x8x1',
    '--batch-size', '6', '--epochs', '1', '--out', path.join(root, 'cli')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^done: no test split \(the dataset has no test images\), not evaluated; run directory /m);
  assert.doesNotMatch(r.stdout + r.stderr, /NaN/);
});

test.after(() => fs.rm(root, { recursive: true, force: true }));
