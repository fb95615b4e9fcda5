/**
 * Saves and loads LayersModels in the TensorFlow.js layers format (model.json + weight shards)
 * on the local file system, without tfjs-node. The files load in a browser with tf.loadLayersModel.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { writeFailure } from '../fs-errors.js';
import { modelConfigOf, normalizeTopology, unknownClasses } from './keras-topology.js';
import { readModelJson, readWeights } from './manifest.js';
import { checkLayerShapes } from './topology-check.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** Writes a file atomically: temporary name, fsync, rename; on failure the temporary file is removed. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw writeFailure(e, file);
  }
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

/** DIR/model.json for a directory, else the path itself (a .json file). */
export async function modelJsonPath(p: string): Promise<string> {
  const st = await fs.stat(p).catch(() => null);
  if (!st) throw new DataError(`${p} does not exist`);
  return st.isDirectory() ? path.join(p, MODEL_JSON) : p;
}

/**
 * Loads a TF.js layers model: DIR (its model.json) or a model.json path, with its shards — float32 or
 * quantized (uint8/uint16/float16, dequantized on load), Keras 2 or Keras 3 style topology. A missing
 * or corrupt file, a missing shard or a layer class tfjs-layers cannot build is one DataError naming the file.
 */
export async function loadLayersModel(dirOrFile: string): Promise<tfl.LayersModel> {
  const jsonPath = await modelJsonPath(dirOrFile);
  const json = await readModelJson(jsonPath);
  const topology = normalizeTopology(json.modelTopology);
  const mc = modelConfigOf(topology)!; // readModelJson checked the topology (checkModelTopology)
  const unknown = unknownClasses(mc);
  if (unknown.length) {
    throw new DataError(`${jsonPath}: unknown layer class ${unknown.map((u) => `${u.className} (${u.name})`).join(', ')}`);
  }
  const { specs, data } = await readWeights(json, jsonPath);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: specs, weightData: data }));
  } catch (e) {
    const err = e as Error;
    const why = err?.message?.split('\n')[0] || err?.name || String(e) || 'unknown reason';
    throw new DataError(`cannot build the model in ${jsonPath}: ${why}`);
  }
  checkLayerShapes(model, jsonPath);
  return model;
}
