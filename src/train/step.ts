/** One optimisation step, and a forward pass over a whole split (loss, accuracy, optionally logits). */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches } from '../data/batches.js';
import type { Split } from '../data/types.js';
import { ModelRunner, modelRunner } from '../engine/runner.js';
import { countCorrect, crossEntropyFromLogits } from '../evaluate/loss.js';
import { applyModel } from '../models/apply.js';

export interface StepResult {
  loss: number;
  correct: number;
}

/** The tf.Variables behind the model's trainable weights, in a fixed order (the optimizer keys its slots by position). */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
}

/**
 * Decoupled (AdamW-style) weight decay on the kernels (rank ≥ 2: convolution, depthwise and dense kernels;
 * not BN parameters or biases): w ← w − lr·λ·w, applied before the optimizer's update, as PyTorch's AdamW
 * and the native engine (native/src/plan/train.cc) do.
 */
export function decayKernels(vars: tf.Variable[], lr: number, weightDecay: number): void {
  if (!(weightDecay > 0)) return;
  const keep = 1 - lr * weightDecay;
  tf.tidy(() => { for (const v of vars) if (v.rank >= 2) v.assign(tf.mul(v, keep)); });
}

/**
 * Forward in training mode (batch statistics, BN moving averages updated; frozen BNs in inference mode), softmax cross-entropy
 * from logits, backward, decoupled weight decay (when `decay.weightDecay` > 0), optimizer update.
 */
export function trainStep(
  model: tfl.LayersModel, opt: tf.Optimizer, vars: tf.Variable[],
  x: Float32Array, y: Int32Array, shape: [number, number, number], labelSmoothing: number,
  decay: { lr: number; weightDecay: number } = { lr: 0, weightDecay: 0 },
): StepResult {
  const b = y.length;
  const xs = tf.tensor4d(x, [b, ...shape]); // [B, H, W, C]
  const ys = tf.tensor1d(y, 'int32'); // [B]
  let correct: tf.Scalar | null = null;
  try {
    const { value: cost, grads } = opt.computeGradients(() => {
      const logits = applyModel(model, xs, true) as tf.Tensor2D; // [B, K] (frozen BNs in inference mode)
      correct = tf.keep(countCorrect(logits, ys));
      return crossEntropyFromLogits(logits, ys, labelSmoothing);
    }, vars);
    decayKernels(vars, decay.lr, decay.weightDecay);
    opt.applyGradients(grads);
    tf.dispose(grads);
    const loss = cost.dataSync()[0];
    cost.dispose();
    return { loss, correct: (correct as tf.Scalar | null)?.dataSync()[0] ?? 0 };
  } finally {
    (correct as tf.Scalar | null)?.dispose();
    xs.dispose();
    ys.dispose();
  }
}
