/**
 * The TF.js layers-model file (model.json) and its weights manifest: parsing with checks, byte sizes per
 * entry (quantized or not), and reading the shards. Every problem is one DataError naming the file.
 *
 *   model.json = { format, generatedBy, convertedBy, modelTopology, weightsManifest: [{ paths, weights }] }
 *   weights[i] = { name, shape, dtype, quantization?: { dtype: 'uint8'|'uint16', min, scale } | { dtype: 'float16' } }
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { DataError } from '../errors.js';
import { fileKind } from '../fs-errors.js';
import { checkModelTopology } from './topology-check.js';

export type WeightSpec = tf.io.WeightsManifestEntry;
export interface ManifestGroup { paths: string[]; weights: WeightSpec[] }

export interface ModelJson {
  format?: string;
  generatedBy?: string | null;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: ManifestGroup[];
  [key: string]: unknown;
}

const VALUE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes one manifest entry takes in the shards (its quantized dtype when quantized). */
export function specBytes(spec: WeightSpec): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  return spec.shape.reduce((a, b) => a * b, 1) * VALUE_BYTES[dtype];
}

function checkSpec(w: unknown, file: string): asserts w is WeightSpec {
  const s = w as Partial<WeightSpec>;
  const where = `${file}: weightsManifest entry ${JSON.stringify(s?.name ?? w)}`;
  if (typeof s?.name !== 'string') throw new DataError(`${file}: a weightsManifest entry has no "name"`);
  if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataError(`${where} has a bad "shape"`);
  if (!['float32', 'int32', 'bool'].includes(s.dtype as string)) throw new DataError(`${where} has unsupported dtype ${JSON.stringify(s.dtype)}`);
  const q = s.quantization;
  if (q === undefined) return;
  if (!['uint8', 'uint16', 'float16'].includes(q?.dtype as string)) {
    throw new DataError(`${where} has unsupported quantization dtype ${JSON.stringify(q?.dtype)}`);
  }
  if (q.dtype !== 'float16' && !(Number.isFinite(q.min) && Number.isFinite(q.scale))) {
    throw new DataError(`${where}: ${q.dtype} quantization needs numeric "min" and "scale"`);
  }
}

/**
 * Parses model.json text; `file` names it in errors. The manifest and the topology are checked here
 * (checkModelTopology), so no reader can build a graph that hangs tfjs-layers or has impossible sizes.
 */
export function parseModelJson(text: string, file: string): ModelJson {
  let json: Partial<ModelJson>;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DataError(`${file} is not valid JSON`);
  }
  if (json === null || typeof json !== 'object' || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new DataError(`${file} is not a TF.js layers model (no modelTopology)`);
  }
  if (!Array.isArray(json.weightsManifest)) throw new DataError(`${file}: corrupt weights manifest ("weightsManifest" is not a list)`);
  for (const g of json.weightsManifest) {
    if (!Array.isArray(g?.paths) || g.paths.some((p) => typeof p !== 'string' || p === '') || !Array.isArray(g.weights)) {
      throw new DataError(`${file}: corrupt weights manifest (each group needs "paths" and "weights" lists)`);
    }
    for (const p of g.paths) {
      if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) throw new DataError(`${file}: weights path ${JSON.stringify(p)} leaves the model directory`);
    }
    for (const w of g.weights) checkSpec(w, file);
  }
  checkModelTopology(json.modelTopology, file); // tfjs-layers loops forever on a dangling or cyclic inbound node
  return json as ModelJson;
}

/** Reads and parses DIR/model.json (or the given .json file). */
export async function readModelJson(file: string): Promise<ModelJson> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseModelJson(text, file);
}

/** Every manifest entry in order, and the shard files (absolute) in order. */
export function manifestFiles(json: ModelJson, dir: string): { specs: WeightSpec[]; shards: string[] } {
  return {
    specs: json.weightsManifest.flatMap((g) => g.weights),
    shards: json.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p))),
  };
}

/** Checks that each group's shards exist and add up to its entries' bytes (stat only, no reading). */
export async function checkShards(json: ModelJson, file: string): Promise<void> {
  const dir = path.dirname(file);
  for (const g of json.weightsManifest) {
    let bytes = 0;
    for (const p of g.paths) {
      const shard = path.join(dir, p);
      let st: Stats;
      try {
        st = await fs.stat(shard);
      } catch (e) {
        throw new DataError(`missing weights shard ${shard} (named in ${file}): ${(e as NodeJS.ErrnoException).code}`);
      }
      if (!st.isFile()) throw new DataError(`weights shard ${shard} (named in ${file}) is ${fileKind(st)}, not a file`);
      bytes += st.size;
    }
    const expected = g.weights.reduce((s, w) => s + specBytes(w), 0);
    if (bytes !== expected) {
      throw new DataError(`weights shards ${g.paths.join(', ')} are ${bytes} bytes, ${file} expects ${expected}`);
    }
  }
}

/** Reads all shards of model.json `file` into one buffer, after checkShards. */
export async function readWeights(json: ModelJson, file: string): Promise<{ specs: WeightSpec[]; data: ArrayBuffer }> {
  await checkShards(json, file);
  const { specs, shards } = manifestFiles(json, path.dirname(file));
  const buffers: Buffer[] = [];
  for (const shard of shards) {
    try {
      buffers.push(await fs.readFile(shard));
    } catch (e) {
      throw new DataError(`cannot read weights shard ${shard}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  const all = Buffer.concat(buffers);
  return { specs, data: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

/** True when any weight in the manifest is stored quantized. */
export function isQuantized(json: ModelJson): boolean {
  return json.weightsManifest.some((g) => g.weights.some((w) => w.quantization !== undefined));
}
