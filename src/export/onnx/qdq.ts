/**
 * A quantized run's int8 IR (src/engine/int8-ir.ts, docs/int8.md) → a QDQ ONNX model: every IR tensor is a
 * QuantizeLinear → DequantizeLinear pair with the IR's scale and zero point, every weight an int8 initializer
 * behind a per-axis DequantizeLinear (its per-output-channel scales, zero point 0), every bias an int32
 * initializer at scale input_scale × weight_scale[c], and each op the float op between them (Conv, Add,
 * GlobalAveragePool, Mul, Relu/Clip, HardSwish, …) — the format onnxruntime's quantize_static writes, which
 * onnxruntime turns into its int8 kernels (QLinearConv, QLinearAdd, …). NCHW inside, NHWC input by default, as
 * in the float export; the logits are dequantized and (as the IR says) go through a float Softmax.
 */
import { clipRange, opTable } from '../../engine/int8-arith.js';
import type { Int8ActOp, Int8Model, Int8WeightOp, QTensor } from '../../engine/int8-ir.js';
import { isWeightOp, outChannels, shapeSize } from '../../engine/int8-ir.js';
import { OptionError } from '../../errors.js';
import { Dim, GraphBuilder } from './graph.js';
import { UnsupportedLayer } from './values.js';
import type { Converted } from './convert.js';

export interface QdqOptions {
  /** 13 (the first with per-axis DequantizeLinear) to 17; default 13. */
  opset?: number;
  inputLayout?: 'nhwc' | 'nchw';
  inputName?: string;
  outputName?: string;
  metadata?: Record<string, string>;
  producerVersion?: string;
  docString?: string;
  name?: string;
  /** Output the dequantized logits even when the IR applies a softmax. */
  logits?: boolean;
}

export const QDQ_MIN_OPSET = 13;
const f32 = Math.fround;

interface Quantized { q: string; t: QTensor; base: string }

interface Ctx {
  g: GraphBuilder; m: Int8Model; opset: number;
  /** IR tensor → its QuantizeLinear output and quantization parameters. */
  q: Quantized[];
}

/**
 * Scale and zero-point initializers of a tensor (fresh ones for every Q/DQ node: see dq()). Activations are
 * written as uint8 with zero point + 128 — the same numbers (q_u8 = q_s8 + 128 at the same scale, clamps
 * [0, 255] ↔ [−128, 127]) in the form quantize_static writes by default. Measured with onnxruntime-node 1.30 on
 * this x86 CPU: with int8 activations it fuses a Conv into QLinearConv only where its S8→U8 rewrite can turn
 * the Q/DQ pairs into uint8, which it does not for a tensor read by two ops (every residual branch), and such
 * Convs stay float.
 */
function qparams(c: Ctx, t: QTensor, base: string): [string, string] {
  return [c.g.floats(`${base}/scale`, [], [t.scale]), c.g.ints(`${base}/zero_point`, [], Uint8Array.of(t.zeroPoint + 128))];
}

/** QuantizeLinear of float value `y` with tensor t's quantization. */
function quantize(c: Ctx, y: string, t: QTensor, base: string): Quantized {
  return { q: c.g.node('QuantizeLinear', [y, ...qparams(c, t, base)], `${base}/quantized`), t, base };
}

/**
 * A DequantizeLinear of IR tensor i for one consumer, with its own scale and zero-point initializers:
 * onnxruntime fuses DQ → op → Q into its int8 kernel only when the DQ feeds that op alone, and (measured
 * with onnxruntime-node 1.30) leaves every Conv of a branch unfused when DQ nodes share those initializers.
 */
function dq(c: Ctx, i: number): string {
  const t = c.q[i];
  return c.g.node('DequantizeLinear', [t.q, ...qparams(c, t.t, t.base)], t.base);
}

/** ONNX weights [O, I/group, kh, kw] in int8 from the IR layouts (dense: a conv with the input's H×W as kernel). */
function onnxWeights(m: Int8Model, op: Int8WeightOp): { dims: number[]; data: Int8Array } {
  const w = op.weights;
  const O = outChannels(op);
  const data = new Int8Array(w.length);
  if (op.kind === 'depthwise') {
    const [kh, kw, C, mult] = op.weightShape;
    for (let i = 0; i < kh * kw; i++) for (let ch = 0; ch < C; ch++) for (let j = 0; j < mult; j++) data[(ch * mult + j) * kh * kw + i] = w[(i * C + ch) * mult + j];
    return { dims: [O, 1, kh, kw], data };
  }
  const [kh, kw, cin] = op.kind === 'conv' ? op.weightShape : m.tensors[op.inputs[0]].shape;
  for (let i = 0; i < kh * kw; i++) for (let ch = 0; ch < cin; ch++) for (let o = 0; o < O; o++) data[(o * cin + ch) * kh * kw + i] = w[(i * cin + ch) * O + o];
  return { dims: [O, cin, kh, kw], data };
}

/** A per-axis DequantizeLinear of an integer initializer. */
function dequantizedInit(c: Ctx, base: string, dims: number[], data: Int8Array | Int32Array, scales: number[]): string {
  const q = c.g.ints(base, dims, data);
  const scale = c.g.floats(`${base}/scale`, [scales.length], scales);
  const zp = c.g.ints(`${base}/zero_point`, [scales.length], data instanceof Int8Array ? new Int8Array(scales.length) : new Int32Array(scales.length));
  return c.g.node('DequantizeLinear', [q, scale, zp], `${base}/dequantized`, { axis: 0 });
}

/**
 * Relu or Clip(0, 6) for a clip range of the output's domain; nothing when the QuantizeLinear after it
 * saturates to the same range anyway (range [−128, 127]: a calibrated ReLU/ReLU6 output has zero point −128 and
 * reaches 6 at most) — onnxruntime then sees Conv → Q, the pattern of its QLinearConv.
 */
function clipAct(c: Ctx, y: string, clip: [number, number], out: QTensor, base: string): string {
  const is = (r: [number, number]) => r[0] === clip[0] && r[1] === clip[1];
  if (is([-128, 127])) return y;
  if (is(clipRange('relu', out))) return c.g.node('Relu', [y], base);
  if (is(clipRange('relu6', out))) return c.g.node('Clip', [y, c.g.floats(`${base}/min`, [], [0]), c.g.floats(`${base}/max`, [], [6])], base);
  throw new UnsupportedLayer(`int8 op ${base}: clip range [${clip.join(', ')}] is neither relu nor relu6`);
}

function weightOp(c: Ctx, op: Int8WeightOp): string {
  const name = op.layers[0];
  const sx = c.m.tensors[op.inputs[0]].scale;
  const wq = onnxWeights(c.m, op);
  const W = dequantizedInit(c, `${name}/W`, wq.dims, wq.data, Array.from(op.weightScales));
  const B = dequantizedInit(c, `${name}/B`, [outChannels(op)], op.bias, Array.from(op.weightScales, (s) => f32(sx * s)));
  const [kh, kw] = [wq.dims[2], wq.dims[3]];
  const dense = op.kind === 'dense';
  const y = c.g.node('Conv', [dq(c, op.inputs[0]), W, B], name, {
    kernel_shape: [kh, kw], strides: dense ? [1, 1] : [op.stride, op.stride], dilations: [1, 1],
    group: op.kind === 'depthwise' ? c.m.tensors[op.inputs[0]].shape[2] : 1, pads: dense ? [0, 0, 0, 0] : op.pad,
  });
  return clipAct(c, y, op.clip, c.m.tensors[op.output], name);
}

/**
 * The IR's hard-swish table (TFLite's int8 arithmetic, engine/int8-hardswish.ts) on the uint8 values: Cast →
 * Gather from a 256-entry uint8 initializer. A float HardSwish between DQ and Q rounds exactly, which is one
 * step off the table on 0.4% of its entries (measured: a trained V3-Large's logits then 21% over two steps
 * from the plan's, 1.7% of top-1 decisions flipped).
 */
function tableLookup(c: Ctx, op: Int8ActOp): Quantized {
  const out = c.m.tensors[op.output];
  const base = out.layer || op.layers[op.layers.length - 1];
  const table = Uint8Array.from(opTable(c.m, op), (v) => v + 128);
  const index = c.g.node('Cast', [c.q[op.inputs[0]].q], `${base}/index`, { to: 6 }); // INT32
  return { q: c.g.node('Gather', [c.g.ints(`${base}/table`, [256], table), index], `${base}/quantized`, { axis: 0 }), t: out, base };
}

function activation(c: Ctx, op: Int8ActOp): string {
  const x = dq(c, op.inputs[0]);
  const base = op.layers[op.layers.length - 1];
  const hardSigmoid = (v: string) => c.g.node('HardSigmoid', [v], base, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
  switch (op.fn) {
    case 'relu': return c.g.node('Relu', [x], base);
    case 'relu6': return c.g.node('Clip', [x, c.g.floats(`${base}/min`, [], [0]), c.g.floats(`${base}/max`, [], [6])], base);
    case 'hardSigmoid': return hardSigmoid(x);
    default: { // affine (hard-swish is a tableLookup)
      const scaled = c.g.node('Mul', [x, c.g.floats(`${base}/scale`, [], [op.scale ?? 1])], base);
      return c.g.node('Add', [scaled, c.g.floats(`${base}/offset`, [], [op.offset ?? 0])], base);
    }
  }
}

/** Converts the IR; returns the model bytes and what its input and output are. */
export function convertInt8ToOnnx(m: Int8Model, o: QdqOptions = {}): Converted {
  const opset = o.opset ?? QDQ_MIN_OPSET;
  if (!(opset >= QDQ_MIN_OPSET && opset <= 17)) throw new OptionError(`an int8 (QDQ) export needs opset ${QDQ_MIN_OPSET}-17 (per-axis DequantizeLinear), got ${opset}`);
  const g = new GraphBuilder();
  const c: Ctx = { g, m, opset, q: [] };
  const inputName = g.reserve(o.inputName ?? 'input');
  const softmax = m.softmax && !o.logits;
  const outputName = g.reserve(o.outputName ?? (softmax ? 'probabilities' : 'logits'));
  const [h, w, ch] = m.tensors[0].shape;
  const nchw = o.inputLayout === 'nchw';
  const x = nchw ? inputName : g.node('Transpose', [inputName], 'input', { perm: [0, 3, 1, 2] }); // [B, C, H, W]
  c.q[0] = quantize(c, x, m.tensors[0], 'input_q');
  for (const op of m.ops) {
    const out = m.tensors[op.output];
    let y: string;
    if (isWeightOp(op)) y = weightOp(c, op);
    else if (op.kind === 'add') y = clipAct(c, g.node('Add', [dq(c, op.inputs[0]), dq(c, op.inputs[1])], op.layers[0]), op.clip, out, op.layers[0]);
    else if (op.kind === 'avgpool') y = g.node('GlobalAveragePool', [dq(c, op.inputs[0])], op.layers[0]);
    else if (op.kind === 'mul') y = g.node('Mul', [dq(c, op.inputs[0]), dq(c, op.inputs[1])], op.layers[0]);
    else if (op.fn === 'hardSwish') { c.q[op.output] = tableLookup(c, op); continue; }
    else y = activation(c, op);
    c.q[op.output] = quantize(c, y, out, out.layer || op.layers[op.layers.length - 1]);
  }
  const K = shapeSize(m.tensors[m.output].shape);
  const flat = g.node('Flatten', [dq(c, m.output)], 'logits', { axis: 1 }); // [B, K]: the logits tensor is [B, K, 1, 1]
  if (softmax) g.node('Softmax', [flat], 'output', { axis: 1 }, outputName);
  else g.node('Identity', [flat], 'output', {}, outputName);
  const inputDims: Dim[] = nchw ? ['batch', ch, h, w] : ['batch', h, w, ch];
  const outputDims: Dim[] = ['batch', K];
  const bytes = g.encode({
    opset, graphName: o.name ?? 'mobilenet_int8', producerVersion: o.producerVersion ?? '', docString: o.docString,
    inputs: [{ name: inputName, dims: inputDims }], outputs: [{ name: outputName, dims: outputDims }], metadata: o.metadata ?? {},
  });
  return { bytes, inputName, outputName, inputDims, outputDims, ops: g.opTypes() };
}
