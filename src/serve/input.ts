/**
 * Request bodies → the model's normalised input ([H, W, C] row-major Float32Array).
 *
 * Images go through evaluate/image-input.ts, the path `mobilenet predict` uses too (re-exported here).
 * JSON `{"pixels": [[...]], "invert"?, "preprocess"?}`: exactly the model's H rows of W values
 * (or of C-value arrays), 0..255, used as is unless `preprocess` asks for the MNIST pipeline.
 */
import { DataError } from '../errors.js';
import { preprocessingFor } from '../evaluate/image-input.js';
import type { RunMeta } from '../run/run-dir.js';
import { invert } from '../data/gray.js';
import { mnistPreprocess } from '../data/mnist-preprocess.js';
import { normaliseWith } from '../data/preprocess.js';

export {
  DEFAULT_MAX_PIXELS, ImageTooLargeError, Preprocessing, imageInput, preprocessingFor,
} from '../evaluate/image-input.js';

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

/** The first key of `v` (depth first) that secure JSON parsing refuses: `__proto__`, or `constructor` holding a `prototype`. */
function poisonedKey(v: unknown): string | null {
  const stack: unknown[] = [v];
  while (stack.length) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) return '__proto__';
    const ctor = (node as { constructor?: unknown }).constructor;
    if (Object.prototype.hasOwnProperty.call(node, 'constructor') && typeof ctor === 'object' && ctor !== null
      && Object.prototype.hasOwnProperty.call(ctor, 'prototype')) return 'constructor';
    for (const k of Object.keys(node)) stack.push((node as Record<string, unknown>)[k]);
  }
  return null;
}

/**
 * The server's application/json parser: Fastify's refuses `__proto__` and `constructor.prototype` keys too, but
 * answers "not valid JSON" for valid JSON; this one names the key. Empty, malformed or poisoned: DataError (400).
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) bad('empty JSON body: send {"pixels": [[...]]}');
  let v: unknown;
  try {
    v = JSON.parse(text); // an own "__proto__" key stays a plain key here: nothing is polluted
  } catch {
    bad('body is not valid JSON');
  }
  const key = poisonedKey(v);
  if (key === '__proto__') bad('JSON key "__proto__" is refused (it could replace an object\'s prototype); send {"pixels": [[...]]} without it');
  if (key) bad('JSON key "constructor" holding "prototype" is refused (it could replace an object\'s prototype); send {"pixels": [[...]]} without it');
  return v;
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
  return normaliseWith(values, meta.normalization);
}
