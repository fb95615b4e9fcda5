/** bench:accuracy's statistics and table from fake histories: mean ± sample sd, worst seed, last-3-epoch spread. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BenchRun, SeedResult, commandOf, lastTestAccuracies, meanSd, rowOf, spreadText, table, withOverrides } from '../../src/bench/accuracy-table.js';
import type { HistoryRow } from '../../src/run/run-dir.js';

/** A fake seed: one history row per test accuracy given (null = not measured), final test = the last value. */
function seed(accs: Array<number | null>, final: number, reachedMin: number | null = null): SeedResult {
  const history: HistoryRow[] = accs.map((a, i) => ({
    epoch: i + 1, trainLoss: 0.5, trainAcc: 0.9, valLoss: null, valAcc: null, testLoss: a === null ? null : 0.1, testAcc: a,
    lr: 1e-3, seconds: 30, elapsed: 40 * (i + 1),
  }));
  return {
    history, counts: { train: 60000, val: 0, test: 10000 }, backend: 'onednn',
    test: { accuracy: final } as SeedResult['test'],
    reached: reachedMin === null ? null : { target: 0.995, epoch: 1, elapsed: 60 * reachedMin, testAcc: 0.996 },
  };
}

const RUN: BenchRun = { target: 0.995, seeds: [1, 2, 3], cfg: { arch: 'v2', dataset: 'mnist' } };

test('meanSd: sample standard deviation (n − 1); none for one value', () => {
  const { mean, sd } = meanSd([0.9949, 0.9956, 0.9951]);
  assert.ok(Math.abs(mean - 0.9952) < 1e-12);
  // deviations -3e-4, 4e-4, -1e-4: squares 9+16+1 = 26e-8, / 2 = 13e-8
  assert.ok(Math.abs(sd! - Math.sqrt(13e-8)) < 1e-12, String(sd));
  assert.deepEqual(meanSd([0.99]), { mean: 0.99, sd: null });
  assert.equal(meanSd([0, 2]).sd, Math.SQRT2);
});

test('lastTestAccuracies: the last three measured epochs, skipping unmeasured ones', () => {
  assert.deepEqual(lastTestAccuracies(seed([0.98, 0.99, 0.991, 0.995, 0.994], 0.994).history), [0.991, 0.995, 0.994]);
  assert.deepEqual(lastTestAccuracies(seed([0.98, 0.99], 0.99).history), [0.98, 0.99]);
  assert.deepEqual(lastTestAccuracies(seed([null, null], 0.99).history), []);
});

test('rowOf and table: mean ± sd over seeds, worst seed, last-3 spread pooled over seeds', () => {
  const rs = [
    { r: seed([0.98, 0.993, 0.9951, 0.9960, 0.9949], 0.9949, 3.3), wallMinutes: 4.5, seed: 1 },
    { r: seed([0.98, 0.994, 0.9947, 0.9958, 0.9956], 0.9956, 3.5), wallMinutes: 4.4, seed: 2 },
    { r: seed([0.98, 0.990, 0.9940, 0.9950, 0.9951], 0.9951, null), wallMinutes: 4.6, seed: 3 },
  ];
  const row = rowOf('v2-mnist', RUN, rs, 2);
  assert.deepEqual(row.accuracies, [0.9949, 0.9956, 0.9951]);
  assert.ok(Math.abs(row.sdAccuracy! - Math.sqrt(13e-8)) < 1e-12);
  assert.equal(row.minAccuracy, 0.9949);
  assert.equal(row.maxAccuracy, 0.9956);
  assert.deepEqual(row.lastSpread, { min: 0.9940, max: 0.9960 });
  assert.equal(row.lastEpochs.length, 3);
  assert.equal(row.epochs, 5);
  assert.equal(row.imgPerSec, (3 * 5 * 60000) / (3 * 5 * 30));
  assert.equal(row.command, 'npx mobilenet train --arch v2 --dataset mnist --eval-test (seeds 1, 2, 3)');
  const t = table([row]).split('\n');
  assert.match(t[0], /test accuracy mean ± sd \| min seed \| last 3 epochs min–max/);
  assert.equal(t[0].split('|').length, t[2].split('|').length, 'as many cells as headers');
  assert.ok(t[2].includes('| 99.52 ± 0.04% (3 seeds) | 99.49% | 99.40–99.60% |'), t[2]);
  assert.ok(t[2].includes('| 3.4 (2/3 seeds) |'), 'minutes to target over the seeds that reached it');
});

test('one seed: no standard deviation claimed; unmeasured epochs: no spread', () => {
  const one = rowOf('v1-mnist', { ...RUN, seeds: [1] }, [{ r: seed([0.99, 0.995, 0.9959], 0.9959, 3.9), wallMinutes: 5, seed: 1 }], 2);
  assert.equal(one.sdAccuracy, null);
  assert.ok(table([one]).includes('| 99.59% (1 seed) | 99.59% | 99.00–99.59% |'));
  const none = rowOf('x', RUN, [{ r: seed([null, null], 0.99), wallMinutes: 1, seed: 1 }], 1);
  assert.equal(none.lastSpread, null);
  assert.equal(spreadText(none.lastSpread), '–');
  assert.ok(table([none]).includes('| – |') && table([none]).includes('| never |'));
});

test('recipe overrides: applied to the config and spelled out in the command', () => {
  const cfg = withOverrides({ arch: 'v2', dataset: 'fashion-mnist', epochs: 20, model: { alpha: 1 } }, { stemStride: 2, weightDecay: 0.01, augment: false });
  assert.deepEqual(cfg, { arch: 'v2', dataset: 'fashion-mnist', epochs: 20, model: { alpha: 1, stemStride: 2 }, weightDecay: 0.01, augment: false });
  assert.equal(commandOf(cfg, 2), 'npx mobilenet train --arch v2 --dataset fashion-mnist --epochs 20 --stem-stride 2 --weight-decay 0.01 --no-augment --seed 2 --eval-test');
  assert.deepEqual(withOverrides(RUN.cfg, {}), RUN.cfg);
  assert.equal(commandOf(withOverrides(RUN.cfg, { lr: 0.005 }), 1, 3), 'npx mobilenet train --arch v2 --dataset mnist --epochs 3 --lr 0.005 --eval-test');
});
