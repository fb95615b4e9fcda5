/**
 * An encoded image (PNG/JPEG, any size and colour) → the run's normalised model input. One path for
 * `mobilenet predict`, predict() and the server's POST /v1/predict, so they give the same answer:
 * decode → transparency composited over white → grayscale → for digit runs (28×28×1, not
 * Fashion-MNIST) the classic MNIST pipeline shared with the page; otherwise a plain resize. Ink
 * polarity: `invert` true/false, or (undefined) automatic for one-channel models — a light border
 * means dark ink on white, which is inverted to MNIST's white on black.
 */
import sharp from 'sharp';
import type { Preprocessing } from '../api-types.js';
import { decodeImage, loadImage } from '../data/image.js';
import { DataError } from '../errors.js';
import { invert, looksLightBackground, toGray } from '../data/gray.js';
import { mnistPreprocess } from '../data/mnist-preprocess.js';
import { normaliseWith } from '../data/preprocess.js';
import type { RunMeta } from '../run/run-dir.js';

export type { Preprocessing };

/** Digit runs get the MNIST pipeline; everything else (incl. Fashion-MNIST, colour inputs) a resize. */
export function preprocessingFor(meta: RunMeta): Preprocessing {
  const [h, w, c] = meta.inputShape;
  return h === 28 && w === 28 && c === 1 && meta.dataset !== 'fashion-mnist' ? 'mnist' : 'resize';
}

/** Default limit on an upload's decoded size: a small PNG can declare 16000×16000 pixels (GBs decoded). */
export const DEFAULT_MAX_PIXELS = 25_000_000;

/** An image whose header declares more pixels than allowed (HTTP 413). */
export class ImageTooLargeError extends DataError {}

/**
 * Reads only the image header and refuses images over `maxPixels` before decoding. libvips' own limit
 * (~268 Mpx) is lifted for this header read, so an image above it is reported as too large, not undecodable.
 */
async function checkPixels(bytes: Uint8Array, maxPixels: number, source: string): Promise<void> {
  let w = 0, h = 0;
  try {
    ({ width: w = 0, height: h = 0 } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch {
    return; // not readable: decodeImage reports it
  }
  if (w * h > maxPixels) throw new ImageTooLargeError(`${source}: image is ${w}x${h} = ${w * h} pixels, over the limit of ${maxPixels}`);
}

export interface ImageInputOptions {
  /** true/false forces the ink polarity; undefined decides from the border (one-channel models only). */
  invert?: boolean;
  /** Largest image accepted, in pixels (default 25 M; Infinity leaves only libvips' own limit). */
  maxPixels?: number;
  /** Names the image in errors (default 'image'). */
  source?: string;
}

/** An encoded image → normalised model input [H, W, C] (row-major). Undecodable bytes throw DataError. */
export async function imageInput(bytes: Uint8Array, meta: RunMeta, o: ImageInputOptions = {}): Promise<Float32Array> {
  const source = o.source ?? 'image';
  await checkPixels(bytes, o.maxPixels ?? DEFAULT_MAX_PIXELS, source);
  const img = await decodeImage(bytes, source);
  const gray = toGray(img.pixels, img.width, img.height, img.channels); // [h, w], transparency over white
  const [, , c] = meta.inputShape;
  const inv = o.invert ?? (c === 1 && looksLightBackground(gray, img.width, img.height));
  if (preprocessingFor(meta) === 'mnist') {
    const digit = mnistPreprocess({ data: inv ? invert(gray) : gray, width: img.width, height: img.height });
    return normaliseWith(digit, meta.normalization); // [28, 28, 1]
  }
  const pixels = await loadImage(bytes, meta.inputShape, { invert: inv }); // [H, W, C], transparency over white
  return normaliseWith(pixels, meta.normalization); // BGR first where the run says so (caffe)
}
