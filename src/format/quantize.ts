/**
 * Weight quantization as the tfjs-converter does it (tensorflowjs/quantization.py, write_weights.py), so
 * stock tf.loadLayersModel dequantizes our files exactly as it does the converter's:
 * - uint8 / uint16: affine over the tensor's [min, max], the range "nudged" (as TF-Lite) so that 0.0 is
 *   exactly one of the levels when min ≤ 0 ≤ max; values round half to even. The converter computes the
 *   range in float64 and the values in float32 (numpy 1.x scalar casting), and so do we. A constant tensor
 *   is all zeros with scale 1 and min = the value. Manifest: { dtype, min, scale, original_dtype }.
 * - float16: IEEE half precision, round to nearest even (numpy astype). Manifest: { dtype, original_dtype }.
 */
import { OptionError } from '../errors.js';

export const QUANTIZE_DTYPES = ['float16', 'uint8', 'uint16'] as const;
export type QuantizeDtype = (typeof QUANTIZE_DTYPES)[number];

export type Quantization =
  | { dtype: 'uint8' | 'uint16'; min: number; scale: number; original_dtype: 'float32' }
  | { dtype: 'float16'; original_dtype: 'float32' };

export interface Quantized {
  bytes: Uint8Array;
  quantization: Quantization;
}

/** Round half to even (numpy's np.round). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const f32 = Math.fround;

/** The converter's nudged range: [scale, nudgedMin] (float64) for data in [min, max]. */
export function affineRange(min: number, max: number, quantMax: number): { scale: number; min: number; max: number } {
  const scale = (max - min) / quantMax;
  if (min <= 0 && 0 <= max) {
    const zeroPoint = roundHalfEven((0 - min) / scale);
    const nudgedMin = -zeroPoint * scale;
    return { scale, min: nudgedMin, max: quantMax * scale + nudgedMin };
  }
  return { scale, min, max };
}

function quantizeAffine(values: Float32Array, dtype: 'uint8' | 'uint16'): Quantized {
  const quantMax = dtype === 'uint8' ? 255 : 65535;
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) min = max = 0;
  if (min === max) {
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype, min, scale: 1, original_dtype: 'float32' } };
  }
  const r = affineRange(min, max, quantMax);
  const lo = f32(r.min);
  const hi = f32(r.max);
  const scale32 = f32(r.scale);
  for (let i = 0; i < values.length; i++) {
    const clipped = Math.min(Math.max(values[i], lo), hi);
    out[i] = roundHalfEven(f32(f32(clipped - lo) / scale32));
  }
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype, min: r.min, scale: r.scale, original_dtype: 'float32' } };
}

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);

/** float32 → IEEE half bits, round to nearest even; overflow → ±inf, NaN stays NaN. */
export function toFloat16Bits(v: number): number {
  f32Buf[0] = v;
  const x = u32Buf[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half of the smallest subnormal: ±0
    mant |= 0x800000; // implicit leading 1
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m += 1;
    return sign | m; // may carry into the smallest normal, which is the right bits
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m += 1;
    if (m === 0x400) {
      m = 0;
      e += 1;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

function quantizeFloat16(values: Float32Array): Quantized {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toFloat16Bits(values[i]);
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype: 'float16', original_dtype: 'float32' } };
}

/** Quantizes one float32 tensor's values (little-endian bytes, as the converter's numpy tobytes()). */
export function quantizeWeights(values: Float32Array, dtype: QuantizeDtype): Quantized {
  if (dtype === 'float16') return quantizeFloat16(values);
  if (dtype === 'uint8' || dtype === 'uint16') return quantizeAffine(values, dtype);
  throw new OptionError(`quantize must be one of ${QUANTIZE_DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`);
}
