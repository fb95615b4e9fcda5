/** Keras's preprocess_input modes on our normalisation scale, and BGR (caffe) applied alike by image input and batches. */
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { iterateBatches } from '../../src/data/batches.js';
import { normaliseWith, normalizationFor } from '../../src/data/preprocess.js';
import { OptionError } from '../../src/errors.js';

const close = (a: ArrayLike<number>, b: number[]) => Array.from(a).forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${i}: ${v} vs ${b[i]}`));

test("each mode gives what Keras's preprocess_input gives for pixel (R, G, B) = (0, 127.5, 255)", () => {
  const px = [0, 127.5, 255];
  close(normaliseWith(px, normalizationFor('tf', 3)), [-1, 0, 1]); // x/127.5 − 1
  close(normaliseWith(px, normalizationFor('torch', 3)), [(0 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (1 - 0.406) / 0.225]);
  close(normaliseWith(px, normalizationFor('caffe', 3)), [255 - 103.939, 127.5 - 116.779, 0 - 123.68]); // B, G, R minus Keras's means
  close(normaliseWith(px, normalizationFor('unit', 3)), [0, 0.5, 1]);
  close(normaliseWith(px, normalizationFor('raw', 3)), px);
  assert.throws(() => normalizationFor('caffe', 1), OptionError);
  assert.throws(() => normalizationFor('inception', 3), /preprocess must be one of tf, torch, caffe, unit, raw/);
});

test('batches with bgr give the same inputs as normaliseWith (caffe), swapped after the per-channel table', () => {
  const images = Uint8Array.from([10, 20, 30, 200, 100, 0]); // one 1×2×3 image
  const split = { images, labels: Uint8Array.from([0]), count: 1, shape: [1, 2, 3] as [number, number, number] };
  const n = normalizationFor('caffe', 3);
  const [b] = [...iterateBatches(split, { batchSize: 1, mean: n.mean, std: n.std, bgr: true })];
  close(b.x, Array.from(normaliseWith(images, n)));
  close(b.x, [30 - 103.939, 20 - 116.779, 10 - 123.68, 0 - 103.939, 100 - 116.779, 200 - 123.68]);
});
