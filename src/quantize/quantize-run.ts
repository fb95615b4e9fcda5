/**
 * `mobilenet quantize RUN --out RUN-INT8`: post-training static quantization of a run directory. BN folded,
 * weights per output channel symmetric int8, activations per tensor from calibration on N images of the run's
 * training data (or of any image folder), the residual adds and the pooling quantized too. The result is a run
 * directory: the float model.json/weights.bin copied, meta.json with "quantization", int8.json + int8.bin
 * (docs/int8.md). Nothing is written until calibration succeeded; the directory appears whole (atomic rename).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../data/datasets.js';
import { iterateBatches } from '../data/batches.js';
import type { Split } from '../data/types.js';
import { DataError, OptionError } from '../errors.js';
import type { Int8Model } from '../engine/int8-ir.js';
import { datasetForRun } from '../evaluate/evaluate.js';
import { MODEL_JSON } from '../format/layers-format.js';
import { manifestFiles, readModelJson } from '../format/manifest.js';
import { replaceDir } from '../run/atomic-dir.js';
import { writeInt8Model } from '../run/int8-files.js';
import { writeMeta } from '../run/meta.js';
import { logitsModel } from '../run/model-files.js';
import { checkOutDir } from '../run/out-dir.js';
import { Run, loadRun } from '../run/run-dir.js';
import { CalibrationMethod, METHODS, calibrate } from './calibrate.js';
import { floatIR } from './float-ir.js';
import { quantizeIR } from './quantize-model.js';

/** Calibration images by default. */
export const DEFAULT_CALIBRATION = 256;

export interface QuantizeOptions {
  /** Output run directory (must not exist, be empty, or `overwrite` an earlier quantized run). */
  out: string;
  /** Calibration images (default 256; all of the split when it has fewer). */
  calibrate?: number;
  method?: CalibrationMethod;
  /** A class-per-subfolder image folder to calibrate on instead of the run's training data. */
  calibrateData?: string;
  overwrite?: boolean;
  /** Use the run's best/ checkpoint. */
  best?: boolean;
  onProgress?: (msg: string) => void;
}

export interface QuantizeResult {
  out: string;
  model: Int8Model;
  /** Bytes of int8.bin and of the float weights it replaces. */
  int8Bytes: number;
  floatBytes: number;
}

function checkOptions(o: QuantizeOptions): { n: number; method: CalibrationMethod } {
  const n = o.calibrate ?? DEFAULT_CALIBRATION;
  if (!(Number.isInteger(n) && n >= 1)) throw new OptionError(`--calibrate must be a positive number of images, got ${String(o.calibrate)}`);
  const method = o.method ?? 'minmax';
  if (!METHODS.includes(method)) throw new OptionError(`--method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  if (!o.out) throw new OptionError('quantize needs --out DIR for the quantized run');
  return { n, method };
}

/** The calibration split: the run's training data, or a folder's images (all of them, train and test). */
async function calibrationSplit(run: Run, o: CalibrateOptions): Promise<{ split: Split; data: string }> {
  if (o.calibrateData) {
    const ds = await loadDataset(`folder:${o.calibrateData}`, { inputShape: run.meta.inputShape, onProgress: o.onProgress });
    return { split: ds.train.count ? ds.train : ds.test, data: `folder:${o.calibrateData}` };
  }
  const ds = await datasetForRun(run, run.meta.dataset, o.onProgress).catch((e: unknown) => {
    if (!(e instanceof DataError)) throw e;
    throw new DataError(`cannot calibrate on the run's dataset: ${e.message} (give --calibrate-data DIR: an image folder)`);
  });
  if (ds.train.shape.join('x') !== run.meta.inputShape.join('x')) {
    throw new DataError(`dataset ${ds.name} has ${ds.train.shape.join('x')} images, the model takes ${run.meta.inputShape.join('x')}`);
  }
  return { split: ds.train, data: run.meta.dataset };
}

/** n images spread evenly over the split, normalised as in training, in batches of 32. */
function calibrationBatches(run: Run, split: Split, n: number): Float32Array[] {
  const count = Math.min(n, split.count);
  const order = Int32Array.from({ length: count }, (_, i) => Math.floor((i * split.count) / count));
  const { mean, std } = run.meta.normalization;
  return [...iterateBatches(split, { batchSize: 32, order, mean, std })].map((b) => b.x);
}

/** Copies the float model (model.json and its weight shards) from `from` into `to`. */
async function copyFloatModel(from: string, to: string): Promise<number> {
  const file = path.join(from, MODEL_JSON);
  const json = await readModelJson(file);
  await fs.copyFile(file, path.join(to, MODEL_JSON));
  let bytes = 0;
  for (const shard of manifestFiles(json, from).shards) {
    const dest = path.join(to, path.relative(from, shard));
    await fs.mkdir(path.dirname(dest), { recursive: true });
    await fs.copyFile(shard, dest);
    bytes += (await fs.stat(shard)).size;
  }
  return bytes;
}

export type CalibrateOptions = Omit<QuantizeOptions, 'out' | 'overwrite'>;

export interface Quantized {
  run: Run;
  /** The directory the float model was read from (RUN, or RUN/best). */
  src: string;
  model: Int8Model;
}

/**
 * Calibrates and quantizes the run in `runDir` in memory (what quantizeRun writes, and what `export --quantize
 * int8` exports without writing a quantized run).
 */
export async function quantizeInMemory(runDir: string, o: CalibrateOptions): Promise<Quantized> {
  const { n, method } = checkOptions({ ...o, out: '-' });
  const run = await loadRun(runDir, { best: o.best });
  const src = o.best ? path.join(runDir, 'best') : runDir;
  const log = o.onProgress ?? (() => {});
  const logits = logitsModel(run.model, run.meta, path.join(src, 'meta.json'));
  const ir = floatIR(logits);
  const { split, data } = await calibrationSplit(run, o);
  if (split.count === 0) throw new DataError(`${data}: no images to calibrate on`);
  const batches = calibrationBatches(run, split, n);
  const images = batches.reduce((s, b) => s + b.length / run.meta.inputShape.reduce((a, d) => a * d, 1), 0);
  log(`calibrating on ${images} images of ${data} (${method})`);
  const ranges = calibrate(logits, ir, batches, method);
  return { run, src, model: quantizeIR(ir, ranges, { method, images, data }, run.meta.output === 'probabilities') };
}

/** Quantizes the run in `runDir` into `o.out` (see the file comment). */
export async function quantizeRun(runDir: string, o: QuantizeOptions): Promise<QuantizeResult> {
  checkOptions(o);
  if (path.resolve(o.out) === path.resolve(runDir)) throw new OptionError('--out must be a new directory, not the run itself');
  await checkOutDir(o.out, o.overwrite ?? false);
  const { run, src, model } = await quantizeInMemory(runDir, o);
  let floatBytes = 0;
  await replaceDir(o.out, async (tmp) => {
    floatBytes = await copyFloatModel(src, tmp);
    await writeMeta(tmp, { ...run.meta, quantization: { kind: 'int8', file: 'int8.json', from: path.resolve(src) } });
    await writeInt8Model(tmp, model);
  });
  const int8Bytes = (await fs.stat(path.join(o.out, 'int8.bin'))).size;
  return { out: o.out, model, int8Bytes, floatBytes };
}
