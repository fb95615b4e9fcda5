/**
 * Native elementwise kernels for 'onednn': binary ops on equal shapes or with a scalar side (the
 * cpu backend's broadcasting loop is slow, and Adam's update is a chain of tensor-scalar ops) and a
 * few unary ops. Other shapes and dtypes go to the cpu kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native.js';
import { Backend, cpuKernel, f32, Info, Ins, KernelArgs, sizeOf, outputF32 } from './kernel-util.js';

const BINARY: Record<string, number> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6,
};
const UNARY: Record<string, number> = { Sqrt: 0, Square: 1, Neg: 2, Abs: 3, Rsqrt: 4 };

function binary(addon: NativeAddon, name: string, op: number) {
  return (args: KernelArgs): Info | Info[] => {
    const backend = args.backend as Backend;
    const { a, b } = args.inputs as Ins;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!av || !bv) return cpuKernel(name, args);
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = sizeOf(shape);
    if ((av.length !== n && av.length !== 1) || (bv.length !== n && bv.length !== 1) || n === 0) return cpuKernel(name, args);
    const out = outputF32(n); // broadcast shape of a and b
    addon.binary(op, av, bv, out);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

function unary(addon: NativeAddon, name: string, op: number) {
  return (args: KernelArgs): Info | Info[] => {
    const backend = args.backend as Backend;
    const { x } = args.inputs as Ins;
    const xv = f32(backend, x);
    if (!xv) return cpuKernel(name, args);
    const out = outputF32(xv.length); // shape of x
    addon.unary(op, xv, out);
    return backend.makeTensorInfo(x.shape, 'float32', out);
  };
}

/** Sum / Mean over a contiguous block of axes (global average pooling, per-row sums). */
function reduce(addon: NativeAddon, name: 'Sum' | 'Mean') {
  return (args: KernelArgs): Info | Info[] => {
    const backend = args.backend as Backend;
    const { x } = args.inputs as Ins;
    const xv = f32(backend, x);
    const axes = tf.util.parseAxisParam((args.attrs?.axis ?? null) as number | number[], x.shape).sort((p, q) => p - q);
    const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
    if (!xv || axes.length === 0 || !contiguous || xv.length === 0) return cpuKernel(name, args);
    const first = axes[0], last = axes[axes.length - 1];
    const O = sizeOf(x.shape.slice(0, first)), M = sizeOf(x.shape.slice(first, last + 1)), I = sizeOf(x.shape.slice(last + 1));
    const shape = args.attrs?.keepDims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    const out = outputF32(O * I); // x's shape without (or with 1 for) the reduced axes
    addon.reduceMiddle(xv, out, O, M, I, name === 'Mean' ? 1 / M : 1);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

/** Kernel configs for the elementwise family on backend `backendName`. */
export function eltwiseKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  return [
    ...Object.entries(BINARY).map(([kernelName, op]) =>
      ({ kernelName, backendName, kernelFunc: binary(addon, kernelName, op) as tf.KernelFunc })),
    ...Object.entries(UNARY).map(([kernelName, op]) =>
      ({ kernelName, backendName, kernelFunc: unary(addon, kernelName, op) as tf.KernelFunc })),
    { kernelName: 'Sum', backendName, kernelFunc: reduce(addon, 'Sum') as tf.KernelFunc },
    { kernelName: 'Mean', backendName, kernelFunc: reduce(addon, 'Mean') as tf.KernelFunc },
  ];
}
