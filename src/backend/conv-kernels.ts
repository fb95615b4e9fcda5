/**
 * Native convolution kernels (standard, depthwise, fused; forward and both gradients) for 'onednn'.
 * TF.js's computed conv info (including asymmetric 'same' padding) maps one to one onto oneDNN's
 * padding_l / padding_r. Anything the addon does not cover (NCHW, non-float data, other fused
 * activations, PReLU) goes to the cpu kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native.js';
import { actCode, Backend, convShape, cpuKernel, f32, Info, KernelArgs, sizeOf, Ins, outputF32 } from './kernel-util.js';

type Attrs = Record<string, unknown>;
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function info(xShape: number[], fShape: number[], a: Attrs, depthwise: boolean): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], fShape as [number, number, number, number],
    a.strides as [number, number] | number, (a.dilations ?? 1) as [number, number] | number, a.pad as Pad,
    a.dimRoundingMode as Rounding, depthwise, 'channelsLast');
}

function nhwc(a: Attrs): boolean {
  return a.dataFormat == null || a.dataFormat === 'NHWC' || a.dataFormat === 'channelsLast';
}

/** A 1×1, stride-1, unpadded, undilated standard convolution is a matrix product over pixels. */
function pointwise(c: tf.backend_util.Conv2DInfo, depthwise: boolean): boolean {
  const p = c.padInfo;
  return !depthwise && c.filterHeight === 1 && c.filterWidth === 1 && c.strideHeight === 1 && c.strideWidth === 1 &&
    c.dilationHeight === 1 && c.dilationWidth === 1 && p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;
}

/** Matmul shape vector [batch, M, N, K, transA, transB] for one 2-D product. */
function mm(M: number, N: number, K: number, ta: boolean, tb: boolean): Int32Array {
  return Int32Array.from([1, M, N, K, ta ? 1 : 0, tb ? 1 : 0]);
}

function forward(addon: NativeAddon, name: string, depthwise: boolean, fused: boolean) {
  return (args: KernelArgs): Info | Info[] => {
    const { attrs } = args;
    const inputs = args.inputs as Ins;
    const backend = args.backend as Backend;
    const a = attrs as Attrs;
    const x = f32(backend, inputs.x);
    const w = f32(backend, inputs.filter);
    const act = fused ? actCode(a.activation as string, inputs.preluActivationWeights) : 0;
    const c = info(inputs.x.shape, inputs.filter.shape, a, depthwise);
    const bias = fused && inputs.bias != null ? f32(backend, inputs.bias) : null;
    const biasOk = !fused || inputs.bias == null || (bias != null && bias.length === c.outChannels);
    if (!x || !w || act < 0 || !biasOk || !nhwc(a)) return cpuKernel(name, args);
    const y = outputF32(sizeOf(c.outShape)); // [B, OH, OW, OC]
    const pixels = c.batchSize * c.outHeight * c.outWidth;
    if (pointwise(c, depthwise)) addon.matmul(x, w, bias, y, mm(pixels, c.outChannels, c.inChannels, false, false), act);
    else addon.convForward(x, w, bias, y, convShape(c, depthwise ? c.inChannels : 1), act);
    return backend.makeTensorInfo(c.outShape, 'float32', y);
  };
}

function backwardData(addon: NativeAddon, name: string, depthwise: boolean) {
  return (args: KernelArgs): Info | Info[] => {
    const { attrs } = args;
    const inputs = args.inputs as Ins;
    const backend = args.backend as Backend;
    const a = attrs as Attrs;
    const dy = f32(backend, inputs.dy);
    const w = f32(backend, inputs.filter);
    if (!dy || !w || !nhwc(a)) return cpuKernel(name, args);
    const shape = a.inputShape as number[];
    const c = info(shape, inputs.filter.shape, a, depthwise);
    const dx = outputF32(sizeOf(shape)); // [B, H, W, C]
    const pixels = c.batchSize * c.outHeight * c.outWidth;
    if (pointwise(c, depthwise)) addon.matmul(dy, w, null, dx, mm(pixels, c.inChannels, c.outChannels, false, true), 0);
    else addon.convBackwardData(dy, w, dx, convShape(c, depthwise ? c.inChannels : 1));
    return backend.makeTensorInfo(shape, 'float32', dx);
  };
}

function backwardFilter(addon: NativeAddon, name: string, depthwise: boolean) {
  return (args: KernelArgs): Info | Info[] => {
    const { attrs } = args;
    const inputs = args.inputs as Ins;
    const backend = args.backend as Backend;
    const a = attrs as Attrs;
    const x = f32(backend, inputs.x);
    const dy = f32(backend, inputs.dy);
    if (!x || !dy || !nhwc(a)) return cpuKernel(name, args);
    const shape = a.filterShape as number[];
    const c = info(inputs.x.shape, shape, a, depthwise);
    const dw = outputF32(sizeOf(shape)); // [KH, KW, C, M] or [KH, KW, IN, OUT]
    const pixels = c.batchSize * c.outHeight * c.outWidth;
    // oneDNN's depthwise weight gradient is slow on maps of 2×2 and smaller: use the plain loop there.
    if (depthwise && c.inHeight * c.inWidth <= 4) addon.depthwiseBackwardWeights(x, dy, dw, convShape(c, c.inChannels));
    else if (depthwise) addon.convBackwardWeights(x, dy, dw, convShape(c, c.inChannels));
    else if (pointwise(c, false)) addon.matmul(x, dy, null, dw, mm(c.inChannels, c.outChannels, pixels, true, false), 0);
    else addon.convBackwardWeights(x, dy, dw, convShape(c, 1));
    return backend.makeTensorInfo(shape, 'float32', dw);
  };
}

/** Kernel configs for the convolution family on backend `backendName`. */
export function convKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  const k = (kernelName: string, kernelFunc: (a: KernelArgs) => Info | Info[]): tf.KernelConfig =>
    ({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
  return [
    k('Conv2D', forward(addon, 'Conv2D', false, false)),
    k('FusedConv2D', forward(addon, 'FusedConv2D', false, true)),
    k('DepthwiseConv2dNative', forward(addon, 'DepthwiseConv2dNative', true, false)),
    k('FusedDepthwiseConv2D', forward(addon, 'FusedDepthwiseConv2D', true, true)),
    k('Conv2DBackpropInput', backwardData(addon, 'Conv2DBackpropInput', false)),
    k('DepthwiseConv2dNativeBackpropInput', backwardData(addon, 'DepthwiseConv2dNativeBackpropInput', true)),
    k('Conv2DBackpropFilter', backwardFilter(addon, 'Conv2DBackpropFilter', false)),
    k('DepthwiseConv2dNativeBackpropFilter', backwardFilter(addon, 'DepthwiseConv2dNativeBackpropFilter', true)),
  ];
}
