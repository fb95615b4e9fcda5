/**
 * A quantized run's int8 IR (src/engine/int8-ir.ts, docs/int8.md) → a full-integer TFLite model, op for op
 * with the IR's own scales: TFLite's quantization spec is the IR's (int8 weights symmetric per output
 * channel, zero point 0; int32 biases at input_scale × weight_scale; int8 activations asymmetric per tensor).
 *
 * I/O is float32: QUANTIZE at the input, DEQUANTIZE at the logits (then the IR's float softmax) — the file is a
 * drop-in for the float export (same preprocessing, same output), and LiteRT.js cannot even hand int8 tensors
 * to JavaScript. Every op in between is int8.
 */
import { clipRange } from '../../engine/int8-arith.js';
import type { Int8ActOp, Int8AddOp, Int8Model, Int8WeightOp, QTensor } from '../../engine/int8-ir.js';
import { isWeightOp, outChannels, shapeSize } from '../../engine/int8-ir.js';
import { samePads } from '../onnx/values.js';
import { UnsupportedTfliteLayer } from './context.js';
import { Quantization } from './flatbuffer.js';
import { TfliteGraph } from './graph.js';
import {
  FUSE_FIELD, PaddingName, binaryOptions, conv2dOptions, depthwiseOptions, reducerOptions, reshapeOptions, softmaxOptions,
} from './options.js';
import { Activation, ActivationValue, TensorType } from './schema.js';
import type { TfliteConverted } from './convert.js';

export interface Int8TfliteOptions {
  batch?: number;
  inputName?: string;
  outputName?: string;
  description?: string;
  metadata?: Record<string, string>;
  /** Name of the model (the subgraph). */
  name?: string;
  /** Output the dequantized logits even when the IR applies a softmax. */
  logits?: boolean;
}

const f32 = Math.fround;
const perTensor = (t: Pick<QTensor, 'scale' | 'zeroPoint'>): Quantization => ({ scale: [t.scale], zeroPoint: [t.zeroPoint] });

interface Int8Ctx { g: TfliteGraph; m: Int8Model; tensors: number[] }

/** A one-element int8 constant holding `value` exactly at scale |value|/127 (q = ±127). */
function int8Scalar(g: TfliteGraph, name: string, value: number): number {
  const scale = value === 0 ? 1 : f32(Math.abs(value) / 127);
  return g.constant(name, [], TensorType.INT8, Int8Array.of(value === 0 ? 0 : Math.sign(value) * 127), { scale: [scale], zeroPoint: [0] });
}

/** The fused activation whose clip range (in the output's domain) is `clip`. */
function fusedFor(clip: [number, number], out: QTensor, op: string): ActivationValue {
  const is = (r: [number, number]) => r[0] === clip[0] && r[1] === clip[1];
  if (is([-128, 127])) return Activation.NONE;
  if (is(clipRange('relu', out))) return Activation.RELU;
  if (is(clipRange('relu6', out))) return Activation.RELU6;
  throw new UnsupportedTfliteLayer(`int8 op ${op}: clip range [${clip.join(', ')}] is no TFLite fused activation`);
}

/** Filter in TFLite's layout: conv [O, kh, kw, I]; depthwise [1, kh, kw, C·m]; dense as a VALID conv [O, H, W, C]. */
function filterOf(m: Int8Model, op: Int8WeightOp): { dims: number[]; data: Int8Array; axis: number } {
  const w = op.weights;
  const O = outChannels(op);
  if (op.kind === 'depthwise') {
    const [kh, kw, c, mult] = op.weightShape;
    return { dims: [1, kh, kw, c * mult], data: w, axis: 3 };
  }
  const [kh, kw, cin] = op.kind === 'conv' ? op.weightShape : m.tensors[op.inputs[0]].shape;
  const I = kh * kw * cin;
  const data = new Int8Array(w.length);
  for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) data[o * I + i] = w[i * O + o]; // [I, O] → [O, I]
  return { dims: [O, kh, kw, cin], data, axis: 0 };
}

/** SAME / VALID for the IR's explicit [top, left, bottom, right] pads, or a PAD op first (pads with the zero point). */
function padding(c: Int8Ctx, op: Int8WeightOp, x: number): { x: number; padding: PaddingName } {
  const [ih, iw] = c.m.tensors[op.inputs[0]].shape;
  const [t, l, b, r] = op.pad;
  if (op.kind === 'dense' || (t === 0 && l === 0 && b === 0 && r === 0)) return { x, padding: 'VALID' };
  const [sh, sw] = [samePads(ih, op.kernel, op.stride), samePads(iw, op.kernel, op.stride)];
  if (sh[0] === t && sh[1] === b && sw[0] === l && sw[1] === r) return { x, padding: 'SAME' };
  const tin = c.m.tensors[op.inputs[0]];
  const padded = c.g.activation(`${op.layers[0]}/pad`, [ih + t + b, iw + l + r, tin.shape[2]], TensorType.INT8, perTensor(tin));
  c.g.op('PAD', [x, c.g.int32s(`${op.layers[0]}/paddings`, [4, 2], [0, 0, t, b, l, r, 0, 0])], [padded], undefined, 2);
  return { x: padded, padding: 'VALID' };
}

function weightOp(c: Int8Ctx, op: Int8WeightOp): void {
  const name = op.layers[0];
  const sx = c.m.tensors[op.inputs[0]].scale;
  const filter = filterOf(c.m, op);
  const O = outChannels(op);
  const w = c.g.constant(`${name}/filter`, filter.dims, TensorType.INT8, filter.data, {
    scale: Array.from(op.weightScales), zeroPoint: new Array(O).fill(0), dim: filter.axis,
  });
  const bias = c.g.constant(`${name}/bias`, [O], TensorType.INT32, op.bias, {
    scale: Array.from(op.weightScales, (s) => f32(sx * s)), zeroPoint: new Array(O).fill(0), dim: 0,
  });
  const { x, padding: pad } = padding(c, op, c.tensors[op.inputs[0]]);
  const out = c.tensors[op.output];
  const act = fusedFor(op.clip, c.m.tensors[op.output], name);
  const stride = [op.stride, op.stride];
  if (op.kind === 'depthwise') {
    const options = depthwiseOptions(pad, stride, [1, 1], op.mult);
    c.g.op('DEPTHWISE_CONV_2D', [x, w, bias], [out], options, 3, FUSE_FIELD.DEPTHWISE_CONV_2D);
  } else {
    c.g.op('CONV_2D', [x, w, bias], [out], conv2dOptions(pad, op.kind === 'dense' ? [1, 1] : stride, [1, 1]), 3, FUSE_FIELD.CONV_2D);
  }
  if (act !== Activation.NONE) c.g.fuseActivation(out, act);
}

function addOp(c: Int8Ctx, op: Int8AddOp): void {
  const out = c.tensors[op.output];
  c.g.op('ADD', [c.tensors[op.inputs[0]], c.tensors[op.inputs[1]]], [out], binaryOptions('ADD'), 2, FUSE_FIELD.ADD);
  const act = fusedFor(op.clip, c.m.tensors[op.output], op.layers[0]);
  if (act !== Activation.NONE) c.g.fuseActivation(out, act);
}

/** hard-sigmoid relu6(x + 3)/6: ADD 3 with RELU6 into a tensor at 6× the output scale, then MUL by 1/6. */
function hardSigmoid(c: Int8Ctx, op: Int8ActOp, x: number, out: number): void {
  const to = c.m.tensors[op.output];
  const name = op.layers[op.layers.length - 1];
  const mid = c.g.activation(`${name}/relu6`, to.shape, TensorType.INT8, { scale: [f32(6 * to.scale)], zeroPoint: [to.zeroPoint] });
  c.g.op('ADD', [x, int8Scalar(c.g, `${name}/three`, 3)], [mid], binaryOptions('ADD'), 2, FUSE_FIELD.ADD);
  c.g.fuseActivation(mid, Activation.RELU6);
  c.g.op('MUL', [mid, int8Scalar(c.g, `${name}/sixth`, 1 / 6)], [out], binaryOptions('MUL'), 2, FUSE_FIELD.MUL);
}

/** Rescaling x·a + b (a > 0): MUL into a tensor at a× the input scale (same zero point), then ADD b. */
function affine(c: Int8Ctx, op: Int8ActOp, x: number, out: number): void {
  const a = op.scale ?? 1;
  const b = op.offset ?? 0;
  const name = op.layers[op.layers.length - 1];
  if (!(a > 0)) throw new UnsupportedTfliteLayer(`int8 op ${name}: Rescaling by ${a} (not > 0) has no int8 TFLite form`);
  const tin = c.m.tensors[op.inputs[0]];
  let y = x;
  if (a !== 1) {
    y = b === 0 ? out : c.g.activation(`${name}/scaled`, tin.shape, TensorType.INT8, { scale: [f32(a * tin.scale)], zeroPoint: [tin.zeroPoint] });
    c.g.op('MUL', [x, int8Scalar(c.g, `${name}/scale`, a)], [y], binaryOptions('MUL'), 2, FUSE_FIELD.MUL);
  }
  if (b !== 0 || a === 1) c.g.op('ADD', [y, int8Scalar(c.g, `${name}/offset`, b)], [out], binaryOptions('ADD'), 2, FUSE_FIELD.ADD);
}

function activationOp(c: Int8Ctx, op: Int8ActOp): void {
  const x = c.tensors[op.inputs[0]];
  const out = c.tensors[op.output];
  if (op.fn === 'relu') c.g.op('RELU', [x], [out], undefined, 2);
  else if (op.fn === 'relu6') c.g.op('RELU6', [x], [out], undefined, 2);
  else if (op.fn === 'hardSwish') c.g.op('HARD_SWISH', [x], [out]);
  else if (op.fn === 'hardSigmoid') hardSigmoid(c, op, x, out);
  else affine(c, op, x, out);
}

/** Converts an int8 IR; UnsupportedTfliteLayer names an op TFLite cannot express. */
export function convertInt8ToTflite(m: Int8Model, o: Int8TfliteOptions = {}): TfliteConverted {
  const batch = o.batch ?? 1;
  const g = new TfliteGraph(batch);
  const input = g.activation(o.inputName ?? 'input', m.tensors[0].shape);
  const tensors = m.tensors.map((t, i) => g.activation(i === 0 ? 'input_int8' : t.layer, t.shape, TensorType.INT8, perTensor(t)));
  g.op('QUANTIZE', [input], [tensors[0]], undefined, 2);
  const c: Int8Ctx = { g, m, tensors };
  for (const op of m.ops) {
    if (isWeightOp(op)) weightOp(c, op);
    else if (op.kind === 'add') addOp(c, op);
    else if (op.kind === 'avgpool') g.op('MEAN', [tensors[op.inputs[0]], g.int32s(`${op.layers[0]}/axes`, [2], [1, 2])], [tensors[op.output]], reducerOptions(true), 2);
    else if (op.kind === 'mul') g.op('MUL', [tensors[op.inputs[0]], tensors[op.inputs[1]]], [tensors[op.output]], binaryOptions('MUL'), 2, FUSE_FIELD.MUL);
    else activationOp(c, op);
  }
  const K = shapeSize(m.tensors[m.output].shape);
  const softmax = m.softmax && !o.logits;
  const deq = g.activation('logits/float', m.tensors[m.output].shape);
  g.op('DEQUANTIZE', [tensors[m.output]], [deq], undefined, 2);
  const outputName = o.outputName ?? (softmax ? 'probabilities' : 'logits');
  const logits = g.activation(softmax ? 'logits' : outputName, [K]);
  g.op('RESHAPE', [deq, g.int32s('logits/shape', [2], [-1, K])], [logits], reshapeOptions([-1, K]));
  let result = logits;
  if (softmax) {
    result = g.activation(outputName, [K]);
    g.op('SOFTMAX', [logits], [result], softmaxOptions(1));
  }
  const metadata = Object.entries(o.metadata ?? {}).map(([name, v]) => ({ name, data: new TextEncoder().encode(v) }));
  const bytes = g.encode({
    description: o.description ?? 'int8 MobileNet, exported by mobilenet', subgraphName: o.name ?? 'mobilenet_int8',
    inputs: [input], outputs: [result], metadata,
  });
  return {
    bytes, inputName: g.tensors[input].name, outputName: g.tensors[result].name,
    inputShape: [batch, ...m.tensors[0].shape], outputShape: [batch, K], ops: g.opTypes(),
  };
}
