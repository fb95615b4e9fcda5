/** Small helpers shared by the native kernel families. */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export type Backend = MathBackendCPU;
export type Info = tf.TensorInfo;
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The Float32Array behind a tensor (no copy), or null when it is not float32 data. */
export function f32(backend: Backend, t: Info | null | undefined): Float32Array | null {
  if (t == null || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** Runs the cpu backend's kernel of the same name (the path for cases the addon does not cover). */
export function cpuKernel(name: string, args: KernelArgs): Info | Info[] {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`cpu kernel ${name} is not registered`);
  return k.kernelFunc(args);
}

/** The addon's 18-int convolution shape vector from TF.js conv info; groups = 1 or C (depthwise). */
export function convShape(c: tf.backend_util.Conv2DInfo, groups: number): Int32Array {
  return Int32Array.from([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    c.padInfo.top, c.padInfo.left, c.padInfo.bottom, c.padInfo.right, groups,
  ]);
}

/** Addon epilogue code for a fused activation: 0 none, 1 relu, 2 relu6; -1 when not native. */
export function actCode(activation: string | undefined, prelu: Info | undefined | null): number {
  if (prelu != null) return -1;
  if (activation == null || activation === 'linear') return 0;
  if (activation === 'relu') return 1;
  if (activation === 'relu6') return 2;
  return -1;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Kernel inputs by name (optional ones may be null/undefined at run time). */
export type Ins = Record<string, Info>;

/**
 * A Float32Array for a kernel output that the kernel overwrites completely: uninitialised memory
 * (Buffer.allocUnsafeSlow) instead of zeroed pages, which measured as the main cost of the
 * memory-bound kernels (e.g. ReLU6 on 1.6M values: 0.2 ms compute, 3 ms zero-filled allocation).
 */
export function outputF32(n: number): Float32Array {
  if (n < 1024) return new Float32Array(n);
  const b = Buffer.allocUnsafeSlow(n * 4);
  return new Float32Array(b.buffer, b.byteOffset, n);
}
