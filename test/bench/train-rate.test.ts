import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { EpochSample, RateRow, rateTable, runRates } from '../../src/bench/train-rate.js';
import { ratioRange, summarize } from '../../src/bench/rounds.js';

const epoch = (seconds: number, imgPerSec: number, setupSeconds = 0, endSeconds = 1): EpochSample =>
  ({ seconds, images: 1000, timing: { imgPerSec, setupSeconds, endSeconds } });

test('runRates: the later epochs set the rate; the first epoch\'s extra seconds are read against its plan set-up', () => {
  const r = runRates([epoch(14, 90, 3, 2), epoch(10, 105), epoch(8, 130), epoch(12, 88)]);
  assert.equal(r.epochRate, 100); // 1000 / the median of 10, 8, 12 s
  assert.equal(r.stepRate, 105);
  assert.equal(r.firstExtra, 4); // 14 − 10
  assert.equal(r.setup, 3);
  assert.equal(r.end, 1); // median of 2, 1, 1, 1
  assert.throws(() => runRates([epoch(10, 100)]), /at least 2 epochs/);
});

test('rateTable: one row per size with medians, ranges, the ratio and the failures noted', () => {
  const train = summarize([90, 110])!, bench = summarize([100, 120])!;
  const rows: RateRow[] = [
    { size: { side: 96, batch: 128, images: 2560 }, inputShape: [96, 96, 3], stemStride: 2, train, bench, ratio: ratioRange(train, bench),
      runs: [runRates([epoch(14, 90, 3), epoch(10, 100)])], notes: [] },
    { size: { side: 224, batch: 32, images: 640 }, inputShape: [], stemStride: 2, train: null, bench: null, ratio: null, runs: [], notes: ['round 1: out of memory'] },
  ];
  const t = rateTable(rows).split('\n');
  assert.equal(t.length, 4);
  assert.match(t[2], /^\| 96×96×3 \| 2 \| 128 \| 100\.0 \(90\.0–110\.0\) \| 110\.0 \(100\.0–120\.0\) \| 0\.91× \(0\.75–1\.10\) \| 4\.0 \(3\.0\) \| 1\.0 \|$/);
  assert.match(t[3], /^\| 224 \| 2 \| 32 \| – \| – \| – \| – \| – \| round 1: out of memory$/);
});
