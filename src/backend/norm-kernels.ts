/**
 * Native batch normalisation and clipped ReLU for 'onednn':
 * - FusedBatchNorm (inference: moving statistics), per-channel parameters only;
 * - MobilenetBnTrain: batch statistics + normalise in one call, outputs [y, mean, variance], with a
 *   registered gradient (MobilenetBnTrainGrad: dx, dgamma, dbeta in one call). The gradient treats
 *   mean/variance outputs as statistics only (they feed moving averages, not the loss);
 * - MobilenetClipRelu: min(max(x, 0), cap) (cap 0 = plain ReLU) and its gradient, matching TF.js's
 *   relu + clipByValue gradients (dy where 0 < x <= cap).
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native.js';
import { Backend, cpuKernel, f32, Info, KernelArgs, sizeOf, Ins, outputF32 } from './kernel-util.js';

export const BN_TRAIN = 'MobilenetBnTrain';
export const BN_TRAIN_GRAD = 'MobilenetBnTrainGrad';
export const CLIP_RELU = 'MobilenetClipRelu';
export const CLIP_RELU_GRAD = 'MobilenetClipReluGrad';

function channels(t: Info): [number, number] {
  const C = t.shape[t.shape.length - 1];
  return [sizeOf(t.shape) / C, C];
}

function fusedBatchNorm(addon: NativeAddon) {
  return (args: KernelArgs): Info | Info[] => {
    const backend = args.backend as Backend;
    const { x, mean, variance, offset, scale } = args.inputs as Ins;
    const [R, C] = channels(x);
    const get = (t: Info | undefined) => (t == null ? null : f32(backend, t));
    const xs = get(x), m = get(mean), v = get(variance), o = get(offset), s = get(scale);
    const ok = (t: Info | undefined, a: Float32Array | null) => (t == null ? true : a != null && a.length === C);
    if (!xs || !m || !v || !ok(mean, m) || !ok(variance, v) || !ok(offset, o) || !ok(scale, s)) {
      return cpuKernel('FusedBatchNorm', args);
    }
    const y = outputF32(xs.length); // [..., C]
    addon.bnInference(xs, m, v, o, s, y, R, C, Number(args.attrs?.varianceEpsilon ?? 0.001));
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
}

function bnTrain(addon: NativeAddon) {
  return (args: KernelArgs): Info[] => {
    const backend = args.backend as Backend;
    const { x, gamma, beta } = args.inputs as Ins;
    const [R, C] = channels(x);
    const y = outputF32(R * C); // [..., C]
    const mean = outputF32(C);
    const variance = outputF32(C);
    addon.bnTrainForward(f32(backend, x)!, f32(backend, gamma), f32(backend, beta), y, mean, variance, R, C,
      Number(args.attrs?.epsilon));
    return [backend.makeTensorInfo(x.shape, 'float32', y), backend.makeTensorInfo([C], 'float32', mean),
      backend.makeTensorInfo([C], 'float32', variance)];
  };
}

function bnTrainGrad(addon: NativeAddon) {
  return (args: KernelArgs): Info[] => {
    const backend = args.backend as Backend;
    const { x, dy, gamma, mean, variance } = args.inputs as Ins;
    const [R, C] = channels(x);
    const dx = outputF32(R * C); // [..., C]
    const dg = outputF32(C);
    const db = outputF32(C);
    addon.bnTrainBackward(f32(backend, x)!, f32(backend, dy)!, f32(backend, gamma), f32(backend, mean)!,
      f32(backend, variance)!, dx, dg, db, R, C, Number(args.attrs?.epsilon));
    return [backend.makeTensorInfo(x.shape, 'float32', dx), backend.makeTensorInfo([C], 'float32', dg),
      backend.makeTensorInfo([C], 'float32', db)];
  };
}

function clipRelu(addon: NativeAddon) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const x = f32(backend, (args.inputs as Ins).x)!;
    const y = outputF32(x.length);
    addon.clipReluForward(x, y, x.length, Number(args.attrs?.cap ?? 0));
    return backend.makeTensorInfo((args.inputs as Ins).x.shape, 'float32', y);
  };
}

function clipReluGrad(addon: NativeAddon) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const x = f32(backend, (args.inputs as Ins).x)!;
    const dx = outputF32(x.length);
    addon.clipReluBackward(x, f32(backend, (args.inputs as Ins).dy)!, dx, x.length, Number(args.attrs?.cap ?? 0));
    return backend.makeTensorInfo((args.inputs as Ins).x.shape, 'float32', dx);
  };
}

/** Kernel configs for the normalisation/activation family on backend `backendName`. */
export function normKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  const k = (kernelName: string, f: (a: KernelArgs) => Info | Info[]): tf.KernelConfig =>
    ({ kernelName, backendName, kernelFunc: f as tf.KernelFunc });
  return [
    k('FusedBatchNorm', fusedBatchNorm(addon)),
    k(BN_TRAIN, bnTrain(addon)),
    k(BN_TRAIN_GRAD, bnTrainGrad(addon)),
    k(CLIP_RELU, clipRelu(addon)),
    k(CLIP_RELU_GRAD, clipReluGrad(addon)),
  ];
}

let gradientsRegistered = false;

/** Registers the gradients of the fused kernels (kernel-name based, so once per process). */
export function registerNormGradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  tf.registerGradient({
    kernelName: BN_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const dy = Array.isArray(dys) ? dys[0] : dys;
      const [x, gamma, mean, variance] = saved;
      // Backprop calls each input's gradient inside its own tidy: one native call computes all three,
      // the first caller gets its tensor and the others are rebuilt from the stashed buffers.
      let stash: Float32Array[] | undefined;
      const grad = (i: number, shape: number[]) => (): tf.Tensor => {
        if (stash) return tf.tensor(stash[i], shape);
        const out = tf.engine().runKernel(BN_TRAIN_GRAD, { x, dy, gamma, mean, variance },
          attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        stash = out.map((t) => t.dataSync() as Float32Array);
        return out[i];
      };
      return { x: grad(0, x.shape), gamma: grad(1, gamma.shape), beta: grad(2, gamma.shape) };
    },
  });
  tf.registerGradient({
    kernelName: CLIP_RELU,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => ({
      x: () => tf.engine().runKernel(CLIP_RELU_GRAD, { x: saved[0], dy: dy as tf.Tensor }, attrs) as tf.Tensor,
    }),
  });
}
