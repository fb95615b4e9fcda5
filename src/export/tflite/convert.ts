/**
 * LayersModel → TFLite flatbuffer bytes (float32). Walks the Keras graph in topological order through the
 * TFLITE_CONVERTERS table, after the folds of onnx/fold.ts (BN and padding into convolutions) and the
 * patterns of patterns.ts (hard-swish). One NHWC float32 input [batch, H, W, C] (batch fixed in the shape,
 * −1 in the shape signature), one output.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../../errors.js';
import { key, softmaxOutputLayer } from '../onnx/convert.js';
import { planFolds } from '../onnx/fold.js';
import type { Layer } from '../onnx/values.js';
import { TfliteContext, TValue, UnsupportedTfliteLayer } from './context.js';
import { TfliteGraph } from './graph.js';
import { TFLITE_CONVERTERS } from './layers.js';
import { planHardSwish } from './patterns.js';
import type { OpName } from './schema.js';

export interface TfliteConvertOptions {
  /** Batch size written into the tensor shapes (default 1; the shape signature says −1). */
  batch?: number;
  /** Drop the output layer's softmax: the model outputs logits. */
  logits?: boolean;
  inputName?: string;
  outputName?: string;
  description?: string;
  /** Named metadata entries (JSON strings: labels, normalisation…). */
  metadata?: Record<string, string>;
}

export interface TfliteConverted {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  /** [batch, H, W, C] and [batch, classes] as written. */
  inputShape: number[];
  outputShape: number[];
  /** TFLite ops in graph order. */
  ops: OpName[];
}



function inputShapeOf(model: tfl.LayersModel): number[] {
  return (model.inputs[0].shape.slice(1) as (number | null)[]).map((d) => {
    if (d === null) throw new UnsupportedTfliteLayer('the model input has an unknown dimension besides the batch');
    return d;
  });
}

/** Builds the graph (no bytes yet): the context after conversion and the output value. */
export function buildTfliteGraph(model: tfl.LayersModel, o: TfliteConvertOptions, ctx: TfliteContext, inputTensor: number): TValue {
  const layers = model.layers as Layer[];
  const inputLayer = model.inputLayers[0] as Layer;
  const outputLayer = model.outputLayers[0] as Layer;
  const values = new Map<string, TValue>();
  values.set(key(inputLayer.name, 0, 0), { t: inputTensor, shape: inputShapeOf(model), exclusive: false });
  for (const layer of layers) {
    if (layer === inputLayer) continue;
    if (layer.inboundNodes.length !== 1) throw new UnsupportedTfliteLayer(`layer ${layer.name} is used ${layer.inboundNodes.length} times; shared layers cannot be exported`);
    const convert = TFLITE_CONVERTERS[layer.getClassName()];
    if (!convert) throw new UnsupportedTfliteLayer(`layer ${layer.name}: class ${layer.getClassName()} has no TFLite op`);
    const node = layer.inboundNodes[0];
    const ins = node.inboundLayers.map((l, i) => values.get(key(l.name, node.nodeIndices[i], node.tensorIndices[i]))!);
    const out = convert(ctx, layer, ins);
    // The tensor is read only by the next layer when this layer has one consumer, is no output, and (for a
    // pass-through layer returning its input's tensor) its input was exclusive too.
    const passThrough = ins.find((v) => v.t === out.t);
    const exclusive = layer.outboundNodes.length === 1 && layer !== outputLayer && (!passThrough || passThrough.exclusive);
    values.set(key(layer.name, 0, 0), { ...out, exclusive });
  }
  return values.get(key(outputLayer.name, 0, 0))!;
}

/** Converts the model; UnsupportedTfliteLayer (a DataError) names the first layer TFLite cannot express. */
export function convertToTflite(model: tfl.LayersModel, o: TfliteConvertOptions = {}): TfliteConverted {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new UnsupportedTfliteLayer('only models with one input and one output can be exported');
  const batch = o.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new OptionError(`batch must be a positive integer, got ${batch}`);
  const layers = model.layers as Layer[];
  const outputs = new Set([(model.outputLayers[0] as Layer).name]);
  const g = new TfliteGraph(batch);
  const ctx: TfliteContext = {
    g, fold: planFolds(layers, outputs, true), ...planHardSwish(layers, outputs),
    dropActivationOf: o.logits ? softmaxOutputLayer(model) : null,
  };
  const inputName = o.inputName ?? 'input';
  const shape = inputShapeOf(model);
  const input = g.activation(inputName, shape);
  const result = buildTfliteGraph(model, o, ctx, input);
  if (result.t === input) throw new UnsupportedTfliteLayer('the model computes nothing (its output is its input)');
  const outputName = o.outputName ?? (o.logits ? 'logits' : 'output');
  g.rename(result.t, outputName);
  const metadata = Object.entries(o.metadata ?? {}).map(([name, v]) => ({ name, data: new TextEncoder().encode(v) }));
  const bytes = g.encode({
    description: o.description ?? `${model.name}, exported by mobilenet`, subgraphName: model.name,
    inputs: [input], outputs: [result.t], metadata,
  });
  return {
    bytes, inputName: g.tensors[input].name, outputName: g.tensors[result.t].name,
    inputShape: [batch, ...shape], outputShape: [batch, ...result.shape], ops: g.opTypes(),
  };
}
