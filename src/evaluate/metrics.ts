/** Test-set metrics from a logits model: accuracy, loss, confusion matrix, per-class P/R/F1, worst mistakes. */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Split } from '../data/types.js';
import type { Normalization } from '../data/preprocess.js';
import type { ModelRunner } from '../engine/runner.js';
import { evaluateSplit } from './split-pass.js';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Test images of this class. */
  support: number;
}

export interface Mistake {
  /** Index of the image in the evaluated split. */
  index: number;
  label: number;
  predicted: number;
  /** Softmax probability of the (wrong) predicted class. */
  confidence: number;
}

export interface EvalResult {
  accuracy: number;
  loss: number;
  count: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted] */
  confusion: number[][];
  /** The most confident mistakes, most confident first. */
  mistakes: Mistake[];
}

/** Per-class precision, recall, F1 and support from a confusion matrix (0 where undefined). */
export function perClassMetrics(confusion: number[][], labels: string[]): ClassMetrics[] {
  return labels.map((label, k) => {
    const tp = confusion[k][k];
    const support = confusion[k].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
}

/** Numerically stable softmax of a vector. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Softmax of row `r` of `logits` [B, K]: [arg-max, its probability]. */
function topOf(logits: Float32Array, r: number, k: number): [number, number] {
  let best = 0;
  for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
  let z = 0;
  for (let j = 0; j < k; j++) z += Math.exp(logits[r * k + j] - logits[r * k + best]);
  return [best, 1 / z];
}

/** Evaluates a logits model on `split` (inference mode, batches of 100); `runner` (default: the model's) computes the logits. */
export function evaluateModel(
  model: tfl.LayersModel, split: Split, labels: string[], norm: Normalization, keepMistakes = 25, runner?: ModelRunner,
): EvalResult {
  const k = labels.length;
  const confusion = labels.map(() => new Array<number>(k).fill(0));
  let mistakes: Mistake[] = [];
  const pass = evaluateSplit(model, split, norm, 100, (logits, y, start) => {
    for (let r = 0; r < y.length; r++) {
      const [p, conf] = topOf(logits, r, k);
      confusion[y[r]][p]++;
      if (p !== y[r]) mistakes.push({ index: start + r, label: y[r], predicted: p, confidence: conf });
    }
    if (mistakes.length > 4 * keepMistakes) mistakes = mistakes.sort((a, b) => b.confidence - a.confidence).slice(0, keepMistakes);
  }, runner);
  mistakes = mistakes.sort((a, b) => b.confidence - a.confidence).slice(0, keepMistakes);
  return {
    accuracy: pass.accuracy, loss: pass.loss, count: pass.count,
    perClass: perClassMetrics(confusion, labels), confusion, mistakes,
  };
}
