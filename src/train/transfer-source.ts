/**
 * Where a transfer run's backbone comes from (`train --from`): a run directory of ours, or — through the weight
 * sources of src/weights/ — a Keras HDF5 file, a TF.js model or 'imagenet'. Every source is read into the same
 * form: weights per Keras layer name, plus what it says about its architecture and preprocessing.
 */
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError, OptionError } from '../errors.js';
import { Preprocess, normalizationFor } from '../data/preprocess.js';
import { Arch, BuildOptions, isV3 } from '../models/presets.js';
import { loadRun } from '../run/run-dir.js';
import { readWeightSource } from '../weights/index.js';

/** One weight of a layer, in Keras's weight order. */
export interface SourceWeight { name: string; shape: number[]; values: Float32Array }

export interface TransferSource {
  /** The --from spec, and one line saying what it is (report, meta.json). */
  spec: string;
  description: string;
  /** Weights by layer name. */
  layers: Map<string, SourceWeight[]>;
  arch?: Arch;
  alpha?: number;
  inputShape?: [number, number, number];
  /** Builder options of the source's architecture beyond arch and alpha (stem stride, V1 activation, …). */
  build: BuildOptions;
  /** The source's preprocessing on the 0..1 pixel scale: x = (pixel/255 − mean)/std. */
  normalization?: { mean: number[]; std: number[] };
  /** Label of each output of the source's head, when it has one. */
  labels?: string[];
  /** The Keras preprocess mode, when the source says or was told. */
  preprocess?: Preprocess;
}

/** The options of a source's architecture that a new model on its backbone must share. */
const HEAD_OPTIONS = ['inputShape', 'classes', 'includeTop', 'pooling', 'classifierActivation', 'transferHead', 'name', 'seed', 'init'] as const;

/** Weights by layer name of a TF.js model. */
export function modelWeights(model: tfl.LayersModel): Map<string, SourceWeight[]> {
  const layers = new Map<string, SourceWeight[]>();
  for (const l of model.layers) {
    if (!l.weights.length) continue;
    layers.set(l.name, l.weights.map((w) => ({
      name: w.originalName ?? w.name, shape: [...w.shape] as number[], values: (w.read().dataSync() as Float32Array).slice(),
    })));
  }
  return layers;
}

/** A run directory as a source (its final model; `RUN/best` for the best epoch). */
export async function runSource(dir: string): Promise<TransferSource> {
  const run = await loadRun(dir);
  const { meta, model } = run;
  const build = Object.fromEntries(Object.entries(meta.buildOptions).filter(([k]) => !(HEAD_OPTIONS as readonly string[]).includes(k))) as BuildOptions;
  const src: TransferSource = {
    spec: dir, description: `run ${dir} (${meta.arch} α${meta.buildOptions.alpha ?? 1}, ${meta.inputShape.join('x')}, trained on ${meta.dataset})`,
    layers: modelWeights(model), arch: meta.arch, alpha: meta.buildOptions.alpha ?? 1, inputShape: meta.inputShape,
    build, normalization: meta.normalization, preprocess: meta.preprocess, labels: meta.buildOptions.transferHead || meta.buildOptions.includeTop !== false ? meta.labels : undefined,
  };
  model.dispose();
  return src;
}

/**
 * A Keras HDF5 file, a TF.js model or 'imagenet' (weights/), without its head. `preprocess`: the mode of a source
 * that does not say (a foreign TF.js model; default tf, or raw for V3, whose Rescaling layer is then built in).
 */
async function weightsSource(spec: string, o: TransferSourceOptions): Promise<TransferSource> {
  if (spec === 'imagenet' && !o.arch) throw new OptionError('--from imagenet needs --arch (Keras picks the file by family, alpha and rows)');
  const w = await readWeightSource(spec, { arch: o.arch, alpha: o.alpha, inputShape: o.inputShape, includeTop: false, onProgress: o.onProgress });
  const arch = o.arch ?? w.arch;
  if (w.preprocess && o.preprocess && o.preprocess !== w.preprocess) {
    throw new OptionError(`${w.description} takes ${w.preprocess} preprocessing; --preprocess ${o.preprocess} would feed it other inputs`);
  }
  const pre: Preprocess = w.preprocess ?? o.preprocess ?? (arch && isV3(arch) ? 'raw' : 'tf');
  const channels = w.inputShape?.[2] ?? 3;
  const build: BuildOptions = {};
  if (arch === 'v1') build.activation = w.activation ?? 'relu6'; // Keras's V1
  if (arch && isV3(arch)) { build.includePreprocessing = pre === 'raw'; build.minimalistic = o.minimalistic ?? false; }
  return {
    spec, description: w.description, layers: w.layers, arch: w.arch, alpha: w.alpha, inputShape: w.inputShape ?? [224, 224, channels],
    build, normalization: normalizationFor(pre, channels), preprocess: pre, labels: w.includeTop ? w.labels : undefined,
  };
}

export interface TransferSourceOptions {
  arch?: Arch; alpha?: number; inputShape?: [number, number, number]; minimalistic?: boolean; preprocess?: Preprocess;
  onProgress?: (msg: string) => void;
}

/** Reads the source `spec`: a run directory (a directory with meta.json), a weights file or 'imagenet'. */
export async function readTransferSource(spec: string, o: TransferSourceOptions = {}): Promise<TransferSource> {
  const st = await fs.stat(spec).catch(() => null);
  if (st?.isDirectory() && (await fs.stat(`${spec}/meta.json`).catch(() => null))) {
    if (o.preprocess) throw new OptionError(`--preprocess: run ${spec} records its own preprocessing`);
    return runSource(spec);
  }
  if (!st && spec !== 'imagenet') throw new DataError(`--from ${spec}: no such run directory or weights file`);
  return weightsSource(spec, o);
}

/**
 * Copies the source's weights into `model` by layer name, every shape checked; layers the model has and the
 * source lacks, or whose shapes differ, are one DataError naming the layer (and both shapes). Returns the
 * source layers the model does not have (another head), for one notice line.
 */
export function loadSourceWeights(model: tfl.LayersModel, src: TransferSource, o: { skip?: (layer: string) => boolean } = {}): string[] {
  const used = new Set<string>();
  for (const layer of model.layers) {
    if (!layer.weights.length || o.skip?.(layer.name)) continue;
    const ws = src.layers.get(layer.name);
    if (!ws) throw new DataError(`${src.spec}: the source has no layer ${layer.name} (the model's ${layer.weights.map((w) => `[${w.shape.join(', ')}]`).join(', ')})`);
    if (ws.length !== layer.weights.length) throw new DataError(`${src.spec}: layer ${layer.name} has ${ws.length} weights, the model's ${layer.weights.length}`);
    layer.weights.forEach((w, i) => {
      if (ws[i].shape.join('x') !== w.shape.join('x')) {
        throw new DataError(`${src.spec}: layer ${layer.name} weight ${ws[i].name}: source shape [${ws[i].shape.join(', ')}], model [${w.shape.join(', ')}]`);
      }
    });
    tf.tidy(() => layer.setWeights(ws.map((w) => tf.tensor(w.values, w.shape, 'float32'))));
    used.add(layer.name);
  }
  return [...src.layers.keys()].filter((n) => !used.has(n));
}
