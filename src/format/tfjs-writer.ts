/**
 * Writes a LayersModel in the TF.js layers format the way the tfjs-converter lays it out
 * (keras_h5_conversion.write_artifacts + write_weights): one weight group, its bytes concatenated and cut
 * into 4 MiB shards `group1-shard{i}of{n}.bin`, manifest entries `{name, shape, dtype, quantization?}`.
 * float32 weights are quantized on request (quantize.ts); others are stored as they are, as the converter does.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { writeFileAtomic } from './layers-format.js';
import { ManifestGroup, WeightSpec, specBytes } from './manifest.js';
import { QuantizeDtype, quantizeWeights } from './quantize.js';

/** The converter's default shard size: the largest file all major browsers cache. */
export const SHARD_BYTES = 4 * 1024 * 1024;

export interface Artifacts {
  topology: Record<string, unknown>;
  specs: WeightSpec[];
  data: ArrayBuffer;
}

/** The model's topology JSON and float32 weights, as model.save() produces them. */
export async function modelArtifacts(model: tfl.LayersModel): Promise<Artifacts> {
  let out: Artifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    out = {
      topology: JSON.parse(JSON.stringify(a.modelTopology)),
      specs: a.weightSpecs ?? [],
      data: a.weightData as ArrayBuffer,
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return out!;
}

/** Re-encodes float32 weights (quantized when asked); returns the manifest entries and the group's bytes. */
export function encodeWeights(specs: WeightSpec[], data: ArrayBuffer, quantize: QuantizeDtype | null): { weights: WeightSpec[]; bytes: Uint8Array } {
  const parts: Uint8Array[] = [];
  const weights: WeightSpec[] = [];
  let offset = 0;
  for (const spec of specs) {
    const n = specBytes(spec);
    const raw = new Uint8Array(data, offset, n);
    offset += n;
    const entry: WeightSpec = { name: spec.name, shape: spec.shape, dtype: spec.dtype };
    if (quantize && spec.dtype === 'float32' && !spec.quantization) {
      const q = quantizeWeights(new Float32Array(raw.slice().buffer), quantize);
      entry.quantization = q.quantization as WeightSpec['quantization'];
      parts.push(q.bytes);
    } else {
      if (spec.quantization) entry.quantization = spec.quantization;
      parts.push(raw);
    }
    weights.push(entry);
  }
  return { weights, bytes: Buffer.concat(parts) };
}

/** Cuts a group's bytes into shards of at most shardBytes (at least one shard, possibly empty). */
export function shard(bytes: Uint8Array, shardBytes = SHARD_BYTES): Uint8Array[] {
  const n = Math.max(1, Math.ceil(bytes.byteLength / shardBytes));
  return Array.from({ length: n }, (_, i) => bytes.subarray(i * shardBytes, (i + 1) * shardBytes));
}

export interface WriteTfjsOptions {
  quantize?: QuantizeDtype | null;
  shardBytes?: number;
  /** model.json's convertedBy (default: this package). */
  convertedBy?: string;
}

/**
 * Writes model.json + group1-shard*.bin into `dir` (which must exist), each file atomically, shards
 * first. Returns the file names written.
 */
export async function writeTfjsFiles(dir: string, a: Artifacts, o: WriteTfjsOptions = {}): Promise<string[]> {
  const { weights, bytes } = encodeWeights(a.specs, a.data, o.quantize ?? null);
  const shards = shard(bytes, o.shardBytes ?? SHARD_BYTES);
  const paths = shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`);
  for (let i = 0; i < shards.length; i++) await writeFileAtomic(path.join(dir, paths[i]), shards[i]);
  const manifest: ManifestGroup[] = [{ paths, weights }];
  const json = {
    format: 'layers-model',
    generatedBy: `mobilenet (TensorFlow.js ${tf.version_core})`,
    convertedBy: o.convertedBy ?? (o.quantize ? `mobilenet export --quantize ${o.quantize}` : 'mobilenet export'),
    modelTopology: a.topology,
    weightsManifest: manifest,
  };
  await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(json));
  return ['model.json', ...paths];
}
