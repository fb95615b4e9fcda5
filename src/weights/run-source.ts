/** A mobilenet run directory (trained or pretrained) as a weight source: its model's weights, meta.json's facts. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { loadRun } from '../run/run-dir.js';
import type { LayerWeights, WeightSource } from './types.js';

/** The weights of `model` by layer name, in TF.js's (= Keras's) weight order. */
export function modelLayers(model: tfl.LayersModel): Map<string, LayerWeights[]> {
  const layers = new Map<string, LayerWeights[]>();
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    layers.set(layer.name, layer.weights.map((w) => ({
      name: w.originalName ?? w.name, shape: [...w.shape] as number[], values: Float32Array.from(w.read().dataSync()),
    })));
  }
  return layers;
}

/** Reads run directory `dir` (checked as eval/predict check it). */
export async function readRunSource(dir: string): Promise<WeightSource> {
  const { meta, model } = await loadRun(dir);
  const o = meta.buildOptions ?? {};
  const layers = modelLayers(model);
  model.dispose();
  return {
    description: `run:${dir}`, layers, arch: meta.arch, alpha: o.alpha ?? 1, inputShape: meta.inputShape,
    includeTop: o.includeTop ?? true, preprocess: meta.preprocess, labels: meta.labels,
    ...(meta.arch === 'v1' ? { activation: o.activation ?? 'relu' } : {}), buildOptions: { ...o },
  };
}
