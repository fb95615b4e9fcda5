/**
 * Throughput of one MobileNet: training steps (Adam, BN in training mode, softmax cross-entropy on seeded random
 * data) and inference (BN in inference mode). On 'onednn' both run through the compiled native engine unless
 * `engine: false` (or MOBILENET_ENGINE=0), which measures TF.js's per-kernel path on the same backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BackendChoice, BackendName, checkTrainingBackend, initBackend } from '../backend/index.js';
import { MAX_BATCH, checkBatchMemory } from '../cost/memory.js';
import { Engine } from '../engine/engine.js';
import { engineWanted, modelRunner } from '../engine/runner.js';
import { OptionError } from '../errors.js';
import { Arch, BuildOptions, PresetName, buildModel, checkArch, presetOptions } from '../models/presets.js';
import { backendThreads } from './backends.js';

export interface MeasureOptions {
  arch: Arch;
  /** 'mnist' (28×28×1, 10 classes; default) or 'imagenet' (224×224×3, 1000 classes). */
  preset?: PresetName;
  /** Images per step; default 128 for training, 256 for inference. */
  batch?: number;
  /** Timed steps; default 5. */
  steps?: number;
  /** Untimed steps first (kernel caches, allocations); default 1. */
  warmup?: number;
  /** Backend to run on (initBackend is called with it); default 'auto'. */
  backend?: BackendChoice;
  /** Width multiplier; default 1. */
  alpha?: number;
  /** V3 only: the minimalistic variant (3×3, ReLU, no SE). */
  minimalistic?: boolean;
  /** Seed for weights, inputs and labels; default 1. */
  seed?: number;
  /** false: TF.js's per-kernel path even where the engine could run (default: the engine when it can). */
  engine?: boolean;
  /** Builder options in place of the preset's (e.g. a run's meta.buildOptions: its input, classes, stem stride). */
  build?: BuildOptions;
}

export interface Measurement {
  arch: Arch;
  mode: 'train' | 'infer';
  backend: BackendName;
  batch: number;
  imagesPerSecond: number;
  msPerStep: number;
  threads: number;
  /** Extra context, not part of the CLI's JSON line. */
  preset: PresetName;
  steps: number;
  /** Set when the backend fell back: one line for the user. */
  notice?: string;
  /** Whether the compiled native engine ran it (else TF.js per kernel). */
  engine: boolean;
}

interface Resolved {
  arch: Arch; preset: PresetName; batch: number; steps: number; warmup: number; alpha: number; seed: number; engine: boolean;
  minimalistic?: boolean;
  build?: BuildOptions;
}

/** Most timed (and warm-up) steps: a count past it is a typo, not a benchmark. */
export const MAX_STEPS = 100_000;

function resolve(o: MeasureOptions, defaultBatch: number): Resolved {
  const arch = checkArch(o.arch);
  const preset = o.preset ?? 'mnist';
  presetOptions(preset); // throws OptionError for an unknown preset
  const int = (name: string, v: number | undefined, d: number, min: number, max: number): number => {
    const n = v ?? d;
    if (!Number.isInteger(n) || n < min || n > max) throw new OptionError(`${name} must be an integer in ${min}..${max}, got ${String(n)}`);
    return n;
  };
  const alpha = o.alpha ?? 1;
  if (!(alpha > 0)) throw new OptionError(`alpha must be a positive number, got ${String(alpha)}`);
  return {
    arch, preset, alpha, batch: int('batch', o.batch, defaultBatch, 1, MAX_BATCH), steps: int('steps', o.steps, 5, 1, MAX_STEPS),
    warmup: int('warmup', o.warmup, 1, 0, MAX_STEPS), seed: int('seed', o.seed, 1, 0, 2 ** 32 - 1), engine: o.engine ?? true,
    minimalistic: o.minimalistic, build: o.build,
  };
}

/** mulberry32: a small seeded PRNG for the labels. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The model under test: logits out (softmax lives in the loss, as in PyTorch's cross_entropy). */
function benchModel(r: Resolved): tfl.LayersModel {
  if (r.build) return buildModel(r.arch, { ...r.build, seed: r.seed, classifierActivation: null });
  return buildModel(r.arch, { alpha: r.alpha, seed: r.seed, classifierActivation: null, minimalistic: r.minimalistic }, r.preset);
}

/** Seeded random inputs [B, H, W, C] and one-hot labels [B, classes]. */
function randomBatch(model: tfl.LayersModel, r: Resolved): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = model.outputs[0].shape[1] as number;
  const next = rng(r.seed);
  const labels = Array.from({ length: r.batch }, () => Math.floor(next() * classes));
  const x = tf.randomNormal([r.batch, h, w, c], 0, 1, 'float32', r.seed) as tf.Tensor4D; // [B, H, W, C]
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32')) as tf.Tensor2D; // [B, classes]
  return { x, y };
}

/** Runs `step` warmup + steps times (each step awaits its result) and times the last `steps`. */
async function timeSteps(r: Resolved, step: () => Promise<void>): Promise<number> {
  for (let i = 0; i < r.warmup; i++) await step();
  const t0 = performance.now();
  for (let i = 0; i < r.steps; i++) await step();
  return (performance.now() - t0) / r.steps;
}

function result(
  r: Resolved, mode: 'train' | 'infer', backend: BackendName, notice: string | undefined, ms: number, engine: boolean,
): Measurement {
  const m: Measurement = {
    arch: r.arch, mode, backend, batch: r.batch, imagesPerSecond: (1000 * r.batch) / ms, msPerStep: ms,
    threads: backendThreads(backend), preset: r.preset, steps: r.steps, engine,
  };
  if (notice) m.notice = notice;
  return m;
}

/**
 * A training step compiled the Keras way: Adam (lr 1e-3), softmax cross-entropy on logits,
 * BatchNormalization in training mode (trainOnBatch). The returned model is ready for trainOnBatch.
 */
export function compileForTraining(model: tfl.LayersModel): tfl.LayersModel {
  model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, logits),
  });
  return model;
}

/** A ready-to-step training setup: model, batch, and a step that awaits the loss. */
export interface TrainingRig {
  model: tfl.LayersModel;
  step: () => Promise<number>;
  dispose: () => void;
  /** Whether the steps run in the compiled native engine. */
  engine: boolean;
}

/** Adam as compileForTraining's: lr 1e-3, TF.js's defaults (β 0.9/0.999, ε 1e-7). */
const BENCH_ADAM = { optimizer: 0, lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, momentum: 0, rho: 0.9 } as const;

/**
 * Builds the model and the seeded batch for `o` on the active backend; no backend switching. The steps run in
 * the engine when it is wanted and can run the model (and `o.engine` is not false), else through trainOnBatch.
 */
export function trainingRig(o: MeasureOptions): TrainingRig {
  const r = resolve(o, 128);
  const net = benchModel(r);
  checkBatchMemory(net, r.batch, 'train', 'batch');
  const eng = r.engine && engineWanted() ? Engine.compile(net, { logits: true }) : null;
  if (eng && !('unsupported' in eng)) {
    const { x, y } = randomBatch(net, r);
    const xs = x.dataSync() as Float32Array; // [B, H, W, C]
    const labels = Int32Array.from(tf.tidy(() => tf.argMax(y, 1).dataSync())); // [B]
    tf.dispose([x, y]);
    return {
      model: net, engine: true,
      step: async () => (await eng.step(xs, labels, BENCH_ADAM, { lr: BENCH_ADAM.lr })).loss,
      dispose: () => { eng.trim(); net.dispose(); },
    };
  }
  const model = compileForTraining(net);
  const { x, y } = randomBatch(model, r);
  return {
    model, engine: false,
    step: async () => (await model.trainOnBatch(x, y)) as number,
    // model.dispose() keeps an optimizer it was handed (Adam's moments): dispose it too.
    dispose: () => { tf.dispose([x, y]); model.optimizer.dispose(); model.dispose(); },
  };
}

/** Training throughput of `o.arch` on `o.backend` (images/s over `steps` trainOnBatch calls). */
export async function measureTraining(o: MeasureOptions): Promise<Measurement> {
  const r = resolve(o, 128);
  checkTrainingBackend(o.backend);
  const info = await initBackend(o.backend ?? 'auto');
  const rig = trainingRig(r);
  try {
    const ms = await timeSteps(r, async () => { await rig.step(); });
    return result(r, 'train', info.name, info.notice, ms, rig.engine);
  } finally {
    rig.dispose();
  }
}

/** Inference throughput of `o.arch` on `o.backend` (model.predict on batches of `batch`, default 256). */
export async function measureInference(o: MeasureOptions): Promise<Measurement> {
  const r = resolve(o, 256);
  const info = await initBackend(o.backend ?? 'auto');
  const model = benchModel(r);
  checkBatchMemory(model, r.batch, 'infer', 'batch');
  const { x, y } = randomBatch(model, r);
  const runner = modelRunner(model, { engine: r.engine });
  const xs = x.dataSync() as Float32Array; // [B, H, W, C]
  try {
    const ms = await timeSteps(r, async () => {
      if (runner.kind === 'engine') {
        runner.run(xs, r.batch);
        return;
      }
      const out = model.predict(x, { batchSize: r.batch }) as tf.Tensor; // [B, classes]
      await out.data();
      out.dispose();
    });
    return result(r, 'infer', info.name, info.notice ?? runner.notice, ms, runner.kind === 'engine');
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}
