/** Inference-mode pass over a split: mean loss and accuracy, logits handed to a callback batch by batch. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches } from '../data/batches.js';
import type { Split } from '../data/types.js';
import { Normalization, isBgr } from '../data/preprocess.js';
import { ModelRunner, modelRunner } from '../engine/runner.js';
import { countCorrect, crossEntropyFromLogits } from './loss.js';

export interface PassResult {
  loss: number;
  accuracy: number;
  count: number;
}

/**
 * Inference-mode pass over `split` in batches; `onLogits` sees each batch's logits [B, K] as a
 * Float32Array with its labels and first index. `runner` (default: the engine when it can run `model`,
 * else TF.js) computes the logits.
 */
export function evaluateSplit(
  model: tfl.LayersModel, split: Split, norm: Normalization, batchSize = 100,
  onLogits?: (logits: Float32Array, y: Int32Array, start: number) => void, runner?: ModelRunner,
): PassResult {
  const run = runner ?? modelRunner(model);
  let lossSum = 0;
  let correct = 0;
  let start = 0;
  for (const batch of iterateBatches(split, { batchSize, mean: norm.mean, std: norm.std, bgr: isBgr(norm) })) {
    const logits = run.run(batch.x, batch.size); // [B, K]
    const r = tf.tidy(() => {
      const lt = tf.tensor2d(logits, [batch.size, logits.length / batch.size]); // [B, K]
      const ys = tf.tensor1d(batch.y, 'int32'); // [B]
      return { loss: crossEntropyFromLogits(lt, ys).dataSync()[0], c: countCorrect(lt, ys).dataSync()[0] };
    });
    onLogits?.(logits, batch.y, start);
    lossSum += r.loss * batch.size;
    correct += r.c;
    start += batch.size;
  }
  return { loss: start ? lossSum / start : NaN, accuracy: start ? correct / start : NaN, count: start };
}
