/**
 * Keras layer class → TFLite ops, one table entry per class (the TFLite counterpart of onnx/layers.ts).
 * Convolutions carry the BatchNormalization folded into them (onnx/fold.ts decides which) and take a
 * following ReLU/ReLU6 as their fused activation; Keras' ZeroPadding2D + 'valid' becomes SAME padding when
 * it pads exactly as SAME does, else a PAD op.
 */
import { bnParams, paddingOf, softmaxOnLastAxis } from '../onnx/layers.js';
import { BnParams, Layer, config, outShape, pair, samePads, weightsOf } from '../onnx/values.js';
import { cappedRelu, scalarOp, tfliteActivation, unaryOp } from './activations.js';
import { TfliteContext, TfliteConverter, TValue, UnsupportedTfliteLayer } from './context.js';
import { MERGE_TFLITE } from './merge-layers.js';
import {
  FUSE_FIELD, PaddingName, binaryOptions, conv2dOptions, depthwiseOptions, fullyConnectedOptions, pool2dOptions, reducerOptions, reshapeOptions,
  softmaxOptions,
} from './options.js';

/** The layer's own activation (config.activation), unless --logits drops it from the output layer. */
export function ownActivation(ctx: TfliteContext, layer: Layer, x: TValue): TValue {
  if (ctx.dropActivationOf === layer.name) return x;
  return tfliteActivation(ctx, String(config(layer).activation ?? 'linear'), x, layer.name);
}

/** Scales folding BN into the convolution before it: w·s, (b − μ)·s + β with s = γ/√(σ²+ε) per output channel. */
function foldScales(bn: BnParams | undefined, bias: Float32Array): Float64Array | null {
  if (!bn) return null;
  const s = new Float64Array(bias.length);
  for (let o = 0; o < bias.length; o++) {
    s[o] = (bn.gamma ? bn.gamma[o] : 1) / Math.sqrt(bn.variance[o] + bn.epsilon);
    bias[o] = (bias[o] - bn.mean[o]) * s[o] + (bn.beta ? bn.beta[o] : 0);
  }
  return s;
}

/**
 * TFLite filters from Keras kernels, BN folded: CONV_2D [Cout, kh, kw, Cin] from [kh, kw, Cin, Cout];
 * DEPTHWISE_CONV_2D [1, kh, kw, Cin·m] — Keras' [kh, kw, Cin, m] in the same memory order.
 */
export function tfliteFilter(k: { shape: number[]; values: Float32Array }, depthwise: boolean, scale: Float64Array | null): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, cm] = k.shape;
  const out = new Float32Array(k.values.length);
  if (depthwise) {
    for (let i = 0; i < out.length; i++) out[i] = scale ? k.values[i] * scale[i % (cin * cm)] : k.values[i];
    return { dims: [1, kh, kw, cin * cm], values: out };
  }
  for (let i = 0; i < kh * kw; i++) {
    for (let c = 0; c < cin; c++) {
      for (let o = 0; o < cm; o++) {
        const v = k.values[(i * cin + c) * cm + o];
        out[(o * kh * kw + i) * cin + c] = scale ? v * scale[o] : v;
      }
    }
  }
  return { dims: [cm, kh, kw, cin], values: out };
}

/** SAME when the (folded) padding is what SAME pads, else VALID after an explicit PAD of x. */
function convPadding(ctx: TfliteContext, layer: Layer, x: TValue, kernel: number[], strides: number[], dilation: number[]): { x: TValue; padding: PaddingName } {
  const own = config(layer).padding === 'same' ? 'SAME' : 'VALID';
  const folded = ctx.fold.foldPad.get(layer.name);
  if (!folded) return { x, padding: own };
  const [t, b, l, r] = folded;
  const [sh, sw] = [samePads(x.shape[0], kernel[0], strides[0], dilation[0]), samePads(x.shape[1], kernel[1], strides[1], dilation[1])];
  if (own === 'VALID' && sh[0] === t && sh[1] === b && sw[0] === l && sw[1] === r) return { x, padding: 'SAME' };
  return { x: pad(ctx, x, [[t, b], [l, r]], `${layer.name}/pad`), padding: own };
}

function pad(ctx: TfliteContext, x: TValue, [[t, b], [l, r]]: number[][], name: string): TValue {
  const shape = [x.shape[0] + t + b, x.shape[1] + l + r, x.shape[2]];
  const paddings = ctx.g.int32s(`${name}/paddings`, [4, 2], [0, 0, t, b, l, r, 0, 0]);
  const y = ctx.g.activation(name, shape);
  ctx.g.op('PAD', [x.t, paddings], [y]);
  return { t: y, shape, exclusive: true };
}

function conv(ctx: TfliteContext, layer: Layer, [input]: TValue[], depthwise: boolean): TValue {
  const cfg = config(layer);
  if (cfg.dataFormat === 'channelsFirst') throw new UnsupportedTfliteLayer(`layer ${layer.name}: channels_first convolutions cannot be exported`);
  const w = weightsOf(layer);
  const k = w.get(depthwise ? 'depthwise_kernel' : 'kernel');
  if (!k) throw new UnsupportedTfliteLayer(`layer ${layer.name}: no kernel weight`);
  const cout = depthwise ? k.shape[2] * k.shape[3] : k.shape[3];
  const bias = w.get('bias')?.values.slice() ?? new Float32Array(cout);
  const filter = tfliteFilter(k, depthwise, foldScales(ctx.fold.foldBn.get(layer.name), bias));
  const kernel = [k.shape[0], k.shape[1]];
  const strides = pair(cfg.strides);
  const dilation = pair(cfg.dilationRate ?? 1);
  const { x, padding } = convPadding(ctx, layer, input, kernel, strides, dilation);
  const shape = outShape(layer);
  const y = ctx.g.activation(layer.name, shape);
  const inputs = [x.t, ctx.g.floats(`${layer.name}/filter`, filter.dims, filter.values), ctx.g.floats(`${layer.name}/bias`, [cout], bias)];
  if (depthwise) {
    const version = dilation[0] > 1 || dilation[1] > 1 ? 2 : 1;
    ctx.g.op('DEPTHWISE_CONV_2D', inputs, [y], depthwiseOptions(padding, strides, dilation, k.shape[3]), version, FUSE_FIELD.DEPTHWISE_CONV_2D);
  } else {
    ctx.g.op('CONV_2D', inputs, [y], conv2dOptions(padding, strides, dilation), 1, FUSE_FIELD.CONV_2D);
  }
  return ownActivation(ctx, layer, { t: y, shape, exclusive: true });
}

function dense(ctx: TfliteContext, layer: Layer, [x]: TValue[]): TValue {
  if (x.shape.length !== 1) throw new UnsupportedTfliteLayer(`layer ${layer.name}: Dense on a rank-${x.shape.length + 1} input cannot be exported`);
  const w = weightsOf(layer);
  const k = w.get('kernel')!;
  const [nin, nout] = k.shape;
  const weights = new Float32Array(nin * nout); // [out, in] from Keras' [in, out]
  for (let i = 0; i < nin; i++) for (let o = 0; o < nout; o++) weights[o * nin + i] = k.values[i * nout + o];
  const bias = w.get('bias')?.values ?? new Float32Array(nout);
  const y = ctx.g.activation(layer.name, [nout]);
  const inputs = [x.t, ctx.g.floats(`${layer.name}/weights`, [nout, nin], weights), ctx.g.floats(`${layer.name}/bias`, [nout], bias)];
  ctx.g.op('FULLY_CONNECTED', inputs, [y], fullyConnectedOptions(), 1, FUSE_FIELD.FULLY_CONNECTED);
  return ownActivation(ctx, layer, { t: y, shape: [nout], exclusive: true });
}

/** BatchNormalization not folded into a convolution: x·s + t per channel (MUL, ADD). */
function batchNorm(ctx: TfliteContext, layer: Layer, [x]: TValue[]): TValue {
  if (ctx.fold.passThrough.has(layer.name)) return x;
  const axis = Number(config(layer).axis ?? -1);
  if (axis !== -1 && axis !== x.shape.length) throw new UnsupportedTfliteLayer(`layer ${layer.name}: BatchNormalization on axis ${axis} cannot be exported`);
  const p = bnParams(layer);
  const c = p.mean.length;
  const s = new Float32Array(c);
  const t = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    s[i] = (p.gamma ? p.gamma[i] : 1) / Math.sqrt(p.variance[i] + p.epsilon);
    t[i] = (p.beta ? p.beta[i] : 0) - p.mean[i] * s[i];
  }
  const scaled = unaryOp(ctx, 'MUL', x, `${layer.name}/scaled`, [ctx.g.floats(`${layer.name}/scale`, [c], s)], binaryOptions('MUL'));
  return unaryOp(ctx, 'ADD', scaled, layer.name, [ctx.g.floats(`${layer.name}/shift`, [c], t)], binaryOptions('ADD'));
}

function globalPool(op: 'MEAN' | 'REDUCE_MAX'): TfliteConverter {
  return (ctx, layer, [x]) => {
    const shape = outShape(layer);
    const y = ctx.g.activation(layer.name, shape);
    ctx.g.op(op, [x.t, ctx.g.int32s(`${layer.name}/axes`, [2], [1, 2])], [y], reducerOptions(shape.length === 3));
    return { t: y, shape, exclusive: true };
  };
}

function pool(op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'): TfliteConverter {
  return (ctx, layer, [x]) => {
    const cfg = config(layer);
    const size = pair(cfg.poolSize);
    const shape = outShape(layer);
    const y = ctx.g.activation(layer.name, shape);
    ctx.g.op(op, [x.t], [y], pool2dOptions(cfg.padding === 'same' ? 'SAME' : 'VALID', pair(cfg.strides ?? cfg.poolSize), size));
    return { t: y, shape, exclusive: true };
  };
}

function zeroPadding(ctx: TfliteContext, layer: Layer, [x]: TValue[]): TValue {
  if (ctx.fold.passThrough.has(layer.name)) return x;
  return pad(ctx, x, paddingOf(layer), layer.name);
}

/** RESHAPE to [−1, ...shape] (Reshape and Flatten: NHWC is Keras' own order, nothing to transpose). */
function reshapeTo(ctx: TfliteContext, layer: Layer, x: TValue): TValue {
  const shape = outShape(layer);
  const target = [-1, ...shape];
  const y = ctx.g.activation(layer.name, shape);
  ctx.g.op('RESHAPE', [x.t, ctx.g.int32s(`${layer.name}/shape`, [target.length], target)], [y], reshapeOptions(target));
  return { t: y, shape, exclusive: true };
}

function rescaling(ctx: TfliteContext, layer: Layer, [x]: TValue[]): TValue {
  if (ctx.absorbed.has(layer.name)) return x;
  const cfg = config(layer);
  const scale = Number(cfg.scale ?? 1);
  const offset = Number(cfg.offset ?? 0);
  if (offset === 0) return scale === 1 ? x : scalarOp(ctx, 'MUL', x, scale, layer.name);
  return scalarOp(ctx, 'ADD', scale === 1 ? x : scalarOp(ctx, 'MUL', x, scale, `${layer.name}/scaled`), offset, layer.name);
}

function reluLayer(ctx: TfliteContext, layer: Layer, [x]: TValue[]): TValue {
  if (ctx.absorbed.has(layer.name)) return x;
  const max = config(layer).maxValue as number | null | undefined;
  return cappedRelu(ctx, x, max ?? null, layer.name);
}

function softmaxLayer(ctx: TfliteContext, layer: Layer, [x]: TValue[]): TValue {
  const axis = config(layer).axis;
  if (!softmaxOnLastAxis(axis)) {
    throw new UnsupportedTfliteLayer(`layer ${layer.name}: Softmax on axis ${JSON.stringify(axis)} cannot be exported`);
  }
  if (ctx.dropActivationOf === layer.name) return x;
  return unaryOp(ctx, 'SOFTMAX', x, layer.name, [], softmaxOptions(1));
}

const identity: TfliteConverter = (_ctx, _layer, [x]) => x;

/** Every Keras layer class the TFLite exporter knows. */
export const TFLITE_CONVERTERS: Record<string, TfliteConverter> = {
  Conv2D: (ctx, layer, ins) => conv(ctx, layer, ins, false),
  DepthwiseConv2D: (ctx, layer, ins) => conv(ctx, layer, ins, true),
  Dense: dense,
  BatchNormalization: batchNorm,
  ReLU: reluLayer,
  Activation: (ctx, layer, [x]) => ownActivation(ctx, layer, x),
  Softmax: softmaxLayer,
  GlobalAveragePooling2D: globalPool('MEAN'),
  GlobalMaxPooling2D: globalPool('REDUCE_MAX'),
  AveragePooling2D: pool('AVERAGE_POOL_2D'),
  MaxPooling2D: pool('MAX_POOL_2D'),
  ZeroPadding2D: zeroPadding,
  Reshape: (ctx, layer, [x]) => reshapeTo(ctx, layer, x),
  Flatten: (ctx, layer, [x]) => (x.shape.length === 1 ? x : reshapeTo(ctx, layer, x)),
  Rescaling: rescaling,
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ...MERGE_TFLITE,
};
