/**
 * Checks a layers-format model topology (model.json's modelTopology) before TF.js builds it, and the
 * shapes of the model built from it. `checkModelTopology` is called by parseModelJson, so every reader of
 * a model.json (loadRun, summary, cost, export, the weight importers) gets it without asking.
 *
 * Why: tfjs-layers rebuilds a functional model by looping over its layers until every inbound node is
 * processed; a node whose input layer does not exist (a typo, a deleted layer) or that waits on itself
 * through a cycle is never processed, and the loop spins forever at 100% CPU without yielding. This
 * replays the same processing order without building anything and names the first layer that can
 * never be connected, so loading fails with one line instead.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../errors.js';
import { modelConfigOf, normalizeTopology } from './keras-topology.js';

interface LayerJson { name?: unknown; class_name?: unknown; inbound_nodes?: unknown }

type Ref = [string, number, number];

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const quote = (s: string) => JSON.stringify(s);

/** [layerName, nodeIndex, tensorIndex(, kwargs)] → Ref, or a description of what is wrong. */
function parseRef(v: unknown): Ref | string {
  if (!Array.isArray(v) || v.length < 3) return 'is not [layerName, nodeIndex, tensorIndex]';
  const [name, node, tensor] = v as unknown[];
  if (typeof name !== 'string' || !isIndex(node) || !isIndex(tensor)) return 'is not [layerName, nodeIndex, tensorIndex]';
  return [name, node, tensor];
}

/** The inbound nodes of `layer`, each a list of refs; throws on a malformed entry. */
function inboundNodes(layer: LayerJson & { name: string }, fail: (msg: string) => never): Ref[][] {
  const nodes = layer.inbound_nodes ?? [];
  if (!Array.isArray(nodes)) fail(`layer ${quote(layer.name)}: inbound_nodes is not a list`);
  return nodes.map((node: unknown, n) => {
    if (!Array.isArray(node)) fail(`layer ${quote(layer.name)}: inbound node ${n} is not a list of inputs`);
    return node.map((entry: unknown) => {
      const r = parseRef(entry);
      if (typeof r === 'string') fail(`layer ${quote(layer.name)}: an input of inbound node ${n} ${r}`);
      return r;
    });
  });
}

/** The layers list of a functional topology (Keras' model_config wrapper accepted), or null for Sequential. */
function functionalConfig(topology: unknown, fail: (msg: string) => never): { layers: LayerJson[]; config: Record<string, unknown> } | null {
  const t = ((topology as { model_config?: unknown })?.model_config ?? topology) as { class_name?: unknown; config?: unknown };
  if (typeof t !== 'object' || t === null) fail('modelTopology is not an object');
  if (t.class_name === 'Sequential') return null;
  const config = t.config as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null || !Array.isArray(config.layers)) fail('modelTopology has no config.layers list');
  return { layers: config.layers as LayerJson[], config };
}

/**
 * Throws a DataError naming `file` when the topology cannot be built: duplicate or missing layer names,
 * an input from a layer that does not exist, a node that can never be connected (cycle), or input/output
 * layers that are missing.
 */
export function checkTopology(topology: unknown, file: string): void {
  const fail: (msg: string) => never = (msg) => { throw new DataError(`${file}: ${msg}`); };
  const f = functionalConfig(topology, fail);
  if (!f) return;
  const named = f.layers.map((l, i) => {
    if (typeof l?.name !== 'string' || l.name === '') fail(`layer ${i} has no name`);
    return l as LayerJson & { name: string };
  });
  const byName = new Map<string, Ref[][]>();
  for (const l of named) {
    if (byName.has(l.name)) fail(`two layers are named ${quote(l.name)}`);
    byName.set(l.name, []);
  }
  for (const l of named) {
    const nodes = inboundNodes(l, fail);
    for (const node of nodes) {
      for (const [from] of node) {
        if (!byName.has(from)) fail(`layer ${quote(l.name)} takes its input from ${quote(from)}, which is not a layer of the model`);
      }
    }
    byName.set(l.name, nodes);
  }
  const built = connect(named, byName, fail);
  for (const key of ['input_layers', 'output_layers'] as const) {
    const refs = f.config[key];
    if (!Array.isArray(refs) || refs.length === 0) fail(`the model lists no ${key.replace('_', ' ')}`);
    for (const v of refs as unknown[]) {
      const r = parseRef(v);
      if (typeof r === 'string') fail(`an entry of ${key} ${r}`);
      const [name, node] = r;
      if (!byName.has(name)) fail(`${key.replace('_layers', '')} layer ${quote(name)} is not a layer of the model`);
      if ((built.get(name) ?? 0) <= node) fail(`${key.replace('_layers', '')} layer ${quote(name)} has no node ${node}`);
    }
  }
}

/**
 * Replays tfjs-layers' connection order: a layer's k-th inbound node is connected once every input
 * layer has more nodes than the index it asks for. Returns the node count per layer; throws naming the
 * layers left waiting when a pass connects nothing.
 */
function connect(layers: Array<LayerJson & { name: string }>, inbound: Map<string, Ref[][]>, fail: (msg: string) => never): Map<string, number> {
  const order = layers.map((l) => l.name);
  const count = new Map<string, number>();
  const pending = new Map<string, Ref[][]>();
  for (const l of layers) {
    const nodes = inbound.get(l.name)!;
    // an InputLayer (no inbound nodes) creates its own node when it is constructed
    count.set(l.name, nodes.length === 0 && l.class_name === 'InputLayer' ? 1 : 0);
    if (nodes.length) pending.set(l.name, [...nodes]);
  }
  while (pending.size > 0) {
    let progress = false;
    for (const name of order) {
      const nodes = pending.get(name);
      while (nodes?.length && nodes[0].every(([from, node]) => (count.get(from) ?? 0) > node)) {
        nodes.shift();
        count.set(name, count.get(name)! + 1);
        progress = true;
      }
      if (nodes && nodes.length === 0) pending.delete(name);
    }
    if (!progress) {
      const stuck = [...pending.keys()];
      const [name] = stuck;
      const waits = pending.get(name)![0].map(([from, node]) => `${quote(from)} node ${node}`).join(', ');
      fail(`${stuck.length === 1 ? 'layer' : 'layers'} ${stuck.slice(0, 3).map(quote).join(', ')}${stuck.length > 3 ? '…' : ''} can never be connected (${quote(name)} waits on ${waits}: a cycle or a missing node)`);
    }
  }
  return count;
}

const isPositiveInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Layer config keys that must be a positive integer, or a list of them (Keras accepts both for sizes). */
const POSITIVE_KEYS = ['strides', 'kernel_size', 'dilation_rate', 'pool_size', 'filters', 'units', 'depth_multiplier', 'size'];

/** Sizes in one layer's config: input shape, strides, kernel sizes, units… (a zero stride divides by zero). */
function checkLayerConfig(l: { name?: unknown; class_name?: unknown; config?: unknown }, fail: (msg: string) => never): void {
  const c = l.config as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) return;
  const name = quote(String(l.name ?? c.name));
  for (const key of ['batch_input_shape', 'batch_shape'] as const) {
    const shape = c[key];
    if (shape === undefined) continue;
    if (!Array.isArray(shape) || shape.slice(1).some((d) => d !== null && !isPositiveInt(d))) {
      fail(`layer ${name}: input shape ${JSON.stringify(shape)} must list positive integers (or null) after the batch dimension`);
    }
  }
  for (const key of POSITIVE_KEYS) {
    const v = c[key];
    if (v === undefined || v === null) continue;
    if (!(isPositiveInt(v) || (Array.isArray(v) && v.length > 0 && v.every(isPositiveInt)))) {
      fail(`layer ${name}: ${key} ${JSON.stringify(v)} must be positive integers`);
    }
  }
}

/**
 * The one check of a model.json's modelTopology, run by parseModelJson for every reader: Keras 2 or 3 style
 * (normalised first), a model config with layers, sizes in each layer's config, and a graph tfjs-layers can
 * connect (checkTopology). Throws one DataError naming `file` and the layer.
 */
export function checkModelTopology(modelTopology: Record<string, unknown>, file: string): void {
  const fail: (msg: string) => never = (msg) => { throw new DataError(`${file}: ${msg}`); };
  const topology = normalizeTopology(modelTopology);
  const mc = modelConfigOf(topology);
  if (!mc) fail('modelTopology has no model config with layers');
  mc.config.layers.forEach((l) => checkLayerConfig(l, fail));
  checkTopology(topology, file);
}

/**
 * Every layer of a built model has a finite, positive output shape (an input too small for its strides
 * shrinks to 0 or below); names the first layer that does not.
 */
export function checkLayerShapes(model: tfl.LayersModel, file: string): void {
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) || layer.outputShape.length === 0 ? layer.outputShape : [layer.outputShape]) as Array<Array<number | null>>;
    for (const shape of shapes) {
      if (shape.slice(1).some((d) => d !== null && !isPositiveInt(d))) {
        throw new DataError(`${file}: layer ${quote(layer.name)} has output shape [${shape.slice(1).join(', ')}]: `
          + 'the input is too small for the layers before it (each size must be a positive integer)');
      }
    }
  }
}
