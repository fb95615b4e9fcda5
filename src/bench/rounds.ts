/**
 * The bench's method against a noisy machine: each row is measured in R rounds that interleave every contestant
 * (ours, peer A, peer B, ours, …), so a slow minute hurts each side alike; a row reports the median and the min–max
 * of each contestant's rounds, and the ratio of the medians with its range (worst ours / best peer … best ours /
 * worst peer). A series whose spread ((max − min) / median) exceeds SPREAD_LIMIT is flagged. Also the roofline
 * arithmetic: GFLOP/s achieved from mult-adds and images/s, and its share of a measured peak.
 */

/** A series' spread above this ((max − min) / median) flags the row: its figures say little. */
export const SPREAD_LIMIT = 0.3;

/** Rounds per row unless --rounds says otherwise. */
export const DEFAULT_ROUNDS = 5;

/** One contestant's rounds: images/s per round, their median and range. */
export interface Series {
  /** Images/s of each successful round, in the order measured. */
  samples: number[];
  median: number;
  min: number;
  max: number;
  /** (max − min) / median; 0 for one sample. */
  spread: number;
}

/** One slot of the interleaved order: which round, which contestant. */
export interface Slot<T> { round: number; who: T }

/**
 * The measurement order: round 1 measures every contestant in the order given, then round 2, and so on;
 * a contestant with fewer rounds (`roundsOf`, e.g. the pure-JS cpu backend: 1) drops out after its last.
 */
export function interleave<T>(rounds: number, contestants: readonly T[], roundsOf: (t: T) => number = () => rounds): Array<Slot<T>> {
  const out: Array<Slot<T>> = [];
  for (let round = 0; round < rounds; round++) {
    for (const who of contestants) if (round < Math.min(rounds, roundsOf(who))) out.push({ round, who });
  }
  return out;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, min, max and spread of a contestant's rounds; null when no round succeeded. */
export function summarize(samples: readonly number[]): Series | null {
  if (samples.length === 0) return null;
  const med = median(samples);
  const min = Math.min(...samples), max = Math.max(...samples);
  return { samples: [...samples], median: med, min, max, spread: med > 0 ? (max - min) / med : 0 };
}

/** Whether a series varies more than SPREAD_LIMIT between its rounds. */
export function tooSpread(s: Series | null | undefined): boolean {
  return !!s && s.spread > SPREAD_LIMIT;
}

/** Ours / a peer: the ratio of the medians, and its range (worst ours / best peer … best ours / worst peer). */
export interface RatioRange { ratio: number; low: number; high: number }

/** The ratio of `ours` to `peer` with its range. */
export function ratioRange(ours: Series, peer: Series): RatioRange {
  return { ratio: ours.median / peer.median, low: ours.min / peer.max, high: ours.max / peer.min };
}

/** FLOPs of one image's step: 2 per mult-add forward; a training step ×3 (forward, input and weight gradients). */
export function flopsPerImage(multAdds: number, mode: 'train' | 'infer'): number {
  return 2 * multAdds * (mode === 'train' ? 3 : 1);
}

/** GFLOP/s achieved at `imagesPerSecond`. */
export function gflops(multAdds: number, mode: 'train' | 'infer', imagesPerSecond: number): number {
  return (flopsPerImage(multAdds, mode) * imagesPerSecond) / 1e9;
}

/** GFLOP/s of one m×n×k sgemm done in `ms` milliseconds. */
export function gemmGflops(m: number, n: number, k: number, ms: number): number {
  return (2 * m * n * k) / (ms * 1e6);
}
