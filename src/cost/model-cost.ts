/**
 * Per-layer parameters and mult-adds of a built model.
 *
 * Mult-adds (MACs) count convolution and dense multiply-adds only: BN, bias, activations, pooling
 * and adds count 0. FLOPs, where shown, are 2 × MACs.
 *   conv:      outH·outW·kH·kW·Cin·Cout
 *   depthwise: outH·outW·kH·kW·C·depthMultiplier
 *   dense:     in·out
 */
import type * as tfl from '@tensorflow/tfjs-layers';

type Layer = tfl.LayersModel['layers'][number];
type Shape = (number | null)[];

/** Coarse kind of a layer, for the breakdown by type (the V1 paper's Table 2). */
export type LayerKind = 'conv1x1' | 'depthwise' | 'conv' | 'fc' | 'other';

export interface LayerCost {
  name: string;
  /** Keras class name, e.g. Conv2D, DepthwiseConv2D, BatchNormalization. */
  type: string;
  kind: LayerKind;
  /** Output shape without the batch dimension, e.g. [112, 112, 32]. */
  outputShape: number[];
  /** "3x3/2" for convolutions, "" otherwise. */
  kernel: string;
  /** Kernel height and stride of convolutions (0 for other layers). */
  kernelSize: number;
  stride: number;
  trainableParams: number;
  nonTrainableParams: number;
  params: number;
  /** Kernel weights only (no bias, no BN), as the papers count parameters. */
  weightParams: number;
  multAdds: number;
  /** Input shape without the batch dimension (first input for multi-input layers). */
  inputShape: number[];
}

export interface ModelCost {
  name: string;
  layers: LayerCost[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  multAdds: number;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const dropBatch = (s: Shape) => s.slice(1).map((d) => d ?? 0);

function firstShape(shape: Shape | Shape[]): number[] {
  const s = Array.isArray(shape[0]) ? (shape as Shape[])[0] : (shape as Shape);
  return dropBatch(s);
}

function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  return [Number(v), Number(v)];
}

/** The cost of one layer, from its config and its input/output shapes. */
export function layerCost(layer: Layer): LayerCost {
  const type = layer.getClassName();
  const cfg = layer.getConfig() as Record<string, unknown>;
  const out = firstShape(layer.outputShape as Shape | Shape[]);
  const node = layer.inboundNodes[0];
  const inp = node && node.inputTensors.length ? dropBatch(node.inputTensors[0].shape as Shape) : out;
  const trainable = layer.trainableWeights.reduce((s, w) => s + size(w.shape as number[]), 0);
  const nonTrainable = layer.nonTrainableWeights.reduce((s, w) => s + size(w.shape as number[]), 0);
  const kernelWeights = layer.trainableWeights.filter((w) => !/bias$/.test(w.originalName ?? w.name))
    .reduce((s, w) => s + size(w.shape as number[]), 0);
  let multAdds = 0;
  let kernel = '';
  let kernelSize = 0;
  let stride = 0;
  let kind: LayerKind = 'other';
  let weightParams = 0;
  if (type === 'Conv2D' || type === 'DepthwiseConv2D') {
    const [kh, kw] = pair(cfg.kernelSize);
    const [sh] = pair(cfg.strides);
    kernel = `${kh}x${kw}/${sh}`;
    kernelSize = kh;
    stride = sh;
    const [oh, ow, cout] = out;
    const cin = inp[2];
    if (type === 'Conv2D') {
      multAdds = oh * ow * kh * kw * cin * cout;
      const isHead = kh === 1 && kw === 1 && inp[0] === 1 && inp[1] === 1 && cfg.useBias === true;
      kind = isHead ? 'fc' : kh === 1 && kw === 1 ? 'conv1x1' : 'conv';
    } else {
      multAdds = oh * ow * kh * kw * cin * Number(cfg.depthMultiplier ?? 1);
      kind = 'depthwise';
    }
    weightParams = kernelWeights;
  } else if (type === 'Dense') {
    multAdds = inp[inp.length - 1] * Number(cfg.units);
    kind = 'fc';
    weightParams = kernelWeights;
  }
  return {
    name: layer.name, type, kind, outputShape: out, kernel, kernelSize, stride, inputShape: inp,
    trainableParams: trainable, nonTrainableParams: nonTrainable, params: trainable + nonTrainable,
    weightParams, multAdds,
  };
}

/** A row per layer of the model, and totals. */
export function modelCost(model: tfl.LayersModel): ModelCost {
  const layers = model.layers.map(layerCost);
  const sum = (f: (l: LayerCost) => number) => layers.reduce((s, l) => s + f(l), 0);
  return {
    name: model.name,
    layers,
    totalParams: sum((l) => l.params),
    trainableParams: sum((l) => l.trainableParams),
    nonTrainableParams: sum((l) => l.nonTrainableParams),
    multAdds: sum((l) => l.multAdds),
  };
}
