/**
 * Entropy (KL-divergence) calibration of one tensor's histogram, after TensorRT's / onnxruntime's / NVIDIA
 * pytorch-quantization's: among candidate ranges, the one whose quantization loses the least information,
 * KL(P || Q) with
 * - P, the reference: the histogram bins inside the range, the clipped outliers folded into its first / last bin;
 * - Q, the candidate: the bins inside the range WITHOUT the outliers, merged into LEVELS quantization steps and
 *   expanded back over the bins where P is non-zero (so clipping mass costs KL, coarse steps cost KL);
 * both normalized to sum 1; the sum runs over P's support (bins where P > 0); a bin where P > 0 and Q = 0 costs
 * P·log(P/ε) (onnxruntime smooths Q for the same reason).
 *
 * Our activations are asymmetric uint8-style: 256 values, 255 steps over [lo, hi] ∋ 0 (rangeQuantization), so
 * LEVELS = 255 over the whole range, a one-sided (ReLU) range included (pytorch-quantization uses 256 levels for
 * unsigned, TensorRT's 128 is the positive half of a symmetric int8 range).
 * Candidates: the histogram range [lo, hi] (0 included) shrunk towards 0 with its lo : hi ratio kept, to every
 * width from LEVELS bins (1/8 of the range with 2048 bins) to all of it. The bin holding 0 is replaced by its
 * neighbours' mean for the search: 0 is exact at any scale, and ReLU's spike of zeros would otherwise favour
 * narrow ranges (pytorch-quantization sets bins[0] = bins[1] for the same reason).
 */

export const BINS = 2048;
export const LEVELS = 255;

/** Counts of values in BINS equal bins over [lo, hi] (lo ≤ 0 ≤ hi). */
export interface Histogram { lo: number; hi: number; counts: Float64Array }

/** An empty histogram over [min(min, 0), max(max, 0)]. */
export function emptyHistogram(min: number, max: number): Histogram {
  return { lo: Math.min(min, 0), hi: Math.max(max, 0), counts: new Float64Array(BINS) };
}

/** Adds `v` to `h` (values outside [lo, hi] go to the end bins). */
export function addToHistogram(h: Histogram, v: ArrayLike<number>): void {
  const k = h.hi > h.lo ? BINS / (h.hi - h.lo) : 0;
  const c = h.counts;
  for (let i = 0; i < v.length; i++) {
    const b = Math.floor((v[i] - h.lo) * k);
    c[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
  }
}

const EPS = 1e-10;

/** KL(P || Q) of the candidate range of bins [a, b) of `c` (see the header). */
export function klDivergence(c: Float64Array, a: number, b: number, levels = LEVELS): number {
  const n = b - a;
  let below = 0, above = 0, total = 0;
  for (let i = 0; i < a; i++) below += c[i];
  for (let i = b; i < c.length; i++) above += c[i];
  for (let i = a; i < b; i++) total += c[i];
  const all = total + below + above;
  if (!(all > 0)) return 0;
  let kl = 0;
  for (let l = 0; l < levels; l++) {
    const from = a + Math.floor((l * n) / levels), to = a + Math.floor(((l + 1) * n) / levels);
    let sum = 0, nz = 0;
    for (let i = from; i < to; i++) {
      sum += c[i];
      if (c[i] > 0 || (i === a && below > 0) || (i === b - 1 && above > 0)) nz++;
    }
    const q = Math.max(total > 0 && nz > 0 ? sum / nz / total : 0, EPS);
    for (let i = from; i < to; i++) {
      const pi = (c[i] + (i === a ? below : 0) + (i === b - 1 ? above : 0)) / all; // the outliers folded in
      if (pi > 0) kl += pi * Math.log(pi / q);
    }
  }
  return kl;
}

/** The entropy-calibrated [lo, hi] of a histogram. */
export function entropyRange(h: Histogram): [number, number] {
  if (!(h.hi > h.lo)) return [h.lo, h.hi];
  const w = (h.hi - h.lo) / BINS;
  const c = Float64Array.from(h.counts);
  const zb = Math.min(BINS - 1, Math.floor(-h.lo / w));
  const left = zb > 0 ? c[zb - 1] : undefined, right = zb < BINS - 1 ? c[zb + 1] : undefined;
  c[zb] = left === undefined ? right! : right === undefined ? left : (left + right) / 2;
  const z = -h.lo / w; // 0, in bins
  let best: [number, number] = [h.lo, h.hi];
  let bestKl = Infinity;
  for (let n = BINS; n >= LEVELS; n--) {
    const a = Math.max(0, Math.min(BINS - n, Math.round(z * (1 - n / BINS)))), b = a + n;
    const kl = klDivergence(c, a, b);
    if (kl < bestKl) { bestKl = kl; best = [h.lo + a * w, h.lo + b * w]; }
  }
  return best;
}
