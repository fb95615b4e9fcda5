/**
 * Validation split and mini-batch iteration: ordering, normalisation with the
 * dataset's mean/std, and optional augmentation (random shifts, flips, erasing).
 */
import { OptionError } from '../errors.js';
import { eraseImage, fillAffine, flipImage, randomAffine } from './augment.js';
import type { Rng } from './rng.js';
import type { Split } from './types.js';
import { swapRB } from './preprocess.js';

/** One mini-batch: normalised images and their labels. */
export interface Batch {
  /** [B, H, W, C] normalised */
  x: Float32Array;
  /** [B] class ids */
  y: Int32Array;
  size: number;
}

/** Options for iterateBatches. */
export interface BatchOptions {
  batchSize: number;
  /** sample order (e.g. rng.permutation(count)); natural order when absent */
  order?: Int32Array;
  mean: number[];
  std: number[];
  /** Model takes B, G, R (Keras caffe mode): mean/std are in B, G, R order and each batch's channels are swapped. */
  bgr?: boolean;
  /**
   * random integer shifts of up to maxShift pixels in x and y, zero (background) filled; then, when asked,
   * a horizontal flip of half the images and random erasing with probability `erase` (augment.ts)
   */
  augment?: { rng: Rng; maxShift: number; flip?: boolean; erase?: number; rotate?: number; scale?: number };
}

/** Copies the samples at `idx` (in that order) into a new split. */
export function subsetSplit(split: Split, idx: ArrayLike<number>): Split {
  const [h, w, c] = split.shape;
  const size = h * w * c;
  const images = new Uint8Array(idx.length * size); // [n, H, W, C]
  const labels = new Uint8Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    images.set(split.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = split.labels[j];
  }
  return { images, labels, count: idx.length, shape: [h, w, c] };
}

/** The first `n` samples of a split (the split itself when it has no more; null: no limit). */
export function firstSamples(split: Split, n: number | null | undefined): Split {
  return n === null || n === undefined || n >= split.count ? split : subsetSplit(split, Int32Array.from({ length: n }, (_, i) => i));
}

/** The first `n` images of each class, in their order (few-label runs). */
export function perClassSubset(split: Split, n: number): Split {
  const seen = new Map<number, number>();
  const idx: number[] = [];
  for (let i = 0; i < split.count; i++) {
    const k = seen.get(split.labels[i]) ?? 0;
    if (k < n) { idx.push(i); seen.set(split.labels[i], k + 1); }
  }
  return subsetSplit(split, idx);
}

/**
 * Holds out round(fraction × count) random samples (chosen by `rng`) as a
 * validation split. Both parts keep the original relative order.
 */
export function splitValidation(split: Split, fraction: number, rng: Rng): { train: Split; val: Split } {
  if (!(fraction >= 0 && fraction < 1)) throw new OptionError(`validation fraction must be in [0, 1), got ${fraction}`);
  const nVal = Math.round(fraction * split.count);
  const perm = rng.permutation(split.count);
  const valIdx = perm.subarray(0, nVal).slice().sort();
  const trainIdx = perm.subarray(nVal).slice().sort();
  return { train: subsetSplit(split, trainIdx), val: subsetSplit(split, valIdx) };
}

/** Lookup table [C, 256]: normalised value of each byte value per channel. */
export function normalisationTable(mean: number[], std: number[], channels: number): Float32Array {
  if (mean.length !== channels || std.length !== channels) {
    throw new OptionError(`mean/std need ${channels} channel values, got ${mean.length}/${std.length}`);
  }
  const lut = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    if (!(std[c] > 0)) throw new OptionError(`std of channel ${c} must be positive, got ${std[c]}`);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]) / std[c];
  }
  return lut;
}

/** Writes one image, normalised through `lut`, into `out` at `o` (no shift). */
function fillPlain(src: Uint8Array, s: number, len: number, channels: number, lut: Float32Array, out: Float32Array, o: number): void {
  if (channels === 1) {
    for (let i = 0; i < len; i++) out[o + i] = lut[src[s + i]];
    return;
  }
  for (let i = 0; i < len; i += channels) {
    for (let c = 0; c < channels; c++) out[o + i + c] = lut[c * 256 + src[s + i + c]];
  }
}

/** Sets out[from..to) to the normalised background value (byte 0) of each channel. */
function fillBackground(out: Float32Array, from: number, to: number, ch: number, lut: Float32Array): void {
  if (ch === 1) {
    out.fill(lut[0], from, to);
    return;
  }
  for (let i = from; i < to; i += ch) for (let c = 0; c < ch; c++) out[i + c] = lut[c * 256];
}

/** Writes one image shifted by (dx, dy) pixels; uncovered pixels get the background (byte 0) value. */
function fillShifted(
  src: Uint8Array, s: number, shape: [number, number, number], dx: number, dy: number,
  lut: Float32Array, out: Float32Array, o: number,
): void {
  const [h, w, ch] = shape;
  const row = w * ch;
  const x0 = Math.min(w, Math.max(0, dx)), x1 = Math.max(x0, Math.min(w, w + dx)); // destination columns covered
  const y0 = Math.min(h, Math.max(0, dy)), y1 = Math.max(y0, Math.min(h, h + dy)); // destination rows covered
  const n = (x1 - x0) * ch;
  // background (byte 0) only where nothing is copied: rows outside [y0, y1), columns outside [x0, x1)
  fillBackground(out, o, o + y0 * row, ch, lut);
  fillBackground(out, o + y1 * row, o + h * row, ch, lut);
  for (let y = y0; y < y1; y++) {
    fillBackground(out, o + y * row, o + y * row + x0 * ch, ch, lut);
    fillBackground(out, o + y * row + x1 * ch, o + (y + 1) * row, ch, lut);
  }
  for (let y = y0; y < y1; y++) {
    const d = o + y * row + x0 * ch;
    const r = s + (y - dy) * row + (x0 - dx) * ch;
    if (ch === 1) {
      for (let i = 0; i < n; i++) out[d + i] = lut[src[r + i]];
    } else {
      for (let i = 0; i < n; i += ch) for (let c = 0; c < ch; c++) out[d + i + c] = lut[c * 256 + src[r + i + c]];
    }
  }
}

let imagesBuilt = 0;

/** How many images iterateBatches has written into batches in this process (tests: which passes build images). */
export function batchImagesBuilt(): number {
  return imagesBuilt;
}

/**
 * Yields normalised mini-batches ((pixel/255 − mean)/std) in `order` (or
 * natural order); the last partial batch is included. With `augment`, each
 * image is shifted by random integers in [−maxShift, maxShift] in x and y, then
 * flipped and erased when those are asked for.
 */
export function* iterateBatches(split: Split, o: BatchOptions): Generator<Batch> {
  const { batchSize, order, augment } = o;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError(`batch size must be a positive integer, got ${batchSize}`);
  if (augment && !(Number.isInteger(augment.maxShift) && augment.maxShift >= 0)) {
    throw new OptionError(`augmentation maxShift must be a non-negative integer, got ${augment.maxShift}`);
  }
  const [h, w, c] = split.shape;
  const size = h * w * c;
  if (o.bgr && c !== 3) throw new OptionError(`BGR input needs 3 channels, got ${c}`);
  // BGR: the table in the image's R, G, B order, then each filled image's channels swapped into B, G, R.
  const lut = o.bgr ? normalisationTable([...o.mean].reverse(), [...o.std].reverse(), c) : normalisationTable(o.mean, o.std, c);
  const total = order ? order.length : split.count;
  for (let start = 0; start < total; start += batchSize) {
    const b = Math.min(batchSize, total - start);
    const x = new Float32Array(b * size); // [B, H, W, C]
    const y = new Int32Array(b); // [B]
    for (let i = 0; i < b; i++) {
      const j = order ? order[start + i] : start + i;
      if (j < 0 || j >= split.count) throw new OptionError(`batch order index ${j} out of range [0, ${split.count})`);
      y[i] = split.labels[j];
      if (augment && (augment.rotate || augment.scale)) { // rotation and scale, with the shift, in one resampling
        const m = augment.maxShift;
        const dx = augment.rng.int(2 * m + 1) - m;
        const dy = augment.rng.int(2 * m + 1) - m;
        const a = randomAffine(augment.rng, augment.rotate ?? 0, augment.scale ?? 0, dx, dy);
        fillAffine(split.images, j * size, split.shape, a, lut, x, i * size);
      } else if (augment && augment.maxShift > 0) {
        const m = augment.maxShift;
        const dx = augment.rng.int(2 * m + 1) - m;
        const dy = augment.rng.int(2 * m + 1) - m;
        fillShifted(split.images, j * size, split.shape, dx, dy, lut, x, i * size);
      } else {
        fillPlain(split.images, j * size, size, c, lut, x, i * size);
      }
      if (augment?.flip && augment.rng.next() < 0.5) flipImage(x, i * size, split.shape);
      if (augment?.erase && augment.rng.next() < augment.erase) eraseImage(x, i * size, split.shape, augment.rng);
      if (o.bgr) swapRB(x.subarray(i * size, (i + 1) * size));
    }
    imagesBuilt += b;
    yield { x, y, size: b };
  }
}

/**
 * The batches of iterateBatches without the images (x is empty): the same order, sizes and labels, for steps that
 * read their inputs elsewhere by index (features cached per image). No augmentation, so no randomness is drawn.
 */
export function* iterateLabels(split: Split, batchSize: number, order?: Int32Array): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError(`batch size must be a positive integer, got ${batchSize}`);
  const total = order ? order.length : split.count;
  const none = new Float32Array(0);
  for (let start = 0; start < total; start += batchSize) {
    const b = Math.min(batchSize, total - start);
    const y = new Int32Array(b); // [B]
    for (let i = 0; i < b; i++) {
      const j = order ? order[start + i] : start + i;
      if (j < 0 || j >= split.count) throw new OptionError(`batch order index ${j} out of range [0, ${split.count})`);
      y[i] = split.labels[j];
    }
    yield { x: none, y, size: b };
  }
}
