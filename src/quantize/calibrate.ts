/**
 * Calibration: the range of every IR tensor over a set of images, measured on the float model (TF.js, the active
 * backend) at the outputs of the Keras layers the tensors name.
 *
 * - minmax: the smallest and largest value seen (TFLite's converter default);
 * - percentile: the 0.01th and 99.99th percentiles (outliers clipped), from a 2048-bin histogram;
 * - entropy: the range, shrunk towards 0 by a factor f ∈ [0.3, 1], whose 255-level quantization of the histogram
 *   is closest to it in KL divergence (TensorRT's calibration, over the tensor's own [min, max]).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import type { FloatIR } from './float-ir.js';

export const METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type CalibrationMethod = (typeof METHODS)[number];

const BINS = 2048;

interface Stat { min: number; max: number; hist?: Float64Array }

/** Runs `model` on each batch and hands every requested layer's output to `see` (tensor index, values). */
function forEachOutput(model: tfl.LayersModel, ir: FloatIR, batches: Float32Array[], see: (t: number, v: Float32Array) => void): void {
  const layers = [...new Set(ir.tensors.slice(1).map((t) => t.layer))];
  const probe = tfl.model({ inputs: model.inputs, outputs: layers.map((l) => model.getLayer(l).output as tfl.SymbolicTensor) });
  const byLayer = new Map(layers.map((l, i) => [l, i]));
  const [h, w, c] = ir.tensors[0].shape;
  for (const x of batches) {
    see(0, x);
    const ys = tf.tidy(() => {
      const y = probe.predict(tf.tensor4d(x, [x.length / (h * w * c), h, w, c])); // [B, H, W, C]
      return Array.isArray(y) ? y : [y];
    });
    const outs = ys.map((t) => t.dataSync() as Float32Array); // not inside tidy: it would walk every value
    tf.dispose(ys);
    ir.tensors.forEach((t, i) => { if (i > 0) see(i, outs[byLayer.get(t.layer)!]); });
  }
}

function minMax(model: tfl.LayersModel, ir: FloatIR, batches: Float32Array[]): Stat[] {
  const stats: Stat[] = ir.tensors.map(() => ({ min: Infinity, max: -Infinity }));
  forEachOutput(model, ir, batches, (t, v) => {
    const s = stats[t];
    for (let i = 0; i < v.length; i++) {
      if (v[i] < s.min) s.min = v[i];
      if (v[i] > s.max) s.max = v[i];
    }
  });
  return stats;
}

function histograms(model: tfl.LayersModel, ir: FloatIR, batches: Float32Array[], stats: Stat[]): void {
  for (const s of stats) s.hist = new Float64Array(BINS);
  forEachOutput(model, ir, batches, (t, v) => {
    const { min, max, hist } = stats[t];
    const k = max > min ? BINS / (max - min) : 0;
    for (let i = 0; i < v.length; i++) hist![Math.min(BINS - 1, Math.floor((v[i] - min) * k))]++;
  });
}

/** The value below which a fraction q of the histogram lies. */
function quantile(s: Stat, q: number): number {
  const h = s.hist!;
  const total = h.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < BINS; i++) {
    acc += h[i];
    if (acc >= q * total) return s.min + ((i + 1) / BINS) * (s.max - s.min);
  }
  return s.max;
}

/** KL(P || Q) of histogram bins [a, b) (outliers folded into the end bins) and its 255-level quantization. */
function klOf(h: Float64Array, a: number, b: number): number {
  const p = Float64Array.from(h.subarray(a, b));
  for (let i = 0; i < a; i++) p[0] += h[i];
  for (let i = b; i < h.length; i++) p[p.length - 1] += h[i];
  const n = p.length;
  const levels = Math.min(255, n);
  const q = new Float64Array(n);
  for (let l = 0; l < levels; l++) {
    const from = Math.floor((l * n) / levels), to = Math.floor(((l + 1) * n) / levels);
    let sum = 0, nz = 0;
    for (let i = from; i < to; i++) { sum += p[i]; if (p[i] > 0) nz++; }
    for (let i = from; i < to; i++) if (p[i] > 0) q[i] = sum / nz;
  }
  const tp = p.reduce((x, y) => x + y, 0), tq = q.reduce((x, y) => x + y, 0);
  let kl = 0;
  for (let i = 0; i < n; i++) if (p[i] > 0) kl += (p[i] / tp) * Math.log((p[i] / tp) / Math.max(q[i] / tq, 1e-12));
  return kl;
}

/** The entropy-calibrated range of a tensor. */
function entropyRange(s: Stat): [number, number] {
  if (!(s.max > s.min)) return [s.min, s.max];
  const w = (s.max - s.min) / BINS;
  let best: [number, number] = [s.min, s.max];
  let bestKl = Infinity;
  for (let k = 0; k <= 70; k++) {
    const f = 1 - k * 0.01;
    const lo = s.min * f, hi = s.max * f;
    const a = Math.max(0, Math.floor((lo - s.min) / w)), b = Math.min(BINS, Math.ceil((hi - s.min) / w));
    if (b - a < 64) continue;
    const kl = klOf(s.hist!, a, b);
    if (kl < bestKl) { bestKl = kl; best = [lo, hi]; }
  }
  return best;
}

/** The calibrated [min, max] of every IR tensor over `batches` (normalised images [B, H, W, C] each). */
export function calibrate(model: tfl.LayersModel, ir: FloatIR, batches: Float32Array[], method: CalibrationMethod): Array<[number, number]> {
  if (!METHODS.includes(method)) throw new OptionError(`--method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  const stats = minMax(model, ir, batches);
  if (method === 'minmax') return stats.map((s) => [s.min, s.max]);
  histograms(model, ir, batches, stats);
  if (method === 'percentile') return stats.map((s) => [Math.max(s.min, quantile(s, 1e-4)), Math.min(s.max, quantile(s, 1 - 1e-4))]);
  return stats.map(entropyRange);
}
