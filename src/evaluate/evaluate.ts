/** evaluate(): a run directory's model on a dataset's test split; predict(): top-K classes for image files. */
import * as path from 'node:path';
import { loadDataset } from '../data/datasets.js';
import { readImageFile } from '../data/image.js';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../data/limits.js';
import type { Dataset, Split } from '../data/types.js';
import { subsetSplit } from '../data/batches.js';
import { DataError, OptionError } from '../errors.js';
import { logitsModel } from '../run/model-files.js';
import { runRunner } from '../run/run-runner.js';
import type { Run } from '../run/run-dir.js';
import { labelMismatch, requireClassifier } from '../run/run-check.js';
import { imageInput } from './image-input.js';
import { EvalResult, evaluateModel, softmax } from './metrics.js';

export interface EvaluateOptions {
  /** Only the first N test images. */
  limit?: number;
  /** Evaluate although the dataset's labels (names or order) are not the run's (class ids are then taken as they are). */
  ignoreLabels?: boolean;
  /** How many of the most confident mistakes to keep (default 25). */
  mistakes?: number;
  onProgress?: (msg: string) => void;
}

/** Loads `spec` shaped for the run's model (mnist-like data as is, folders resized to the model input). */
export async function datasetForRun(run: Run, spec: string, onProgress?: (msg: string) => void): Promise<Dataset> {
  const mnistLike = spec === 'mnist' || spec === 'fashion-mnist';
  return loadDataset(spec, { inputShape: mnistLike && run.meta.inputShape.join('x') === '28x28x1' ? undefined : run.meta.inputShape, onProgress });
}

/** The test split evaluation result plus the split itself (for the mistakes grid). */
export interface Evaluation extends EvalResult {
  split: Split;
}

/**
 * Test accuracy, loss, per-class precision/recall/F1, confusion matrix and the most confident mistakes
 * of `run`'s model on `dataset` (default: the one it was trained on), normalised as in training.
 */
export async function evaluate(run: Run, dataset?: Dataset | string, o: EvaluateOptions = {}): Promise<Evaluation> {
  requireClassifier(run.meta, run.dir);
  const ds = typeof dataset === 'object' ? dataset : await datasetForRun(run, dataset ?? run.meta.dataset, o.onProgress);
  const { meta } = run;
  if (ds.test.shape.join('x') !== meta.inputShape.join('x')) {
    throw new DataError(`dataset ${ds.name} has ${ds.test.shape.join('x')} images, the model takes ${meta.inputShape.join('x')}`);
  }
  if (ds.labels.length !== meta.labels.length) {
    throw new DataError(`dataset ${ds.name} has ${ds.labels.length} classes, the model ${meta.labels.length}`);
  }
  const mismatch = o.ignoreLabels ? null : labelMismatch(ds.name, ds.labels, meta.labels);
  if (mismatch) throw new DataError(`${mismatch}: class ids would be scored against other classes; --ignore-labels evaluates anyway`);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit > 0)) throw new OptionError(`limit must be a positive integer, got ${o.limit}`);
  if (ds.test.count === 0) {
    const hint = ds.name.startsWith('folder:')
      ? ' (a folder without train/ and test/ holds out 20% of each class: give it a test/ folder or at least 3 images a class)' : '';
    throw new DataError(`dataset ${ds.name} has no test images: nothing to evaluate${hint}`);
  }
  const split = o.limit && o.limit < ds.test.count ? subsetSplit(ds.test, Int32Array.from({ length: o.limit }, (_, i) => i)) : ds.test;
  const model = logitsModel(run.model, meta, path.join(run.dir, 'meta.json'));
  const runner = run.int8 ? runRunner(run, { logits: true }) : undefined; // a quantized run: its int8 model
  return { ...evaluateModel(model, split, meta.labels, meta.normalization, o.mistakes ?? 25, runner), split };
}

export interface Prediction {
  label: string;
  index: number;
  probability: number;
}

export interface ImagePrediction {
  /** The file name (or 'image N' for bytes). */
  source: string;
  top: Prediction[];
}

export interface PredictOptions {
  /** Classes per image (default 3). */
  top?: number;
  /** true/false forces the ink polarity; undefined decides as the server does (one-channel models: a light border is inverted). */
  invert?: boolean;
  /** Largest image in decoded pixels (default MAX_IMAGE_PIXELS, 25 M, as the server). */
  maxPixels?: number;
  /** Largest image file in bytes (default MAX_IMAGE_BYTES, 5 MiB, as the server's body limit). */
  maxBytes?: number;
}

/**
 * Top-K classes with probabilities for each image (PNG/JPEG files or bytes, within the server's byte and pixel
 * limits unless raised; non-regular files such as /dev/zero are refused), preprocessed exactly as
 * the server's POST /v1/predict does (evaluate/image-input.ts): transparency over white, automatic ink
 * polarity, the MNIST pipeline for digit runs, else a plain resize to the model input.
 */
export async function predict(run: Run, images: Array<string | Uint8Array>, o: PredictOptions = {}): Promise<ImagePrediction[]> {
  requireClassifier(run.meta, run.dir);
  const { meta } = run;
  const k = o.top ?? 3;
  if (!(Number.isInteger(k) && k > 0)) throw new OptionError(`top must be a positive integer, got ${String(o.top)}`);
  const runner = runRunner(run);
  const out: ImagePrediction[] = [];
  for (const [i, img] of images.entries()) {
    const source = typeof img === 'string' ? img : `image ${i + 1}`;
    const bytes = typeof img === 'string' ? await readImageFile(img, o.maxBytes ?? MAX_IMAGE_BYTES) : img;
    const x = await imageInput(bytes, meta, { invert: o.invert, maxPixels: o.maxPixels ?? MAX_IMAGE_PIXELS, source }); // [H, W, C]
    const y = runner.run(x, 1); // [1, K]
    const probs = meta.output === 'logits' ? Float32Array.from(softmax(y)) : y;
    const top = Array.from(probs, (p, index) => ({ label: meta.labels[index], index, probability: p }))
      .sort((a, b) => b.probability - a.probability).slice(0, k);
    out.push({ source, top });
  }
  return out;
}
