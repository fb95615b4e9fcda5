/**
 * The native engine: a LayersModel compiled once into a oneDNN plan (native/src/plan). Training runs a whole step
 * — forward, softmax cross-entropy, backward, BN moving statistics and the optimizer update of every parameter —
 * in one asynchronous addon call; inference runs BN folded into the convolutions, activations and residual adds as
 * oneDNN post-ops, in one call per batch.
 *
 * TF.js stays the model and the reference: the plan holds copies of the weights. `pushWeights` loads them from the
 * model's variables, `pullWeights` writes them back (do that before saving, checkpointing or reading the model);
 * `pushOptimizer` / `pullOptimizer` do the same for the optimizer's state, in tfjs-core's own fields, so checkpoints
 * keep TF.js's format.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadNative, NativeAddon, PlanHandle } from '../backend/native.js';
import { CompiledGraph, compileGraph } from './graph.js';
import { OptSettings, iterationsOf, optimizerSettings, readSlot, slotCount, writeState } from './optimizer-state.js';

export interface StepOptions {
  /** Learning rate of this step. */
  lr: number;
  labelSmoothing?: number;
  /** Decoupled weight decay (w ← w − lr·wd·w before the update) on convolution and dense kernels. */
  weightDecay?: number;
  /** Seed of dropout masks (each step's mask is a function of the seed and the step number). */
  seed?: number;
  /** false: forward and backward only, no update (gradients readable with `gradient`). */
  update?: boolean;
  /** EMA decay of the weights, kept in the plan after each update (see train/ema.ts; pushEma starts it); 0: none. */
  emaDecay?: number;
}

export interface StepOutcome {
  loss: number;
  correct: number;
  /** Ops whose backward pass ran (none below the lowest trainable layer). */
  backwardOps?: number;
}

/** Why the engine cannot run a model, or null when it can. */
export type Unsupported = { unsupported: string };

function addonOrReason(): NativeAddon | Unsupported {
  const { addon, error } = loadNative();
  if (!addon) return { unsupported: error ?? 'native addon unavailable' };
  if (typeof addon.planCreate !== 'function') return { unsupported: 'native addon built without the engine (npm run build:native)' };
  return addon;
}

/** A model compiled into a native plan. */
export class Engine {
  private constructor(
    readonly graph: CompiledGraph, private readonly addon: NativeAddon, private readonly h: PlanHandle,
    private readonly model: tfl.LayersModel,
  ) {}

  /** Compiles `model` (weights copied in) or says why it cannot. `logits`: training (a final softmax is refused). */
  static compile(model: tfl.LayersModel, opts: { logits?: boolean } = {}): Engine | Unsupported {
    const addon = addonOrReason();
    if ('unsupported' in addon) return addon;
    const graph = compileGraph(model, opts);
    if ('unsupported' in graph) return graph;
    let h: PlanHandle;
    try {
      h = addon.planCreate(graph.desc);
    } catch (e) {
      return { unsupported: (e as Error).message };
    }
    const eng = new Engine(graph, addon, h, model);
    eng.pushWeights();
    return eng;
  }

  /** Input [H, W, C] and output size per image. */
  get inputShape(): [number, number, number] { return this.graph.inputShape; }
  get outputSize(): number { return this.graph.outputSize; }

  /** Copies the model's variables into the plan (`trainableOnly`: not the BN moving statistics). */
  pushWeights(o: { trainableOnly?: boolean } = {}): void {
    this.graph.params.forEach((p, i) => {
      if (o.trainableOnly && !p.trainable) return;
      this.addon.planParam(this.h, i, p.variable.read().dataSync() as Float32Array, true, 0);
    });
  }

  /** Writes the plan's weights back into the model's variables. */
  pullWeights(): void {
    this.graph.params.forEach((p, i) => {
      const data = new Float32Array(p.size);
      this.addon.planParam(this.h, i, data, false, 0);
      const t = tf.tensor(data, p.shape, 'float32');
      p.variable.write(t);
      t.dispose();
    });
  }

  /** Plan parameter ids of the model's trainable variables, in model.trainableWeights order (the optimizer's). */
  trainableOrder(): number[] {
    const ids = new Map(this.graph.params.map((p, i) => [p.variable, i]));
    return this.model.trainableWeights.map((w) => {
      const id = ids.get(w);
      if (id === undefined) throw new Error(`engine: trainable weight ${w.name} is not in the plan`);
      return id;
    });
  }

  /** Loads the TF.js optimizer's iterations and slots into the plan (zero slots before its first step). */
  pushOptimizer(opt: tf.Optimizer): void {
    const order = this.trainableOrder();
    for (let which = 0; which < slotCount(opt); which++) {
      order.forEach((id, i) => {
        const v = readSlot(opt, which, i);
        const data = v ? (v.dataSync() as Float32Array) : new Float32Array(this.graph.params[id].size);
        this.addon.planParam(this.h, id, data, true, which + 1);
      });
    }
    this.addon.planIterations(this.h, iterationsOf(opt));
  }

  /** Writes the plan's optimizer state into the TF.js optimizer's own fields. */
  pullOptimizer(opt: tf.Optimizer): void {
    const order = this.trainableOrder();
    const vars = this.model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
    writeState(opt, this.addon.planIterations(this.h), vars, (which, i) => {
      const data = new Float32Array(this.graph.params[order[i]].size);
      this.addon.planParam(this.h, order[i], data, false, which + 1);
      return data;
    });
  }

  /** Optimizer steps the plan has taken. */
  get iterations(): number { return this.addon.planIterations(this.h); }

  /**
   * One training step on x [n, H, W, C] with labels [n] using `opt`'s kind and hyper-parameters (its learning
   * rate is `o.lr`). Resolves when the step is done; the JS thread is free meanwhile.
   */
  async step(x: Float32Array, y: Int32Array, opt: OptSettings, o: StepOptions): Promise<StepOutcome> {
    return this.addon.planTrainStep(this.h, x, y, y.length, {
      ...opt, lr: o.lr, labelSmoothing: o.labelSmoothing ?? 0, weightDecay: o.weightDecay ?? 0, seed: o.seed ?? 0,
      update: o.update ?? true, emaDecay: o.emaDecay ?? 0,
    });
  }

  /** Starts (or restores) the plan's EMA of the weights: `shadows` in model.trainableWeights order. */
  pushEma(shadows: Float32Array[]): void {
    this.trainableOrder().forEach((id, i) => this.addon.planParam(this.h, id, shadows[i], true, 4));
  }

  /** Copies the plan's EMA of the weights into `into` (model.trainableWeights order). */
  pullEma(into: Float32Array[]): void {
    this.trainableOrder().forEach((id, i) => this.addon.planParam(this.h, id, into[i], false, 4));
  }

  /**
   * The batch statistics (mean, biased variance) of every BatchNormalization layer's input in a training-mode
   * forward of x [n, H, W, C] with the plan's weights — what precise BN averages over batches.
   */
  batchNormStats(x: Float32Array, n: number): Array<{ movingMean: tfl.LayerVariable; mean: Float32Array; variance: Float32Array }> {
    return this.addon.planBatchNormStats(this.h, x, n).map((s) => ({ movingMean: this.graph.params[s.param].variable, mean: s.mean, variance: s.variance }));
  }

  /** The gradient of plan parameter i from the last step (for tests against TF.js autodiff). */
  gradient(i: number): Float32Array {
    const data = new Float32Array(this.graph.params[i].size);
    this.addon.planParam(this.h, i, data, false, 3);
    return data;
  }

  /**
   * The current values of the model's trainable weights (model.trainableWeights order), read into buffers kept
   * between calls (the EMA of the weights reads them after every step).
   */
  trainableValues(): Float32Array[] {
    const order = this.trainableOrder();
    this.scratch ??= order.map((id) => new Float32Array(this.graph.params[id].size));
    order.forEach((id, i) => this.addon.planParam(this.h, id, this.scratch![i], false, 0));
    return this.scratch;
  }

  private scratch?: Float32Array[];

  /** The current value of plan parameter i. */
  value(i: number): Float32Array {
    const data = new Float32Array(this.graph.params[i].size);
    this.addon.planParam(this.h, i, data, false, 0);
    return data;
  }

  /** Inference-mode outputs [n, K] for x [n, H, W, C] with the plan's current weights. */
  predict(x: Float32Array, n: number): Float32Array {
    const out = new Float32Array(n * this.outputSize);
    this.addon.planPredict(this.h, x, n, out);
    return out;
  }

  /** Frees the plan's working buffers (weights stay); the next call rebuilds them. */
  trim(): void {
    this.addon.planTrim(this.h);
  }

  /**
   * Seconds spent so far building executors — oneDNN primitives and buffers for a batch size the plan had not run,
   * training or inference — since it was compiled (0 with an addon older than this call).
   */
  setupSeconds(): number {
    return typeof this.addon.planSetupMs === 'function' ? this.addon.planSetupMs(this.h) / 1000 : 0;
  }

  /**
   * How many 1×1 convolutions run with the depthwise after them fused in (oneDNN's depthwise post-op) in the inference
   * executor a batch of n uses: -1 before one ran (or with an addon older than this call). MOBILENET_PLAN_FUSE_DW=0,
   * read when an executor is built, turns the fusion off.
   */
  fusedSteps(n: number): number {
    return typeof this.addon.planFusedSteps === 'function' ? this.addon.planFusedSteps(this.h, n) : -1;
  }

  /**
   * In the inference executor a batch of n uses: how many 1×1 convolutions in chains of fused steps run over oneDNN's
   * blocked layout (a V2 block's projection), how many of those add a residual, how many convolutions in all (the
   * stem and depthwise ones too), and how many NHWC ↔ nChw16c conversions a run makes; null before one ran (or with
   * an older addon). MOBILENET_PLAN_BLOCKED=0, read when an executor is built, runs all but the fused steps over NHWC.
   */
  blockedSteps(n: number): { pointwise: number; residual: number; all: number; conversions: number } | null {
    const r = typeof this.addon.planBlockedSteps === 'function' ? this.addon.planBlockedSteps(this.h, n) : undefined;
    return r ? { pointwise: r[0], residual: r[1], all: r[2], conversions: r[3] } : null;
  }
}

/** The engine's settings for a TF.js optimizer, or why it cannot run it. */
export function engineOptimizer(opt: tf.Optimizer): OptSettings | Unsupported {
  return optimizerSettings(opt);
}
