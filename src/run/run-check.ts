/**
 * One validation of a loaded run directory, shared by eval, predict and serve (through loadRun and
 * createServer): meta.json must describe the model it sits beside, and the model must compute finite
 * answers. A bad run is one DataError naming the file, never an HTTP 500, an index for a label or a
 * "NaN%" answer.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { ARCHS } from '../models/presets.js';
import { PREPROCESS_MODES } from '../data/preprocess.js';
import type { RunMeta } from './meta.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v) ?? String(v);

/** Throws DataError(`file: msg`) unless `ok`. */
function need(ok: boolean, file: string, msg: string): void {
  if (!ok) throw new DataError(`${file}: ${msg}`);
}

/** The fields of meta.json, each of the right type and range (no model needed). */
export function checkMeta(meta: Record<string, unknown>, file: string): asserts meta is RunMeta & Record<string, unknown> {
  need((ARCHS as readonly unknown[]).includes(meta.arch), file, `"arch" must be one of ${ARCHS.map((a) => `"${a}"`).join(', ')}, got ${show(meta.arch)}`);
  const shape = meta.inputShape;
  need(Array.isArray(shape) && shape.length === 3 && shape.every((n) => Number.isInteger(n) && n > 0), file,
    `"inputShape" must be [H, W, C] with positive integers, got ${show(shape)}`);
  const c = (shape as number[])[2];
  need(c === 1 || c === 3, file, `"inputShape" must have 1 or 3 channels, got ${c}`);
  const labels = meta.labels;
  const features = meta.output === 'features';
  need(Array.isArray(labels) && (labels.length >= 1 || features) && labels.every((l) => typeof l === 'string'), file,
    `"labels" must be a non-empty list of strings, got ${show(labels)?.slice(0, 80)}`);
  const dup = (labels as string[]).find((l, i) => (labels as string[]).indexOf(l) !== i);
  need(dup === undefined, file, `"labels" lists ${show(dup)} twice`);
  const norm = meta.normalization as { mean?: unknown; std?: unknown } | undefined;
  need(isObject(norm), file, `"normalization" must be {"mean": [...], "std": [...]}, got ${show(norm)}`);
  for (const k of ['mean', 'std'] as const) {
    const v = norm![k];
    need(Array.isArray(v) && v.length === c && v.every((x) => typeof x === 'number' && Number.isFinite(x)), file,
      `"normalization.${k}" must be ${c} finite number${c > 1 ? 's' : ''} (one per channel), got ${show(v)}`);
  }
  need((norm!.std as number[]).every((s) => s > 0), file, `"normalization.std" must be > 0, got ${show(norm!.std)}`);
  const order = (norm as { channelOrder?: unknown }).channelOrder;
  need(order === undefined || order === 'rgb' || order === 'bgr', file, `"normalization.channelOrder" must be "rgb" or "bgr", got ${show(order)}`);
  need(order !== 'bgr' || c === 3, file, '"normalization.channelOrder" "bgr" needs a 3-channel input');
  need(meta.preprocess === undefined || (PREPROCESS_MODES as readonly unknown[]).includes(meta.preprocess), file,
    `"preprocess" must be one of ${PREPROCESS_MODES.map((m) => `"${m}"`).join(', ')}, got ${show(meta.preprocess)}`);
  need(meta.output === 'logits' || meta.output === 'probabilities' || meta.output === 'features', file,
    `"output" must be "logits", "probabilities" or "features", got ${show(meta.output)}`);
  need(typeof meta.dataset === 'string', file, `"dataset" must be a string, got ${show(meta.dataset)}`);
  need(isObject(meta.buildOptions), file, `"buildOptions" must be an object, got ${show(meta.buildOptions)}`);
}

/** Every weight finite; names the first that is not (DataError `file: weight NAME holds NaN (at index I)`). */
export function checkWeights(model: tfl.LayersModel, file: string): void {
  for (const w of model.weights) {
    const values = w.read().dataSync();
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new DataError(`${file}: weight ${w.originalName ?? w.name} holds ${values[i]} (at index ${i})`);
    }
  }
}

/** One forward pass on a blank image: finite outputs, and probabilities that sum to 1 when meta says so. */
function checkProbe(model: tfl.LayersModel, meta: RunMeta, dir: string): void {
  const y = Array.from(tf.tidy(() => (model.predict(tf.zeros([1, ...meta.inputShape])) as tf.Tensor).dataSync())); // [1, K]
  need(y.every((v) => Number.isFinite(v)), path.join(dir, 'weights.bin'), 'the model computes non-finite outputs (NaN or infinity) on a blank image');
  if (meta.output !== 'probabilities') return;
  const sum = y.reduce((a, b) => a + b, 0);
  need(y.every((v) => v >= 0) && Math.abs(sum - 1) < 1e-3, path.join(dir, 'meta.json'),
    `"output" is "probabilities" but the model's outputs sum to ${sum.toPrecision(4)} (logits?)`);
}

/** Layers that pass their input through unchanged in value: looked through to find the model's last activation. */
const PASS_THROUGH = new Set(['Reshape', 'Flatten', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianDropout', 'AlphaDropout']);

/**
 * The activation the model's output ends in, looking back through reshapes, dropout and linear Activation layers
 * (V1's and V3's heads are conv → reshape/flatten → Activation): the layer's name and its activation ('softmax',
 * 'linear', ...; null for a layer without one, e.g. pooling).
 */
export function lastActivation(model: tfl.LayersModel): { layer: string; activation: string | null } {
  let layer = model.outputs[0].sourceLayer;
  for (;;) {
    const cls = layer.getClassName();
    const config = layer.getConfig() as { activation?: unknown };
    const activation = cls === 'Softmax' ? 'softmax' : typeof config.activation === 'string' ? config.activation : null;
    const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
    const passive = PASS_THROUGH.has(cls) || (cls === 'Activation' && activation === 'linear');
    if (!passive || inbound.length !== 1) return { layer: layer.name, activation };
    layer = inbound[0];
  }
}

/** meta.json's "output" against the model's last activation: a logits run must not end in softmax (it would be applied twice), a probabilities run must. */
function checkOutputKind(model: tfl.LayersModel, meta: RunMeta, dir: string): void {
  if (meta.output === 'features') return;
  const { layer, activation } = lastActivation(model);
  const metaFile = path.join(dir, 'meta.json');
  need(meta.output !== 'logits' || activation !== 'softmax', metaFile,
    `"output" is "logits" but the model ends in a softmax (layer "${layer}" of model.json): predict, eval and serve would apply softmax twice; `
    + 'set "output": "probabilities"');
  need(meta.output !== 'probabilities' || activation === 'softmax', metaFile,
    `"output" is "probabilities" but the model's last layer "${layer}" has no softmax (activation ${show(activation ?? 'none')} in model.json): `
    + 'its outputs are logits; set "output": "logits"');
}

/**
 * meta.json against the model in `dir`: input shape, one label per output unit, "output" as the last activation
 * says, finite weights and finite outputs. Throws a DataError naming the file at fault.
 */
export function checkRunModel(model: tfl.LayersModel, meta: RunMeta, dir: string): void {
  const metaFile = path.join(dir, 'meta.json');
  checkMeta(meta as unknown as Record<string, unknown>, metaFile);
  const input = model.inputs[0].shape.slice(1);
  need(input.join('x') === meta.inputShape.join('x'), metaFile,
    `"inputShape" ${meta.inputShape.join('x')} does not match the model's input ${input.join('x')} (model.json)`);
  const out = model.outputs[0].shape;
  need(out.length === 2 && typeof out[1] === 'number', path.join(dir, 'model.json'), `the model's output must be [batch, classes], got [${out.join(', ')}]`);
  need(meta.output === 'features' || meta.labels.length === out[1], metaFile, `${meta.labels.length} labels for a model with ${out[1]} outputs`);
  checkOutputKind(model, meta, dir);
  checkWeights(model, path.join(dir, 'weights.bin'));
  checkProbe(model, meta, dir);
}

/** A label list for a message: the first few names, then how many in all. */
export function shortLabels(labels: readonly string[], n = 5): string {
  const shown = labels.slice(0, n).map((l) => JSON.stringify(l)).join(', ');
  return `[${shown}${labels.length > n ? `, … ${labels.length} in all` : ''}]`;
}

/**
 * Why a dataset's labels are not the run's (names or order), in words, or null when they are the same list.
 * Class i of the dataset is class i of the model: a label set of other names (Fashion-MNIST for an MNIST run, a
 * folder of a..j for 0..9) or the same names in another order would score against the wrong classes.
 */
export function labelMismatch(datasetName: string, datasetLabels: readonly string[], runLabels: readonly string[]): string | null {
  if (datasetLabels.length === runLabels.length && datasetLabels.every((l, i) => l === runLabels[i])) return null;
  const sameSet = datasetLabels.length === runLabels.length && [...datasetLabels].sort().join('\u0000') === [...runLabels].sort().join('\u0000');
  const i = datasetLabels.findIndex((l, k) => l !== runLabels[k]);
  return sameSet
    ? `dataset ${datasetName} has the run's labels in another order (class ${i} is ${JSON.stringify(datasetLabels[i])} there, `
      + `${JSON.stringify(runLabels[i])} in the run): dataset ${shortLabels(datasetLabels)}, run ${shortLabels(runLabels)}`
    : `dataset ${datasetName} has labels ${shortLabels(datasetLabels)}, the run ${shortLabels(runLabels)}`;
}

/** Throws unless the run has a classifier: a feature extractor (`pretrained --no-top`) has no classes to predict. */
export function requireClassifier(meta: RunMeta, dir: string): void {
  if (meta.output === 'features') {
    throw new DataError(`${dir} is a feature extractor without classifier (output "features"): it has no classes to predict; ` +
      'give it a head with train --from, or take its features with embed');
  }
}
