/** The model-describing options shared by `summary` and `cost`. */
import { OptionError } from '../errors.js';
import { ARCHS, Arch, BuildOptions, PRESETS, buildModel, isV3 } from '../models/presets.js';
import type * as tfl from '@tensorflow/tfjs-layers';
import { SIZE_LIMITS } from '../models/options.js';
import { OptionSpec, intIn, oneOf, parseBoundedShape, positiveUpTo } from '../args.js';

export const MODEL_OPTIONS = {
  arch: { type: 'string' },
  alpha: { type: 'string' },
  input: { type: 'string' },
  classes: { type: 'string' },
  preset: { type: 'string' },
  'depth-multiplier': { type: 'string' },
  minimalistic: { type: 'boolean' },
  'no-top': { type: 'boolean' },
  pooling: { type: 'string' },
  'stem-stride': { type: 'string' },
} satisfies OptionSpec;

/** --stem-stride 1|2 as a builder option (undefined when not given). */
export function parseStemStride(v: string | undefined): 1 | 2 | undefined {
  const s = oneOf('stem-stride', v, ['1', '2'] as const);
  return s === undefined ? undefined : s === '1' ? 1 : 2;
}

export const MODEL_OPTIONS_HELP = `  --arch ARCH               v1, v2, v3-small or v3-large (required)
  --preset imagenet|mnist   imagenet: 224x224x3, 1000 classes (default); mnist: 28x28x1, 10 classes
  --alpha A                 width multiplier (default 1)
  --input HxWxC             input shape, overrides the preset's
  --classes N               classes of the head, overrides the preset's
  --depth-multiplier N      V1 only: depthwise channel multiplier (default 1)
  --minimalistic            V3 only: 3x3 kernels, ReLU, no squeeze-and-excitation
  --no-top                  no classifier head (with --pooling avg|max for a pooled feature vector)
  --pooling avg|max         global pooling when --no-top
  --stem-stride 1|2         stride of the first convolution (default 2); 1 for small inputs (4× the mult-adds)`;

/** --alpha: a width multiplier in (0, SIZE_LIMITS.alpha]. */
export const parseAlpha = (v: string | undefined) => positiveUpTo('alpha', v, SIZE_LIMITS.alpha, ' (the papers\' widest is 1.4)');

export interface ModelChoice {
  arch: Arch;
  preset: string;
  options: BuildOptions;
}

export function parseModelChoice(v: Record<string, unknown>): ModelChoice {
  const get = (k: string) => v[k] as string | undefined;
  if (get('arch') === undefined) throw new OptionError(`--arch is required (${ARCHS.join(', ')})`);
  const arch = oneOf('arch', get('arch'), ARCHS)!;
  const preset = oneOf('preset', get('preset'), Object.keys(PRESETS)) ?? 'imagenet';
  const pooling = oneOf('pooling', get('pooling'), ['avg', 'max'] as const);
  const noTop = v['no-top'] === true;
  if (pooling && !noTop) throw new OptionError('--pooling applies only with --no-top');
  const depthMultiplier = intIn('depth-multiplier', get('depth-multiplier'), 1, SIZE_LIMITS.depthMultiplier);
  if (depthMultiplier !== undefined && arch !== 'v1') throw new OptionError('--depth-multiplier is a V1 option');
  const minimalistic = v.minimalistic === true ? true : undefined;
  if (minimalistic && !isV3(arch)) throw new OptionError('--minimalistic is a V3 option (v3-small, v3-large)');
  return {
    arch, preset,
    options: {
      alpha: parseAlpha(get('alpha')),
      inputShape: parseBoundedShape('input', get('input'), SIZE_LIMITS.side, SIZE_LIMITS.channels),
      classes: intIn('classes', get('classes'), 1, SIZE_LIMITS.classes),
      depthMultiplier,
      minimalistic,
      includeTop: noTop ? false : undefined,
      pooling: pooling ?? undefined,
      stemStride: parseStemStride(get('stem-stride')),
    },
  };
}

export function buildChosen(c: ModelChoice): tfl.LayersModel {
  return buildModel(c.arch, c.options, c.preset);
}
