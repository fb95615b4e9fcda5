/**
 * Loads a WeightSource into a built model by Keras layer name, every shape checked before anything is
 * written: a target layer the source lacks, or a weight whose shape differs, is one DataError naming the
 * layer and both shapes, and the model is left untouched. Source layers the target lacks (another head)
 * are skipped and named in one notice line.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { lookupLayer } from './names.js';
import type { LayerWeights, WeightSource } from './types.js';

export interface ApplyOptions {
  /** Target layers that may be missing from the source (a new head): left as initialised. */
  skipMissing?: (layerName: string) => boolean;
}

export interface ApplyResult {
  /** Target layers whose weights were loaded. */
  loaded: string[];
  /** Source layers the target has no layer for (skipped). */
  skipped: string[];
  /** Target layers missing from the source that skipMissing let stay as initialised. */
  initialised: string[];
  /** One line naming the skipped source layers, when any were. */
  notice?: string;
}

const shapeText = (s: ReadonlyArray<number | null>) => `[${s.join(', ')}]`;
const listShapes = (ws: { shape: ReadonlyArray<number | null> }[]) => ws.map((w) => shapeText(w.shape)).join(' ');

/** A short list: the first `n` names and how many more. */
export function shortList(names: string[], n = 4): string {
  return names.length <= n ? names.join(', ') : `${names.slice(0, n).join(', ')} and ${names.length - n} more`;
}

/** The first mismatch between a target layer's weights and the source's, or null. */
function mismatch(layer: tfl.layers.Layer, src: LayerWeights[]): string | null {
  const want = layer.weights;
  if (want.length !== src.length) {
    return `layer ${layer.name} has ${want.length} weights ${listShapes(want)}, the source has ${src.length} ${listShapes(src)}`;
  }
  for (let i = 0; i < want.length; i++) {
    const a = want[i].shape, b = src[i].shape;
    if (a.length !== b.length || a.some((d, k) => d !== b[k])) {
      const wname = (want[i].originalName ?? want[i].name).split('/').pop();
      return `layer ${layer.name}: ${wname} is ${shapeText(a)} in the model, ${shapeText(b)} in the source`;
    }
    if (src[i].values.length !== b.reduce((x, y) => x * y, 1)) return `layer ${layer.name}: ${src[i].name} holds ${src[i].values.length} values for shape ${shapeText(b)}`;
  }
  return null;
}

/** Checks, then writes, `src` into `model` (see the file comment). */
export function applyWeights(model: tfl.LayersModel, src: WeightSource, o: ApplyOptions = {}): ApplyResult {
  const plan: Array<{ layer: tfl.layers.Layer; weights: LayerWeights[] }> = [];
  const used = new Set<string>();
  const initialised: string[] = [];
  const missing: string[] = [];
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    const hit = lookupLayer(src.layers, layer.name);
    if (!hit) {
      if (o.skipMissing?.(layer.name)) initialised.push(layer.name);
      else missing.push(`${layer.name} ${listShapes(layer.weights)}`);
      continue;
    }
    used.add(hit.key);
    const bad = mismatch(layer, hit.value);
    if (bad) throw new DataError(`${src.description}: ${bad}; nothing was loaded`);
    plan.push({ layer, weights: hit.value });
  }
  if (missing.length) {
    throw new DataError(`${src.description}: no weights for layer ${shortList(missing, 2)} of the model (missing from the source); nothing was loaded`);
  }
  for (const { layer, weights } of plan) {
    const tensors = weights.map((w) => tf.tensor(w.values, w.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  const skipped = [...src.layers.keys()].filter((k) => !used.has(k) && src.layers.get(k)!.length > 0);
  const notice = skipped.length
    ? `notice: ${skipped.length} layer${skipped.length > 1 ? 's' : ''} of ${src.description} not in the model, skipped: ${shortList(skipped)}`
    : undefined;
  return { loaded: plan.map((p) => p.layer.name), skipped, initialised, ...(notice ? { notice } : {}) };
}
