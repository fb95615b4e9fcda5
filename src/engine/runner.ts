/**
 * Inference through the engine when it can run the model, else through TF.js — one interface for eval, predict,
 * serve and bench. The engine is used while the active backend is 'onednn' (the user asked for the native path)
 * and MOBILENET_ENGINE is not 0; a model it does not know runs on TF.js with one notice.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Engine } from './engine.js';

export interface ModelRunner {
  /**
   * 'engine' (compiled native plan), 'tfjs' (per-kernel on the active backend), 'int8' (the native int8 plan) or
   * 'int8-reference' (the int8 model in the JS reference simulation: no native addon).
   */
  readonly kind: 'engine' | 'tfjs' | 'int8' | 'int8-reference';
  /** Why the engine is not used, when it was wanted but cannot run this model. */
  readonly notice?: string;
  /** The model's outputs [n, K] for x [n, H, W, C] (inference mode). */
  run(x: Float32Array, n: number): Float32Array;
  /** Re-reads the model's weights (after they changed). */
  refresh(): void;
}

/** Whether the engine should be tried: backend 'onednn' active and not switched off. */
export function engineWanted(): boolean {
  return tf.getBackend() === 'onednn' && process.env.MOBILENET_ENGINE !== '0';
}

class EngineRunner implements ModelRunner {
  readonly kind = 'engine';
  constructor(private readonly engine: Engine) {}
  run(x: Float32Array, n: number): Float32Array {
    return this.engine.predict(x, n);
  }
  refresh(): void {
    this.engine.pushWeights();
  }
}

class TfjsRunner implements ModelRunner {
  readonly kind = 'tfjs';
  constructor(private readonly model: tfl.LayersModel, readonly notice?: string) {}
  run(x: Float32Array, n: number): Float32Array {
    const [h, w, c] = this.model.inputs[0].shape.slice(1) as number[];
    return tf.tidy(() => (this.model.predict(tf.tensor4d(x, [n, h, w, c])) as tf.Tensor).dataSync() as Float32Array); // [n, K]
  }
  refresh(): void {}
}

/** A runner for `model`: the engine when wanted and able, else TF.js (with the reason as `notice`). */
export function modelRunner(model: tfl.LayersModel, o: { engine?: boolean } = {}): ModelRunner {
  if (o.engine === false || !engineWanted()) return new TfjsRunner(model);
  const e = Engine.compile(model);
  if ('unsupported' in e) return new TfjsRunner(model, `engine: ${e.unsupported}; running on the per-kernel path`);
  return new EngineRunner(e);
}

/** A runner over an engine that already holds the weights (a training engine's current ones). */
export function engineRunner(engine: Engine): ModelRunner {
  return new EngineRunner(engine);
}
