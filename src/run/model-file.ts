/**
 * Any TF.js layers model.json, for `summary` and `cost`: built from its topology alone (weights are not
 * needed to count them), Keras 2 or Keras 3 style, quantized or not. The manifest is checked and its
 * shards must exist with the right sizes. A layer class tfjs-layers does not know becomes an
 * UnknownLayer placeholder carrying the manifest's weight shapes for it, so it is listed with its
 * class name and weight count (its output shape is taken to be its input's), never a crash.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { RunMeta, readMeta } from './run-dir.js';
import { isKeras3, modelConfigOf, normalizeTopology, unknownClasses } from '../format/keras-topology.js';
import { modelJsonPath } from '../format/layers-format.js';
import { checkLayerShapes } from '../format/topology-check.js';
import { checkShards, manifestFiles, readModelJson, specBytes } from '../format/manifest.js';

type Kwargs = Record<string, unknown>;

interface UnknownArgs { name: string; className: string; weightShapes: number[][]; trainable?: boolean }

/** Stand-in for a layer class we cannot build: identity shape, the file's weight shapes. */
export class UnknownLayer extends tfl.layers.Layer {
  static className = 'MobilenetUnknownLayer';
  readonly originalClassName: string;
  private readonly weightShapes: number[][];

  constructor(args: UnknownArgs) {
    super({ name: args.name, trainable: args.trainable });
    this.originalClassName = args.className;
    this.weightShapes = args.weightShapes;
  }

  override build(): void {
    this.weightShapes.forEach((shape, i) => this.addWeight(`w${i}`, shape, 'float32', tfl.initializers.zeros()));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return Array.isArray(inputShape[0]) ? (inputShape as tfl.Shape[])[0] : inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return Array.isArray(inputs) ? inputs[0] : inputs;
  }

  override getClassName(): string {
    return this.originalClassName;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), className: this.originalClassName, weightShapes: this.weightShapes };
  }
}
tf.serialization.registerClass(UnknownLayer);

export interface UnknownLayerInfo { name: string; className: string; weights: number }

export interface ModelFile {
  /** The model.json read. */
  file: string;
  model: tfl.LayersModel;
  /** meta.json beside it when it is a mobilenet run directory. */
  meta: RunMeta | null;
  topology: 'keras2' | 'keras3';
  /** Storage dtypes of the weights (float32, float16, uint8, uint16) and the shards' total bytes. */
  weightDtypes: string[];
  weightBytes: number;
  unknownLayers: UnknownLayerInfo[];
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Reads PATH (a run directory, a model directory or a model.json) for summary/cost. */
export async function readModelFile(p: string): Promise<ModelFile> {
  const file = await modelJsonPath(p);
  const json = await readModelJson(file);
  await checkShards(json, file);
  const raw = modelConfigOf(json.modelTopology);
  if (!raw) throw new DataError(`${file}: modelTopology has no model config with layers`);
  const keras3 = isKeras3(raw);
  const topology = normalizeTopology(json.modelTopology);
  const mc = modelConfigOf(topology)!;
  const { specs } = manifestFiles(json, path.dirname(file));
  const unknown = unknownClasses(mc);
  const unknownLayers: UnknownLayerInfo[] = [];
  for (const u of unknown) {
    const shapes = specs.filter((s) => s.name.startsWith(`${u.name}/`)).map((s) => s.shape);
    const layer = mc.config.layers.find((l) => (l.config?.name ?? l.name) === u.name)!;
    layer.class_name = UnknownLayer.className;
    layer.config = { name: u.name, className: u.className, weightShapes: shapes, trainable: layer.config?.trainable };
    unknownLayers.push({ name: u.name, className: u.className, weights: shapes.reduce((s, x) => s + count(x), 0) });
  }
  let model: tfl.LayersModel;
  try {
    model = await tfl.models.modelFromJSON({ modelTopology: topology } as unknown as Parameters<typeof tfl.models.modelFromJSON>[0]);
  } catch (e) {
    throw new DataError(`cannot build the model in ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  checkLayerShapes(model, file);
  const meta = await readMeta(path.dirname(file)).catch(() => null);
  const dtypes = [...new Set(specs.map((s) => s.quantization?.dtype ?? s.dtype))];
  return {
    file, model, meta, topology: keras3 ? 'keras3' : 'keras2', weightDtypes: dtypes,
    weightBytes: specs.reduce((s, w) => s + specBytes(w), 0), unknownLayers,
  };
}

/** The one notice line for unknown layer classes, or null when there are none. */
export function unknownNotice(u: UnknownLayerInfo[]): string | null {
  if (!u.length) return null;
  const list = u.map((l) => `${l.className} (${l.name}, ${l.weights.toLocaleString('en-US')} weights)`).join(', ');
  return `notice: ${u.length} layer${u.length > 1 ? 's' : ''} of a class mobilenet does not know: ${list}; ` +
    'counted with their weights and 0 mult-adds, output shape taken as their input\'s';
}
