/**
 * MobileNet V3 (Howard et al., 2019, "Searching for MobileNetV3"), layer for layer as Keras 3's
 * `keras/src/applications/mobilenet_v3.py`: the builder shared by MobileNetV3Small and MobileNetV3Large,
 * which differ only in their stack table and the width of the last 1×1 conv.
 *
 * Keras 3 rather than Keras 2 (tf.keras) where they differ: layer names with underscores
 * (`expanded_conv_3_squeeze_excite_conv`, not `expanded_conv_3/squeeze_excite/Conv`); hard-swish as
 * relu6(x + 3)/6 · x (Keras 2 builds the same function from TFOpLambda layers); the `conv_2` 1×1 conv
 * only in the top. Early tf.keras (e.g. keras-team/keras at 1a57a57) applied `Conv_2` before the
 * `include_top` test, so its no-top models had 1,230,080 (Large) / 590,848 (Small) more parameters; later
 * Keras 2 and Keras 3 moved it into the top (the `_no_top_v2` weight files). Parameter counts otherwise
 * agree between Keras 2 and 3.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { globalAveragePooling2d, rescaling } from '../backend/v3-layers.js';
import { OptionError } from '../errors.js';
import { BlockContext, SeedStream, SymbolicTensor, batchNorm, conv, makeDivisible } from './blocks.js';
import { MobileNetOptions, resolveOptions } from './options.js';
import { V3Activation, V3Block, activation, invertedResidualV3 } from './v3-blocks.js';

export interface MobileNetV3Options extends MobileNetOptions {
  /**
   * The "minimalistic" variants of the released checkpoints: every kernel 3×3, ReLU everywhere, no
   * squeeze-and-excitation (same widths); default false.
   */
  minimalistic?: boolean;
  /** Dropout rate before the `logits` conv (Keras `dropout_rate`); default 0.2, 0 for none. */
  dropoutRate?: number;
  /**
   * Rescaling(1/127.5, offset −1) as the first layer (Keras `include_preprocessing`), so the model takes
   * pixels in 0..255; default true (false: inputs already in [−1, 1] or otherwise normalised).
   */
  includePreprocessing?: boolean;
}

/**
 * One row of a V3 stack table, as in the paper's Tables 1 and 2 (and Keras' `stack_fn`): expansion
 * ratio, output channels (before alpha), kernel, stride, squeeze-and-excitation, nonlinearity.
 * The rows hold the full model's choices; `minimalistic` turns every 5×5 into 3×3, every hard-swish
 * into ReLU and drops every SE (exactly what Keras' `kernel`, `activation` and `se_ratio` arguments do).
 */
export interface V3Row {
  expansion: number;
  filters: number;
  kernel: 3 | 5;
  stride: 1 | 2;
  se: boolean;
  activation: V3Activation;
}

export interface V3Spec {
  table: ReadonlyArray<V3Row>;
  /** Channels of `conv_2` in the top (1024 Small, 1280 Large), scaled only for alpha > 1. */
  lastPoint: number;
  /** Keras' model name. */
  name: string;
}

const STEM_FILTERS = 16; // not scaled by alpha, as in Keras
const SE_RATIO = 0.25;

/** A table row with alpha and minimalistic applied (Keras: depth(filters · alpha)). */
function resolveRow(r: V3Row, alpha: number, minimalistic: boolean): V3Block {
  return {
    expansion: r.expansion, filters: makeDivisible(r.filters * alpha, 8), stride: r.stride,
    kernel: minimalistic ? 3 : r.kernel,
    seRatio: r.se && !minimalistic ? SE_RATIO : null,
    activation: minimalistic ? 'relu' : r.activation,
  };
}

function v3Extras(o: MobileNetV3Options): { minimalistic: boolean; dropoutRate: number; includePreprocessing: boolean } {
  const minimalistic = o.minimalistic ?? false;
  if (typeof minimalistic !== 'boolean') throw new OptionError(`minimalistic must be true or false, got ${JSON.stringify(minimalistic)}`);
  const dropoutRate = o.dropoutRate ?? 0.2;
  if (!(typeof dropoutRate === 'number' && dropoutRate >= 0 && dropoutRate < 1)) {
    throw new OptionError(`dropoutRate must be in [0, 1), got ${String(dropoutRate)}`);
  }
  const includePreprocessing = o.includePreprocessing ?? true;
  if (typeof includePreprocessing !== 'boolean') {
    throw new OptionError(`includePreprocessing must be true or false, got ${JSON.stringify(includePreprocessing)}`);
  }
  return { minimalistic, dropoutRate, includePreprocessing };
}

/** Keras' top: pool → 1×1 conv_2 (bias) → act → dropout → 1×1 logits (bias) → flatten → activation. */
function top(
  x: SymbolicTensor, ctx: BlockContext, lastPoint: number, act: V3Activation, dropoutRate: number,
  classes: number, classifierActivation: 'softmax' | null,
): SymbolicTensor {
  const c = x.shape[3] as number;
  x = globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as SymbolicTensor; // [B, C]
  x = tfl.layers.reshape({ targetShape: [1, 1, c], name: 'reshape' }).apply(x) as SymbolicTensor; // [B, 1, 1, C]
  const conv1x1 = (name: string, filters: number) => tfl.layers.conv2d({
    name, filters, kernelSize: 1, padding: 'same', useBias: true,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: ctx.seeds.take() }),
  });
  x = conv1x1('conv_2', lastPoint).apply(x) as SymbolicTensor; // [B, 1, 1, lastPoint]
  x = activation(x, act, 'conv_2');
  if (dropoutRate > 0) x = tfl.layers.dropout({ rate: dropoutRate, name: 'dropout' }).apply(x) as SymbolicTensor;
  x = conv1x1('logits', classes).apply(x) as SymbolicTensor; // [B, 1, 1, classes]
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as SymbolicTensor; // [B, classes]
  return tfl.layers.activation({ activation: classifierActivation ?? 'linear', name: 'predictions' })
    .apply(x) as SymbolicTensor;
}

/** Builds MobileNetV3Small or MobileNetV3Large from its spec (see mobilenet-v3-small.ts, -large.ts). */
export function buildMobileNetV3(spec: V3Spec, options: MobileNetV3Options): tfl.LayersModel {
  const o = resolveOptions(options, { bnMomentum: 0.999, name: () => spec.name });
  const { minimalistic, dropoutRate, includePreprocessing } = v3Extras(options);
  const ctx: BlockContext = { seeds: new SeedStream(o.seed), bnMomentum: o.bnMomentum, bnEpsilon: 1e-3, init: o.init };
  const act: V3Activation = minimalistic ? 'relu' : 'hard_swish';

  const input = tfl.input({ shape: o.inputShape, name: 'input_1' }); // [B, H, W, C]
  let x: SymbolicTensor = input;
  if (includePreprocessing) {
    x = rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescaling' }).apply(x) as SymbolicTensor; // 0..255 → −1..1
  }
  x = conv(x, ctx, 'conv', STEM_FILTERS, 3, o.stemStride); // [B, H/2, W/2, 16] (H, W with stemStride 1)
  x = batchNorm(x, ctx, 'conv_bn');
  x = activation(x, act, 'conv');
  spec.table.forEach((row, id) => {
    x = invertedResidualV3(x, ctx, resolveRow(row, o.alpha, minimalistic), id);
  });
  // x: [B, H/32, W/32, C_last]
  const lastConv = makeDivisible((x.shape[3] as number) * 6, 8);
  x = conv(x, ctx, 'conv_1', lastConv, 1); // [B, h, w, 6·C_last]
  x = batchNorm(x, ctx, 'conv_1_bn');
  x = activation(x, act, 'conv_1');

  if (o.includeTop) {
    const lastPoint = o.alpha > 1 ? makeDivisible(spec.lastPoint * o.alpha, 8) : spec.lastPoint;
    x = top(x, ctx, lastPoint, act, dropoutRate, o.classes, o.classifierActivation);
  } else if (o.pooling === 'avg') {
    x = globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as SymbolicTensor; // [B, C]
  } else if (o.pooling === 'max') {
    x = tfl.layers.globalMaxPooling2d({ name: 'max_pool' }).apply(x) as SymbolicTensor; // [B, C]
  }
  return tfl.model({ inputs: input, outputs: x, name: o.name });
}
