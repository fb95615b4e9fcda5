/**
 * The float IR and calibrated ranges → the int8 IR (engine/int8-ir.ts): per-tensor asymmetric activation
 * quantization from the ranges, per-output-channel symmetric int8 weights, int32 biases at inputScale·weightScale,
 * fused activations as clip ranges.
 */
import { clamp, clipRange, rangeQuantization, rne, weightScale } from '../engine/int8-arith.js';
import { INT8_FORMAT, Int8Calibration, Int8Model, Int8Op, QTensor } from '../engine/int8-ir.js';
import type { FloatIR, FloatOp } from './float-ir.js';

const INT32 = 2 ** 31 - 1;

/** A weight op: weights per output channel (the last axis of every IR layout), bias at sx·sw[c]. */
function quantizeWeights(op: FloatOp, tensors: QTensor[]): Int8Op {
  const w = op.weights!, b = op.bias!;
  const oc = b.length;
  const absMax = new Float64Array(oc);
  for (let i = 0; i < w.length; i++) absMax[i % oc] = Math.max(absMax[i % oc], Math.abs(w[i]));
  const weightScales = Float32Array.from(absMax, weightScale);
  const weights = Int8Array.from(w, (v, i) => clamp(rne(v / weightScales[i % oc]), -127, 127));
  const sx = tensors[op.inputs[0]].scale;
  const bias = Int32Array.from(b, (v, c) => clamp(rne(v / (sx * weightScales[c])), -INT32, INT32));
  const act = op.act ?? 'none';
  return {
    kind: op.kind as 'conv' | 'depthwise' | 'dense', layers: op.layers, inputs: op.inputs, output: op.output,
    kernel: op.kernel ?? 1, stride: op.stride ?? 1, pad: op.pad ?? [0, 0, 0, 0], mult: op.mult ?? 1,
    weightShape: op.weightShape!, weights, bias, weightScales, act, clip: clipRange(act, tensors[op.output]),
  };
}

/** The int8 IR of `ir` with tensor ranges `ranges` ([min, max] per tensor). */
export function quantizeIR(ir: FloatIR, ranges: Array<[number, number]>, calibration: Int8Calibration, softmax: boolean): Int8Model {
  const tensors: QTensor[] = ir.tensors.map((t, i) => ({ shape: t.shape, ...rangeQuantization(ranges[i][0], ranges[i][1]), layer: t.layer }));
  const ops: Int8Op[] = ir.ops.map((op): Int8Op => {
    const base = { layers: op.layers, inputs: op.inputs, output: op.output };
    switch (op.kind) {
      case 'conv': case 'depthwise': case 'dense': return quantizeWeights(op, tensors);
      case 'add': return { kind: 'add', ...base, clip: [-128, 127] };
      case 'avgpool': return { kind: 'avgpool', ...base };
      case 'mul': return { kind: 'mul', ...base };
      case 'activation': return { kind: 'activation', ...base, fn: op.fn!, ...(op.fn === 'affine' ? { scale: op.scale, offset: op.offset } : {}) };
    }
  });
  return { format: INT8_FORMAT, float: 'model.json', tensors, ops, output: ir.output, softmax, calibration };
}
