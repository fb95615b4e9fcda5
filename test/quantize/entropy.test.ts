/**
 * Entropy calibration (src/quantize/entropy.ts) on synthetic distributions: it clips a few huge outliers but keeps
 * ≥ 99% of the mass, keeps (nearly) the whole range of a uniform or ReLU6-like distribution, and its KL divergence
 * counts the clipped mass.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BINS, Histogram, addToHistogram, emptyHistogram, entropyRange, klDivergence } from '../../src/quantize/entropy.js';

/** A seeded uniform [0, 1) generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

function histogramOf(v: Float32Array): Histogram {
  let min = Infinity, max = -Infinity;
  for (const x of v) { min = Math.min(min, x); max = Math.max(max, x); }
  const h = emptyHistogram(min, max);
  addToHistogram(h, v);
  return h;
}

const inside = (v: Float32Array, [lo, hi]: [number, number]) => v.filter((x) => x >= lo && x <= hi).length / v.length;

test('a Gaussian with a few huge outliers: the outliers are clipped, ≥ 99% of the mass kept', () => {
  const v = gaussian(200_000, 1);
  for (let i = 0; i < 6; i++) v[i * 1000] = (i % 2 ? -1 : 1) * (200 + 50 * i); // 6 values at ±200..450 (σ = 1)
  const [lo, hi] = entropyRange(histogramOf(v));
  assert.ok(hi < 100 && lo > -100, `range [${lo}, ${hi}] keeps the outliers`);
  assert.ok(inside(v, [lo, hi]) >= 0.99, `range [${lo}, ${hi}] keeps ${inside(v, [lo, hi])} of the mass`);
  assert.ok(hi >= 3 && lo <= -3, `range [${lo}, ${hi}] clips the Gaussian itself`);
});

test('ReLU of a Gaussian with huge outliers: one-sided range [0, hi], outliers clipped, ≥ 99% kept', () => {
  const v = gaussian(200_000, 2).map((x) => Math.max(0, x));
  for (let i = 0; i < 4; i++) v[i * 1000] = 300 + 10 * i;
  const [lo, hi] = entropyRange(histogramOf(v));
  assert.equal(lo, 0);
  assert.ok(hi < 100, `hi ${hi} keeps the outliers`);
  assert.ok(inside(v, [lo, hi]) >= 0.99, `range [0, ${hi}] keeps ${inside(v, [lo, hi])} of the mass`);
});

test('uniform [0, 6]: nearly the full range', () => {
  const r = rng(3);
  const v = Float32Array.from({ length: 200_000 }, () => 6 * r());
  const [lo, hi] = entropyRange(histogramOf(v));
  assert.ok(lo <= 0 && hi >= 5.9, `range [${lo}, ${hi}]`);
});

test('ReLU6-like: half exact zeros, uniform (0, 6), 5% saturated at 6: nearly the full range', () => {
  const r = rng(4);
  const v = Float32Array.from({ length: 200_000 }, () => { const u = r(); return u < 0.5 ? 0 : u > 0.95 ? 6 : 6 * r(); });
  const [lo, hi] = entropyRange(histogramOf(v));
  assert.ok(lo === 0 && hi >= 5.9, `range [${lo}, ${hi}]`);
});

test('uniform [-2, 6]: both ends kept', () => {
  const r = rng(5);
  const v = Float32Array.from({ length: 200_000 }, () => -2 + 8 * r());
  const [lo, hi] = entropyRange(histogramOf(v));
  assert.ok(lo <= -1.95 && hi >= 5.9, `range [${lo}, ${hi}]`);
});

test('KL divergence: 0 for an evenly filled histogram over its full range, grows with the clipped mass', () => {
  const c = new Float64Array(BINS).fill(10);
  assert.ok(Math.abs(klDivergence(c, 0, BINS)) < 1e-12);
  const clip = (n: number) => klDivergence(c, 0, n);
  assert.ok(clip(1536) > 0.01 && clip(1024) > clip(1536) && clip(512) > clip(1024), `${clip(1536)} ${clip(1024)} ${clip(512)}`);
});

test('degenerate histograms: all zeros, one value', () => {
  assert.deepEqual(entropyRange(histogramOf(new Float32Array(100))), [0, 0]);
  const h = histogramOf(Float32Array.from({ length: 100 }, () => 3));
  const [lo, hi] = entropyRange(h);
  assert.ok(lo === 0 && hi === 3, `range [${lo}, ${hi}]`);
});
