/**
 * Who runs the training steps: the native engine (one compiled plan, one asynchronous call per step) when it can
 * run the model and optimizer, else TF.js autodiff on the active backend. The loop sees one interface.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { Engine, engineOptimizer } from '../engine/engine.js';
import type { OptSettings } from '../engine/optimizer-state.js';
import { ModelRunner, engineRunner, engineWanted, modelRunner } from '../engine/runner.js';
import type { WeightEma } from './ema.js';
import { setLearningRate } from './optimizer.js';
import type { ResolvedTrainOptions } from './options.js';
import { StepResult, trainStep, trainableVariables } from './step.js';

export interface Trainer {
  readonly kind: 'engine' | 'tfjs';
  /** One step on a batch; the promise resolves when it is done (the engine leaves the JS thread free meanwhile). */
  step(x: Float32Array, y: Int32Array, lr: number, idx?: Int32Array): Promise<StepResult>;
  /** Brings the TF.js model and optimizer up to date (before saving, checkpointing or reading them). */
  sync(): void;
  /** Inference with the current weights (validation during training). */
  runner(): ModelRunner;
  /**
   * The current values of the trainable weights, in model.trainableWeights order: buffers that stay unchanged
   * until the next call (steps do not write them), so they can be read while the next step runs.
   */
  trainableValues(): Float32Array[];
  /** The steps keep the EMA of the weights themselves (native, after each update); sync() writes it back. */
  readonly emaInStep: boolean;
  /** The native engine running the steps, when it does (precise BN runs its passes there too). */
  readonly engine: Engine | null;
  /**
   * The steps read only the labels and the batch's image indices (features cached per image): the loop passes an
   * empty x and builds no image batches. Never set with augmentation.
   */
  readonly indexOnly?: boolean;
  /** Frees what the trainer holds beyond the model (a phase ends). */
  dispose?(): void;
}

class EngineTrainer implements Trainer {
  readonly kind = 'engine';
  readonly emaInStep: boolean;
  constructor(
    readonly engine: Engine, private readonly opt: tf.Optimizer, private readonly settings: OptSettings,
    private readonly o: ResolvedTrainOptions, private readonly ema: WeightEma | null,
  ) {
    this.emaInStep = ema !== null;
    if (ema) engine.pushEma(ema.shadow);
  }
  async step(x: Float32Array, y: Int32Array, lr: number): Promise<StepResult> {
    const r = await this.engine.step(x, y, this.settings, {
      lr, labelSmoothing: this.o.labelSmoothing, weightDecay: this.o.weightDecay, seed: this.o.seed,
      emaDecay: this.ema ? this.ema.decay : 0,
    });
    return { loss: r.loss, correct: r.correct };
  }
  sync(): void {
    this.engine.pullWeights();
    this.engine.pullOptimizer(this.opt);
    if (this.ema) this.engine.pullEma(this.ema.shadow);
  }
  runner(): ModelRunner {
    return engineRunner(this.engine);
  }
  trainableValues(): Float32Array[] {
    return this.engine.trainableValues();
  }
}

class TfjsTrainer implements Trainer {
  readonly kind = 'tfjs';
  readonly emaInStep = false;
  readonly engine = null;
  private readonly vars: tf.Variable[];
  constructor(private readonly model: tfl.LayersModel, private readonly opt: tf.Optimizer, private readonly o: ResolvedTrainOptions) {
    this.vars = trainableVariables(model);
  }
  step(x: Float32Array, y: Int32Array, lr: number): Promise<StepResult> {
    setLearningRate(this.opt, lr);
    const shape = this.model.inputs[0].shape.slice(1) as [number, number, number];
    return Promise.resolve(trainStep(this.model, this.opt, this.vars, x, y, shape, this.o.labelSmoothing,
      { lr, weightDecay: this.o.weightDecay }));
  }
  trainableValues(): Float32Array[] {
    return this.vars.map((v) => (v.dataSync() as Float32Array).slice()); // copies: a TF.js step replaces the variables' data
  }
  sync(): void {}
  runner(): ModelRunner {
    return modelRunner(this.model, { engine: false });
  }
}

/**
 * The engine trainer when the backend is 'onednn' and the engine knows the model and optimizer; else TF.js,
 * with the reason in `notice` when the engine was wanted. The optimizer's state (resume) is loaded into the engine.
 */
export function makeTrainer(
  model: tfl.LayersModel, opt: tf.Optimizer, o: ResolvedTrainOptions, ema: WeightEma | null = null,
): { trainer: Trainer; notice?: string } {
  if (!engineWanted()) return { trainer: new TfjsTrainer(model, opt, o) };
  const settings = engineOptimizer(opt);
  if ('unsupported' in settings) {
    return { trainer: new TfjsTrainer(model, opt, o), notice: `engine: ${settings.unsupported}; training on the per-kernel path` };
  }
  const engine = Engine.compile(model, { logits: true });
  if ('unsupported' in engine) {
    return { trainer: new TfjsTrainer(model, opt, o), notice: `engine: ${engine.unsupported}; training on the per-kernel path` };
  }
  engine.pushOptimizer(opt);
  return { trainer: new EngineTrainer(engine, opt, settings, o, ema) };
}
