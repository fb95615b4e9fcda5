/**
 * Request bodies → the model's normalised input ([H, W, C] row-major Float32Array).
 *
 * Images (PNG/JPEG, any size and colour): decode → grayscale → for digit runs (28×28×1, not
 * Fashion-MNIST) the classic MNIST pipeline shared with the page; otherwise a plain resize. Ink
 * polarity: `invert` true/false, or (undefined) automatic for one-channel models — a light border
 * means dark ink on white, which is inverted to MNIST's white on black.
 * JSON `{"pixels": [[...]], "invert"?, "preprocess"?}`: exactly the model's H rows of W values
 * (or of C-value arrays), 0..255, used as is unless `preprocess` asks for the MNIST pipeline.
 */
import sharp from 'sharp';
import { decodeImage, loadImage } from '../data/image.js';
import { DataError } from '../errors.js';
import type { RunMeta } from '../train/run-dir.js';
import { invert, looksLightBackground, toGray } from './gray.js';
import { mnistPreprocess, normalise } from './mnist-preprocess.js';

export type Preprocessing = 'mnist' | 'resize';

/** Digit runs get the MNIST pipeline; everything else (incl. Fashion-MNIST, colour inputs) a resize. */
export function preprocessingFor(meta: RunMeta): Preprocessing {
  const [h, w, c] = meta.inputShape;
  return h === 28 && w === 28 && c === 1 && meta.dataset !== 'fashion-mnist' ? 'mnist' : 'resize';
}

/** Default limit on an upload's decoded size: a small PNG can declare 16000×16000 pixels (GBs decoded). */
export const DEFAULT_MAX_PIXELS = 25_000_000;

/** An image whose header declares more pixels than allowed (HTTP 413). */
export class ImageTooLargeError extends DataError {}

/** Reads only the image header (sharp metadata) and refuses images over `maxPixels` before decoding. */
async function checkPixels(bytes: Uint8Array, maxPixels: number): Promise<void> {
  let w = 0, h = 0;
  try {
    ({ width: w = 0, height: h = 0 } = await sharp(bytes).metadata());
  } catch {
    return; // not readable: decodeImage reports it
  }
  if (w * h > maxPixels) throw new ImageTooLargeError(`image is ${w}x${h} = ${w * h} pixels, over the limit of ${maxPixels}`);
}

/** An uploaded PNG/JPEG → normalised model input. Undecodable bytes throw DataError. */
export async function imageInput(
  bytes: Uint8Array, meta: RunMeta, o: { invert?: boolean; maxPixels?: number } = {},
): Promise<Float32Array> {
  await checkPixels(bytes, o.maxPixels ?? DEFAULT_MAX_PIXELS);
  const img = await decodeImage(bytes, 'request body');
  const gray = toGray(img.pixels, img.width, img.height, img.channels); // [h, w]
  const [, , c] = meta.inputShape;
  const inv = o.invert ?? (c === 1 && looksLightBackground(gray, img.width, img.height));
  if (preprocessingFor(meta) === 'mnist') {
    const digit = mnistPreprocess({ data: inv ? invert(gray) : gray, width: img.width, height: img.height });
    return normalise(digit, meta.normalization.mean, meta.normalization.std); // [28, 28, 1]
  }
  const pixels = await loadImage(bytes, meta.inputShape, { invert: inv }); // [H, W, C]
  return normalise(pixels, meta.normalization.mean, meta.normalization.std);
}

function bad(msg: string): never {
  throw new DataError(msg);
}

function pixelValue(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 255) bad(`${where} must be a number in 0..255`);
  return v;
}

/** Flattens and checks `pixels` against [H, W, C]; rows of numbers are accepted when C is 1. */
export function flattenPixels(pixels: unknown, [h, w, c]: [number, number, number]): Float32Array {
  if (!Array.isArray(pixels) || pixels.length !== h) bad(`"pixels" must be an array of ${h} rows`);
  const out = new Float32Array(h * w * c); // [H, W, C]
  pixels.forEach((row: unknown, y) => {
    if (!Array.isArray(row) || row.length !== w) bad(`"pixels" row ${y} must be an array of ${w} values`);
    row.forEach((px: unknown, x) => {
      const at = `"pixels"[${y}][${x}]`;
      if (c === 1 && !Array.isArray(px)) {
        out[y * w + x] = pixelValue(px, at);
        return;
      }
      if (!Array.isArray(px) || px.length !== c) bad(`${at} must be ${c === 1 ? 'a number' : `an array of ${c} numbers`}`);
      px.forEach((v: unknown, k) => { out[(y * w + x) * c + k] = pixelValue(v, `${at}[${k}]`); });
    });
  });
  return out;
}

/** A parsed JSON body → normalised model input. A wrong shape throws DataError (HTTP 400). */
export function jsonInput(body: unknown, meta: RunMeta): Float32Array {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) bad('JSON body must be an object {"pixels": [[...]]}');
  const b = body as { pixels?: unknown; invert?: unknown; preprocess?: unknown };
  if (b.invert !== undefined && typeof b.invert !== 'boolean') bad('"invert" must be true or false');
  if (b.preprocess !== undefined && typeof b.preprocess !== 'boolean') bad('"preprocess" must be true or false');
  const [h, w] = meta.inputShape;
  let values: Float32Array = flattenPixels(b.pixels, meta.inputShape);
  if (b.invert) values = invert(values);
  if (b.preprocess && preprocessingFor(meta) === 'mnist') values = mnistPreprocess({ data: values, width: w, height: h });
  return normalise(values, meta.normalization.mean, meta.normalization.std);
}
