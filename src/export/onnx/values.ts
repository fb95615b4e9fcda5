/**
 * The values flowing through the ONNX export and the context a layer converter gets.
 *
 * Layout: every 4-D value (Keras [B, H, W, C]) is kept NCHW in the ONNX graph — ONNX's Conv and pooling
 * are NCHW, and onnxruntime's CPU kernels (MLAS, with its NCHWc blocked layout at optimisation level
 * 'all') are built for it; other ranks keep Keras' layout ('plain'). Layers that need NHWC order
 * (Flatten, Reshape of a map) transpose explicitly, and skip it when H = W = 1 (same memory order).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../../errors.js';
import type { GraphBuilder } from './graph.js';

export type Layer = tfl.LayersModel['layers'][number];

export interface Value {
  /** ONNX value name. */
  name: string;
  /** Keras shape without the batch dimension, e.g. [H, W, C] or [C]. */
  shape: number[];
  /** 'nchw' for 4-D values (Keras rank 3 + batch), else 'plain'. */
  layout: 'nchw' | 'plain';
}

/** BatchNormalization folded into the convolution before it. */
export interface BnParams { gamma: Float32Array | null; beta: Float32Array | null; mean: Float32Array; variance: Float32Array; epsilon: number }

export interface ConvertContext {
  g: GraphBuilder;
  opset: number;
  /** conv layer name → the BN that follows it, folded into its weights and bias. */
  foldBn: Map<string, BnParams>;
  /** conv layer name → the ZeroPadding2D before it, folded into its pads: [top, bottom, left, right]. */
  foldPad: Map<string, [number, number, number, number]>;
  /** Layers whose output is their input in the graph (folded away). */
  passThrough: Set<string>;
  /** Name of the layer whose activation is dropped (--logits), if any. */
  dropActivationOf: string | null;
}

export type Converter = (ctx: ConvertContext, layer: Layer, inputs: Value[]) => Value;

export class UnsupportedLayer extends DataError {}

/** The layer's Keras config. */
export function config(layer: Layer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

/** The layer's weights by short name (kernel, bias, gamma, moving_mean…), as float32 arrays. */
export function weightsOf(layer: Layer): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const w of layer.weights) {
    const full = w.originalName ?? w.name;
    const short = full.slice(full.lastIndexOf('/') + 1).replace(/:\d+$/, '');
    out.set(short, { shape: w.shape as number[], values: w.read().dataSync() as Float32Array });
  }
  return out;
}

/** Output shape of the layer without the batch dimension. */
export function outShape(layer: Layer): number[] {
  const s = layer.outputShape as (number | null)[];
  if (Array.isArray(s[0])) throw new UnsupportedLayer(`layer ${layer.name}: layers with several outputs cannot be exported`);
  return s.slice(1).map((d) => {
    if (d === null) throw new UnsupportedLayer(`layer ${layer.name}: output shape ${JSON.stringify(s)} is not fully known`);
    return d;
  });
}

export const layoutFor = (shape: number[]): Value['layout'] => (shape.length === 3 ? 'nchw' : 'plain');

/** The value in Keras (NHWC) element order: a Transpose for an NCHW map unless H = W = 1. */
export function toKerasOrder(ctx: ConvertContext, v: Value, base: string): string {
  if (v.layout !== 'nchw' || (v.shape[0] === 1 && v.shape[1] === 1)) return v.name;
  return ctx.g.node('Transpose', [v.name], base, { perm: [0, 2, 3, 1] });
}

/** A value in Keras (NHWC) order → the graph's layout for its shape. */
export function fromKerasOrder(ctx: ConvertContext, name: string, shape: number[], base: string): Value {
  if (shape.length !== 3) return { name, shape, layout: 'plain' };
  const [h, w, c] = shape;
  if (h === 1 && w === 1) {
    const reshaped = ctx.g.node('Reshape', [name, ctx.g.int64s(`${base}/nchw_shape`, [0, c, 1, 1])], base);
    return { name: reshaped, shape, layout: 'nchw' };
  }
  return { name: ctx.g.node('Transpose', [name], base, { perm: [0, 3, 1, 2] }), shape, layout: 'nchw' };
}

/** TF 'same' padding for one spatial axis: [begin, end] (the extra pixel at the end). */
export function samePads(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + effective - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export function pair(v: unknown): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  return [Number(v), Number(v)];
}

/** Requires all inputs to have the same rank (elementwise merges); returns the shared layout. */
export function sameRank(layer: Layer, inputs: Value[]): Value['layout'] {
  const r = inputs[0].shape.length;
  if (inputs.some((v) => v.shape.length !== r)) {
    throw new UnsupportedLayer(`layer ${layer.name} (${layer.getClassName()}): inputs of different ranks cannot be exported`);
  }
  return inputs[0].layout;
}
