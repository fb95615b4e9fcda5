import { OptionError } from '../errors.js';

export type Pooling = 'avg' | 'max' | null;
export type ClassifierActivation = 'softmax' | null;

/** Options shared by both builders; the Keras-applications argument set. */
export interface MobileNetOptions {
  /** [height, width, channels]; default [224, 224, 3]. */
  inputShape?: [number, number, number];
  /** Width multiplier α: scales every layer's channel count; default 1. */
  alpha?: number;
  /** Include the classifier head; default true. */
  includeTop?: boolean;
  /** Global pooling when includeTop is false: 'avg', 'max' or null (4-D feature map out). */
  pooling?: Pooling;
  /** Number of classes for the head; default 1000. */
  classes?: number;
  /** 'softmax' (probabilities) or null (logits); default 'softmax'. */
  classifierActivation?: ClassifierActivation;
  /** BatchNormalization momentum for the moving statistics (Keras semantics). */
  bnMomentum?: number;
  /** Model name; default as Keras ('mobilenet_1.00_224', 'mobilenetv2_1.00_224'). */
  name?: string;
  /** Seed for the weight initialisers, so a build can be repeated. */
  seed?: number;
  /**
   * Weight initialisation: 'keras' (default; glorot_uniform everywhere, as Keras applications) or
   * 'torchvision' (He normal, fan_out = out_channels·k·k for every convolution, depthwise included, and
   * N(0, 0.01) for the classifier, as torchvision's MobileNets). Training from scratch uses 'torchvision'.
   */
  init?: WeightInit;
  /**
   * Stride of the stem convolution: 2 (default, as the papers and Keras) or 1, which keeps twice the resolution
   * through the network (4× the multiply-adds) — an option of ours for small inputs such as 28×28, where stride 2
   * brings the maps to 1×1 (MobileNet V2 adapted to CIFAR does the same).
   */
  stemStride?: 1 | 2;
}

export const WEIGHT_INITS = ['keras', 'torchvision'] as const;
export type WeightInit = (typeof WEIGHT_INITS)[number];

export interface ResolvedOptions {
  inputShape: [number, number, number];
  alpha: number;
  includeTop: boolean;
  pooling: Pooling;
  classes: number;
  classifierActivation: ClassifierActivation;
  bnMomentum: number;
  name: string;
  seed: number | undefined;
  init: WeightInit;
  stemStride: 1 | 2;
}

const POOLINGS = new Set(['avg', 'max', null, undefined]);

/**
 * Bounds on the size options, so a typo is one line rather than a build of many GB or a typed-array length
 * error (summary --alpha 200 grew to ~23 GB; --classes 1e12 failed inside TF.js). Measured: V1 at alpha 4
 * builds in 7 s and 300 MB; V2 at alpha 4 with 100,000 classes took 64 s and 2.2 GB (its head alone 512 M weights).
 */
export const SIZE_LIMITS = {
  /** Width multiplier: the papers' widest is 1.4 (V2). */
  alpha: 4,
  /** Classes of the head (ImageNet-21k has 21,843). */
  classes: 50_000,
  /** Input height and width. */
  side: 16_384,
  /** Input channels. */
  channels: 1024,
  /** V1's depthwise channel multiplier (Keras' weights: 1). */
  depthMultiplier: 8,
  /** Weights of the classifier (classes × its input features): 2^27, 512 MB of float32. */
  headWeights: 2 ** 27,
} as const;

/** Features entering the classifier at most, for any architecture: 1280 (V2, V3-Large), scaled when alpha > 1. */
const headFeatures = (alpha: number) => Math.ceil(1280 * Math.max(1, alpha));

function positive(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new OptionError(`${name} must be a positive number, got ${String(v)}`);
  }
  return v;
}

/** Validates the shared options and fills in defaults. */
export function resolveOptions(
  o: MobileNetOptions,
  defaults: { bnMomentum: number; name: (alpha: number, rows: number) => string },
): ResolvedOptions {
  const inputShape = o.inputShape ?? [224, 224, 3];
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new OptionError(
      `inputShape must be [height, width, channels] (3 numbers), got ${JSON.stringify(inputShape)}`,
    );
  }
  for (const [i, d] of inputShape.entries()) {
    if (!Number.isInteger(d) || d < 1) {
      throw new OptionError(
        `inputShape[${i}] must be an integer ≥ 1, got ${String(d)} (smallest valid input is 1x1xC: every layer pads 'same')`,
      );
    }
    const max = i < 2 ? SIZE_LIMITS.side : SIZE_LIMITS.channels;
    if (d > max) throw new OptionError(`inputShape[${i}] must be at most ${max}, got ${d}`);
  }
  const alpha = positive('alpha', o.alpha ?? 1);
  if (alpha > SIZE_LIMITS.alpha) throw new OptionError(`alpha must be at most ${SIZE_LIMITS.alpha} (the papers' widest is 1.4), got ${alpha}`);
  const classes = o.classes ?? 1000;
  if (!Number.isInteger(classes) || classes < 1) {
    throw new OptionError(`classes must be a positive integer, got ${String(classes)}`);
  }
  if (classes > SIZE_LIMITS.classes) throw new OptionError(`classes must be at most ${SIZE_LIMITS.classes.toLocaleString('en-US')}, got ${classes}`);
  const head = classes * headFeatures(alpha);
  if ((o.includeTop ?? true) && head > SIZE_LIMITS.headWeights) {
    throw new OptionError(`${classes.toLocaleString('en-US')} classes at alpha ${alpha} make a classifier of ${head.toLocaleString('en-US')} weights, `
      + `over the limit of ${SIZE_LIMITS.headWeights.toLocaleString('en-US')} (512 MB); use fewer classes or a smaller alpha`);
  }
  if (!POOLINGS.has(o.pooling as string)) {
    throw new OptionError(`pooling must be 'avg', 'max' or null, got ${JSON.stringify(o.pooling)}`);
  }
  const act = o.classifierActivation === undefined ? 'softmax' : o.classifierActivation;
  if (act !== 'softmax' && act !== null) {
    throw new OptionError(`classifierActivation must be 'softmax' or null, got ${JSON.stringify(act)}`);
  }
  const bnMomentum = o.bnMomentum ?? defaults.bnMomentum;
  if (!(bnMomentum >= 0 && bnMomentum < 1)) {
    throw new OptionError(`bnMomentum must be in [0, 1), got ${String(bnMomentum)}`);
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) {
    throw new OptionError(`seed must be an integer, got ${String(o.seed)}`);
  }
  const stemStride = o.stemStride ?? 2;
  if (stemStride !== 1 && stemStride !== 2) throw new OptionError(`stemStride must be 1 or 2, got ${JSON.stringify(o.stemStride)}`);
  const init = o.init ?? 'keras';
  if (!(WEIGHT_INITS as readonly string[]).includes(init)) {
    throw new OptionError(`init must be one of ${WEIGHT_INITS.join(', ')}, got ${JSON.stringify(o.init)}`);
  }
  return {
    init,
    stemStride,
    inputShape: [...inputShape] as [number, number, number],
    alpha,
    includeTop: o.includeTop ?? true,
    pooling: o.pooling ?? null,
    classes,
    classifierActivation: act,
    bnMomentum,
    name: o.name ?? defaults.name(alpha, inputShape[0]),
    seed: o.seed,
  };
}

export { positive as checkPositive };
