/**
 * MobileNet V1 (Howard et al., 2017), layer for layer as Keras `applications/mobilenet.py`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import {
  BlockContext, SeedStream, classifierInit, SymbolicTensor, batchNorm, conv, convBnAct, depthwise, globalPool, relu,
} from './blocks.js';
import { MobileNetOptions, SIZE_LIMITS, checkPositive, resolveOptions } from './options.js';

export interface MobileNetV1Options extends MobileNetOptions {
  /** Depth multiplier of the depthwise convolutions (resolution multiplier ρ is the input size); default 1. */
  depthMultiplier?: number;
  /** Dropout rate before the classifier; default 1e-3 (Keras). */
  dropout?: number;
  /**
   * Activation after every BN: 'relu' (the paper, default) or 'relu6' (what Keras applications uses).
   * Parameter counts and weights are the same either way.
   */
  activation?: 'relu' | 'relu6';
}

/** The paper's Table 1 body as data: [pointwise filters, depthwise stride] per separable block. */
export const V1_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1],
  [1024, 2], [1024, 1],
];

/**
 * Builds MobileNet V1.
 *
 * Options (Keras names in brackets):
 * - inputShape [input_shape]: [H, W, C], default [224, 224, 3]; any H, W ≥ 1 builds (every layer pads 'same').
 * - alpha [alpha]: width multiplier; channels are int(c·alpha).
 * - depthMultiplier [depth_multiplier]: channel multiplier of each depthwise conv.
 * - dropout [dropout]: rate before `conv_preds`, default 1e-3.
 * - includeTop [include_top], pooling [pooling], classes [classes],
 *   classifierActivation [classifier_activation]: as Keras; the head is
 *   GlobalAveragePooling → Reshape [1,1,C] (Keras keepdims) → Dropout → 1×1 conv with bias `conv_preds` → Reshape → Activation.
 * - bnMomentum: BatchNormalization momentum, default 0.99 (Keras default); epsilon is 1e-3.
 * - activation: 'relu' (paper, default) or 'relu6' (Keras).
 * - init: 'keras' (glorot_uniform, default) or 'torchvision' (He normal fan_out, classifier N(0, 0.01)).
 * - name, seed.
 */
export function mobileNetV1(options: MobileNetV1Options = {}): tfl.LayersModel {
  const o = resolveOptions(options, {
    bnMomentum: 0.99,
    name: (a, rows) => `mobilenet_${a.toFixed(2)}_${rows}`,
  });
  const depthMultiplier = options.depthMultiplier ?? 1;
  if (!Number.isInteger(depthMultiplier) || depthMultiplier < 1) {
    throw new OptionError(`depthMultiplier must be a positive integer, got ${String(depthMultiplier)}`);
  }
  if (depthMultiplier > SIZE_LIMITS.depthMultiplier) {
    throw new OptionError(`depthMultiplier must be at most ${SIZE_LIMITS.depthMultiplier}, got ${depthMultiplier}`);
  }
  const dropout = options.dropout ?? 1e-3;
  if (!(dropout >= 0 && dropout < 1)) throw new OptionError(`dropout must be in [0, 1), got ${String(dropout)}`);
  const activation = options.activation ?? 'relu';
  if (activation !== 'relu' && activation !== 'relu6') {
    throw new OptionError(`activation must be 'relu' or 'relu6', got ${JSON.stringify(activation)}`);
  }
  const maxValue = activation === 'relu6' ? 6 : undefined;
  const ctx: BlockContext = { seeds: new SeedStream(o.seed), bnMomentum: o.bnMomentum, bnEpsilon: 1e-3, init: o.init };
  const width = (c: number) => Math.max(1, Math.floor(c * checkPositive('alpha', o.alpha)));

  const input = tfl.input({ shape: o.inputShape, name: 'input_1' }); // [B, H, W, C]
  let x = convBnAct(input, ctx, { conv: 'conv1', bn: 'conv1_bn', act: 'conv1_relu' },
    width(32), 3, o.stemStride, maxValue); // [B, H/2, W/2, 32α] (H, W with stemStride 1)
  V1_BLOCKS.forEach(([filters, stride], i) => {
    x = separableBlock(x, ctx, i + 1, width(filters), stride, depthMultiplier, maxValue);
  });
  // x: [B, H/32, W/32, 1024α]

  if (o.includeTop) {
    const c = x.shape[3] as number;
    x = tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as SymbolicTensor; // [B, C]
    x = tfl.layers.reshape({ targetShape: [1, 1, c], name: 'reshape_1' }).apply(x) as SymbolicTensor; // [B, 1, 1, C]
    x = tfl.layers.dropout({ rate: dropout, name: 'dropout' }).apply(x) as SymbolicTensor;
    x = tfl.layers.conv2d({
      name: 'conv_preds', filters: o.classes, kernelSize: 1, padding: 'same', useBias: true,
      kernelInitializer: classifierInit(ctx),
    }).apply(x) as SymbolicTensor; // [B, 1, 1, classes]
    x = tfl.layers.reshape({ targetShape: [o.classes], name: 'reshape_2' }).apply(x) as SymbolicTensor; // [B, classes]
    x = tfl.layers.activation({ activation: o.classifierActivation ?? 'linear', name: 'predictions' })
      .apply(x) as SymbolicTensor;
  } else {
    x = globalPool(x, o.pooling);
  }
  return tfl.model({ inputs: input, outputs: x, name: o.name });
}

/** Depthwise 3×3 (stride s) → BN → ReLU, then pointwise 1×1 → BN → ReLU. */
function separableBlock(
  x: SymbolicTensor, ctx: BlockContext, id: number, filters: number, stride: number,
  depthMultiplier: number, maxValue: number | undefined,
): SymbolicTensor {
  x = depthwise(x, ctx, `conv_dw_${id}`, stride, depthMultiplier); // dw: [B, H/s, W/s, C·dm]
  x = batchNorm(x, ctx, `conv_dw_${id}_bn`);
  x = relu(x, `conv_dw_${id}_relu`, maxValue);
  x = conv(x, ctx, `conv_pw_${id}`, filters, 1); // pw: [B, H/s, W/s, filters]
  x = batchNorm(x, ctx, `conv_pw_${id}_bn`);
  return relu(x, `conv_pw_${id}_relu`, maxValue);
}
