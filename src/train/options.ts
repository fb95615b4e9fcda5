/**
 * Training options: what `train()` accepts, the defaults, and their validation (OptionError).
 * Base recipe: Adam, peak lr 1e-2 (the original reference's; ARCH_RECIPES lowers it for V3-Small), batch 128, a linear warm-up over 3% of the
 * steps, then cosine decay to 0 over the run; He-normal (torchvision) initialisation; BN statistics
 * recomputed exactly at every epoch end (precise BN). MNIST-like data adds the recipe of RECIPES below
 * (shifts, label smoothing, decoupled weight decay, EMA of the weights): docs/accuracy.md has the
 * measurements that chose each.
 */
import type { Preprocess } from '../data/preprocess.js';
import { OptionError } from '../errors.js';
import { QUANTIZE_DTYPES, QuantizeDtype } from '../format/quantize.js';
import { ARCHS, Arch, BuildOptions } from '../models/presets.js';

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export const SCHEDULES = ['constant', 'cosine', 'step'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
export type ScheduleName = (typeof SCHEDULES)[number];

export interface TrainOptions {
  /** Required, except with `transfer`: then the source's. */
  arch: Arch;
  /** Builder overrides on top of the preset (alpha, bnMomentum, …). classifierActivation is ignored: training is from logits. */
  model?: BuildOptions;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: OptimizerName;
  schedule?: ScheduleName;
  /** Linear warm-up steps before the schedule (default: 3% of all steps, at most 200). */
  warmupSteps?: number;
  /** 'step' schedule: multiply the lr by `stepGamma` every `stepEvery` epochs (defaults 0.1, ⌈epochs/3⌉). */
  stepEvery?: number;
  stepGamma?: number;
  labelSmoothing?: number;
  /** Fraction of the training split held out for validation (0 = none). */
  valSplit?: number;
  seed?: number;
  /** Random shifts of up to `maxShift` pixels (default 2 when augment is on). */
  augment?: boolean;
  maxShift?: number;
  /** Stop after this many epochs without a better validation accuracy. */
  patience?: number;
  /** Use at most this many training / test images (quick runs, tests). */
  limitTrain?: number;
  limitTest?: number;
  /** Recompute BN moving statistics over this many training images at every epoch end (0 = keep the EMA). */
  preciseBn?: number;
  /**
   * Evaluate the test split after every epoch (history testLoss/testAcc/testSeconds), for the record only: it never
   * picks a model. Default: on when it is cheap (evalTestIsCheap: a test split of at most a quarter of the training
   * split's images, as MNIST's 10,000 against 60,000).
   */
  evalTest?: boolean;
  /** Test-accuracy threshold whose first crossing the report marks (default per dataset, null = none). */
  target?: number | null;
  /** Decoupled (AdamW-style) weight decay λ on convolution and dense kernels: w ← w − lr·λ·w each step. */
  weightDecay?: number;
  /** Decay of the exponential moving average of the weights (0 = off); evaluation and saved models use the average. */
  ema?: number;
  /** Random rotations in ±rotate degrees and scalings in 1 ± scale (with the shifts), bilinear. */
  rotate?: number;
  scale?: number;
  /** Random horizontal flips (half the images). */
  flip?: boolean;
  /** Random erasing: probability per image of zeroing one random rectangle (2–33% of the area). */
  erase?: number;
  /** Publish the final model with quantized weights (float16 / uint8 / uint16, as the tfjs-converter). */
  quantize?: QuantizeDtype | null;
  /** Use only the first N training images of each class (before resizing: few-label transfer runs). */
  perClass?: number;
  /** Transfer learning from a pretrained backbone (train --from). */
  transfer?: TransferOptions;
}

/** `train --from SOURCE [--freeze …] [--fine-tune-epochs N] [--fine-tune-lr X]` (see freeze.ts for the phases). */
export interface TransferOptions {
  /** A run directory, a weights file or 'imagenet'. */
  from: string;
  /** 'backbone' (default), 'none', or a layer name: layers below it stay frozen. */
  freeze?: string;
  /** Epochs of phase 2 (fine-tuning from the freeze layer, or the top third of the blocks); default 0. */
  fineTuneEpochs?: number;
  /** Peak learning rate of phase 2; default lr/10 (TensorFlow's MobileNetV2 transfer-learning tutorial). */
  fineTuneLr?: number;
  /** Dropout before the new head's classifier (Keras's guide: 0.2). */
  headDropout?: number;
  /** Keras preprocess mode of a source that does not record one (a foreign TF.js model); default tf (V3: raw). */
  preprocess?: Preprocess;
}

export interface ResolvedTransfer {
  from: string; freeze: string; fineTuneEpochs: number; fineTuneLr: number; headDropout: number; preprocess?: Preprocess;
  /** Epochs of phase 1 (options.epochs is both phases together). */
  headEpochs: number;
}

/** The recipe defaults that differ by dataset (before the user's options). */
export interface Recipe {
  augment: boolean; labelSmoothing: number; weightDecay: number; ema: number; flip: boolean; erase: number;
  rotate: number; scale: number;
  /** Stem convolution stride of the model trained (2 as the papers; 1 keeps 28×28 inputs at 28×28 → 14×14 … 1×1). */
  stemStride: 1 | 2;
  target: number | null;
}

/**
 * MNIST and Fashion-MNIST: shifts of up to 2 pixels, label smoothing 0.1, weight decay 0.05, EMA 0.999
 * (docs/accuracy.md: each measured on the PyTorch replica of our model and recipe); MNIST adds rotations ±10° and
 * scalings ±10%. Fashion-MNIST trains with a stem of stride 1 and horizontal flips: V2, 20 epochs, 93.76% vs 92.71%
 * (stride 2, no flips, the replica) at 3.9× the multiply-adds (21.75M vs 5.60M per image). Other data: none of these.
 */
export const RECIPES: Record<'mnist' | 'fashion-mnist' | 'other', Recipe> = {
  mnist: { augment: true, labelSmoothing: 0.1, weightDecay: 0.05, ema: 0.999, flip: false, erase: 0, rotate: 10, scale: 0.1, stemStride: 2, target: 0.995 },
  'fashion-mnist': { augment: true, labelSmoothing: 0.1, weightDecay: 0.05, ema: 0.999, flip: true, erase: 0, rotate: 0, scale: 0, stemStride: 1, target: 0.93 },
  other: { augment: false, labelSmoothing: 0, weightDecay: 0, ema: 0, flip: false, erase: 0, rotate: 0, scale: 0, stemStride: 2, target: null },
};

/** Defaults that differ by architecture (any data), before the user's options. */
export interface ArchRecipe {
  /** Peak learning rate. */
  lr?: number;
  /** Warm-up steps. */
  warmupSteps?: number;
  /** Stem stride on MNIST-like data (mnist, fashion-mnist), in place of the dataset recipe's. */
  mnistStemStride?: 1 | 2;
  /** Why (shown in `train --help`). */
  why: string;
}

/**
 * V3-Small at the shared peak rate 0.01 collapsed on MNIST (test accuracy 91.79% in epoch 4, final 99.38%); at 0.005
 * it trained without a collapse but ended at 99.35%; at 0.005 with a stem of stride 1 (2.06M → 4.93M mult-adds) 99.58%,
 * no epoch below 99.13% (docs/accuracy.md §5, seed 1 each). V1 on MNIST with a stem of stride 1: 3 seeds 99.73 / 99.65
 * / 99.66% (mean 99.68%, 99.5% first at 6.3–8.0 min), against 99.59 / 99.43 / 99.60% (mean 99.54%) with stride 2
 * (docs/accuracy.md §6b–c). V2 keeps stride 2: with stride 1 it reached 99.5% only after 8.1–8.75 min (§6a). V3-Large
 * keeps the shared defaults.
 */
export const ARCH_RECIPES: Partial<Record<Arch, ArchRecipe>> = {
  v1: {
    mnistStemStride: 1,
    why: 'V1 MNIST, 3 seeds: stride 1 99.73/99.65/99.66% (mean 99.68%), stride 2 99.59/99.43/99.60% (mean 99.54%)',
  },
  'v3-small': {
    lr: 5e-3, mnistStemStride: 1,
    why: 'V3-Small MNIST at 0.01: 91.79% test in epoch 4, final 99.38%; at 0.005 with --stem-stride 1 (its default on mnist): 99.58%',
  },
};

/** The shared peak learning rate (Adam), unless ARCH_RECIPES says otherwise for the architecture. */
export const BASE_LR = 1e-2;

/** The peak learning rate an architecture trains with by default. */
export function defaultLr(arch: Arch): number {
  return ARCH_RECIPES[arch]?.lr ?? BASE_LR;
}

/** Test evaluation after every epoch is on by default when the test split is at most this fraction of the training split. */
export const EVAL_TEST_MAX_RATIO = 0.25;

/**
 * Whether evaluating `test` images after every epoch is cheap next to training on `train` images: at most a quarter
 * as many (an inference pass costs about a third of a training step per image, so at most ~8% of the epoch's
 * arithmetic). MNIST and Fashion-MNIST (10,000 vs 60,000) qualify; a run on 2,048 training images with the full
 * 10,000 test images does not.
 */
export function evalTestIsCheap(train: number, test: number): boolean {
  return test <= EVAL_TEST_MAX_RATIO * train;
}

/** The recipe for a dataset spec ('mnist', 'fashion-mnist', 'folder:…' or an in-memory dataset's name). */
export function recipeFor(spec: string | undefined): Recipe {
  return spec === 'mnist' || spec === 'fashion-mnist' ? RECIPES[spec] : RECIPES.other;
}

export type ResolvedTrainOptions = Required<Omit<TrainOptions, 'patience' | 'limitTrain' | 'limitTest' | 'warmupSteps' | 'stepEvery' | 'target' | 'quantize' | 'perClass' | 'transfer' | 'evalTest'>> & {
  perClass: number | null; transfer: ResolvedTransfer | null;
  patience: number | null; limitTrain: number | null; limitTest: number | null; quantize: QuantizeDtype | null;
  warmupSteps: number | null; stepEvery: number | null; target: number | null;
  /** null until train() decides it from the split sizes (evalTestIsCheap); a run's saved options hold true or false. */
  evalTest: boolean | null;
};

/**
 * Largest input side the recipes' stride-1 stem applies to: it was measured at 28×28 (MNIST, Fashion-MNIST), where it
 * keeps the maps at 28 → 14 → … → 1; at `--input 96x96x3` or 224 it would only quadruple the multiply-adds
 * (a 96×96 stride-1 V2 costs what a 192×192 stride-2 one does), so larger inputs keep the papers' 2.
 */
export const RECIPE_STEM_STRIDE_MAX_SIDE = 32;

/** The user's model options with the recipe's stem stride unless they chose one (a stride of 2 is the builders'). */
function withStemStride(model: BuildOptions, stride: 1 | 2): BuildOptions {
  const shape = model.inputShape;
  const small = shape === undefined || Math.max(shape[0], shape[1]) <= RECIPE_STEM_STRIDE_MAX_SIDE;
  return model.stemStride === undefined && stride !== 2 && small ? { ...model, stemStride: stride } : model;
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new OptionError(msg);
}
const isPosInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
const isNonNegInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/**
 * Fills in defaults (the recipe of dataset `spec`, see RECIPES; the architecture's, see ARCH_RECIPES) and checks
 * every option; throws OptionError naming the first bad one. evalTest stays null unless given (train() decides).
 */
export function resolveTrainOptions(o: TrainOptions, spec?: string): ResolvedTrainOptions {
  const a = Object.hasOwn(ARCH_RECIPES, o.arch) ? ARCH_RECIPES[o.arch] : undefined;
  const base = recipeFor(spec);
  const d = a?.mnistStemStride !== undefined && base !== RECIPES.other ? { ...base, stemStride: a.mnistStemStride } : base;
  const r: ResolvedTrainOptions = {
    arch: o.arch, model: o.transfer ? { ...o.model } : withStemStride(o.model ?? {}, d.stemStride), epochs: o.epochs ?? 10,
    batchSize: o.batchSize ?? 128, lr: o.lr ?? (o.transfer ? 1e-3 : a?.lr ?? BASE_LR),
    perClass: o.perClass ?? null, transfer: null,
    optimizer: o.optimizer ?? 'adam', schedule: o.schedule ?? 'cosine', warmupSteps: o.warmupSteps ?? a?.warmupSteps ?? null,
    stepEvery: o.stepEvery ?? null, stepGamma: o.stepGamma ?? 0.1, labelSmoothing: o.labelSmoothing ?? d.labelSmoothing,
    valSplit: o.valSplit ?? 0, seed: o.seed ?? 1, augment: o.augment ?? d.augment, maxShift: o.maxShift ?? 2,
    patience: o.patience ?? null, limitTrain: o.limitTrain ?? null, limitTest: o.limitTest ?? null,
    preciseBn: o.preciseBn ?? 2048, evalTest: o.evalTest ?? null, target: o.target === undefined ? d.target : o.target,
    weightDecay: o.weightDecay ?? d.weightDecay, ema: o.ema ?? d.ema, flip: o.flip ?? d.flip, erase: o.erase ?? d.erase,
    rotate: o.rotate ?? d.rotate, scale: o.scale ?? d.scale,
    quantize: o.quantize ?? null,
  };
  check(ARCHS.includes(r.arch) || (o.transfer !== undefined && r.arch === undefined), `arch must be one of ${ARCHS.join(', ')}, got ${JSON.stringify(r.arch)}`);
  check(isPosInt(r.epochs), `epochs must be a positive integer, got ${String(r.epochs)}`);
  check(isPosInt(r.batchSize) && r.batchSize >= 2, `batchSize must be an integer ≥ 2 (batch normalization needs 2 images a batch), got ${String(r.batchSize)}`);
  check(Number.isFinite(r.lr) && r.lr > 0, `lr must be a positive number, got ${String(r.lr)}`);
  check((OPTIMIZERS as readonly string[]).includes(r.optimizer), `optimizer must be one of ${OPTIMIZERS.join(', ')}, got ${JSON.stringify(r.optimizer)}`);
  check((SCHEDULES as readonly string[]).includes(r.schedule), `schedule must be one of ${SCHEDULES.join(', ')}, got ${JSON.stringify(r.schedule)}`);
  check(r.warmupSteps === null || isNonNegInt(r.warmupSteps), `warmupSteps must be an integer ≥ 0, got ${String(r.warmupSteps)}`);
  check(r.stepEvery === null || isPosInt(r.stepEvery), `stepEvery must be a positive integer, got ${String(r.stepEvery)}`);
  check(r.stepGamma > 0 && r.stepGamma <= 1, `stepGamma must be in (0, 1], got ${String(r.stepGamma)}`);
  check(r.labelSmoothing >= 0 && r.labelSmoothing < 1, `labelSmoothing must be in [0, 1), got ${String(r.labelSmoothing)}`);
  check(r.valSplit >= 0 && r.valSplit < 1, `valSplit must be in [0, 1), got ${String(r.valSplit)}`);
  check(Number.isInteger(r.seed) && r.seed >= 0, `seed must be an integer ≥ 0, got ${String(r.seed)}`);
  check(isNonNegInt(r.maxShift), `maxShift must be an integer ≥ 0, got ${String(r.maxShift)}`);
  check(r.patience === null || isPosInt(r.patience), `patience must be a positive integer, got ${String(r.patience)}`);
  check(r.patience === null || r.valSplit > 0, 'patience needs a validation split (valSplit > 0)');
  check(r.limitTrain === null || isPosInt(r.limitTrain), `limitTrain must be a positive integer, got ${String(r.limitTrain)}`);
  check(r.limitTest === null || isPosInt(r.limitTest), `limitTest must be a positive integer, got ${String(r.limitTest)}`);
  check(isNonNegInt(r.preciseBn), `preciseBn must be an integer ≥ 0 (images; 0 = off), got ${String(r.preciseBn)}`);
  check(r.target === null || (r.target > 0 && r.target <= 1), `target must be in (0, 1], got ${String(r.target)}`);
  check(Number.isFinite(r.weightDecay) && r.weightDecay >= 0 && r.weightDecay * r.lr < 1,
    `weightDecay must be ≥ 0 with lr·weightDecay < 1, got ${String(r.weightDecay)}`);
  check(r.ema >= 0 && r.ema < 1, `ema must be in [0, 1) (0 = off), got ${String(r.ema)}`);
  check(r.erase >= 0 && r.erase <= 1, `erase must be a probability in [0, 1], got ${String(r.erase)}`);
  check(Number.isFinite(r.rotate) && r.rotate >= 0 && r.rotate <= 180, `rotate must be degrees in [0, 180], got ${String(r.rotate)}`);
  check(Number.isFinite(r.scale) && r.scale >= 0 && r.scale < 1, `scale must be in [0, 1), got ${String(r.scale)}`);
  check(r.perClass === null || isPosInt(r.perClass), `perClass must be a positive integer, got ${String(r.perClass)}`);
  if (o.transfer) r.transfer = resolveTransfer(o.transfer, r);
  check(r.quantize === null || (QUANTIZE_DTYPES as readonly string[]).includes(r.quantize), `quantize must be one of ${QUANTIZE_DTYPES.join(', ')}, got ${JSON.stringify(r.quantize)}`);
  return r;
}

/** The transfer options with defaults; `r.epochs` becomes both phases' epochs. */
function resolveTransfer(t: TransferOptions, r: ResolvedTrainOptions): ResolvedTransfer {
  if ((t as Partial<ResolvedTransfer>).headEpochs !== undefined) return t as ResolvedTransfer; // already resolved (resume)
  check(typeof t.from === 'string' && t.from.length > 0, 'transfer.from (a run directory, weights file or imagenet) is required');
  const freeze = t.freeze ?? 'backbone';
  check(typeof freeze === 'string' && freeze.length > 0, `freeze must be backbone, none or a layer name, got ${JSON.stringify(t.freeze)}`);
  const fineTuneEpochs = t.fineTuneEpochs ?? 0;
  check(isNonNegInt(fineTuneEpochs), `fineTuneEpochs must be an integer ≥ 0, got ${String(t.fineTuneEpochs)}`);
  check(!(freeze === 'none' && fineTuneEpochs > 0), '--fine-tune-epochs needs a frozen first phase; --freeze none trains every layer from the start');
  const fineTuneLr = t.fineTuneLr ?? r.lr / 10;
  check(Number.isFinite(fineTuneLr) && fineTuneLr > 0, `fineTuneLr must be a positive number, got ${String(t.fineTuneLr)}`);
  const headDropout = t.headDropout ?? 0.2;
  check(headDropout >= 0 && headDropout < 1, `headDropout must be in [0, 1), got ${String(t.headDropout)}`);
  const headEpochs = r.epochs;
  r.epochs = headEpochs + fineTuneEpochs;
  return { from: t.from, freeze, fineTuneEpochs, fineTuneLr, headDropout, headEpochs, ...(t.preprocess ? { preprocess: t.preprocess } : {}) };
}
