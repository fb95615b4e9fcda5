/** The shared MNIST preprocessing, grayscale/polarity helpers, JSON pixel checks, softmax and top-K. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLightBackground, toGray } from '../../src/data/gray.js';
import { flattenPixels } from '../../src/serve/input.js';
import { centreOfMass, inkBox, mnistPreprocess, normalise, resizeArea } from '../../src/data/mnist-preprocess.js';
import { softmax, topK } from '../../src/serve/predictor.js';
import { mnistTestDigits } from './mnist.js';

/** A w×h black image with a white filled rectangle. */
function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): Float32Array {
  const img = new Float32Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) img[y * w + x] = 255;
  return img;
}

test('mnistPreprocess: a tall stroke anywhere becomes 20 px high, centred by mass in 28×28', () => {
  const out = mnistPreprocess({ data: rect(300, 200, 250, 20, 270, 180), width: 300, height: 200 }); // 20×160 bar
  const box = inkBox({ data: out, width: 28, height: 28 })!;
  assert.equal(box.y1 - box.y0, 20);
  assert.ok(box.x1 - box.x0 <= 4, `width ${box.x1 - box.x0}`); // 20/160·20 = 2.5 px
  const com = centreOfMass(out, 28, 28)!;
  assert.ok(Math.abs(com.x - 14.5) <= 0.5 && Math.abs(com.y - 14.5) <= 0.5, JSON.stringify(com));
  assert.ok(Math.max(...out) <= 255);
});

test('mnistPreprocess: blank image → zeros; faint noise ignored by the relative threshold', () => {
  assert.ok(mnistPreprocess({ data: new Float32Array(50 * 50), width: 50, height: 50 }).every((v) => v === 0));
  const img = rect(100, 100, 40, 30, 60, 70);
  img[0] = 10; img[9999] = 10; // faint specks in the corners
  const box = inkBox({ data: img, width: 100, height: 100 })!;
  assert.deepEqual(box, { x0: 40, y0: 30, x1: 60, y1: 70 });
});

test('mnistPreprocess keeps real MNIST digits nearly unchanged (they were made this way)', async () => {
  for (const d of await mnistTestDigits(20)) {
    const out = mnistPreprocess({ data: d.pixels, width: 28, height: 28 });
    const a = Array.from(d.pixels), b = Array.from(out);
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const ma = mean(a), mb = mean(b);
    let num = 0, da = 0, db = 0;
    for (let i = 0; i < a.length; i++) { num += (a[i] - ma) * (b[i] - mb); da += (a[i] - ma) ** 2; db += (b[i] - mb) ** 2; }
    const corr = num / Math.sqrt(da * db);
    assert.ok(corr > 0.9, `test image ${d.index} (label ${d.label}): correlation ${corr.toFixed(3)}`);
  }
});

test('resizeArea averages areas: 4×4 checker halves → 2×2 means; enlarging keeps values', () => {
  const img = { data: [0, 0, 255, 255, 0, 0, 255, 255, 100, 100, 50, 50, 100, 100, 50, 50], width: 4, height: 4 };
  assert.deepEqual(Array.from(resizeArea(img, 2, 2)), [0, 255, 100, 50]);
  assert.deepEqual(Array.from(resizeArea(img, 1, 1)), [101.25]);
  assert.deepEqual(Array.from(resizeArea({ data: [7, 9], width: 2, height: 1 }, 4, 1)), [7, 7, 9, 9]);
});

test('normalise per channel', () => {
  const n = Array.from(normalise([0, 255, 51, 102], [0, 0.5], [1, 0.5]));
  [0, 1, 0.2, -0.2].forEach((v, i) => assert.ok(Math.abs(n[i] - v) < 1e-6, `${i}: ${n[i]}`));
});

test('toGray: BT.601 luminance, transparency over white; polarity from the border', () => {
  assert.deepEqual(Array.from(toGray([255, 0, 0, 0, 0, 255], 2, 1, 3)).map(Math.round), [76, 29]);
  assert.deepEqual(Array.from(toGray([0, 0, 0, 0, 0, 0, 0, 255], 2, 1, 4)), [255, 0]);
  assert.deepEqual(Array.from(toGray([10, 255, 10, 0], 2, 1, 2)), [10, 255]);
  const light = new Float32Array(25).fill(250);
  light[12] = 0;
  assert.equal(looksLightBackground(light, 5, 5), true);
  assert.equal(looksLightBackground(rect(5, 5, 2, 2, 3, 3), 5, 5), false);
});

test('flattenPixels: rows of numbers (C=1) or of C-arrays, with errors naming the place', () => {
  assert.deepEqual(Array.from(flattenPixels([[1, 2], [3, 4]], [2, 2, 1])), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(flattenPixels([[[1, 2, 3]], [[4, 5, 6]]], [2, 1, 3])), [1, 2, 3, 4, 5, 6]);
  assert.throws(() => flattenPixels([[1, 2]], [2, 2, 1]), /2 rows/);
  assert.throws(() => flattenPixels([[1, 2], [3]], [2, 2, 1]), /row 1 must be an array of 2 values/);
  assert.throws(() => flattenPixels([[1, 2], [3, -1]], [2, 2, 1]), /\[1\]\[1\] must be a number in 0\.\.255/);
  assert.throws(() => flattenPixels([[[1, 2]], [[4, 5, 6]]], [2, 1, 3]), /\[0\]\[0\] must be an array of 3 numbers/);
  assert.throws(() => flattenPixels('x', [2, 2, 1]), /must be an array/);
});

test('softmax and topK', () => {
  const p = softmax([1000, 1000, 0]);
  assert.deepEqual(p.map((v) => v.toFixed(6)), ['0.500000', '0.500000', '0.000000']);
  assert.deepEqual(topK([0.1, 0.6, 0.3], ['a', 'b', 'c'], 2), [{ label: 'b', probability: 0.6 }, { label: 'c', probability: 0.3 }]);
  assert.equal(topK([0.1, 0.6, 0.3], ['a', 'b', 'c'], 99).length, 3);
});
