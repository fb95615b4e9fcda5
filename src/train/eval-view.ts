/**
 * The weights evaluation sees, swapped in and out of the model around each epoch's end: the EMA of the
 * weights (when on) with BN statistics recomputed for them (precise BN, when on). Training always continues
 * from the raw weights; validation, --eval-test, best/, the published model and the final report use this view.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../data/types.js';
import type { Engine } from '../engine/engine.js';
import type { WeightEma } from './ema.js';
import type { ResolvedTrainOptions } from './options.js';
import { PreciseBnResult, recomputeBatchNormStats } from './precise-bn.js';

type Snapshot = Float32Array[];

/** Copies of all of the model's weights (trainable and BN statistics), model.weights order. */
function snapshot(model: tfl.LayersModel): Snapshot {
  return model.weights.map((w) => (w.read().dataSync() as Float32Array).slice());
}

function restore(model: tfl.LayersModel, s: Snapshot): void {
  tf.tidy(() => model.weights.forEach((w, i) => w.write(tf.tensor(s[i], w.shape as number[], 'float32'))));
}

export interface EvalView {
  /** What precise BN did (null when off). */
  preciseBn: PreciseBnResult | null;
  /** Puts the training weights back. */
  exit(): void;
  /** Puts the evaluation weights back in (after exit). */
  reenter(): void;
}

export interface ViewInput {
  model: tfl.LayersModel;
  train: Split;
  norm: { mean: number[]; std: number[] };
  options: ResolvedTrainOptions;
  ema: WeightEma | null;
  /** The training engine: precise BN's passes run there (it is given the view's weights first). */
  engine?: Engine | null;
}

/**
 * Swaps the evaluation weights into `model` (whose variables must be current: sync the engine first):
 * the EMA shadows into the trainable weights, then precise BN over `options.preciseBn` training images.
 */
export function enterEvalView(v: ViewInput): EvalView {
  const { model, options: o } = v;
  const raw = snapshot(model);
  if (v.ema) {
    const shadow = v.ema.shadow;
    tf.tidy(() => model.trainableWeights.forEach((w, i) => w.write(tf.tensor(shadow[i], w.shape as number[], 'float32'))));
  }
  if (v.engine && v.ema && o.preciseBn > 0) v.engine.pushWeights({ trainableOnly: true });
  const preciseBn = o.preciseBn > 0
    ? recomputeBatchNormStats(model, v.train, { images: o.preciseBn, batchSize: o.batchSize, seed: o.seed + 2, norm: v.norm }, v.engine ?? undefined)
    : null;
  const evalWeights = v.ema || preciseBn ? snapshot(model) : null;
  return {
    preciseBn,
    exit: () => { if (evalWeights) restore(model, raw); },
    reenter: () => { if (evalWeights) restore(model, evalWeights); },
  };
}
