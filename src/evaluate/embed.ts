/**
 * embed(): the pooled penultimate features of images — what @tensorflow-models/mobilenet's `infer(img, true)`
 * gives: the global-average-pooled output of the last convolutional block, before the classifier (the run's
 * `global_average_pooling2d`; a feature-extractor run's own output) — or the features of a named layer, pooled
 * when 4-D. Images are read and preprocessed as predict() reads them (byte and pixel limits, the run's
 * normalization: tf, torch, caffe, unit or its dataset's statistics) and run in batches through the engine when the
 * native backend is active (engine/features.ts).
 */
import { readImageFile } from '../data/image.js';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../data/limits.js';
import { checkBatchMemory } from '../cost/memory.js';
import { featureModel, runInBatches } from '../engine/features.js';
import { modelRunner } from '../engine/runner.js';
import { OptionError } from '../errors.js';
import { HEAD_POOL } from '../models/transfer-head.js';
import type { Run } from '../run/run-dir.js';
import { imageInput } from './image-input.js';

export interface EmbedOptions {
  /** The layer whose output the features are (default: the pooled penultimate features); a 4-D output is average-pooled. */
  layer?: string;
  /** Images per model call (default 32). */
  batchSize?: number;
  /** true/false forces the ink polarity of one-channel models; undefined decides as predict() does. */
  invert?: boolean;
  /** Largest image in decoded pixels (default MAX_IMAGE_PIXELS, 25 M, as the server). */
  maxPixels?: number;
  /** Largest image file in bytes (default MAX_IMAGE_BYTES, 5 MiB, as the server's body limit). */
  maxBytes?: number;
}

export interface ImageEmbedding {
  /** The file name (or 'image N' for bytes). */
  source: string;
  /** [C] */
  features: Float32Array;
}

export interface Embeddings {
  /** The layer the features come from. */
  layer: string;
  /** Whether its 4-D output was global-average-pooled. */
  pooled: boolean;
  /** C. */
  dimension: number;
  /** 'engine' (the native plan) or 'tfjs' (per-kernel on the active backend). */
  runner: string;
  /** Why the engine was wanted but not used, if so. */
  notice?: string;
  embeddings: ImageEmbedding[];
}

/** The layer whose output is the run's pooled penultimate features. */
export function penultimateLayer(run: Pick<Run, 'model' | 'meta' | 'dir'>): string {
  if (run.meta.output === 'features') return run.model.outputLayers[0].name; // a feature extractor: its output
  if (run.model.layers.some((l) => l.name === HEAD_POOL)) return HEAD_POOL;
  throw new OptionError(`${run.dir}: the model has no ${HEAD_POOL} layer before its classifier; name the layer to take with --layer`);
}

/**
 * The features of each image (PNG/JPEG files or bytes): [C] each, in order. A quantized run gives the features of
 * its float model.json (the int8 model keeps no intermediate outputs).
 */
export async function embed(run: Run, images: Array<string | Uint8Array>, o: EmbedOptions = {}): Promise<Embeddings> {
  if (images.length === 0) throw new OptionError('embed needs at least one image');
  const batchSize = o.batchSize ?? 32;
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new OptionError(`batchSize must be a positive integer, got ${String(o.batchSize)}`);
  const f = featureModel(run.model, o.layer ?? penultimateLayer(run), `${run.dir}/model.json`);
  checkBatchMemory(f.model, Math.min(batchSize, images.length), 'infer', '--batch-size');
  const runner = modelRunner(f.model);
  const size = run.meta.inputShape.reduce((a, b) => a * b, 1);
  const sources = images.map((img, i) => (typeof img === 'string' ? img : `image ${i + 1}`));
  const fill = async (start: number, b: number): Promise<Float32Array> => {
    const x = new Float32Array(b * size); // [b, H, W, C]
    for (let i = 0; i < b; i++) {
      const img = images[start + i];
      const source = sources[start + i];
      const bytes = typeof img === 'string' ? await readImageFile(img, o.maxBytes ?? MAX_IMAGE_BYTES) : img;
      x.set(await imageInput(bytes, run.meta, { invert: o.invert, maxPixels: o.maxPixels ?? MAX_IMAGE_PIXELS, source }), i * size);
    }
    return x;
  };
  const c = f.dimension;
  const out = await runInBatches(runner, c, images.length, batchSize, fill); // [n, C]
  return {
    layer: f.layer, pooled: f.pooled, dimension: c, runner: runner.kind, ...(runner.notice ? { notice: runner.notice } : {}),
    embeddings: sources.map((source, i) => ({ source, features: out.slice(i * c, (i + 1) * c) })),
  };
}
