/**
 * Adam in one native pass per variable on 'onednn'. TF.js's AdamOptimizer runs ~12 elementwise
 * kernels per variable per step (a third of a MobileNet training step on this backend); this patches
 * AdamOptimizer.prototype.applyGradients so that, while 'onednn' is the active backend, each variable
 * is updated by one kernel (MobilenetAdam) with the same arithmetic in the same order. On any other
 * backend the original method runs. Optimizer state (m, v, accBeta1/2, iterations) is kept in the same
 * fields, so weights saving/loading and switching backends keep working.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAddon } from './native.js';
import { Backend, f32, Info, Ins, KernelArgs, outputF32 } from './kernel-util.js';

export const ADAM = 'MobilenetAdam';

type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slot { originalName: string; variable: tf.Variable }
interface AdamState {
  learningRate: number; beta1: number; beta2: number; epsilon: number;
  accBeta1: tf.Variable; accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[]; accumulatedSecondMoment: Slot[];
  incrementIterations(): void;
}

/** Kernel MobilenetAdam: inputs {value, gradient, m, v}, attrs {lr, beta1, beta2, epsilon, c1, c2}. */
export function adamKernel(addon: NativeAddon, backendName: string): tf.KernelConfig {
  const kernelFunc = (args: KernelArgs): Info[] => {
    const backend = args.backend as Backend;
    const { value, gradient, m, v } = args.inputs as Ins;
    const a = args.attrs as Record<string, number>;
    const n = f32(backend, value)!.length;
    const out = [outputF32(n), outputF32(n), outputF32(n)]; // value, m, v
    addon.adam(f32(backend, value)!, f32(backend, gradient)!, f32(backend, m)!, f32(backend, v)!, out[0], out[1], out[2],
      a.lr, a.beta1, a.beta2, a.epsilon, a.c1, a.c2);
    return out.map((o) => backend.makeTensorInfo(value.shape, 'float32', o));
  };
  return { kernelName: ADAM, backendName, kernelFunc: kernelFunc as tf.KernelFunc };
}

function slot(slots: Slot[], i: number, name: string, suffix: string, value: tf.Variable): tf.Variable {
  slots[i] ??= { originalName: `${name}/${suffix}`, variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)) };
  return slots[i].variable;
}

function nativeApply(self: AdamState, grads: tf.NamedTensorMap | NamedTensor[]): void {
  const names = Array.isArray(grads) ? grads.map((g) => g.name) : Object.keys(grads);
  tf.tidy(() => {
    const c1 = 1 - self.accBeta1.dataSync()[0];
    const c2 = 1 - self.accBeta2.dataSync()[0];
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      const m = slot(self.accumulatedFirstMoment, i, name, 'm', value);
      const v = slot(self.accumulatedSecondMoment, i, name, 'v', value);
      const gradient = Array.isArray(grads) ? grads[i].tensor : grads[name];
      if (gradient == null) return;
      if (gradient.dtype !== 'float32' || value.dtype !== 'float32') throw new Error(`Adam: ${name} is not float32`);
      const attrs = { lr: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, c1, c2 };
      const [w2, m2, v2] = tf.engine().runKernel(ADAM, { value, gradient, m, v }, attrs) as tf.Tensor[];
      m.assign(m2);
      v.assign(v2);
      value.assign(w2);
    });
    self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
    self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
  });
  self.incrementIterations();
}

let patched = false;

/** Makes tf.train.adam (and compile({optimizer: 'adam'})) use MobilenetAdam on backend `backendName`. */
export function patchAdam(backendName: string): void {
  if (patched) return;
  patched = true;
  const proto = tf.AdamOptimizer.prototype as unknown as { applyGradients(g: tf.NamedTensorMap | NamedTensor[]): void };
  const original = proto.applyGradients;
  proto.applyGradients = function (this: AdamState, grads: tf.NamedTensorMap | NamedTensor[]): void {
    if (tf.getBackend() !== backendName) return original.call(this, grads);
    nativeApply(this, grads);
  };
}
