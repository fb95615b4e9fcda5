/**
 * Building blocks shared by the MobileNet builders, after Keras applications.
 * Layer names are stable: they double as weight keys.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import * as fastLayers from '../backend/layers.js';
import type { WeightInit } from './options.js';

export type SymbolicTensor = tfl.SymbolicTensor;

/** Keras `_make_divisible`: round v to the nearest multiple of divisor, never down by more than 10%. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let newV = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** Hands out distinct, reproducible initialiser seeds (undefined when unseeded). */
export class SeedStream {
  private next: number | undefined;
  constructor(seed: number | undefined) {
    this.next = seed;
  }
  take(): number | undefined {
    if (this.next === undefined) return undefined;
    return this.next++;
  }
}

export interface BlockContext {
  seeds: SeedStream;
  bnMomentum: number;
  bnEpsilon: number;
  /** 'keras' (glorot_uniform) or 'torchvision' (He normal fan_out; classifier N(0, 0.01)). */
  init: WeightInit;
}

/**
 * A convolution kernel's initialiser: glorot_uniform (Keras), or He normal with fan_out = outChannels·k·k
 * (torchvision's kaiming_normal_(mode='fan_out'); for a depthwise kernel outChannels is C·multiplier, which
 * TF.js's own fanOut (k·k·multiplier) would not give).
 */
export function kernelInit(ctx: BlockContext, kernel: number, outChannels: number) {
  const seed = ctx.seeds.take();
  if (ctx.init === 'keras') return tfl.initializers.glorotUniform({ seed });
  return tfl.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / (outChannels * kernel * kernel)), seed });
}

/** The classifier's kernel initialiser: glorot_uniform (Keras) or N(0, 0.01) (torchvision). */
export function classifierInit(ctx: BlockContext) {
  const seed = ctx.seeds.take();
  if (ctx.init === 'keras') return tfl.initializers.glorotUniform({ seed });
  return tfl.initializers.randomNormal({ mean: 0, stddev: 0.01, seed });
}

/** 1×1 or k×k standard convolution without bias (BN follows). */
export function conv(
  x: SymbolicTensor, ctx: BlockContext, name: string, filters: number, kernel: number, stride = 1,
): SymbolicTensor {
  return tfl.layers.conv2d({
    name, filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false,
    kernelInitializer: kernelInit(ctx, kernel, filters),
  }).apply(x) as SymbolicTensor;
}

/** Depthwise k×k convolution without bias (k = 3 unless given): one filter (or depthMultiplier filters) per channel. */
export function depthwise(
  x: SymbolicTensor, ctx: BlockContext, name: string, stride: number, depthMultiplier = 1, kernel = 3,
): SymbolicTensor {
  return tfl.layers.depthwiseConv2d({
    name, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, depthMultiplier,
    depthwiseInitializer: kernelInit(ctx, kernel, (x.shape[3] as number) * depthMultiplier),
  }).apply(x) as SymbolicTensor;
}

export function batchNorm(x: SymbolicTensor, ctx: BlockContext, name: string): SymbolicTensor {
  return fastLayers.batchNormalization({
    name, axis: -1, momentum: ctx.bnMomentum, epsilon: ctx.bnEpsilon,
  }).apply(x) as SymbolicTensor;
}

/** ReLU, or ReLU6 when maxValue is 6 (Keras `layers.ReLU(6.)`). */
export function relu(x: SymbolicTensor, name: string, maxValue?: number): SymbolicTensor {
  return fastLayers.reLU({ name, maxValue }).apply(x) as SymbolicTensor;
}

/** conv → BN → ReLU(6): the stem of both networks. */
export function convBnAct(
  x: SymbolicTensor, ctx: BlockContext,
  names: { conv: string; bn: string; act: string },
  filters: number, kernel: number, stride: number, maxValue?: number,
): SymbolicTensor {
  x = conv(x, ctx, names.conv, filters, kernel, stride); // [B, H/s, W/s, filters]
  x = batchNorm(x, ctx, names.bn);
  return relu(x, names.act, maxValue);
}

/** Global pooling for includeTop=false, as Keras `pooling=`. */
export function globalPool(x: SymbolicTensor, pooling: 'avg' | 'max' | null): SymbolicTensor {
  if (pooling === 'avg') return tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }).apply(x) as SymbolicTensor;
  if (pooling === 'max') return tfl.layers.globalMaxPooling2d({ name: 'global_max_pooling2d' }).apply(x) as SymbolicTensor;
  return x;
}
