import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fillAffine, randomAffine } from '../../src/data/augment.js';
import { batchImagesBuilt, iterateBatches, iterateLabels, normalisationTable, splitValidation } from '../../src/data/batches.js';
import { Rng } from '../../src/data/rng.js';
import type { Split } from '../../src/data/types.js';
import { OptionError } from '../../src/errors.js';

/** n images of h×w×c where every pixel of image i is i (mod 256), label i % 10. */
function split(n: number, h = 3, w = 3, c = 1): Split {
  const size = h * w * c;
  const images = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) images.fill(i % 256, i * size, (i + 1) * size);
  return { images, labels: Uint8Array.from({ length: n }, (_, i) => i % 10), count: n, shape: [h, w, c] };
}

const ident = { mean: [0], std: [1] };

test('natural order, last partial batch included', () => {
  const s = split(10);
  const batches = [...iterateBatches(s, { batchSize: 4, ...ident })];
  assert.deepEqual(batches.map((b) => b.size), [4, 4, 2]);
  assert.deepEqual(Array.from(batches[2].y), [8, 9]);
  assert.equal(batches[2].x.length, 2 * 9);
  assert.ok(Math.abs(batches[2].x[9] - 9 / 255) < 1e-7);
});

test('iterateLabels: the labels and sizes of iterateBatches in the same order, no images built', () => {
  const s = split(23);
  const order = new Rng(3).permutation(s.count);
  const full = [...iterateBatches(s, { batchSize: 5, order, ...ident })];
  const built = batchImagesBuilt();
  const labels = [...iterateLabels(s, 5, order)];
  assert.equal(batchImagesBuilt(), built);
  assert.deepEqual(labels.map((b) => [b.size, Array.from(b.y), b.x.length]), full.map((b) => [b.size, Array.from(b.y), 0]));
  assert.deepEqual([...iterateLabels(s, 10)].map((b) => b.size), [10, 10, 3]);
  assert.throws(() => [...iterateLabels(s, 4, Int32Array.from([0, 23]))], OptionError);
  assert.throws(() => [...iterateLabels(s, 0)], OptionError);
});

test('normalisation is (pixel/255 - mean)/std per channel', () => {
  const s: Split = { images: Uint8Array.from([0, 255, 51, 102, 204, 153]), labels: Uint8Array.from([3]), count: 1, shape: [1, 2, 3] };
  const [b] = [...iterateBatches(s, { batchSize: 8, mean: [0.5, 0.1, 0.2], std: [0.5, 2, 0.25] })];
  const want = [(0 - 0.5) / 0.5, (1 - 0.1) / 2, (0.2 - 0.2) / 0.25, (0.4 - 0.5) / 0.5, (0.8 - 0.1) / 2, (0.6 - 0.2) / 0.25];
  want.forEach((v, i) => assert.ok(Math.abs(b.x[i] - v) < 1e-6, `x[${i}] = ${b.x[i]}, want ${v}`));
  assert.deepEqual(Array.from(b.y), [3]);
  assert.throws(() => [...iterateBatches(s, { batchSize: 8, mean: [0], std: [1] })], OptionError);
  assert.throws(() => [...iterateBatches(s, { batchSize: 0, mean: [0, 0, 0], std: [1, 1, 1] })], OptionError);
});

test('shuffling by seed is deterministic and covers every sample once', () => {
  const s = split(100);
  const labelsOf = (seed: number) => {
    const order = new Rng(seed).permutation(s.count);
    return [...iterateBatches(s, { batchSize: 32, order, ...ident })].flatMap((b) => Array.from(b.x.filter((_, i) => i % 9 === 0), (v) => Math.round(v * 255)));
  };
  const a = labelsOf(5);
  assert.deepEqual(a, labelsOf(5));
  assert.notDeepEqual(a, labelsOf(6));
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.notDeepEqual(a, Array.from({ length: 100 }, (_, i) => i));
});

test('validation split sizes, disjointness and determinism', () => {
  const s = split(250);
  const { train, val } = splitValidation(s, 0.1, new Rng(1));
  assert.equal(val.count, 25);
  assert.equal(train.count, 225);
  const ids = (p: Split) => Array.from({ length: p.count }, (_, i) => p.images[i * 9]);
  const all = [...ids(train), ...ids(val)].sort((x, y) => x - y);
  assert.deepEqual(all, ids(s).sort((x, y) => x - y)); // a partition (pixel value = id mod 256, ids < 250)
  assert.deepEqual(ids(splitValidation(s, 0.1, new Rng(1)).val), ids(val));
  assert.notDeepEqual(ids(splitValidation(s, 0.1, new Rng(2)).val), ids(val));
  assert.equal(splitValidation(s, 0, new Rng(1)).val.count, 0);
  assert.throws(() => splitValidation(s, 1, new Rng(1)), OptionError);
});

/** A 5×5 gray image with one bright pixel at (row 2, col 2). */
function dot(): Split {
  const images = new Uint8Array(25);
  images[12] = 255;
  return { images, labels: Uint8Array.from([1]), count: 1, shape: [5, 5, 1] };
}

test('augmentation shifts by integers up to maxShift, zero-filled, driven by the rng', () => {
  const seen = new Set<string>();
  const rng = new Rng(11);
  for (let k = 0; k < 200; k++) {
    const [b] = [...iterateBatches(dot(), { batchSize: 1, mean: [0.5], std: [0.5], augment: { rng, maxShift: 2 } })];
    const bright = Array.from(b.x).flatMap((v, i) => (v > 0.5 ? [i] : []));
    assert.equal(bright.length, 1); // the dot always stays inside a 5x5 image with shifts <= 2
    const dy = Math.floor(bright[0] / 5) - 2, dx = (bright[0] % 5) - 2;
    assert.ok(Math.abs(dx) <= 2 && Math.abs(dy) <= 2);
    seen.add(`${dx},${dy}`);
    for (const v of b.x) assert.ok(v === 1 || v === -1); // background (0 → -1) everywhere else
  }
  assert.equal(seen.size, 25); // every shift in [-2, 2]^2 occurs
  const run = (seed: number) => [...iterateBatches(dot(), { batchSize: 1, ...ident, augment: { rng: new Rng(seed), maxShift: 2 } })][0].x;
  assert.deepEqual(run(3), run(3));
});

test('a large shift moves content out and fills with background; RGB channels shift together', () => {
  const s: Split = { images: new Uint8Array(2 * 2 * 3).fill(255), labels: Uint8Array.from([0]), count: 1, shape: [2, 2, 3] };
  let sawEmpty = false, sawPartial = false;
  const rng = new Rng(0);
  for (let k = 0; k < 100; k++) {
    const [b] = [...iterateBatches(s, { batchSize: 1, mean: [0, 0, 0], std: [1, 1, 1], augment: { rng, maxShift: 3 } })];
    const lit = b.x.filter((v) => v === 1).length;
    assert.equal(lit % 3, 0); // whole pixels
    if (lit === 0) sawEmpty = true;
    if (lit === 3 || lit === 6) sawPartial = true;
  }
  assert.ok(sawEmpty && sawPartial);
});

test('maxShift 0 equals no augmentation and draws nothing from the rng', () => {
  const s = split(20, 28, 28, 1);
  const rng = new Rng(1);
  const before = rng.state();
  const a = [...iterateBatches(s, { batchSize: 8, mean: [0.13], std: [0.31], augment: { rng, maxShift: 0 } })];
  const b = [...iterateBatches(s, { batchSize: 8, mean: [0.13], std: [0.31] })];
  assert.deepEqual(a.map((x) => Array.from(x.x)), b.map((x) => Array.from(x.x)));
  assert.deepEqual(rng.state(), before);
});

test('shifted RGB batches match a naive per-pixel reference', () => {
  const [h, w, c] = [5, 7, 3];
  const n = 6;
  const images = Uint8Array.from({ length: n * h * w * c }, (_, i) => (i * 31 + 7) % 256);
  const s: Split = { images, labels: new Uint8Array(n), count: n, shape: [h, w, c] };
  const mean = [0.2, 0.4, 0.6], std = [0.5, 0.25, 2];
  const maxShift = 3;
  const got = [...iterateBatches(s, { batchSize: 4, mean, std, augment: { rng: new Rng(21), maxShift } })];
  const rng = new Rng(21); // replay the same draws: dx then dy per image
  for (let i = 0; i < n; i++) {
    const dx = rng.int(2 * maxShift + 1) - maxShift, dy = rng.int(2 * maxShift + 1) - maxShift;
    const b = got[Math.floor(i / 4)], k = i % 4;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
      const sy = y - dy, sx = x - dx;
      const v = sy >= 0 && sy < h && sx >= 0 && sx < w ? images[((i * h + sy) * w + sx) * c + ch] : 0;
      const want = (v / 255 - mean[ch]) / std[ch];
      const at = ((k * h + y) * w + x) * c + ch;
      assert.ok(Math.abs(b.x[at] - want) < 1e-5, `image ${i} shift (${dx},${dy}) at ${y},${x},${ch}: ${b.x[at]} vs ${want}`);
    }
  }
});

test('random affine: the identity map reproduces the image; a 180° turn mirrors it both ways; bilinear between pixels', () => {
  const shape: [number, number, number] = [5, 5, 1];
  const img = Uint8Array.from({ length: 25 }, (_, i) => (i * 37) % 256);
  const lut = normalisationTable([0], [1], 1);
  const out = new Float32Array(25);
  fillAffine(img, 0, shape, { degrees: 0, scale: 1, dx: 0, dy: 0 }, lut, out, 0);
  out.forEach((v, i) => assert.ok(Math.abs(v - img[i] / 255) < 1e-6, `identity at ${i}`));
  fillAffine(img, 0, shape, { degrees: 180, scale: 1, dx: 0, dy: 0 }, lut, out, 0);
  out.forEach((v, i) => assert.ok(Math.abs(v - img[24 - i] / 255) < 1e-5, `180° at ${i}: ${v} vs ${img[24 - i] / 255}`));
  // a half-pixel shift averages neighbours (bilinear); a shift off the image fills with the background (0)
  const line = Uint8Array.from([0, 100, 200, 0, 0, 0, 0, 0, 0]);
  const o3 = new Float32Array(9);
  fillAffine(line, 0, [3, 3, 1], { degrees: 0, scale: 1, dx: 0.5, dy: 0 }, lut, o3, 0);
  assert.ok(Math.abs(o3[1] - 50 / 255) < 1e-6 && Math.abs(o3[2] - 150 / 255) < 1e-6, `bilinear: ${o3[1]}, ${o3[2]}`);
  fillAffine(line, 0, [3, 3, 1], { degrees: 0, scale: 1, dx: 5, dy: 0 }, lut, o3, 0);
  assert.ok(o3.every((v) => v === 0), 'moved off the image: background');
});

test('rotation and scale draw from the rng only when asked for, and stay within their ranges', () => {
  const rng = new Rng(4);
  for (let i = 0; i < 200; i++) {
    const a = randomAffine(rng, 10, 0.1, 0, 0);
    assert.ok(Math.abs(a.degrees) <= 10 && Math.abs(a.scale - 1) <= 0.1, JSON.stringify(a));
  }
  const split = { images: new Uint8Array(2 * 9).fill(9), labels: new Uint8Array(2), count: 2, shape: [3, 3, 1] as [number, number, number] };
  const plain = new Rng(7), rotating = new Rng(7);
  [...iterateBatches(split, { batchSize: 2, mean: [0], std: [1], augment: { rng: plain, maxShift: 1 } })];
  [...iterateBatches(split, { batchSize: 2, mean: [0], std: [1], augment: { rng: rotating, maxShift: 1, rotate: 10, scale: 0.1 } })];
  assert.notDeepEqual(plain.state(), rotating.state(), 'the affine draws two more numbers per image');
});
