/**
 * Calibration: the range of every IR tensor over a set of images, measured on the float model (TF.js, the active
 * backend) at the outputs of the Keras layers the tensors name.
 *
 * - minmax: the smallest and largest value seen (TFLite's converter default);
 * - percentile: the 0.01th and 99.99th percentiles (outliers clipped), from a 2048-bin histogram;
 * - entropy: the range whose 255-step quantization of the 2048-bin histogram loses the least information in KL
 *   divergence, the clipped outliers counted (TensorRT's calibration; entropy.ts).
 * Both histograms span the tensor's [min, max] over all the batches (0 included), from a first minmax pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { BINS, Histogram, addToHistogram, emptyHistogram, entropyRange } from './entropy.js';
import type { FloatIR } from './float-ir.js';

export const METHODS = ['minmax', 'percentile', 'entropy'] as const;
export type CalibrationMethod = (typeof METHODS)[number];

interface Stat { min: number; max: number; hist?: Histogram }

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
  for (const s of stats) s.hist = emptyHistogram(s.min, s.max);
  forEachOutput(model, ir, batches, (t, v) => addToHistogram(stats[t].hist!, v));
}

/** The value below which a fraction q of the histogram lies. */
function quantile(s: Stat, q: number): number {
  const { lo, hi, counts } = s.hist!;
  const total = counts.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < BINS; i++) {
    acc += counts[i];
    if (acc >= q * total) return lo + ((i + 1) / BINS) * (hi - lo);
  }
  return hi;
}

/** The calibrated [min, max] of every IR tensor over `batches` (normalised images [B, H, W, C] each). */
export function calibrate(model: tfl.LayersModel, ir: FloatIR, batches: Float32Array[], method: CalibrationMethod): Array<[number, number]> {
  if (!METHODS.includes(method)) throw new OptionError(`--method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  const stats = minMax(model, ir, batches);
  if (method === 'minmax') return stats.map((s) => [s.min, s.max]);
  histograms(model, ir, batches, stats);
  if (method === 'percentile') return stats.map((s) => [Math.max(s.min, quantile(s, 1e-4)), Math.min(s.max, quantile(s, 1 - 1e-4))]);
  return stats.map((s) => entropyRange(s.hist!));
}
