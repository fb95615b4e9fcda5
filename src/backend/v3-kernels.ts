/**
 * MobileNet V3's hard-sigmoid, hard-swish and squeeze-and-excitation multiply as native kernels on
 * 'onednn', each with a registered gradient that is one native kernel too:
 * - MobilenetHardSigmoid(x) = relu6(x + 3) / 6 (Keras 3's hard_sigmoid; not TF.js's 'hardSigmoid'
 *   activation, which is Keras 2's 0.2·x + 0.5), gradient dy/6 on (-3, 3);
 * - MobilenetHardSwish(x) = x · relu6(x + 3) / 6, gradient dy · (0 | x/3 + 1/2 | 1);
 * - MobilenetSeMul(x [B, H, W, C], gate [B, 1, 1, C]) = x · gate, gradients dy · gate and Σ_hw dy · x
 *   in one call;
 * - MobilenetAffine(x; scale, offset) = x · scale + offset in one pass (Keras' Rescaling, which feeds every
 *   hard-sigmoid; stock TF.js runs a Multiply and an Add), gradient dy · scale;
 * - MobilenetSpatialMean(x [B, H, W, C]) = mean over H, W → [B, C] (the SE squeeze, the top's pooling),
 *   gradient dy / (H·W) broadcast in one pass (stock: a Multiply by ones and a RealDiv).
 * No cpu implementations: the layers that use them (src/backend/v3-layers.ts) compute the same
 * arithmetic with stock TF.js ops on other backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native.js';
import { Backend, f32, Info, Ins, KernelArgs, outputF32 } from './kernel-util.js';

export const HARD_SIGMOID = 'MobilenetHardSigmoid';
export const HARD_SIGMOID_GRAD = 'MobilenetHardSigmoidGrad';
export const HARD_SWISH = 'MobilenetHardSwish';
export const HARD_SWISH_GRAD = 'MobilenetHardSwishGrad';
export const SE_MUL = 'MobilenetSeMul';
export const SE_MUL_GRAD = 'MobilenetSeMulGrad';
export const AFFINE = 'MobilenetAffine';
export const SPATIAL_MEAN = 'MobilenetSpatialMean';
export const SPATIAL_MEAN_GRAD = 'MobilenetSpatialMeanGrad';

type Unary = (x: Float32Array, y: Float32Array, n: number) => void;
type UnaryGrad = (x: Float32Array, dy: Float32Array, dx: Float32Array, n: number) => void;

function input(backend: Backend, t: Info, kernel: string): Float32Array {
  const v = f32(backend, t);
  if (!v) throw new Error(`${kernel} takes float32 tensors, got ${t.dtype}`);
  return v;
}

function unaryKernel(name: string, f: Unary) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const { x } = args.inputs as Ins;
    const xv = input(backend, x, name);
    const y = outputF32(xv.length); // shape of x
    f(xv, y, xv.length);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
}

function unaryGradKernel(name: string, f: UnaryGrad) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const { x, dy } = args.inputs as Ins;
    const xv = input(backend, x, name);
    const dx = outputF32(xv.length); // shape of x
    f(xv, input(backend, dy, name), dx, xv.length);
    return backend.makeTensorInfo(x.shape, 'float32', dx);
  };
}

/** [B, P, C] of x [B, H, W, C] against a gate [B, 1, 1, C]; throws when the shapes do not pair up. */
export function seDims(x: readonly number[], gate: readonly number[]): [number, number, number] {
  const ok = x.length === 4 && gate.length === 4 && gate[0] === x[0] && gate[1] === 1 && gate[2] === 1 && gate[3] === x[3];
  if (!ok) throw new Error(`${SE_MUL}: x [B, H, W, C] and gate [B, 1, 1, C] expected, got [${x}] and [${gate}]`);
  return [x[0], x[1] * x[2], x[3]];
}

function seMul(addon: NativeAddon) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const { x, gate } = args.inputs as Ins;
    const [B, P, C] = seDims(x.shape, gate.shape);
    const y = outputF32(B * P * C); // [B, H, W, C]
    addon.seMulForward(input(backend, x, SE_MUL), input(backend, gate, SE_MUL), y, B, P, C);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
}

function seMulGrad(addon: NativeAddon) {
  return (args: KernelArgs): Info[] => {
    const backend = args.backend as Backend;
    const { x, gate, dy } = args.inputs as Ins;
    const [B, P, C] = seDims(x.shape, gate.shape);
    const dx = outputF32(B * P * C); // [B, H, W, C]
    const dg = outputF32(B * C); // [B, 1, 1, C]
    addon.seMulBackward(input(backend, x, SE_MUL_GRAD), input(backend, gate, SE_MUL_GRAD),
      input(backend, dy, SE_MUL_GRAD), dx, dg, B, P, C);
    return [backend.makeTensorInfo(x.shape, 'float32', dx), backend.makeTensorInfo(gate.shape, 'float32', dg)];
  };
}

function affine(addon: NativeAddon) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const { x } = args.inputs as Ins;
    const xv = input(backend, x, AFFINE);
    const y = outputF32(xv.length); // shape of x
    addon.affineForward(xv, y, xv.length, Number(args.attrs?.scale), Number(args.attrs?.offset));
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
}

function spatialMean(addon: NativeAddon) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const { x } = args.inputs as Ins;
    const [B, H, W, C] = x.shape;
    const y = outputF32(B * C); // [B, C]
    addon.spatialMeanForward(input(backend, x, SPATIAL_MEAN), y, B, H * W, C);
    return backend.makeTensorInfo([B, C], 'float32', y);
  };
}

function spatialMeanGrad(addon: NativeAddon) {
  return (args: KernelArgs): Info => {
    const backend = args.backend as Backend;
    const { dy } = args.inputs as Ins;
    const [B, H, W, C] = args.attrs?.xShape as number[];
    const dx = outputF32(B * H * W * C); // [B, H, W, C]
    addon.spatialMeanBackward(input(backend, dy, SPATIAL_MEAN_GRAD), dx, B, H * W, C);
    return backend.makeTensorInfo([B, H, W, C], 'float32', dx);
  };
}

/** Kernel configs for the V3 family on backend `backendName` (none from an addon built before they existed). */
export function v3Kernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  if (typeof addon.hardSwishForward !== 'function') return [];
  const k = (kernelName: string, f: (a: KernelArgs) => Info | Info[]): tf.KernelConfig =>
    ({ kernelName, backendName, kernelFunc: f as tf.KernelFunc });
  return [
    k(HARD_SIGMOID, unaryKernel(HARD_SIGMOID, addon.hardSigmoidForward)),
    k(HARD_SIGMOID_GRAD, unaryGradKernel(HARD_SIGMOID_GRAD, addon.hardSigmoidBackward)),
    k(HARD_SWISH, unaryKernel(HARD_SWISH, addon.hardSwishForward)),
    k(HARD_SWISH_GRAD, unaryGradKernel(HARD_SWISH_GRAD, addon.hardSwishBackward)),
    k(SE_MUL, seMul(addon)),
    k(SE_MUL_GRAD, seMulGrad(addon)),
    k(AFFINE, affine(addon)),
    k(SPATIAL_MEAN, spatialMean(addon)),
    k(SPATIAL_MEAN_GRAD, spatialMeanGrad(addon)),
  ];
}

let gradientsRegistered = false;

/** Registers the gradients of the V3 kernels (kernel-name based, so once per process). */
export function registerV3Gradients(): void {
  if (gradientsRegistered) return;
  gradientsRegistered = true;
  for (const [kernelName, gradName] of [[HARD_SIGMOID, HARD_SIGMOID_GRAD], [HARD_SWISH, HARD_SWISH_GRAD]]) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['x'],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
        x: () => tf.engine().runKernel(gradName, { x: saved[0], dy: dy as tf.Tensor }, {}) as tf.Tensor,
      }),
    });
  }
  tf.registerGradient({
    kernelName: SPATIAL_MEAN,
    inputsToSave: ['x'],
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({
      x: () => tf.engine().runKernel(SPATIAL_MEAN_GRAD, { dy: dy as tf.Tensor }, { xShape: saved[0].shape }) as tf.Tensor,
    }),
  });
  tf.registerGradient({
    kernelName: AFFINE,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], _saved: tf.Tensor[], attrs: tf.NamedAttrMap) => ({
      x: () => tf.mul(dy as tf.Tensor, Number(attrs.scale)),
    }),
  });
  tf.registerGradient({
    kernelName: SE_MUL,
    inputsToSave: ['x', 'gate'],
    gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const dy = Array.isArray(dys) ? dys[0] : dys;
      const [x, gate] = saved;
      // One native call gives both gradients; backprop asks for each in its own tidy, so the second
      // is rebuilt from the first call's stashed buffer (as the batchnorm gradient does).
      let stash: Float32Array[] | undefined;
      const grad = (i: number, shape: number[]) => (): tf.Tensor => {
        if (stash) return tf.tensor(stash[i], shape);
        const out = tf.engine().runKernel(SE_MUL_GRAD, { x, gate, dy }, {}) as tf.Tensor[];
        stash = out.map((t) => t.dataSync() as Float32Array);
        return out[i];
      };
      return { x: grad(0, x.shape), gate: grad(1, gate.shape) };
    },
  });
}
