/**
 * Features of a model's layer: the model cut at that layer, a 4-D output pooled by global average pooling into
 * [B, C] (other ranks flattened), run in batches through the engine when it can (engine/runner.ts). One place for
 * the transfer trainer's cached backbone features (train/embed-trainer.ts) and `mobilenet embed` (evaluate/embed.ts).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { globalAveragePooling2d } from '../backend/v3-layers.js';
import { OptionError } from '../errors.js';
import type { ModelRunner } from './runner.js';

export interface FeatureModel {
  /** From the model's input to the features [B, C] (shares the model's layers and weights). */
  model: tfl.LayersModel;
  /** The layer whose output the features are. */
  layer: string;
  /** Whether that output was 4-D and global-average-pooled (false: it was [B, C] already, or flattened). */
  pooled: boolean;
  /** C. */
  dimension: number;
}

/** A few of the model's layer names, for an error: the first and last ones. */
function someLayers(model: tfl.LayersModel): string {
  const names = model.layers.filter((l) => l.getClassName() !== 'InputLayer').map((l) => l.name);
  if (names.length <= 8) return names.join(', ');
  return `${names.slice(0, 4).join(', ')}, …, ${names.slice(-4).join(', ')}; ${names.length} in all, mobilenet summary lists them`;
}

/** The features of `layerName` (the model itself when that is its output and it is [B, C]). */
export function featureModel(model: tfl.LayersModel, layerName: string, what = 'the model'): FeatureModel {
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) throw new OptionError(`layer ${JSON.stringify(layerName)} is not a layer of ${what} (layers: ${someLayers(model)})`);
  if (layer.getClassName() === 'InputLayer') {
    throw new OptionError(`layer ${JSON.stringify(layerName)} is the input of ${what}, not features of it; name a layer after it (layers: ${someLayers(model)})`);
  }
  if (layer.inboundNodes.length !== 1) throw new OptionError(`layer ${JSON.stringify(layerName)} of ${what} is shared; name another layer`);
  const out = layer.output as tfl.SymbolicTensor;
  const rank = out.shape.length;
  let x = out;
  if (rank === 4) x = globalAveragePooling2d({ name: `${layerName}_embed_pool` }).apply(out) as tfl.SymbolicTensor; // [B, C]
  else if (rank !== 2) x = tfl.layers.flatten({ name: `${layerName}_embed_flatten` }).apply(out) as tfl.SymbolicTensor; // [B, C]
  const isOutput = x === out && model.outputs.length === 1 && model.outputs[0] === out;
  const m = isOutput ? model : tfl.model({ inputs: model.inputs, outputs: x });
  return { model: m, layer: layerName, pooled: rank === 4, dimension: x.shape[1] as number };
}

/**
 * Features [n, C] of `count` inputs, `batchSize` at a time: `fill(start, b)` gives inputs start..start+b−1 as
 * [b, H, W, C] (normalised). `onBatch` hears each batch's features as they come.
 */
export async function runInBatches(
  runner: ModelRunner, dimension: number, count: number, batchSize: number,
  fill: (start: number, b: number) => Promise<Float32Array> | Float32Array,
): Promise<Float32Array> {
  const out = new Float32Array(count * dimension); // [n, C]
  for (let start = 0; start < count; start += batchSize) {
    const b = Math.min(batchSize, count - start);
    out.set(runner.run(await fill(start, b), b), start * dimension);
  }
  return out;
}
