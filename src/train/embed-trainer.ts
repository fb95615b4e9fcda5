/**
 * Phase 1 of a transfer run with a frozen backbone and no augmentation: the backbone's output is the same for an
 * image every epoch, so its pooled features are computed once (engine inference, BN folded) and the head alone —
 * Dropout → Dense, the same layers as the model's — trains on them in its own small plan. The full model's head
 * weights and the optimizer state are written back on sync(), so checkpoints, resume and evaluation see an ordinary
 * run.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches } from '../data/batches.js';
import type { Split } from '../data/types.js';
import { Engine, engineOptimizer } from '../engine/engine.js';
import { featureModel } from '../engine/features.js';
import type { OptSettings } from '../engine/optimizer-state.js';
import { ModelRunner, modelRunner } from '../engine/runner.js';
import { HEAD_POOL } from '../models/transfer-head.js';
import type { WeightEma } from './ema.js';
import type { ResolvedTrainOptions } from './options.js';
import type { StepResult } from './step.js';
import type { Trainer } from './trainer.js';

/** The model's head layers that carry weights or randomness (after the pooling). */
function headLayers(model: tfl.LayersModel): tfl.layers.Layer[] {
  const i = model.layers.findIndex((l) => l.name === HEAD_POOL);
  return model.layers.slice(i + 1);
}

/** The pooled backbone features [n, C] of every image of `split` (natural order), through the engine. */
export function embedSplit(backbone: Engine, split: Split, norm: { mean: number[]; std: number[] }, batchSize = 64): Float32Array {
  const c = backbone.outputSize;
  const out = new Float32Array(split.count * c);
  let at = 0;
  for (const b of iterateBatches(split, { batchSize, mean: norm.mean, std: norm.std })) {
    out.set(backbone.predict(b.x, b.size), at * c); // [B, C]
    at += b.size;
  }
  return out;
}

/** A model from input to the head's pooling output (shares the layers). */
export function backboneModel(model: tfl.LayersModel): tfl.LayersModel {
  return featureModel(model, HEAD_POOL).model;
}

/** The head alone on [1, 1, C] features: Flatten → the model's head layers' configs, weights copied. */
function headModel(model: tfl.LayersModel, channels: number): { head: tfl.LayersModel; twins: tfl.layers.Layer[] } {
  const input = tfl.input({ shape: [1, 1, channels], name: 'features' });
  let x = tfl.layers.flatten({ name: 'flatten_features' }).apply(input) as tfl.SymbolicTensor; // [B, C]
  const layers = headLayers(model).map((l) => {
    const twin = tfl.layers[l.getClassName() === 'Dense' ? 'dense' : 'dropout'](l.getConfig() as never) as tfl.layers.Layer;
    x = twin.apply(x) as tfl.SymbolicTensor;
    return twin;
  });
  const head = tfl.model({ inputs: input, outputs: x });
  layers.forEach((twin, i) => twin.setWeights(headLayers(model)[i].getWeights()));
  return { head, twins: layers };
}

export class EmbeddingTrainer implements Trainer {
  readonly kind = 'engine';
  readonly emaInStep: boolean;
  readonly engine = null;
  /** The loop builds no image batches (MOBILENET_HEAD_IMAGES=1: it does and the steps ignore them, the old path). */
  readonly indexOnly = process.env.MOBILENET_HEAD_IMAGES !== '1';
  private constructor(
    private readonly model: tfl.LayersModel, private readonly head: { head: tfl.LayersModel; twins: tfl.layers.Layer[] }, private readonly headEngine: Engine,
    private readonly features: Float32Array, private readonly channels: number, private readonly opt: tf.Optimizer,
    private readonly settings: OptSettings, private readonly o: ResolvedTrainOptions, private readonly ema: WeightEma | null,
  ) {
    this.emaInStep = ema !== null;
    if (ema) headEngine.pushEma(ema.shadow);
  }

  /**
   * The trainer, or the reason it cannot be used (the engine cannot run the backbone, head or optimizer).
   * `onLog` hears how long the embeddings took.
   */
  static create(
    model: tfl.LayersModel, opt: tf.Optimizer, o: ResolvedTrainOptions, train: Split, norm: { mean: number[]; std: number[] },
    ema: WeightEma | null, onLog: (m: string) => void,
  ): EmbeddingTrainer | { unsupported: string } {
    const settings = engineOptimizer(opt);
    if ('unsupported' in settings) return settings;
    const bb = backboneModel(model);
    const backbone = Engine.compile(bb);
    if ('unsupported' in backbone) return backbone;
    const t0 = performance.now();
    const features = embedSplit(backbone, train, norm);
    backbone.trim();
    const channels = backbone.outputSize;
    onLog(`transfer: backbone features of ${train.count} training images computed once (${((performance.now() - t0) / 1000).toFixed(1)} s); the head trains on them`);
    const head = headModel(model, channels);
    const headEngine = Engine.compile(head.head, { logits: true });
    if ('unsupported' in headEngine) return headEngine;
    headEngine.pushOptimizer(opt);
    return new EmbeddingTrainer(model, head, headEngine, features, channels, opt, settings, o, ema);
  }

  async step(_x: Float32Array, y: Int32Array, lr: number, idx?: Int32Array): Promise<StepResult> {
    if (!idx) throw new Error('EmbeddingTrainer.step needs the batch\'s image indices');
    const c = this.channels;
    const f = new Float32Array(idx.length * c); // [B, 1, 1, C]
    idx.forEach((j, i) => f.set(this.features.subarray(j * c, (j + 1) * c), i * c));
    const r = await this.headEngine.step(f, y, this.settings, {
      lr, labelSmoothing: this.o.labelSmoothing, weightDecay: this.o.weightDecay, seed: this.o.seed, emaDecay: this.ema ? this.ema.decay : 0,
    });
    return { loss: r.loss, correct: r.correct };
  }

  sync(): void {
    this.headEngine.pullWeights();
    const mine = headLayers(this.model);
    this.head.twins.forEach((l, i) => mine[i].setWeights(l.getWeights()));
    this.headEngine.pullOptimizer(this.opt);
    if (this.ema) this.headEngine.pullEma(this.ema.shadow);
  }

  private full?: ModelRunner;
  runner(): ModelRunner {
    this.full ??= modelRunner(this.model);
    return this.full;
  }

  trainableValues(): Float32Array[] {
    return this.headEngine.trainableValues();
  }

  /** Frees the head's plan and the features. */
  dispose(): void {
    this.headEngine.trim();
    this.head.head.dispose();
  }
}
