/** A TF.js layers model (model.json + shards, float32 or quantized) as a weight source. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import { modelConfigOf, normalizeTopology } from '../format/keras-topology.js';
import { modelJsonPath } from '../format/layers-format.js';
import { readModelJson, readWeights } from '../format/manifest.js';
import { inferNetwork } from './names.js';
import type { LayerWeights, WeightSource } from './types.js';

interface LayerJson { class_name?: string; name?: string; config?: { name?: string; max_value?: number | null; batch_input_shape?: unknown; batch_shape?: unknown } }

/** The layer a manifest weight belongs to: the longest topology layer name that prefixes it, else up to the last '/'. */
function layerOf(weightName: string, names: string[]): string {
  const hit = names.find((n) => weightName.startsWith(`${n}/`));
  return hit ?? weightName.slice(0, Math.max(0, weightName.lastIndexOf('/')));
}

/** [H, W, C] of the model's input layer, when the topology gives one. */
function inputShapeOf(layers: LayerJson[]): [number, number, number] | undefined {
  const input = layers.find((l) => l.class_name === 'InputLayer');
  const s = (input?.config?.batch_input_shape ?? input?.config?.batch_shape) as unknown[] | undefined;
  if (!Array.isArray(s) || s.length !== 4 || !s.slice(1).every((d) => Number.isInteger(d))) return undefined;
  return s.slice(1) as [number, number, number];
}

/** Reads DIR (or DIR/model.json, or a .json path): the weights by layer, dequantized to float32. */
export async function readTfjsSource(p: string): Promise<WeightSource> {
  const file = await modelJsonPath(p);
  const json = await readModelJson(file);
  const topology = normalizeTopology(json.modelTopology);
  const layerList = (modelConfigOf(topology)?.config.layers ?? []) as LayerJson[];
  const names = layerList.map((l) => l.config?.name ?? l.name ?? '').filter((n) => n).sort((a, b) => b.length - a.length);
  const { specs, data } = await readWeights(json, file);
  let tensors: tf.NamedTensorMap;
  try {
    tensors = tf.io.decodeWeights(data, specs);
  } catch (e) {
    throw new DataError(`${file}: cannot decode the weights: ${(e as Error).message.split('\n')[0]}`);
  }
  const layers = new Map<string, LayerWeights[]>();
  for (const s of specs) {
    const t = tensors[s.name];
    const layer = layerOf(s.name, names);
    if (!layers.has(layer)) layers.set(layer, []);
    layers.get(layer)!.push({ name: s.name, shape: [...t.shape], values: Float32Array.from(t.dataSync()) });
    t.dispose();
  }
  const inferred = inferNetwork(layers);
  const v1Relu = layerList.find((l) => l.config?.name === 'conv1_relu');
  return {
    description: `tfjs:${path.dirname(file)}`, layers, ...inferred, inputShape: inputShapeOf(layerList),
    ...(inferred.arch === 'v1' && v1Relu ? { activation: v1Relu.config?.max_value === 6 ? 'relu6' : 'relu' } : {}),
  };
}
