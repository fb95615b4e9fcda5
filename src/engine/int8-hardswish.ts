/**
 * The int8 hard-swish of the IR: TFLite's int8 HARD_SWISH kernel arithmetic (16-bit fixed point), as a 256-entry
 * table — not the exactly rounded x·relu6(x + 3)/6. Measured (LiteRT.js 2.5.3, 40 hard-swish ops of V3-Small and
 * V3-Large, 10,240 table entries): the kernel differs from the exact rounding by one step on 45 entries (0.4%; on
 * V3-Large's activations 0.5% of the values), which a trained V3-Large carries to 21% of its logits being more
 * than two steps off and to 1.7% of top-1 decisions; with this table LiteRT.js gives the IR's values on every
 * entry. onnxruntime's float HardSwish rounds exactly, so the QDQ export writes this table (a Gather) instead.
 *
 * The computation, per input q (everything int16 but where noted):
 *   v = q − zx;  hi = v·2^7 (the input on scale sx/2^7)
 *   pre = roundingDoublingHighMul(hi, Mo)                          (Mo, eo: f32(sx/2^7 / so) as an int16 multiplier, 2^eo)
 *   r = hi on the scale where 3.0 is 2^15 (multiplier Mr, er of f32(sx/2^7 / (3/2^15))): saturating left shift
 *       by er − 1, roundingDoublingHighMul(·, Mr), one more saturating shift (er > 0), or a rounding right shift
 *       by −er (er < 0); then r = (r + 2^15) >> 1 (in int32), the relu6(x + 3)/6 factor in [0, 1] on 2^−15
 *   out = roundingDivideByPOT(truncatingDoublingHighMul(r, pre), −eo) + zo, clamped to [−128, 127]
 * with the int32 → int16 multiplier (m + 2^15) >> 16 of frexp's mantissa rounded to 31 bits.
 */
import type { QTensor } from './int8-ir.js';

const f32 = Math.fround;
const I16_MAX = 32767;
const I16_MIN = -32768;
const sat16 = (v: number) => (v > I16_MAX ? I16_MAX : v < I16_MIN ? I16_MIN : v);

/** A positive real multiplier as [int32 mantissa in [2^30, 2^31), exponent]: d = m·2^(e − 31). */
function quantizeMultiplier(d: number): [number, number] {
  if (!(d > 0)) return [0, 0];
  let e = Math.floor(Math.log2(d)) + 1;
  let q = d / 2 ** e; // frexp: q ∈ [0.5, 1)
  if (q >= 1) { q /= 2; e++; }
  if (q < 0.5) { q *= 2; e--; }
  let m = Math.round(q * 2 ** 31);
  if (m === 2 ** 31) { m /= 2; e++; }
  return e < -31 ? [0, 0] : [m, e];
}

/** The int32 multiplier rounded to its top 16 bits (saturating). */
const toInt16Multiplier = (m: number) => (m >= 2 ** 31 - 1 - 2 ** 15 ? I16_MAX : Math.floor((m + 2 ** 15) / 2 ** 16));

/** round(a·b / 2^15) with ties away from zero, saturating (the one overflow: −2^15 · −2^15). */
function roundingDoublingHighMul(a: number, b: number): number {
  if (a === I16_MIN && b === I16_MIN) return I16_MAX;
  const ab = a * b;
  return Math.trunc((ab + (ab >= 0 ? 2 ** 14 : 1 - 2 ** 14)) / 2 ** 15);
}

/** trunc(a·b / 2^15), saturating. */
const truncatingDoublingHighMul = (a: number, b: number) => (a === I16_MIN && b === I16_MIN ? I16_MAX : Math.trunc((a * b) / 2 ** 15));

/** x / 2^e rounded to nearest, ties away from zero (e ≥ 0). */
function roundingDivideByPOT(x: number, e: number): number {
  if (e === 0) return x;
  const mask = 2 ** e - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (remainder > threshold ? 1 : 0);
}

/** The IR's int8 hard-swish table from input to output tensor: entry q + 128 is the output for input q. */
export function hardSwishTable(input: Pick<QTensor, 'scale' | 'zeroPoint'>, output: Pick<QTensor, 'scale' | 'zeroPoint'>): Int8Array {
  const hires = f32(f32(1 / 128) * input.scale);
  const [mo32, eo] = quantizeMultiplier(f32(hires / output.scale));
  const [mr32, er] = quantizeMultiplier(f32(hires / f32(3 / 32768)));
  const mo = toInt16Multiplier(mo32), mr = toInt16Multiplier(mr32);
  const lut = new Int8Array(256);
  for (let q = -128; q <= 127; q++) {
    const hi = (q - input.zeroPoint) * 128;
    const pre = roundingDoublingHighMul(hi, mo);
    let r = hi;
    if (er > 0) r = sat16(r * 2 ** (er - 1));
    r = roundingDoublingHighMul(r, mr);
    if (er > 0) r = sat16(r * 2);
    if (er < 0) r = roundingDivideByPOT(r, -er);
    r = (r + 2 ** 15) >> 1;
    const out = roundingDivideByPOT(truncatingDoublingHighMul(r, pre), Math.max(0, -eo)) + output.zeroPoint;
    lut[q + 128] = out > 127 ? 127 : out < -128 ? -128 : out;
  }
  return lut;
}
