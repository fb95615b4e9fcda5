/**
 * LayersModel → ONNX ModelProto bytes. Walks the Keras graph in topological order, converts each layer
 * through the LAYER_CONVERTERS table, after the folds of fold.ts. One image input with a dynamic batch
 * ('batch'), NHWC like the TF.js model (or NCHW on request), one output.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../../errors.js';
import { GraphBuilder } from './graph.js';
import { planFolds } from './fold.js';
import { LAYER_CONVERTERS } from './layers.js';
import { ConvertContext, Layer, UnsupportedLayer, Value, layoutFor } from './values.js';

export const DEFAULT_OPSET = 13;
/** Opsets we emit: 11 (Clip/Pad take inputs) to 17 (the newest Debian's onnx 1.12 checker knows). */
export const OPSETS = [11, 12, 13, 14, 15, 16, 17] as const;

export interface ConvertOptions {
  opset?: number;
  /** Layout of the graph input: 'nhwc' (default: the TF.js model's own) or 'nchw' (PyTorch's). */
  inputLayout?: 'nhwc' | 'nchw';
  /** Drop the output layer's softmax: the graph outputs logits. */
  logits?: boolean;
  /** Fold BN and ZeroPadding2D into convolutions (default true). */
  fold?: boolean;
  inputName?: string;
  outputName?: string;
  metadata?: Record<string, string>;
  producerVersion?: string;
  docString?: string;
}

export interface Converted {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  /** Input dims with 'batch' for the dynamic batch. */
  inputDims: Array<number | string>;
  outputDims: Array<number | string>;
  /** ONNX op types in graph order. */
  ops: string[];
}

/** The key of a layer output tensor in the converters' value maps. */
export const key = (layer: string, node: number, tensor: number) => `${layer}:${node}:${tensor}`;

/** The output layer whose softmax --logits removes; OptionError when the output is no softmax. */
export function softmaxOutputLayer(model: tfl.LayersModel): string {
  const last = model.outputLayers[0] as Layer;
  const cfg = last.getConfig() as { activation?: string };
  if (cfg.activation === 'softmax' || last.getClassName() === 'Softmax') return last.name;
  throw new OptionError(`--logits: the model's output layer ${last.name} has no softmax to remove`);
}

function graphInput(ctx: ConvertContext, model: tfl.LayersModel, name: string, layout: 'nhwc' | 'nchw'): { value: Value; dims: Array<number | string> } {
  const shape = (model.inputs[0].shape.slice(1) as (number | null)[]).map((d) => {
    if (d === null) throw new UnsupportedLayer('the model input has an unknown dimension besides the batch');
    return d;
  });
  ctx.g.reserve(name);
  if (shape.length !== 3) return { value: { name, shape, layout: 'plain' }, dims: ['batch', ...shape] };
  const [h, w, c] = shape;
  if (layout === 'nchw') return { value: { name, shape, layout: 'nchw' }, dims: ['batch', c, h, w] };
  const t = ctx.g.node('Transpose', [name], 'input', { perm: [0, 3, 1, 2] }); // [B, C, H, W]
  return { value: { name: t, shape, layout: 'nchw' }, dims: ['batch', h, w, c] };
}

/** Converts the model; UnsupportedLayer (a DataError) names the first layer that cannot be exported. */
export function convertToOnnx(model: tfl.LayersModel, o: ConvertOptions = {}): Converted {
  const opset = o.opset ?? DEFAULT_OPSET;
  if (!(OPSETS as readonly number[]).includes(opset)) throw new OptionError(`opset must be one of ${OPSETS.join(', ')}, got ${opset}`);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) throw new UnsupportedLayer('only models with one input and one output can be exported');
  const layers = model.layers as Layer[];
  const outputLayer = model.outputLayers[0] as Layer;
  const folds = planFolds(layers, new Set([outputLayer.name]), o.fold !== false);
  const ctx: ConvertContext = {
    g: new GraphBuilder(), opset, ...folds, dropActivationOf: o.logits ? softmaxOutputLayer(model) : null,
  };
  const inputName = o.inputName ?? 'input';
  const input = graphInput(ctx, model, inputName, o.inputLayout ?? 'nhwc');
  const outputName = ctx.g.reserve(o.outputName ?? (o.logits ? 'logits' : 'output'));
  const values = new Map<string, Value>();
  const inputLayer = model.inputLayers[0] as Layer;
  values.set(key(inputLayer.name, 0, 0), input.value);
  for (const layer of layers) {
    if (layer === inputLayer) continue;
    if (layer.inboundNodes.length !== 1) throw new UnsupportedLayer(`layer ${layer.name} is used ${layer.inboundNodes.length} times; shared layers cannot be exported`);
    const convert = LAYER_CONVERTERS[layer.getClassName()];
    if (!convert) throw new UnsupportedLayer(`layer ${layer.name}: class ${layer.getClassName()} has no ONNX export`);
    const node = layer.inboundNodes[0];
    const ins = node.inboundLayers.map((l, i) => values.get(key(l.name, node.nodeIndices[i], node.tensorIndices[i]))!);
    const out = convert(ctx, layer, ins);
    values.set(key(layer.name, 0, 0), out);
  }
  const result = values.get(key(outputLayer.name, 0, 0))!;
  if (result.layout !== layoutFor(result.shape)) throw new Error(`internal: ${outputLayer.name} has layout ${result.layout}`);
  const last = result.layout === 'nchw' ? ctx.g.node('Transpose', [result.name], 'output', { perm: [0, 2, 3, 1] }) : result.name;
  const outName = ctx.g.renameOutput(last, outputName) ? outputName : ctx.g.node('Identity', [last], 'output', {}, outputName);
  const outputDims: Array<number | string> = ['batch', ...result.shape];
  const bytes = ctx.g.encode({
    opset, graphName: model.name, producerVersion: o.producerVersion ?? '', docString: o.docString,
    inputs: [{ name: inputName, dims: input.dims }], outputs: [{ name: outName, dims: outputDims }],
    metadata: o.metadata ?? {},
  });
  return { bytes, inputName, outputName: outName, inputDims: input.dims, outputDims, ops: ctx.g.opTypes() };
}
