/**
 * TF.js backend 'onednn': the cpu backend (same tensor storage) with every cpu kernel re-registered
 * under 'onednn' and the hot ones replaced by native oneDNN / OpenMP kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as cpu from '@tensorflow/tfjs-backend-cpu';
import { NativeAddon } from './native.js';
import { convKernels } from './conv-kernels.js';
import { matmulKernels } from './matmul-kernels.js';
import { normKernels, registerNormGradients } from './norm-kernels.js';
import { eltwiseKernels } from './eltwise-kernels.js';
import { adamKernel, patchAdam } from './adam.js';
import { registerV3Gradients, v3Kernels } from './v3-kernels.js';

export const ONEDNN = 'onednn';
/** Above cpu (1) and wasm (2), so tf.ready() picks 'onednn' when it is registered. */
const PRIORITY = 3;

/** The cpu backend class, quiet: it never prints the "install tfjs-node" banner. */
export class OnednnBackend extends cpu.MathBackendCPU {
  constructor() {
    super();
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}

function nativeKernels(addon: NativeAddon): tf.KernelConfig[] {
  return [...convKernels(addon, ONEDNN), ...matmulKernels(addon, ONEDNN), ...normKernels(addon, ONEDNN),
    ...eltwiseKernels(addon, ONEDNN), adamKernel(addon, ONEDNN), ...v3Kernels(addon, ONEDNN)];
}

/** The kernel names the addon implements natively (every other kernel is the cpu one). */
export function nativeKernelNames(addon: NativeAddon): string[] {
  return nativeKernels(addon).map((k) => k.kernelName);
}

/** Registers backend 'onednn' and its kernels (idempotent). */
export function registerOnednn(addon: NativeAddon): void {
  if (tf.findBackendFactory(ONEDNN) != null) return;
  const native = nativeKernels(addon);
  const overridden = new Set(native.map((k) => k.kernelName));
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!overridden.has(k.kernelName)) tf.registerKernel({ ...k, backendName: ONEDNN });
  }
  for (const k of native) tf.registerKernel(k);
  registerNormGradients();
  registerV3Gradients();
  patchAdam(ONEDNN);
  tf.registerBackend(ONEDNN, () => new OnednnBackend(), PRIORITY);
}
