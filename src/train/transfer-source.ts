/**
 * Where a transfer run's backbone comes from (`train --from`): a run directory of ours, or — through the weight
 * sources of src/weights/ — a Keras HDF5 file, a TF.js model or 'imagenet'. Every source is read into the same
 * form: weights per Keras layer name, plus what it says about its architecture and preprocessing.
 */
import { promises as fs } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError, OptionError } from '../errors.js';
import type { Arch, BuildOptions } from '../models/presets.js';
import { loadRun } from '../run/run-dir.js';

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
    build, normalization: meta.normalization, labels: meta.buildOptions.transferHead || meta.buildOptions.includeTop !== false ? meta.labels : undefined,
  };
  model.dispose();
  return src;
}

/** Reads the source `spec`: a run directory (a directory with meta.json), else an error naming what is missing. */
export async function readTransferSource(spec: string): Promise<TransferSource> {
  const st = await fs.stat(spec).catch(() => null);
  if (st?.isDirectory() && (await fs.stat(`${spec}/meta.json`).catch(() => null))) return runSource(spec);
  if (!st && spec !== 'imagenet') throw new DataError(`--from ${spec}: no such run directory or weights file`);
  throw new OptionError(`--from ${spec}: only run directories are supported as transfer sources in this build`);
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
