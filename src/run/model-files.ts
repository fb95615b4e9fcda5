/**
 * Model files for run directories. Training runs a logits model; the saved model.json gets a softmax
 * on its `predictions` layer (same weights), so whoever loads it — a browser included — gets
 * probabilities; meta.output says 'probabilities'. logitsModel() undoes that for training/evaluation.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { MODEL_JSON, WEIGHTS_BIN, writeFileAtomic } from '../format/layers-format.js';
import { buildModel } from '../models/presets.js';
import type { RunMeta } from './meta.js';

interface LayerJson { class_name?: string; config?: { name?: string; activation?: string } }

/** Sets the activation of the layer named `predictions` in a layers-format topology (in place). */
export function setHeadActivation(topology: unknown, activation: 'softmax' | 'linear'): void {
  const layers = (topology as { config?: { layers?: LayerJson[] } })?.config?.layers ?? [];
  const head = layers.find((l) => l.config?.name === 'predictions');
  if (!head?.config) throw new DataError('model has no "predictions" layer to put a softmax on');
  head.config.activation = activation;
}

/** A model with a NaN or infinite weight is never written (the last line of defence behind the training checks). */
function refuseNonFinite(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer, dir: string): void {
  let offset = 0;
  for (const w of specs) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    if (w.dtype === 'float32') {
      const values = new Float32Array(data, offset, n);
      const i = values.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) throw new DataError(`refusing to write a model to ${dir}: weight ${w.name} holds ${values[i]} (at index ${i})`);
    }
    offset += n * (w.dtype === 'float32' || w.dtype === 'int32' ? 4 : 1);
  }
}

/** Writes model.json + weights.bin into dir (each atomically, never with a non-finite weight); `softmax` patches the head. */
export async function writeModel(model: tfl.LayersModel, dir: string, o: { softmax: boolean }): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (a) => {
    const topology = JSON.parse(JSON.stringify(a.modelTopology));
    if (o.softmax) setHeadActivation(topology, 'softmax');
    refuseNonFinite(a.weightSpecs ?? [], a.weightData as ArrayBuffer, dir);
    await writeFileAtomic(path.join(dir, WEIGHTS_BIN), new Uint8Array(a.weightData as ArrayBuffer));
    const json = {
      modelTopology: topology, format: 'layers-model', generatedBy: `mobilenet (TensorFlow.js ${tf.version_core})`,
      convertedBy: null, weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: a.weightSpecs }],
    };
    await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

/** A model emitting logits with the weights of `model` (rebuilt from meta when it emits probabilities). */
export function logitsModel(
  model: tfl.LayersModel, meta: Pick<RunMeta, 'arch' | 'buildOptions' | 'output'>, metaFile = 'meta.json',
): tfl.LayersModel {
  if (meta.output === 'logits') return model;
  let twin: tfl.LayersModel;
  try {
    twin = buildModel(meta.arch, { ...meta.buildOptions, classifierActivation: null });
  } catch (e) {
    throw new DataError(`${metaFile}: "buildOptions" do not build a model: ${(e as Error).message}`);
  }
  try { // layer by layer: a model with frozen layers lists its weights trainable first, the twin (all trainable) does not
    for (const l of model.layers) if (l.weights.length) twin.getLayer(l.name).setWeights(l.getWeights());
  } catch (e) {
    throw new DataError(`${metaFile}: the model's weights do not match "arch"/"buildOptions": ${(e as Error).message}`);
  }
  return twin;
}
