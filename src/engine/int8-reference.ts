/**
 * The JS reference simulation of the int8 IR: integer accumulation and the requantization of int8-arith.ts,
 * op by op, one image at a time. Slow (plain loops) but the definition: the native int8 plan is tested against
 * it, and the exporters (QDQ ONNX, TFLite) can be checked against it too.
 */
import {
  addMultipliers, mulMultiplier, opTable, poolMultiplier, quantizeValue, requant, weightMultipliers,
} from './int8-arith.js';
import { Int8Model, Int8Op, Int8WeightOp, isWeightOp, outChannels, shapeSize } from './int8-ir.js';

const f32 = Math.fround;

/** Quantizes float inputs x [n, H, W, C] into the input tensor's int8 domain. */
export function quantizeInput(m: Int8Model, x: Float32Array): Int8Array {
  const t = m.tensors[0];
  return Int8Array.from(x, (v) => quantizeValue(v, t));
}

/** Dequantized logits [n, K] (softmax applied when the model says so). */
export function dequantizeOutput(m: Int8Model, q: Int8Array): Float32Array {
  const t = m.tensors[m.output];
  const y = Float32Array.from(q, (v) => f32(t.scale * (v - t.zeroPoint)));
  if (m.softmax) softmaxRows(y, t.shape[2]);
  return y;
}

/** In-place softmax over rows of length K. */
export function softmaxRows(y: Float32Array, K: number): void {
  for (let r = 0; r < y.length; r += K) {
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, y[r + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += (y[r + k] = Math.exp(y[r + k] - max));
    for (let k = 0; k < K; k++) y[r + k] /= sum;
  }
}

/** conv / depthwise / dense on one image. */
function weightOp(m: Int8Model, op: Int8WeightOp, x: Int8Array): Int8Array {
  const [ih, iw, ic] = m.tensors[op.inputs[0]].shape;
  const [oh, ow] = m.tensors[op.output].shape;
  const zx = m.tensors[op.inputs[0]].zeroPoint;
  const zo = m.tensors[op.output].zeroPoint;
  const M = weightMultipliers(m, op);
  const OC = outChannels(op);
  const [lo, hi] = op.clip;
  const xs = Int32Array.from(x, (v) => v - zx);
  const y = new Int8Array(oh * ow * OC);
  const acc = new Int32Array(OC);
  const w = op.weights;
  const k = op.kernel;
  const mult = op.mult;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      acc.set(op.bias);
      if (op.kind === 'dense') {
        const K = ih * iw * ic;
        for (let i = 0; i < K; i++) {
          const v = xs[i];
          if (v !== 0) for (let c = 0; c < OC; c++) acc[c] += v * w[i * OC + c];
        }
      } else {
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * op.stride + ky - op.pad[0];
          if (iy < 0 || iy >= ih) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * op.stride + kx - op.pad[1];
            if (ix < 0 || ix >= iw) continue;
            const xb = (iy * iw + ix) * ic;
            const wb = (ky * k + kx) * ic * (op.kind === 'conv' ? OC : mult);
            if (op.kind === 'conv') {
              for (let ci = 0; ci < ic; ci++) {
                const v = xs[xb + ci];
                if (v === 0) continue;
                const wr = wb + ci * OC;
                for (let c = 0; c < OC; c++) acc[c] += v * w[wr + c];
              }
            } else {
              for (let ci = 0; ci < ic; ci++) {
                const v = xs[xb + ci];
                for (let j = 0; j < mult; j++) acc[ci * mult + j] += v * w[wb + ci * mult + j];
              }
            }
          }
        }
      }
      const yb = (oy * ow + ox) * OC;
      for (let c = 0; c < OC; c++) y[yb + c] = requant(f32(f32(acc[c]) * M[c]), zo, lo, hi);
    }
  }
  return y;
}

/** One op on one image; `vals` holds every tensor computed so far. */
function runOp(m: Int8Model, op: Int8Op, vals: Int8Array[]): Int8Array {
  if (isWeightOp(op)) return weightOp(m, op, vals[op.inputs[0]]);
  const tin = m.tensors[op.inputs[0]];
  const tout = m.tensors[op.output];
  const x = vals[op.inputs[0]];
  switch (op.kind) {
    case 'add': {
      const b = vals[op.inputs[1]];
      const [ma, mb] = addMultipliers(m, op.inputs, op.output);
      const za = tin.zeroPoint, zb = m.tensors[op.inputs[1]].zeroPoint;
      return Int8Array.from(x, (a, i) => requant(f32(f32(ma * (a - za)) + f32(mb * (b[i] - zb))), tout.zeroPoint, op.clip[0], op.clip[1]));
    }
    case 'avgpool': {
      const [h, w, c] = tin.shape;
      const M = poolMultiplier(m, op.inputs[0], op.output, h * w);
      const y = new Int8Array(c);
      for (let ch = 0; ch < c; ch++) {
        let acc = 0;
        for (let p = 0; p < h * w; p++) acc += x[p * c + ch] - tin.zeroPoint;
        y[ch] = requant(f32(f32(acc) * M), tout.zeroPoint);
      }
      return y;
    }
    case 'mul': {
      const s = vals[op.inputs[1]];
      const zs = m.tensors[op.inputs[1]].zeroPoint;
      const C = tin.shape[2];
      const M = mulMultiplier(m, op.inputs, op.output);
      return Int8Array.from(x, (v, i) => requant(f32(f32((v - tin.zeroPoint) * (s[i % C] - zs)) * M), tout.zeroPoint));
    }
    case 'activation': {
      const lut = opTable(m, op);
      return Int8Array.from(x, (v) => lut[v + 128]);
    }
  }
}

/**
 * Runs the IR on n images of quantized input xq [n, H, W, C]: the int8 logits [n, K], and (keepAll) every
 * tensor of the last image.
 */
export function referenceForward(m: Int8Model, xq: Int8Array, n: number, o: { keepAll?: boolean } = {}): { logits: Int8Array; all?: Int8Array[] } {
  const inSize = shapeSize(m.tensors[0].shape);
  const K = shapeSize(m.tensors[m.output].shape);
  const logits = new Int8Array(n * K);
  let vals: Int8Array[] = [];
  for (let b = 0; b < n; b++) {
    vals = new Array<Int8Array>(m.tensors.length);
    vals[0] = xq.subarray(b * inSize, (b + 1) * inSize);
    for (const op of m.ops) vals[op.output] = runOp(m, op, vals);
    logits.set(vals[m.output], b * K);
  }
  return { logits, ...(o.keepAll ? { all: vals } : {}) };
}

/** Float in, float out: quantize, run the reference, dequantize (softmax when the model has one). */
export function referencePredict(m: Int8Model, x: Float32Array, n: number): Float32Array {
  return dequantizeOutput(m, referenceForward(m, quantizeInput(m, x), n).logits);
}
