/**
 * The quantized model (int8 IR): what `mobilenet quantize` produces, the int8 plan executes, the JS reference
 * simulation (int8-reference.ts) checks, and the QDQ ONNX / TFLite exporters read. On disk it is int8.json +
 * int8.bin in a run directory (src/run/int8-files.ts; the format is documented in docs/int8.md).
 *
 * Quantization follows TFLite's spec: activations int8 asymmetric per tensor (real = scale·(q − zeroPoint),
 * q ∈ [−128, 127]); weights int8 symmetric per output channel (real = weightScale[c]·q, q ∈ [−127, 127], zero
 * point 0); biases int32 at scale inputScale·weightScale[c]. BatchNormalization is folded into the convolution
 * before it; ReLU/ReLU6 are fused as a clip range in the quantized domain; everything else is its own op with
 * its own output quantization. The arithmetic of each op, with its exact rounding, is in int8-arith.ts.
 */

export const INT8_FORMAT = 'mobilenet-int8/1';

/** Op kinds of the IR. */
export const INT8_KINDS = ['conv', 'depthwise', 'dense', 'add', 'avgpool', 'mul', 'activation'] as const;
export type Int8Kind = (typeof INT8_KINDS)[number];

/** Functions of an `activation` op (run as a 256-entry lookup table: dequantize → float → requantize). */
export const INT8_FNS = ['relu', 'relu6', 'hardSwish', 'hardSigmoid', 'affine'] as const;
export type Int8Fn = (typeof INT8_FNS)[number];

/** Activations a conv/depthwise/dense op may fuse (as its clip range). */
export const FUSED_ACTS = ['none', 'relu', 'relu6'] as const;
export type FusedAct = (typeof FUSED_ACTS)[number];

/** One activation tensor: per-image NHWC shape (vectors are [1, 1, C]) and its per-tensor quantization. */
export interface QTensor {
  shape: [number, number, number];
  scale: number;
  /** Integer in [−128, 127]. */
  zeroPoint: number;
  /** The Keras layer whose (float) output this tensor holds: what calibration measured. */
  layer: string;
}

interface OpBase {
  kind: Int8Kind;
  /** The Keras layers this op covers, in order (e.g. conv, its BN, its ReLU6). */
  layers: string[];
  /** Input tensor ids. */
  inputs: number[];
  /** Output tensor id. */
  output: number;
}

/**
 * conv: weights [kh, kw, cin, cout] (hwio); depthwise: [kh, kw, c, mult] (output channel c·mult + m);
 * dense: [in, out]. One weight scale per output channel; bias int32 per output channel.
 */
export interface Int8WeightOp extends OpBase {
  kind: 'conv' | 'depthwise' | 'dense';
  /** Square kernel size and stride (1 for dense). */
  kernel: number;
  stride: number;
  /** Padding top, left, bottom, right (TF 'same'/'valid' resolved). */
  pad: [number, number, number, number];
  /** Depthwise channel multiplier (1 otherwise). */
  mult: number;
  weightShape: number[];
  weights: Int8Array;
  bias: Int32Array;
  weightScales: Float32Array;
  /** The fused activation, and the clip range [qmin, qmax] it becomes in the output's quantized domain. */
  act: FusedAct;
  clip: [number, number];
}

/** add: out = in0 + in1 (the residual); clip as a fused activation (none: [−128, 127]). */
export interface Int8AddOp extends OpBase {
  kind: 'add';
  clip: [number, number];
}

/** avgpool: global average over H×W, [H, W, C] → [1, 1, C]. */
export interface Int8PoolOp extends OpBase {
  kind: 'avgpool';
}

/** mul: out = x · s with s [1, 1, C] broadcast over H, W (squeeze-and-excitation); inputs [x, s]. */
export interface Int8MulOp extends OpBase {
  kind: 'mul';
}

/** activation: out = fn(in) elementwise; affine is x·scale + offset (Keras Rescaling). */
export interface Int8ActOp extends OpBase {
  kind: 'activation';
  fn: Int8Fn;
  scale?: number;
  offset?: number;
}

export type Int8Op = Int8WeightOp | Int8AddOp | Int8PoolOp | Int8MulOp | Int8ActOp;

export interface Int8Calibration {
  method: 'minmax' | 'percentile' | 'entropy';
  images: number;
  /** What the images came from (a dataset spec or a folder). */
  data: string;
}

export interface Int8Model {
  format: typeof INT8_FORMAT;
  /** The float model this was quantized from (its model.json, relative to the run directory). */
  float: string;
  /** Tensor 0 is the (float, normalised) input, quantized on the way in. */
  tensors: QTensor[];
  /** Topological order. */
  ops: Int8Op[];
  /** The logits tensor (dequantized on the way out). */
  output: number;
  /** Whether outputs are softmax probabilities (applied in float after dequantizing the logits). */
  softmax: boolean;
  calibration: Int8Calibration;
}

export const isWeightOp = (op: Int8Op): op is Int8WeightOp => op.kind === 'conv' || op.kind === 'depthwise' || op.kind === 'dense';

/** Output channels of a weight op. */
export function outChannels(op: Int8WeightOp): number {
  return op.weightShape[op.weightShape.length - 1] * (op.kind === 'depthwise' ? op.weightShape[2] : 1);
}

/** Elements of a per-image tensor shape. */
export const shapeSize = (s: readonly number[]) => s.reduce((a, d) => a * d, 1);
