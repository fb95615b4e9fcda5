/** Optimizers by name, per-step learning rate, and their state as bytes (for checkpoints). */
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import type { OptimizerName } from './options.js';

/** adam (β 0.9/0.999, ε 1e-7), sgd (momentum 0.9) or rmsprop (ρ 0.9). */
export function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  switch (name) {
    case 'adam': return tf.train.adam(lr, 0.9, 0.999, 1e-7);
    case 'sgd': return tf.train.momentum(lr, 0.9);
    case 'rmsprop': return tf.train.rmsprop(lr, 0.9, 0, 1e-7);
  }
}

/** Sets the learning rate the next applyGradients uses. */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (x: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

export interface OptimizerState {
  /** Weight specs, in getWeights() order (the optimizer restores by position). */
  specs: tf.io.WeightsManifestEntry[];
  data: ArrayBuffer;
  /** Scalars getWeights() leaves out (Adam's accumulated β powers), exact float32 values. */
  scalars?: Record<string, number>;
}

/** The optimizer's variables that hold a scalar tfjs-core does not save: Adam's accBeta1 and accBeta2. */
function hiddenScalars(opt: tf.Optimizer): Record<string, tf.Variable> {
  const o = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
  return opt instanceof tf.AdamOptimizer && o.accBeta1 && o.accBeta2 ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 } : {};
}

/**
 * The optimizer's slots (iterations, moments…) in getWeights() order, plus Adam's accumulated β powers.
 * Those are needed for an exact resume: tfjs-core's AdamOptimizer.setWeights() recomputes them as
 * pow(β, t + 1), while the steps multiplied them by β once per step — the two differ in the last bits
 * of the float32, and so did every weight after a resume. Empty before the first step.
 */
export async function optimizerState(opt: tf.Optimizer): Promise<OptimizerState> {
  const named = await opt.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  const scalars = Object.fromEntries(Object.entries(hiddenScalars(opt)).map(([k, v]) => [k, v.dataSync()[0]]));
  return { data, specs, scalars };
}

/** Restores a state from optimizerState() into a fresh optimizer of the same kind. */
export async function restoreOptimizer(opt: tf.Optimizer, s: OptimizerState, file: string): Promise<void> {
  const expected = s.specs.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (s.data.byteLength !== expected) {
    throw new DataError(`${file}: optimizer state is ${s.data.byteLength} bytes, expected ${expected}`);
  }
  if (s.specs.length === 0) return;
  const map = tf.io.decodeWeights(s.data, s.specs);
  await opt.setWeights(s.specs.map((w) => ({ name: w.name, tensor: map[w.name] })));
  for (const [k, v] of Object.entries(hiddenScalars(opt))) {
    const saved = s.scalars?.[k];
    if (saved === undefined) continue; // a checkpoint from before they were saved: tfjs-core's pow() value stays
    if (typeof saved !== 'number' || !Number.isFinite(saved)) throw new DataError(`${file}: optimizer scalar ${k} is not a finite number`);
    v.assign(tf.scalar(saved, 'float32'));
  }
}
