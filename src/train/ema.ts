import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { trainableVariables } from './step.js';

/**
 * Exponential moving average of the trainable weights ("EMA of weights", as timm's ModelEma and TF's
 * ExponentialMovingAverage with num_updates). After optimizer step t (1-based), for every trainable weight:
 *
 *   d_t = min(decay, (1 + t) / (10 + t));   e ← d_t·e + (1 − d_t)·w
 *
 * The warm-up of d_t lets the average follow the fast early changes instead of keeping the initial weights.
 * Evaluation and the saved models use the average (eval-view.ts); training continues from the raw weights.
 */
export class WeightEma {
  readonly shadow: Float32Array[];

  /** Starts the average at `initial` (copied): the weights in model.trainableWeights order. */
  constructor(initial: Float32Array[], readonly decay: number) {
    this.shadow = initial.map((w) => Float32Array.from(w));
  }

  /** The decay used after step t (1-based). */
  static rate(decay: number, t: number): number {
    return Math.min(decay, (1 + t) / (10 + t));
  }

  /** Folds in the weights after step t (1-based); `weights[i]` matches shadow[i]. */
  update(weights: ArrayLike<number>[], t: number): void {
    const d = WeightEma.rate(this.decay, t);
    const a = 1 - d;
    this.shadow.forEach((e, i) => {
      const w = weights[i];
      if (w.length !== e.length) throw new Error(`EMA: weight ${i} has ${w.length} values, the average ${e.length}`);
      for (let k = 0; k < e.length; k++) e[k] = d * e[k] + a * w[k];
    });
  }

  /** All shadows in one buffer (checkpoint file). */
  pack(): Float32Array {
    const out = new Float32Array(this.shadow.reduce((n, e) => n + e.length, 0));
    let at = 0;
    for (const e of this.shadow) { out.set(e, at); at += e.length; }
    return out;
  }

  /** Restores shadows from pack()'s buffer; false when the sizes do not match. */
  unpack(data: Float32Array): boolean {
    if (data.length !== this.shadow.reduce((n, e) => n + e.length, 0)) return false;
    let at = 0;
    for (const e of this.shadow) { e.set(data.subarray(at, at + e.length)); at += e.length; }
    return true;
  }
}

/** The EMA of the weights for a run with options.ema > 0: from the checkpoint's, else started at the model's weights. */
export function makeEma(model: tfl.LayersModel, decay: number, saved: Float32Array | null, from: string): WeightEma | null {
  if (!(decay > 0)) return null;
  const ema = new WeightEma(trainableVariables(model).map((v) => v.dataSync() as Float32Array), decay);
  if (saved && !ema.unpack(saved)) throw new DataError(`${from}: ema.bin does not match the model's trainable weights`);
  return ema;
}
