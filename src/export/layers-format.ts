/**
 * Saves and loads LayersModels in the TensorFlow.js layers format (model.json + one weights shard)
 * on the local file system, without tfjs-node. The files load in a browser with tf.loadLayersModel.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { checkTopology } from './topology-check.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Writes a file atomically: temporary name, fsync, rename. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, file);
}

/** Model artifacts → model.json + weights.bin in dir (created if needed). Each file written atomically. */
export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
    await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weights);
    const json = {
      modelTopology: artifacts.modelTopology,
      format: 'layers-model',
      generatedBy: `mobilenet (TensorFlow.js ${tf.version_core})`,
      convertedBy: null,
      weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
    };
    await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(json));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

/** Loads dir/model.json and its shards; a missing or corrupt file is one DataError naming it. */
export async function loadLayersModel(dir: string): Promise<tfl.LayersModel> {
  const jsonPath = path.join(dir, MODEL_JSON);
  let json: { modelTopology?: unknown; weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> };
  try {
    json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
  } catch (e) {
    throw new DataError(`cannot read ${jsonPath}: ${(e as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new DataError(`${jsonPath} is not a TF.js layers model (no modelTopology/weightsManifest)`);
  }
  checkTopology(json.modelTopology, jsonPath); // tfjs-layers would loop forever on a dangling or cyclic inbound node
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        buffers.push(await fs.readFile(file));
      } catch (e) {
        throw new DataError(`cannot read weights shard ${file}: ${(e as Error).message}`);
      }
    }
  }
  const all = Buffer.concat(buffers);
  const expected = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (all.byteLength !== expected) {
    throw new DataError(`weights in ${dir} are ${all.byteLength} bytes, model.json expects ${expected}`);
  }
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology as object, weightSpecs: specs, weightData,
    }));
  } catch (e) {
    const err = e as Error;
    throw new DataError(`cannot build the model in ${jsonPath}: ${err?.message || err?.name || String(e) || 'unknown reason'}`);
  }
}
