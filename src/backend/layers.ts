/**
 * Keras layers BatchNormalization and ReLU with fused native kernels on 'onednn', registered under
 * the SAME class names so saved model.json files stay standard (a browser loads them with stock
 * tfjs-layers). On any other backend, or in configurations the fused kernels do not cover, they
 * behave exactly as the stock layers (they call the stock implementation).
 * - BatchNormalization in training: one native call for batch statistics + normalisation and one for
 *   the whole gradient (instead of moments + batchNorm + ~20 gradient kernels).
 * - ReLU / ReLU6: one native kernel forward and one backward (instead of relu + clipByValue + grads).
 * - ReLU(max_value=1) after Rescaling(1/6, 0.5) is MobileNet V3's hard-sigmoid: see v3-layers.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BN_TRAIN, CLIP_RELU } from './norm-kernels.js';
import { fusedHardSigmoid } from './v3-layers.js';

type Kwargs = Record<string, unknown>;
type LayerArgs<F extends (...a: never[]) => unknown> = Parameters<F>[0];

interface StockBn {
  axis: number; momentum: number; epsilon: number; center: boolean; scale: boolean;
  gamma: tfl.LayerVariable; beta: tfl.LayerVariable;
  movingMean: tfl.LayerVariable; movingVariance: tfl.LayerVariable;
}

const StockBatchNorm = tfl.layers.batchNormalization({}).constructor as new (a?: object) => tfl.layers.Layer;
const StockReLU = tfl.layers.reLU({}).constructor as new (a?: object) => tfl.layers.Layer;

function onNative(): boolean {
  return tf.getBackend() === 'onednn';
}

function one(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** tfjs-layers' moving-average update, unchanged: v ← v − (v − value)·(1 − momentum). */
function movingAverage(v: tfl.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const orig = v.read();
    v.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - momentum)));
  });
}

/** BatchNormalization (Keras class name) with a fused native training path. */
export class BatchNormalization extends StockBatchNorm {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as StockBn;
    const x = one(inputs);
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (!kwargs.training || !onNative() || !lastAxis || !self.center || !self.scale) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN,
        { x, gamma: self.gamma.read(), beta: self.beta.read() }, { epsilon: self.epsilon }) as tf.Tensor[]; // [..., C], [C], [C]
      movingAverage(self.movingMean, mean, self.momentum);
      movingAverage(self.movingVariance, variance, self.momentum);
      return y;
    });
  }
}

/** ReLU (Keras class name; ReLU6 with maxValue 6) with one native kernel forward and backward. */
export class ReLU extends StockReLU {
  static className = 'ReLU';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const maxValue = (this as unknown as { maxValue?: number }).maxValue;
    const x = one(inputs);
    const hardSigmoid = fusedHardSigmoid(x, maxValue); // V3's ReLU(1) after Rescaling(1/6, 0.5): see v3-layers.ts
    if (hardSigmoid) return hardSigmoid;
    if (!onNative() || x.dtype !== 'float32' || (maxValue != null && !(maxValue > 0))) return super.call(inputs, kwargs);
    return tf.engine().runKernel(CLIP_RELU, { x }, { cap: maxValue ?? 0 }) as tf.Tensor;
  }
}

type Ctor = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;
tf.serialization.registerClass(BatchNormalization as unknown as Ctor);
tf.serialization.registerClass(ReLU as unknown as Ctor);

/** A BatchNormalization layer (same arguments as tfl.layers.batchNormalization). */
export function batchNormalization(args: LayerArgs<typeof tfl.layers.batchNormalization>): tfl.layers.Layer {
  return new BatchNormalization(args);
}

/** A ReLU layer (same arguments as tfl.layers.reLU). */
export function reLU(args: LayerArgs<typeof tfl.layers.reLU>): tfl.layers.Layer {
  return new ReLU(args);
}
