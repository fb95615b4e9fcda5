/**
 * Native BatchMatMul and _FusedMatMul (bias + relu/relu6) for 'onednn'. Batch dims must match
 * (no broadcasting); other cases go to the cpu kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native.js';
import { actCode, Backend, cpuKernel, f32, Info, KernelArgs, sizeOf, Ins, outputF32 } from './kernel-util.js';

function matmul(addon: NativeAddon, name: string, fused: boolean) {
  return (args: KernelArgs): Info | Info[] => {
    const { attrs } = args;
    const inputs = args.inputs as Ins;
    const backend = args.backend as Backend;
    const ta = Boolean(attrs?.transposeA);
    const tb = Boolean(attrs?.transposeB);
    const A = inputs.a, B = inputs.b;
    const a = f32(backend, A);
    const b = f32(backend, B);
    const act = fused ? actCode(attrs?.activation as string, inputs.preluActivationWeights) : 0;
    const ra = A.shape.length, rb = B.shape.length;
    const outerA = A.shape.slice(0, -2), outerB = B.shape.slice(0, -2);
    const sameOuter = ra === rb && ra >= 2 && outerA.every((d, i) => d === outerB[i]);
    if (!a || !b || act < 0 || !sameOuter) return cpuKernel(name, args);
    const M = ta ? A.shape[ra - 1] : A.shape[ra - 2];
    const K = ta ? A.shape[ra - 2] : A.shape[ra - 1];
    const N = tb ? B.shape[rb - 2] : B.shape[rb - 1];
    const K2 = tb ? B.shape[rb - 1] : B.shape[rb - 2];
    const bias = fused && inputs.bias != null ? f32(backend, inputs.bias) : null;
    if (K !== K2 || (fused && inputs.bias != null && (bias == null || bias.length !== N))) return cpuKernel(name, args);
    const batch = sizeOf(outerA);
    const outShape = [...outerA, M, N]; // [...batch, M, N]
    const c = outputF32(batch * M * N);
    if (c.length > 0 && K > 0) addon.matmul(a, b, bias, c, Int32Array.from([batch, M, N, K, ta ? 1 : 0, tb ? 1 : 0]), act);
    else if (c.length > 0) return cpuKernel(name, args);
    return backend.makeTensorInfo(outShape, 'float32', c);
  };
}

/** Kernel configs for the matmul family on backend `backendName`. */
export function matmulKernels(addon: NativeAddon, backendName: string): tf.KernelConfig[] {
  return [
    { kernelName: 'BatchMatMul', backendName, kernelFunc: matmul(addon, 'BatchMatMul', false) as tf.KernelFunc },
    { kernelName: '_FusedMatMul', backendName, kernelFunc: matmul(addon, '_FusedMatMul', true) as tf.KernelFunc },
  ];
}
