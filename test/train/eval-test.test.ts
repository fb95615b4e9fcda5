/** Test accuracy after every epoch: on by default where it is cheap, off on request or where it is not; its cost recorded. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { TrainConfig, train } from '../../src/train/train.js';
import { TINY, bandDataset } from './fixture.js';

async function run(trainImages: number, testImages: number, extra: Partial<TrainConfig> = {}) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'mn-evaltest-'));
  const logs: string[] = [];
  const r = await train({
    ...TINY, dataset: bandDataset(trainImages, testImages), out: path.join(root, 'r'), epochs: 1, batchSize: 12, lr: 3e-3, seed: 2,
    preciseBn: 0, target: 0.01, onEvent: (e) => { if (e.type === 'log') logs.push(e.message); }, ...extra,
  });
  const state = (await loadCheckpoint(r.dir)).state;
  const report = await fs.readFile(path.join(r.dir, 'report.html'), 'utf8');
  const csv = await fs.readFile(path.join(r.dir, 'history.csv'), 'utf8');
  await fs.rm(root, { recursive: true });
  return { r, logs, state, report, csv };
}

test('default: test split ≤ a quarter of the training split → measured every epoch, cost in history, note in the report', async () => {
  const { r, logs, state, report, csv } = await run(24, 6);
  assert.ok(r.history.every((h) => typeof h.testAcc === 'number' && typeof h.testSeconds === 'number' && h.testSeconds >= 0));
  assert.equal(state.options.evalTest, true, 'the decision is saved with the run (resume keeps it)');
  assert.ok(logs.some((m) => /^test accuracy measured after every epoch \(6 test images against 24 training images; reported only/.test(m)), logs.join('\n'));
  assert.ok(r.reached !== null, 'the target line can be drawn');
  assert.match(report, /first reached the target/);
  assert.match(report, /it never chooses a model/);
  assert.match(csv.split('\n')[0], /,testSeconds$/);
});

test('default: test split larger than a quarter → not measured, and said so; --no-eval-test / --eval-test win', async () => {
  const big = await run(12, 6);
  assert.ok(big.r.history.every((h) => h.testAcc === null && h.testSeconds === null));
  assert.equal(big.state.options.evalTest, false);
  assert.ok(big.logs.some((m) => /^test accuracy not measured after every epoch \(6 test images against 12 training images: more than 25%; --eval-test/.test(m)));
  assert.match(big.report, /per-epoch test accuracy not measured/);
  const off = await run(24, 6, { evalTest: false });
  assert.ok(off.r.history.every((h) => h.testAcc === null));
  assert.ok(!off.logs.some((m) => /test accuracy/.test(m)), 'no notice when the user chose');
  const on = await run(12, 6, { evalTest: true });
  assert.ok(on.r.history.every((h) => typeof h.testAcc === 'number'));
});
