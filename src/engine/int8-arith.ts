/**
 * The integer arithmetic of the int8 IR (int8-ir.ts), one definition shared by the JS reference simulation and
 * the native int8 plan (which gets the multipliers and lookup tables computed here, so both round alike).
 *
 * Every requantization is: v = f32(f32(acc) · M) (M a float32 multiplier from the scales), q = clamp(rne(v) + zo,
 * qmin, qmax), rne = round half to even (what the CPU's float→int conversion does; oneDNN uses it). v is rounded
 * before the integer zero point is added, as XNNPack (TFLite) and onnxruntime's kernels do: rounding f32(v + zo)
 * instead (or f32(v + zo + 128), what oneDNN's zero-point post-op gives) differs about once in 10^5 values, and
 * an untrained V3-Small (a network that carries any one-step difference to its logits) then disagreed with
 * those runtimes on 3-4% of top-1 decisions.
 */
import { hardSwishTable } from './int8-hardswish.js';
import type { FusedAct, Int8ActOp, Int8Fn, Int8Model, Int8WeightOp, QTensor } from './int8-ir.js';

const f32 = Math.fround;

/** Round half to even. */
export function rne(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

export const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** q = clamp(rne(v) + zo, lo, hi). */
export const requant = (v: number, zo: number, lo = -128, hi = 127) => clamp(rne(v) + zo, lo, hi);


/** A float into tensor t's int8 domain (the input's quantization: q = clamp(rne(f32(x / scale)) + zp)). */
export const quantizeValue = (x: number, t: QTensor) => requant(f32(x / t.scale), t.zeroPoint);

/** An int8 value of tensor t as a float. */
export const dequantizeValue = (q: number, t: QTensor) => f32(t.scale * (q - t.zeroPoint));

/**
 * The asymmetric per-tensor quantization of a real range (extended to include 0, as TFLite does):
 * scale = (max − min) / 255, zeroPoint = rne(−128 − min / scale) in [−128, 127].
 */
export function rangeQuantization(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (!(hi - lo > 1e-12) || !Number.isFinite(hi - lo)) return { scale: 1, zeroPoint: 0 };
  const scale = f32((hi - lo) / 255);
  return { scale, zeroPoint: clamp(rne(-128 - lo / scale), -128, 127) };
}

/** Symmetric per-channel int8 scale of a weight range: max |w| / 127 (1 for an all-zero channel). */
export const weightScale = (absMax: number) => (absMax > 0 ? f32(absMax / 127) : 1);

/** The clip range of a fused activation in the output tensor's quantized domain. */
export function clipRange(act: FusedAct, out: Pick<QTensor, 'scale' | 'zeroPoint'>): [number, number] {
  if (act === 'none') return [-128, 127];
  const lo = clamp(out.zeroPoint, -128, 127);
  const hi = act === 'relu' ? 127 : clamp(out.zeroPoint + rne(6 / out.scale), -128, 127);
  return [lo, hi];
}

/**
 * Per-output-channel multipliers of a conv/depthwise/dense op: M[c] = f32(f32(sx · sw[c]) / so), in float32 one
 * operation at a time as XNNPack and onnxruntime compute it (in double, the last bit differs now and then).
 */
export function weightMultipliers(m: Int8Model, op: Int8WeightOp): Float32Array {
  const sx = m.tensors[op.inputs[0]].scale;
  const so = m.tensors[op.output].scale;
  return Float32Array.from(op.weightScales, (sw) => f32(f32(sx * sw) / so));
}

/** Multipliers of an add: [f32(sa / so), f32(sb / so)]. */
export function addMultipliers(m: Int8Model, inputs: number[], output: number): [number, number] {
  const so = m.tensors[output].scale;
  return [f32(m.tensors[inputs[0]].scale / so), f32(m.tensors[inputs[1]].scale / so)];
}

/** Multiplier of a global average pool over P positions: f32(sx / (so · P)). */
export const poolMultiplier = (m: Int8Model, input: number, output: number, P: number) =>
  f32(m.tensors[input].scale / (m.tensors[output].scale * P));

/** Multiplier of a broadcast multiply: f32(f32(sx · ss) / so) (float32, as weightMultipliers). */
export const mulMultiplier = (m: Int8Model, inputs: number[], output: number) =>
  f32(f32(m.tensors[inputs[0]].scale * m.tensors[inputs[1]].scale) / m.tensors[output].scale);

/** The float function of an activation op. */
export function activationFn(fn: Int8Fn, scale = 1, offset = 0): (x: number) => number {
  const relu6 = (x: number) => Math.min(Math.max(x, 0), 6);
  switch (fn) {
    case 'relu': return (x) => Math.max(x, 0);
    case 'relu6': return relu6;
    case 'hardSwish': return (x) => (x * relu6(x + 3)) / 6;
    case 'hardSigmoid': return (x) => relu6(x + 3) / 6;
    case 'affine': return (x) => x * scale + offset;
  }
}

/**
 * The lookup table of an activation op: entry q + 128 holds the output for input q (dequantize, the float
 * function in double precision, requantize: requant(f32(f(x) / so), zo)).
 */
export function activationTable(input: QTensor, output: QTensor, f: (x: number) => number): Int8Array {
  const lut = new Int8Array(256);
  for (let q = -128; q <= 127; q++) lut[q + 128] = requant(f32(f(dequantizeValue(q, input)) / output.scale), output.zeroPoint);
  return lut;
}

/**
 * The table an activation op runs: hard-swish is TFLite's int8 HARD_SWISH arithmetic (int8-hardswish.ts), every
 * other function the exactly rounded activationTable.
 */
export function opTable(m: Int8Model, op: Int8ActOp): Int8Array {
  const tin = m.tensors[op.inputs[0]], tout = m.tensors[op.output];
  return op.fn === 'hardSwish' ? hardSwishTable(tin, tout) : activationTable(tin, tout, activationFn(op.fn, op.scale, op.offset));
}
