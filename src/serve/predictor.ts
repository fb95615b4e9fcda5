/**
 * Runs a run's model on one normalised input at a time. Model calls are serialised through a promise
 * chain, so concurrent requests queue instead of interleaving tensor work; memory is freed per call.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { RunMeta } from '../train/run-dir.js';

export interface Prediction {
  label: string;
  probability: number;
}

export interface PredictResult {
  /** Probabilities of every class, index = class id. */
  probabilities: number[];
  /** Milliseconds spent in the model (excluding queueing and decoding). */
  ms: number;
}

/** Numerically stable softmax of a vector. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** The k most probable classes, best first (ties keep class order). */
export function topK(probabilities: number[], labels: string[], k: number): Prediction[] {
  return probabilities
    .map((p, i) => ({ label: labels[i] ?? String(i), probability: p }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.max(1, Math.min(k, probabilities.length)));
}

export class Predictor {
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(private readonly model: tfl.LayersModel, private readonly meta: RunMeta) {}

  /** Requests waiting for or inside the model. */
  get inFlight(): number {
    return this.pending;
  }

  /** Runs the model on one input (normalised, row-major [H, W, C]); resolves in call order. */
  predict(input: Float32Array): Promise<PredictResult> {
    this.pending++;
    const job = this.queue.then(() => this.run(input));
    this.queue = job.catch(() => undefined);
    return job.finally(() => { this.pending--; });
  }

  private async run(input: Float32Array): Promise<PredictResult> {
    const [h, w, c] = this.meta.inputShape;
    const t0 = performance.now();
    const out = tf.tidy(() => {
      const x = tf.tensor4d(input, [1, h, w, c]); // [1, H, W, C]
      return this.model.predict(x) as tf.Tensor; // [1, classes]
    });
    let values: Float32Array;
    try {
      values = (await out.data()) as Float32Array;
    } finally {
      out.dispose();
    }
    const probabilities = this.meta.output === 'logits' ? softmax(values) : Array.from(values);
    return { probabilities, ms: performance.now() - t0 };
  }
}
