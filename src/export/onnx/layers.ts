/**
 * Keras layer class → ONNX nodes, one table entry per class. A converter gets the layer and its input
 * values (see values.ts for the layout rules) and returns its output value. To support a new layer
 * class (e.g. for MobileNetV3), add an entry here or in merge-layers.ts.
 */
import { activation, clip } from './activations.js';
import { MERGE_CONVERTERS } from './merge-layers.js';
import {
  BnParams, ConvertContext, Converter, Layer, UnsupportedLayer, Value, config, fromKerasOrder, layoutFor, outShape, pair,
  samePads, toKerasOrder, weightsOf,
} from './values.js';

/** The layer's own activation (config.activation), unless --logits drops it from the output layer. */
function ownActivation(ctx: ConvertContext, layer: Layer, x: Value): Value {
  const name = String(config(layer).activation ?? 'linear');
  if (ctx.dropActivationOf === layer.name) return x;
  return activation(ctx, name, x, layer.name);
}

/** ONNX conv weights [Cout, Cin/group, kh, kw] from Keras [kh, kw, Cin, Cout] (or depthwise [kh, kw, C, m]). */
function onnxKernel(k: { shape: number[]; values: Float32Array }, depthwise: boolean): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, cm] = k.shape;
  const cout = depthwise ? cin * cm : cm;
  const out = new Float32Array(k.values.length);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        for (let m = 0; m < cm; m++) {
          const v = k.values[((i * kw + j) * cin + c) * cm + m];
          // depthwise output channel c·m + m' (TF order); group of 1 input channel
          if (depthwise) out[((c * cm + m) * kh + i) * kw + j] = v;
          else out[((m * cin + c) * kh + i) * kw + j] = v;
        }
      }
    }
  }
  return { dims: depthwise ? [cout, 1, kh, kw] : [cout, cin, kh, kw], values: out };
}

/** Folds BN into conv weights/bias: w' = w·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β (float64, then float32). */
function foldBatchNorm(w: Float32Array, bias: Float32Array, cout: number, bn: BnParams): void {
  const per = w.length / cout;
  for (let o = 0; o < cout; o++) {
    const s = (bn.gamma ? bn.gamma[o] : 1) / Math.sqrt(bn.variance[o] + bn.epsilon);
    for (let i = 0; i < per; i++) w[o * per + i] *= s;
    bias[o] = (bias[o] - bn.mean[o]) * s + (bn.beta ? bn.beta[o] : 0);
  }
}

function conv(ctx: ConvertContext, layer: Layer, [x]: Value[], depthwise: boolean): Value {
  const cfg = config(layer);
  if (cfg.dataFormat === 'channelsFirst') throw new UnsupportedLayer(`layer ${layer.name}: channels_first convolutions cannot be exported`);
  const w = weightsOf(layer);
  const k = w.get(depthwise ? 'depthwise_kernel' : 'kernel');
  if (!k) throw new UnsupportedLayer(`layer ${layer.name}: no kernel weight`);
  const { dims, values } = onnxKernel(k, depthwise);
  const cout = dims[0];
  const bias = w.get('bias')?.values.slice() ?? new Float32Array(cout);
  const bn = ctx.foldBn.get(layer.name);
  if (bn) foldBatchNorm(values, bias, cout, bn);
  const [kh, kw] = [k.shape[0], k.shape[1]];
  const [sh, sw] = pair(cfg.strides);
  const [dh, dw] = pair(cfg.dilationRate ?? 1);
  const [pt, pb, pl, pr] = ctx.foldPad.get(layer.name) ?? [0, 0, 0, 0];
  const [h, wd] = [x.shape[0] + pt + pb, x.shape[1] + pl + pr];
  const [sameH, sameW] = cfg.padding === 'same' ? [samePads(h, kh, sh, dh), samePads(wd, kw, sw, dw)] : [[0, 0], [0, 0]];
  const inputs = [x.name, ctx.g.floats(`${layer.name}/W`, dims, values)];
  if (bn || w.has('bias')) inputs.push(ctx.g.floats(`${layer.name}/B`, [cout], bias));
  const y = ctx.g.node('Conv', inputs, layer.name, {
    kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw], group: depthwise ? x.shape[2] : 1,
    pads: [pt + sameH[0], pl + sameW[0], pb + sameH[1], pr + sameW[1]],
  });
  return ownActivation(ctx, layer, { name: y, shape: outShape(layer), layout: 'nchw' });
}

function dense(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  const w = weightsOf(layer);
  const k = w.get('kernel')!;
  const [nin, nout] = k.shape;
  if (x.shape.length !== 1) throw new UnsupportedLayer(`layer ${layer.name}: Dense on a rank-${x.shape.length + 1} input cannot be exported`);
  const inputs = [x.name, ctx.g.floats(`${layer.name}/W`, [nin, nout], k.values)];
  const b = w.get('bias');
  if (b) inputs.push(ctx.g.floats(`${layer.name}/B`, [nout], b.values));
  const y = ctx.g.node(b ? 'Gemm' : 'MatMul', inputs, layer.name);
  return ownActivation(ctx, layer, { name: y, shape: [nout], layout: 'plain' });
}

/** BatchNormalization not folded into a conv: y = x·s + t per channel (Mul + Add, which onnxruntime fuses). */
function batchNorm(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  if (ctx.passThrough.has(layer.name)) return x;
  const cfg = config(layer);
  const axis = Number(cfg.axis ?? -1);
  if (axis !== -1 && axis !== x.shape.length) throw new UnsupportedLayer(`layer ${layer.name}: BatchNormalization on axis ${axis} cannot be exported`);
  const p = bnParams(layer);
  const c = p.mean.length;
  const s = new Float32Array(c);
  const t = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    s[i] = (p.gamma ? p.gamma[i] : 1) / Math.sqrt(p.variance[i] + p.epsilon);
    t[i] = (p.beta ? p.beta[i] : 0) - p.mean[i] * s[i];
  }
  const dims = x.layout === 'nchw' ? [c, 1, 1] : [c];
  const y = ctx.g.node('Mul', [x.name, ctx.g.floats(`${layer.name}/scale`, dims, s)], layer.name);
  return { ...x, name: ctx.g.node('Add', [y, ctx.g.floats(`${layer.name}/shift`, dims, t)], layer.name) };
}

/** Moving statistics and affine parameters of a BatchNormalization layer. */
export function bnParams(layer: Layer): BnParams {
  const w = weightsOf(layer);
  return {
    gamma: w.get('gamma')?.values ?? null, beta: w.get('beta')?.values ?? null,
    mean: w.get('moving_mean')!.values, variance: w.get('moving_variance')!.values,
    epsilon: Number(config(layer).epsilon ?? 1e-3),
  };
}

function relu(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  const max = config(layer).maxValue as number | null | undefined;
  const name = max == null ? ctx.g.node('Relu', [x.name], layer.name) : clip(ctx, x.name, 0, max, layer.name);
  return { ...x, name };
}

function globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool'): Converter {
  return (ctx, layer, [x]) => {
    const pooled = ctx.g.node(op, [x.name], layer.name); // [B, C, 1, 1]
    const shape = outShape(layer);
    if (shape.length === 3) return { name: pooled, shape, layout: 'nchw' }; // keepDims
    return { name: ctx.g.node('Flatten', [pooled], layer.name, { axis: 1 }), shape, layout: 'plain' };
  };
}

function pool(op: 'AveragePool' | 'MaxPool'): Converter {
  return (ctx, layer, [x]) => {
    const cfg = config(layer);
    const [kh, kw] = pair(cfg.poolSize);
    const [sh, sw] = pair(cfg.strides ?? cfg.poolSize);
    const [ph, pw] = cfg.padding === 'same' ? [samePads(x.shape[0], kh, sh), samePads(x.shape[1], kw, sw)] : [[0, 0], [0, 0]];
    const attrs = { kernel_shape: [kh, kw], strides: [sh, sw], pads: [ph[0], pw[0], ph[1], pw[1]] };
    const y = ctx.g.node(op, [x.name], layer.name, op === 'AveragePool' ? { ...attrs, count_include_pad: 0 } : attrs);
    return { name: y, shape: outShape(layer), layout: 'nchw' };
  };
}

function zeroPadding(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  if (ctx.passThrough.has(layer.name)) return x;
  const [[t, b], [l, r]] = paddingOf(layer);
  const pads = ctx.g.int64s(`${layer.name}/pads`, [0, 0, t, l, 0, 0, b, r]);
  return { name: ctx.g.node('Pad', [x.name, pads], layer.name, { mode: 'constant' }), shape: outShape(layer), layout: 'nchw' };
}

/** ZeroPadding2D's [[top, bottom], [left, right]]. */
export function paddingOf(layer: Layer): [[number, number], [number, number]] {
  const p = config(layer).padding;
  if (typeof p === 'number') return [[p, p], [p, p]];
  const [a, b] = p as Array<number | number[]>;
  return [pair(a), pair(b)];
}

function reshape(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  const shape = outShape(layer);
  const flat = toKerasOrder(ctx, x, layer.name);
  if (shape.length === 3 && shape[0] === 1 && shape[1] === 1) {
    const y = ctx.g.node('Reshape', [flat, ctx.g.int64s(`${layer.name}/shape`, [0, shape[2], 1, 1])], layer.name);
    return { name: y, shape, layout: 'nchw' };
  }
  const y = ctx.g.node('Reshape', [flat, ctx.g.int64s(`${layer.name}/shape`, [0, ...shape])], layer.name);
  return fromKerasOrder(ctx, y, shape, layer.name);
}

function flatten(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  const y = ctx.g.node('Flatten', [toKerasOrder(ctx, x, layer.name)], layer.name, { axis: 1 });
  return { name: y, shape: outShape(layer), layout: 'plain' };
}

function rescaling(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  const cfg = config(layer);
  const scale = Number(cfg.scale ?? 1);
  const offset = Number(cfg.offset ?? 0);
  let y = x.name;
  if (scale !== 1) y = ctx.g.node('Mul', [y, ctx.g.floats(`${layer.name}/scale`, [], [scale])], layer.name);
  if (offset !== 0) y = ctx.g.node('Add', [y, ctx.g.floats(`${layer.name}/offset`, [], [offset])], layer.name);
  if (y === x.name) y = ctx.g.node('Identity', [y], layer.name);
  return { ...x, name: y };
}

function softmaxLayer(ctx: ConvertContext, layer: Layer, [x]: Value[]): Value {
  const axis = config(layer).axis;
  if (!softmaxOnLastAxis(axis)) {
    throw new UnsupportedLayer(`layer ${layer.name}: Softmax on axis ${JSON.stringify(axis)} cannot be exported`);
  }
  if (ctx.dropActivationOf === layer.name) return x;
  return activation(ctx, 'softmax', x, layer.name);
}

/** Whether a Softmax layer's axis is the channel axis (-1, [-1] or unset): the only one either exporter writes. */
export const softmaxOnLastAxis = (axis: unknown): boolean =>
  axis === undefined || axis === -1 || (Array.isArray(axis) && axis.length === 1 && axis[0] === -1);

const identity: Converter = (_ctx, _layer, [x]) => x;

/** Every Keras layer class the exporter knows. */
export const LAYER_CONVERTERS: Record<string, Converter> = {
  Conv2D: (ctx, layer, ins) => conv(ctx, layer, ins, false),
  DepthwiseConv2D: (ctx, layer, ins) => conv(ctx, layer, ins, true),
  Dense: dense,
  BatchNormalization: batchNorm,
  ReLU: relu,
  Activation: (ctx, layer, [x]) => ownActivation(ctx, layer, x),
  Softmax: softmaxLayer,
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  AveragePooling2D: pool('AveragePool'),
  MaxPooling2D: pool('MaxPool'),
  ZeroPadding2D: zeroPadding,
  Reshape: reshape,
  Flatten: flatten,
  Rescaling: rescaling,
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ...MERGE_CONVERTERS,
};

/** Layout a value of this Keras shape has in the graph. */
export { layoutFor };
