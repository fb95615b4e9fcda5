/** The bench's method with fake numbers: interleaving order, medians, ranges, the spread flag, roofline arithmetic. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  SPREAD_LIMIT, flopsPerImage, gemmGflops, gflops, interleave, median, ratioRange, summarize, tooSpread,
} from '../../src/bench/rounds.js';

test('interleave: every contestant once per round, rounds in order; a contestant with fewer rounds drops out', () => {
  assert.deepEqual(interleave(3, ['ours', 'cl', 'ort']).map((s) => `${s.round}:${s.who}`),
    ['0:ours', '0:cl', '0:ort', '1:ours', '1:cl', '1:ort', '2:ours', '2:cl', '2:ort']);
  assert.deepEqual(interleave(3, ['cpu', 'cl'], (w) => (w === 'cpu' ? 1 : 3)).map((s) => `${s.round}:${s.who}`),
    ['0:cpu', '0:cl', '1:cl', '2:cl']);
  assert.deepEqual(interleave(0, ['a']), []);
});

test('median: the middle value, the mean of the middle two for an even count, order-free', () => {
  assert.equal(median([5]), 5);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([10, 1, 1, 1, 10]), 1);
});

test('summarize: median, min, max and spread; null without samples', () => {
  assert.equal(summarize([]), null);
  assert.deepEqual(summarize([100, 80, 120, 90, 110]), { samples: [100, 80, 120, 90, 110], median: 100, min: 80, max: 120, spread: 0.4 });
  assert.deepEqual(summarize([7]), { samples: [7], median: 7, min: 7, max: 7, spread: 0 });
});

test('the spread flag: above 30% of the median, not at it', () => {
  assert.equal(SPREAD_LIMIT, 0.3);
  assert.equal(tooSpread(summarize([100, 85, 115])), false); // exactly 30%
  assert.equal(tooSpread(summarize([100, 84, 115])), true);
  assert.equal(tooSpread(null), false);
  assert.equal(tooSpread(undefined), false);
});

test('ratioRange: ratio of medians, from worst ours / best peer to best ours / worst peer', () => {
  const r = ratioRange(summarize([200, 180, 240])!, summarize([100, 90, 120])!);
  assert.equal(r.ratio, 2);
  assert.equal(r.low, 180 / 120);
  assert.equal(r.high, 240 / 90);
});

test('roofline: 2 FLOPs per mult-add, ×3 for a training step; GFLOP/s of a GEMM', () => {
  assert.equal(flopsPerImage(300e6, 'infer'), 600e6);
  assert.equal(flopsPerImage(300e6, 'train'), 1800e6);
  assert.equal(gflops(300e6, 'infer', 100), 60);
  assert.equal(gflops(5e6, 'train', 2000), 60);
  // 2·1000³ FLOP in 20 ms = 100 GFLOP/s
  assert.equal(gemmGflops(1000, 1000, 1000, 20), 100);
});
