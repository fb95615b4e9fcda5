/**
 * MobileNet V3's pieces, after Keras applications `mobilenet_v3.py` (Keras 3), built from layers stock
 * TF.js knows (so a saved model.json loads in a browser): hard-sigmoid relu6(x + 3)/6 as
 * Rescaling(1/6, 0.5) → ReLU(max_value=1), hard-swish as Multiply([x, hard_sigmoid(x)]), the
 * squeeze-and-excitation block, and the inverted residual block with optional SE.
 * On 'onednn' those layers run as single native kernels (src/backend/v3-layers.ts).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import {
  HARD_SIGMOID_OFFSET, HARD_SIGMOID_SCALE, globalAveragePooling2d, multiply, rescaling,
} from '../backend/v3-layers.js';
import { BlockContext, SymbolicTensor, batchNorm, conv, depthwise, makeDivisible, relu } from './blocks.js';

/** The two nonlinearities of V3 ("NL" in the paper's tables). */
export type V3Activation = 'relu' | 'hard_swish';

/** One inverted residual block with every choice resolved (channels already scaled by alpha). */
export interface V3Block {
  /** Expansion ratio: the expand conv has make_divisible(Cin · expansion) channels. */
  expansion: number;
  /** Output channels. */
  filters: number;
  kernel: number;
  stride: number;
  /** Squeeze ratio of the SE block, or null for none. */
  seRatio: number | null;
  activation: V3Activation;
}

/** Hard-sigmoid relu6(x + 3)/6: Rescaling `${name}_rescale` (x/6 + 1/2) → ReLU(max 1) `${name}`. */
export function hardSigmoid(x: SymbolicTensor, name: string): SymbolicTensor {
  const r = rescaling({ scale: HARD_SIGMOID_SCALE, offset: HARD_SIGMOID_OFFSET, name: `${name}_rescale` })
    .apply(x) as SymbolicTensor; // [B, H, W, C]
  return relu(r, name, 1);
}

/** Hard-swish x · relu6(x + 3)/6: hard-sigmoid `${name}_sigmoid`, then Multiply `${name}`. */
export function hardSwish(x: SymbolicTensor, name: string): SymbolicTensor {
  const gate = hardSigmoid(x, `${name}_sigmoid`); // [B, H, W, C]
  return multiply({ name }).apply([x, gate]) as SymbolicTensor;
}

/** The activation `kind` after layer `base`: ReLU `${base}_relu` or hard-swish `${base}_hard_swish`. */
export function activation(x: SymbolicTensor, kind: V3Activation, base: string): SymbolicTensor {
  return kind === 'relu' ? relu(x, `${base}_relu`) : hardSwish(x, `${base}_hard_swish`);
}

/** 1×1 convolution with bias (the SE block's and the head's). */
function conv1x1Bias(x: SymbolicTensor, ctx: BlockContext, name: string, filters: number): SymbolicTensor {
  return tfl.layers.conv2d({
    name, filters, kernelSize: 1, padding: 'same', useBias: true,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: ctx.seeds.take() }),
  }).apply(x) as SymbolicTensor;
}

/**
 * Keras `_se_block`: global average pool → 1×1 conv (make_divisible(filters · ratio)) → ReLU → 1×1 conv
 * (filters) → hard-sigmoid → multiply the input channel-wise. Keras pools with keepdims=True; TF.js's
 * pooling has no keepdims, so a Reshape to [1, 1, C] follows (no weights either way).
 */
export function seBlock(
  inputs: SymbolicTensor, ctx: BlockContext, filters: number, seRatio: number, prefix: string,
): SymbolicTensor {
  let x = globalAveragePooling2d({ name: `${prefix}squeeze_excite_avg_pool` })
    .apply(inputs) as SymbolicTensor; // [B, C]
  x = tfl.layers.reshape({ targetShape: [1, 1, filters], name: `${prefix}squeeze_excite_reshape` })
    .apply(x) as SymbolicTensor; // [B, 1, 1, C]
  x = conv1x1Bias(x, ctx, `${prefix}squeeze_excite_conv`, makeDivisible(filters * seRatio, 8)); // [B, 1, 1, C·r]
  x = relu(x, `${prefix}squeeze_excite_relu`);
  x = conv1x1Bias(x, ctx, `${prefix}squeeze_excite_conv_1`, filters); // [B, 1, 1, C]
  x = hardSigmoid(x, `${prefix}squeeze_excite_hard_sigmoid`);
  return multiply({ name: `${prefix}squeeze_excite_mul` }).apply([inputs, x]) as SymbolicTensor; // [B, H, W, C]
}

/**
 * Keras `_inverted_res_block`: (block > 0) 1×1 expand → BN → act; k×k depthwise (stride s) → BN → act;
 * optional SE; 1×1 linear projection → BN; identity shortcut when stride is 1 and channels match.
 * Keras pads stride-2 depthwise convs with ZeroPadding2D(correct_pad) + 'valid'; 'same' here gives the
 * identical output for every input size (and lets inputs below 32×32 build).
 */
export function invertedResidualV3(
  inputs: SymbolicTensor, ctx: BlockContext, b: V3Block, id: number,
): SymbolicTensor {
  const inFilters = inputs.shape[3] as number;
  const expanded = makeDivisible(inFilters * b.expansion, 8);
  const prefix = id === 0 ? 'expanded_conv_' : `expanded_conv_${id}_`;
  let x = inputs;
  if (id !== 0) {
    x = conv(x, ctx, `${prefix}expand`, expanded, 1); // pw: [B, H, W, expanded]
    x = batchNorm(x, ctx, `${prefix}expand_bn`);
    x = activation(x, b.activation, `${prefix}expand`);
  }
  x = depthwise(x, ctx, `${prefix}depthwise`, b.stride, 1, b.kernel); // dw: [B, H/s, W/s, C]
  x = batchNorm(x, ctx, `${prefix}depthwise_bn`);
  x = activation(x, b.activation, `${prefix}depthwise`);
  if (b.seRatio !== null) x = seBlock(x, ctx, expanded, b.seRatio, prefix);
  x = conv(x, ctx, `${prefix}project`, b.filters, 1); // pw-linear: [B, H/s, W/s, filters]
  x = batchNorm(x, ctx, `${prefix}project_bn`);
  if (b.stride === 1 && inFilters === b.filters) {
    return tfl.layers.add({ name: `${prefix}add` }).apply([inputs, x]) as SymbolicTensor;
  }
  return x;
}
