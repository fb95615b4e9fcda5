/**
 * The stock Keras layers MobileNet V3's hard-sigmoid, hard-swish and squeeze-and-excitation are built
 * from, with native fast paths on 'onednn', registered under the SAME class names (Rescaling, Multiply,
 * GlobalAveragePooling2D; ReLU is in layers.ts) so a saved model.json stays standard and loads with stock
 * `tf.loadLayersModel` in a browser:
 *
 *   hard_sigmoid(z) = ReLU(max_value=1)(Rescaling(scale=1/6, offset=0.5)(z))    = relu6(z + 3) / 6
 *   hard_swish(x)   = Multiply()([x, hard_sigmoid(x)])
 *   SE output       = Multiply()([x [B, H, W, C], gate [B, 1, 1, C]])
 *
 * How the fast paths stay exact: on 'onednn' every Rescaling(1/6, 0.5) output remembers (in a WeakMap
 * keyed by the tensor object) the tensor it was computed from, and every hard-sigmoid output the tensor
 * it is the hard-sigmoid of. A ReLU(max 1) whose input is such a Rescaling output computes the
 * hard-sigmoid of the Rescaling's input in one native kernel (gradient straight to that input); a
 * Multiply whose second input is the hard-sigmoid of its first computes the hard-swish in one native
 * kernel (one native backward pass instead of four). The intermediate outputs are still computed and
 * correct (anyone reading a layer's output sees the stock value); they are only left out of backprop.
 * A Multiply of [B, H, W, C] by [B, 1, 1, C] is the native SE multiply (both gradients in one pass), every
 * Rescaling one native pass, and GlobalAveragePooling2D (the SE squeeze) one native pass each way.
 * Anything else, and every other backend, runs the stock layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { AFFINE, HARD_SIGMOID, HARD_SWISH, SE_MUL, SPATIAL_MEAN } from './v3-kernels.js';

type Kwargs = Record<string, unknown>;
type LayerArgs<F extends (...a: never[]) => unknown> = Parameters<F>[0];

const StockRescaling = tfl.layers.rescaling({ scale: 1 }).constructor as new (a?: object) => tfl.layers.Layer;
const StockMultiply = tfl.layers.multiply({}).constructor as new (a?: object) => tfl.layers.Layer;
const StockGap = tfl.layers.globalAveragePooling2d({}).constructor as new (a?: object) => tfl.layers.Layer;

/** The Rescaling that turns z into z/6 + 1/2, the first half of a hard-sigmoid. */
export const HARD_SIGMOID_SCALE = 1 / 6;
export const HARD_SIGMOID_OFFSET = 0.5;

/** What a tensor is, when our layers know: the Rescaling (1/6, 0.5) of z, or the hard-sigmoid of z. */
type Origin = { kind: 'scaled' | 'hardSigmoid'; of: tf.Tensor };
const origins = new WeakMap<tf.Tensor, Origin>();

/** On 'onednn' with the V3 kernels registered (an addon built before them has none: stock layers then). */
function onNative(): boolean {
  return tf.getBackend() === 'onednn' && tf.getKernel(HARD_SWISH, 'onednn') !== undefined;
}

function isF32(...ts: tf.Tensor[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** The live tensor `t` was computed from as `kind`, if our layers recorded it. */
function originOf(t: tf.Tensor, kind: Origin['kind']): tf.Tensor | undefined {
  const o = origins.get(t);
  return o && o.kind === kind && !o.of.isDisposed ? o.of : undefined;
}

/**
 * Rescaling (Keras class name): on 'onednn' x·scale + offset in one native pass (stock: a Multiply and
 * an Add), and a (1/6, 0.5) rescale records its input for the fused hard-sigmoid.
 */
export class Rescaling extends StockRescaling {
  static className = 'Rescaling';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as { scale: number; offset: number };
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!onNative() || !isF32(x)) return super.call(inputs, kwargs);
    const y = tf.engine().runKernel(AFFINE, { x }, { scale: self.scale, offset: self.offset }) as tf.Tensor; // shape of x
    if (self.scale === HARD_SIGMOID_SCALE && self.offset === HARD_SIGMOID_OFFSET) origins.set(y, { kind: 'scaled', of: x });
    return y;
  }
}

/**
 * For ReLU(max_value=1) on 'onednn': when `r` is a recorded Rescaling(1/6, 0.5) of a live z, the
 * hard-sigmoid of z in one native kernel (the same values as clipping r); otherwise undefined.
 */
export function fusedHardSigmoid(r: tf.Tensor, maxValue: number | null | undefined): tf.Tensor | undefined {
  if (maxValue !== 1 || !onNative()) return undefined;
  const z = originOf(r, 'scaled');
  if (!z) return undefined;
  const g = tf.engine().runKernel(HARD_SIGMOID, { x: z }, {}) as tf.Tensor; // shape of z
  origins.set(g, { kind: 'hardSigmoid', of: z });
  return g;
}

/** Multiply (Keras class name) with the native hard-swish and SE multiply on 'onednn'. */
export class Multiply extends StockMultiply {
  static className = 'Multiply';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (onNative() && list.length === 2 && isF32(...list)) {
      const [x, g] = list;
      if (originOf(g, 'hardSigmoid') === x) {
        return tf.engine().runKernel(HARD_SWISH, { x }, {}) as tf.Tensor; // shape of x
      }
      const [b, h, w, c] = x.shape;
      if (x.rank === 4 && g.rank === 4 && g.shape.join() === [b, 1, 1, c].join() && h * w > 1) {
        return tf.engine().runKernel(SE_MUL, { x, gate: g }, {}) as tf.Tensor; // [B, H, W, C]
      }
    }
    return super.call(inputs, kwargs);
  }
}

/**
 * GlobalAveragePooling2D (Keras class name): on 'onednn', channels-last, one native pass forward and one
 * backward (the stock gradient of a mean multiplies by a tensor of ones and divides: two passes and two
 * allocations per SE block).
 */
export class GlobalAveragePooling2D extends StockGap {
  static className = 'GlobalAveragePooling2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const channelsLast = (this as unknown as { dataFormat: string }).dataFormat === 'channelsLast';
    if (!onNative() || !channelsLast || x.rank !== 4 || !isF32(x)) return super.call(inputs, kwargs);
    return tf.engine().runKernel(SPATIAL_MEAN, { x }, {}) as tf.Tensor; // [B, C]
  }
}

type Ctor = tf.serialization.SerializableConstructor<tf.serialization.Serializable>;
tf.serialization.registerClass(Rescaling as unknown as Ctor);
tf.serialization.registerClass(Multiply as unknown as Ctor);
tf.serialization.registerClass(GlobalAveragePooling2D as unknown as Ctor);

/** A Rescaling layer (same arguments as tfl.layers.rescaling). */
export function rescaling(args: LayerArgs<typeof tfl.layers.rescaling>): tfl.layers.Layer {
  return new Rescaling(args);
}

/** A GlobalAveragePooling2D layer (same arguments as tfl.layers.globalAveragePooling2d). */
export function globalAveragePooling2d(args: LayerArgs<typeof tfl.layers.globalAveragePooling2d>): tfl.layers.Layer {
  return new GlobalAveragePooling2D(args);
}

/** A Multiply layer (same arguments as tfl.layers.multiply). */
export function multiply(args: LayerArgs<typeof tfl.layers.multiply> = {}): tfl.layers.Layer {
  return new Multiply(args);
}
