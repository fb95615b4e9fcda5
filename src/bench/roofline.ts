/**
 * The roofline column's two inputs: the mult-adds of one image of a case's network (cost/), and this CPU's
 * measured peak — one large square f32 GEMM through the addon's oneDNN matmul at the run's thread count, best of a
 * few repetitions after a warm-up. The bench's GFLOP/s are a share of that peak.
 */
import { loadNative } from '../backend/native.js';
import { modelCost } from '../cost/model-cost.js';
import { buildModel } from '../models/presets.js';
import type { SuiteCase } from './cases.js';
import { gemmGflops } from './rounds.js';

/** Convolution and dense mult-adds of one image through the case's network (as the bench builds it). */
export function caseMultAdds(c: Pick<SuiteCase, 'arch' | 'preset'>): number {
  const model = buildModel(c.arch, { alpha: 1, seed: 1, classifierActivation: null }, c.preset);
  try {
    return modelCost(model).multAdds;
  } finally {
    model.dispose();
  }
}

export interface Peak {
  /** Best GFLOP/s of the repetitions. */
  gflops: number;
  /** The GEMM's m = n = k. */
  size: number;
  threads: number;
  repetitions: number;
}

/**
 * Times `repetitions` n×n×n sgemm (oneDNN matmul, row-major, no transpose) after one warm-up and returns the best
 * rate; null (with the reason) when the addon is not available.
 */
export function measurePeak(threads: number, size = 2048, repetitions = 3): Peak | { missing: string } {
  const { addon, error } = loadNative();
  if (!addon) return { missing: error ?? 'native addon unavailable' };
  const a = new Float32Array(size * size).fill(0.5); // [n, n]
  const b = new Float32Array(size * size).fill(0.25); // [n, n]
  const c = new Float32Array(size * size); // [n, n]
  const shape = Int32Array.from([1, size, size, size, 0, 0]);
  addon.matmul(a, b, null, c, shape, 0);
  let best = Infinity;
  for (let i = 0; i < repetitions; i++) {
    const t0 = performance.now();
    addon.matmul(a, b, null, c, shape, 0);
    best = Math.min(best, performance.now() - t0);
  }
  return { gflops: gemmGflops(size, size, size, best), size, threads, repetitions };
}
