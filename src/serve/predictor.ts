/**
 * Runs a run's model on normalised inputs. Model calls are serialised (one batch at a time, never
 * interleaved tensor work); concurrent requests are batched together; memory is freed per call.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { ModelRunner, modelRunner } from '../engine/runner.js';
import { int8Runner } from '../engine/int8-engine.js';
import type { Int8Model } from '../engine/int8-ir.js';
import { softmax } from '../evaluate/metrics.js';

export { softmax };
import type { RunMeta } from '../run/run-dir.js';

export interface Prediction {
  label: string;
  probability: number;
}

export interface PredictResult {
  /** Probabilities of every class, index = class id. */
  probabilities: number[];
  /** Milliseconds the model took for the batch this input was in (excluding queueing and decoding). */
  ms: number;
  /** How many requests shared that model call. */
  batch: number;
}

/** The k most probable classes, best first (ties keep class order). */
export function topK(probabilities: number[], labels: string[], k: number): Prediction[] {
  return probabilities
    .map((p, i) => ({ label: labels[i] ?? String(i), probability: p }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, Math.max(1, Math.min(k, probabilities.length)));
}

interface Job {
  input: Float32Array;
  resolve: (r: PredictResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Requests are queued and the model runs one batch at a time: whatever queued while the previous batch
 * ran (up to maxBatch) goes in the next one. No request waits for a batch to fill; under concurrent load
 * the batches grow by themselves, and a batch of N costs far less than N single calls.
 */
export class Predictor {
  private waiting: Job[] = [];
  private running = false;
  private pending = 0;

  /** The compiled engine when it can run the model (else TF.js): see engine/runner.ts. */
  readonly runner: ModelRunner;

  /** `int8`: a quantized run's int8 model, run instead of `model` (same outputs: meta.output). */
  constructor(model: tfl.LayersModel, private readonly meta: RunMeta, private readonly maxBatch = 32, int8?: Int8Model) {
    this.runner = int8 ? int8Runner(int8, { probabilities: meta.output === 'probabilities' }) : modelRunner(model);
  }

  /** Requests waiting for or inside the model. */
  get inFlight(): number {
    return this.pending;
  }

  /** Runs the model on one input (normalised, row-major [H, W, C]). */
  predict(input: Float32Array): Promise<PredictResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pending++;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length) {
        // Let requests already read from sockets join this batch (a model call blocks the event loop).
        await new Promise((r) => setImmediate(r));
        const jobs = this.waiting.splice(0, this.maxBatch);
        try {
          const results = await this.runBatch(jobs.map((j) => j.input));
          jobs.forEach((j, i) => j.resolve(results[i]));
        } catch (e) {
          jobs.forEach((j) => j.reject(e));
        } finally {
          this.pending -= jobs.length;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async runBatch(inputs: Float32Array[]): Promise<PredictResult[]> {
    const [h, w, c] = this.meta.inputShape;
    const n = inputs.length, size = h * w * c;
    const t0 = performance.now();
    const flat = new Float32Array(n * size); // [N, H, W, C]
    inputs.forEach((x, i) => flat.set(x, i * size));
    const values = this.runner.run(flat, n); // [N, classes]
    const ms = performance.now() - t0;
    const k = values.length / n;
    return inputs.map((_, i) => {
      const row = values.subarray(i * k, (i + 1) * k);
      return { probabilities: this.meta.output === 'logits' ? softmax(row) : Array.from(row), ms, batch: n };
    });
  }
}
