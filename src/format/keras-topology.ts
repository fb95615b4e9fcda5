/**
 * Layers-model topologies from elsewhere: Keras 3 style JSON (what Keras 3 and the tfjs-converter for
 * `.keras` files write) rewritten to the Keras 2 style that tfjs-layers 4.22 reads, and the layer
 * classes tfjs-layers does not know.
 *
 * Keras 3 differences handled: `inbound_nodes` as `[{args: [keras tensors…], kwargs}]` with
 * `keras_history` (Keras 2: `[[[layer, node, tensor, kwargs], …]]`); `InputLayer.batch_shape`
 * (Keras 2: `batch_input_shape`); `dtype` as a DTypePolicy object; `module` / `registered_name` /
 * `build_config` keys; a single input or output given as one `[name, 0, 0]` triple.
 */
import * as tf from '@tensorflow/tfjs-core';

type Json = Record<string, unknown>;
export interface LayerJson { class_name: string; name?: string; config: Json; inbound_nodes?: unknown[]; [k: string]: unknown }
export interface ModelConfigJson { class_name: string; config: { layers: LayerJson[]; [k: string]: unknown }; [k: string]: unknown }

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The model config inside a modelTopology: `{model_config: …}` (from Keras h5) or the config itself. */
export function modelConfigOf(topology: Json): ModelConfigJson | null {
  const mc = isObj(topology.model_config) ? topology.model_config : topology;
  const layers = isObj(mc.config) ? mc.config.layers : undefined;
  return typeof mc.class_name === 'string' && Array.isArray(layers) ? (mc as unknown as ModelConfigJson) : null;
}

/** True when any layer uses Keras 3's node format or InputLayer.batch_shape. */
export function isKeras3(mc: ModelConfigJson): boolean {
  return mc.config.layers.some((l) =>
    (Array.isArray(l.inbound_nodes) && l.inbound_nodes.some((n) => isObj(n) && 'args' in n)) ||
    (l.class_name === 'InputLayer' && isObj(l.config) && 'batch_shape' in l.config));
}

/** Keras tensors ({class_name: '__keras_tensor__', config: {keras_history}}) anywhere in `v`, in order. */
function kerasTensors(v: unknown, out: Array<[string, number, number]> = []): Array<[string, number, number]> {
  if (Array.isArray(v)) v.forEach((x) => kerasTensors(x, out));
  else if (isObj(v)) {
    const h = isObj(v.config) ? v.config.keras_history : undefined;
    if (v.class_name === '__keras_tensor__' && Array.isArray(h)) out.push([String(h[0]), Number(h[1]), Number(h[2])]);
    else Object.values(v).forEach((x) => kerasTensors(x, out));
  }
  return out;
}

/** Drops Keras 3 serialization keys and turns DTypePolicy objects into dtype names, recursively. */
function stripKeras3(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripKeras3);
  if (!isObj(v)) return v;
  if (v.class_name === 'DTypePolicy' || v.class_name === 'FloatDTypePolicy') {
    return isObj(v.config) && typeof v.config.name === 'string' ? v.config.name : 'float32';
  }
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config') continue;
    out[k] = stripKeras3(x);
  }
  return out;
}

function triples(v: unknown): unknown {
  return Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
}

function keras3Layer(l: LayerJson): LayerJson {
  const out = stripKeras3(l) as LayerJson;
  if (out.class_name === 'InputLayer' && 'batch_shape' in out.config) {
    out.config.batch_input_shape = out.config.batch_shape;
    delete out.config.batch_shape;
  }
  if (Array.isArray(l.inbound_nodes)) {
    out.inbound_nodes = l.inbound_nodes.map((n) => (isObj(n) && 'args' in n
      ? kerasTensors(n.args).map(([name, node, tensor]) => [name, node, tensor, {}])
      : n));
  }
  return out;
}

/** A copy of `topology` in the Keras 2 style tfjs-layers reads (unchanged when it already is). */
export function normalizeTopology(topology: Json): Json {
  const copy = JSON.parse(JSON.stringify(topology)) as Json;
  const mc = modelConfigOf(copy);
  if (!mc) return copy;
  for (const l of mc.config.layers) {
    // Keras 2 after build() saves BatchNormalization's axis as a list ([3]); tfjs-layers wants a number
    if (l.class_name === 'BatchNormalization' && Array.isArray(l.config?.axis) && l.config.axis.length === 1) l.config.axis = l.config.axis[0];
  }
  if (!isKeras3(mc)) return copy;
  mc.config.layers = mc.config.layers.map(keras3Layer);
  for (const k of ['input_layers', 'output_layers'] as const) {
    if (k in mc.config) mc.config[k] = triples(mc.config[k]);
  }
  if (isObj(mc.config.dtype)) mc.config.dtype = stripKeras3(mc.config.dtype);
  delete mc.module;
  delete mc.registered_name;
  delete mc.build_config;
  delete mc.compile_config;
  if (mc.class_name === 'Sequential') sequentialInput(mc);
  return copy;
}

/** Keras 3 Sequential lists its InputLayer; tfjs-layers wants the shape on the first real layer. */
function sequentialInput(mc: ModelConfigJson): void {
  const [first, second] = mc.config.layers;
  if (first?.class_name !== 'InputLayer' || !second) return;
  second.config.batch_input_shape = first.config.batch_input_shape;
  mc.config.layers = mc.config.layers.slice(1);
}

/** Layer class names in the topology that tfjs-layers (with our own registrations) cannot build. */
export function unknownClasses(mc: ModelConfigJson): Array<{ name: string; className: string }> {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  return mc.config.layers
    .filter((l) => !(l.class_name in known))
    .map((l) => ({ name: String(l.config?.name ?? l.name ?? '?'), className: l.class_name }));
}
