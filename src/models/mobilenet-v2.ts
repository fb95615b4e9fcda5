/**
 * MobileNet V2 (Sandler et al., 2018), layer for layer as Keras `applications/mobilenet_v2.py`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import {
  BlockContext, SeedStream, classifierInit, SymbolicTensor, batchNorm, conv, convBnAct, depthwise, globalPool, makeDivisible, relu,
} from './blocks.js';
import { MobileNetOptions, resolveOptions } from './options.js';

export type MobileNetV2Options = MobileNetOptions;

/** The paper's Table 2 as data: expansion t, output channels c, repeats n, first stride s. */
export const V2_TABLE: ReadonlyArray<{ t: number; c: number; n: number; s: number }> = [
  { t: 1, c: 16, n: 1, s: 1 },
  { t: 6, c: 24, n: 2, s: 2 },
  { t: 6, c: 32, n: 3, s: 2 },
  { t: 6, c: 64, n: 4, s: 2 },
  { t: 6, c: 96, n: 3, s: 1 },
  { t: 6, c: 160, n: 3, s: 2 },
  { t: 6, c: 320, n: 1, s: 1 },
];

/**
 * Builds MobileNet V2.
 *
 * Options (Keras names in brackets):
 * - inputShape [input_shape]: [H, W, C], default [224, 224, 3]; any H, W ≥ 1 builds.
 * - alpha [alpha]: width multiplier; block channels are make_divisible(int(c·alpha), 8), the
 *   stem make_divisible(32·alpha, 8), the last 1×1 conv 1280 (scaled only for alpha > 1).
 * - includeTop [include_top], pooling [pooling], classes [classes],
 *   classifierActivation [classifier_activation]: as Keras; the head is
 *   GlobalAveragePooling → Dense `predictions` with bias.
 * - bnMomentum: BatchNormalization momentum, default 0.999 (Keras); epsilon is 1e-3.
 * - init: 'keras' (glorot_uniform, default) or 'torchvision' (He normal fan_out, classifier N(0, 0.01)).
 * - name, seed.
 */
export function mobileNetV2(options: MobileNetV2Options = {}): tfl.LayersModel {
  const o = resolveOptions(options, {
    bnMomentum: 0.999,
    name: (a, rows) => `mobilenetv2_${a.toFixed(2)}_${rows}`,
  });
  const ctx: BlockContext = { seeds: new SeedStream(o.seed), bnMomentum: o.bnMomentum, bnEpsilon: 1e-3, init: o.init };

  const input = tfl.input({ shape: o.inputShape, name: 'input_1' }); // [B, H, W, C]
  let x = convBnAct(input, ctx, { conv: 'Conv1', bn: 'bn_Conv1', act: 'Conv1_relu' },
    makeDivisible(32 * o.alpha, 8), 3, o.stemStride, 6); // [B, H/2, W/2, 32α] (H, W with stemStride 1)

  let blockId = 0;
  for (const { t, c, n, s } of V2_TABLE) {
    for (let i = 0; i < n; i++) {
      x = invertedResidual(x, ctx, blockId++, t, c * o.alpha, i === 0 ? s : 1);
    }
  }
  // x: [B, H/32, W/32, 320α]

  const last = o.alpha > 1 ? makeDivisible(1280 * o.alpha, 8) : 1280;
  x = convBnAct(x, ctx, { conv: 'Conv_1', bn: 'Conv_1_bn', act: 'out_relu' }, last, 1, 1, 6); // [B, h, w, 1280]

  if (o.includeTop) {
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as SymbolicTensor; // [B, 1280]
    x = tfl.layers.dense({
      units: o.classes, name: 'predictions', activation: o.classifierActivation ?? 'linear',
      kernelInitializer: classifierInit(ctx),
    }).apply(x) as SymbolicTensor; // [B, classes]
  } else {
    x = globalPool(x, o.pooling);
  }
  return tfl.model({ inputs: input, outputs: x, name: o.name });
}

/**
 * Inverted residual: 1×1 expand by t → ReLU6, depthwise 3×3 → ReLU6, 1×1 linear projection;
 * identity shortcut when stride is 1 and channels match. Block 0 has no expansion (t = 1).
 */
function invertedResidual(
  inputs: SymbolicTensor, ctx: BlockContext, id: number, t: number, scaledFilters: number, stride: number,
): SymbolicTensor {
  const inChannels = inputs.shape[3] as number;
  const filters = makeDivisible(Math.floor(scaledFilters), 8);
  const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
  let x = inputs;
  if (id !== 0) {
    x = conv(x, ctx, `${prefix}expand`, t * inChannels, 1); // pw: [B, H, W, t·Cin]
    x = batchNorm(x, ctx, `${prefix}expand_BN`);
    x = relu(x, `${prefix}expand_relu`, 6);
  }
  x = depthwise(x, ctx, `${prefix}depthwise`, stride); // dw: [B, H/s, W/s, t·Cin]
  x = batchNorm(x, ctx, `${prefix}depthwise_BN`);
  x = relu(x, `${prefix}depthwise_relu`, 6);
  x = conv(x, ctx, `${prefix}project`, filters, 1); // pw-linear: [B, H/s, W/s, filters]
  x = batchNorm(x, ctx, `${prefix}project_BN`);
  if (inChannels === filters && stride === 1) {
    return tfl.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as SymbolicTensor;
  }
  return x;
}
