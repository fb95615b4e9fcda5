/**
 * A model's layer graph and weights in plain files, for the PyTorch replica in scripts/torch/replica.py
 * (the training-step parity check and the recipe experiments): graph.json lists the layers in
 * topological order with their Keras config and inbound layers; <stem>.json + <stem>.bin hold every
 * weight (float32, TF.js layout) with its offset.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';

export interface GraphLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Names of the layers feeding this one (empty for the input). */
  inbound: string[];
}

export interface GraphJson {
  name: string;
  inputShape: number[];
  layers: GraphLayer[];
}

/** The layer graph of a functional model (one inbound node per layer, as our builders make). */
export function describeGraph(model: tfl.LayersModel): GraphJson {
  const layers = model.layers.map((l) => ({
    name: l.name,
    className: l.getClassName(),
    config: l.getConfig() as Record<string, unknown>,
    inbound: l.inboundNodes[0]?.inboundLayers.map((x) => x.name) ?? [],
  }));
  return { name: model.name, inputShape: (model.inputs[0].shape.slice(1) as number[]), layers };
}

export interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** Writes DIR/<stem>.bin (all weights, float32, model.weights order) and DIR/<stem>.json (their names and offsets). */
export async function writeWeights(model: tfl.LayersModel, dir: string, stem = 'weights'): Promise<void> {
  const entries: WeightEntry[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const w of model.weights) {
    const values = w.read().dataSync() as Float32Array;
    entries.push({ name: w.originalName, shape: [...w.shape] as number[], offset });
    parts.push(values);
    offset += values.length;
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) { all.set(p, at); at += p.length; }
  await fs.writeFile(path.join(dir, `${stem}.bin`), Buffer.from(all.buffer, all.byteOffset, all.byteLength));
  await fs.writeFile(path.join(dir, `${stem}.json`), JSON.stringify(entries));
}

/** Writes a float32 array as DIR/NAME.bin. */
export async function writeFloats(dir: string, name: string, values: Float32Array | Int32Array): Promise<void> {
  await fs.writeFile(path.join(dir, `${name}.bin`), Buffer.from(values.buffer, values.byteOffset, values.byteLength));
}
