/**
 * Turns the drawing into the model's input and classifies it, either in the browser with TF.js
 * (WebGL, else wasm, else cpu) or by posting the same 28×28 pixels to the server's API.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { mnistPreprocess, resizeArea } from '../../src/data/mnist-preprocess.js';
import { normaliseWith } from '../../src/data/preprocess.js';
import type { ErrorResponse, ModelInfo, PredictResponse } from '../../src/api-types.js';

export interface Result {
  probabilities: number[];
  ms: number;
  where: string;
}

/** First backend of webgl → wasm → cpu that initialises here (`preferred`, e.g. from ?backend=, first). */
export async function pickBackend(preferred?: string | null): Promise<string> {
  setWasmPaths('/wasm/');
  const order = ['webgl', 'wasm', 'cpu'];
  for (const name of preferred && order.includes(preferred) ? [preferred, ...order] : order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error('no TF.js backend could start');
}

/** Model input pixels (0..255, [H, W, C] row-major) from the pad's grayscale image, as the server does it. */
export function inputPixels(info: ModelInfo, gray: { data: Float32Array; width: number; height: number }): Float32Array {
  const [h, w, c] = info.inputShape;
  const g = info.preprocessing === 'mnist' ? mnistPreprocess(gray) : resizeArea(gray, w, h); // [H, W]
  if (c === 1) return g;
  const out = new Float32Array(h * w * c); // [H, W, C]
  for (let i = 0; i < g.length; i++) for (let k = 0; k < c; k++) out[i * c + k] = g[i];
  return out;
}

function softmax(v: Float32Array | number[]): number[] {
  const max = Math.max(...v);
  const e = Array.from(v, (x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Runs the model in the browser. */
export async function classifyLocal(model: tf.LayersModel, info: ModelInfo, pixels: Float32Array): Promise<Result> {
  const [h, w, c] = info.inputShape;
  const t0 = performance.now();
  const out = tf.tidy(() => {
    const x = tf.tensor4d(normaliseWith(pixels, info.normalization), [1, h, w, c]); // [1, H, W, C]
    return model.predict(x) as tf.Tensor; // [1, classes]
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  const probabilities = info.output === 'logits' ? softmax(values) : Array.from(values);
  return { probabilities, ms: performance.now() - t0, where: `in the browser (${tf.getBackend()})` };
}

/** Posts the pixels to POST /v1/predict as JSON and maps the answer back to class order. */
export async function classifyApi(info: ModelInfo, pixels: Float32Array): Promise<Result> {
  const [h, w, c] = info.inputShape;
  const rows: Array<Array<number | number[]>> = [];
  for (let y = 0; y < h; y++) {
    const row: Array<number | number[]> = [];
    for (let x = 0; x < w; x++) {
      const px = Array.from(pixels.subarray((y * w + x) * c, (y * w + x + 1) * c), (v) => Math.round(v * 1000) / 1000);
      row.push(c === 1 ? px[0] : px);
    }
    rows.push(row);
  }
  const t0 = performance.now();
  const res = await fetch('/v1/predict', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pixels: rows }),
  });
  const body = (await res.json()) as PredictResponse & Partial<ErrorResponse>;
  if (!res.ok) throw new Error(`API: ${res.status} ${body.error ?? ''}`);
  const probabilities = info.labels.map((l) => body.top.find((t) => t.label === l)?.probability ?? 0);
  return { probabilities, ms: performance.now() - t0, where: `by the API (${body.backend}, model ${body.modelMs} ms)` };
}
