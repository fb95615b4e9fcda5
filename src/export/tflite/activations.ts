/**
 * Keras activations → TFLite. ReLU and ReLU6 are fused into the op that produced the tensor (CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, …: their fused_activation_function) when that tensor feeds
 * nothing else; otherwise, and for the others, one op each. Activations TFLite has no builtin for
 * (selu, softplus, softsign, mish) stop the export naming the layer.
 */
import { TfliteContext, TValue, UnsupportedTfliteLayer } from './context.js';
import { binaryOptions, softmaxOptions } from './options.js';
import { Activation, ActivationValue, OpName } from './schema.js';

/** A new activation tensor shaped like x, written by `op` from `inputs`. */
export function unaryOp(ctx: TfliteContext, op: OpName, x: TValue, name: string, extraInputs: number[] = [], options?: Parameters<TfliteContext['g']['op']>[3]): TValue {
  const t = ctx.g.activation(name, x.shape);
  ctx.g.op(op, [x.t, ...extraInputs], [t], options);
  return { t, shape: x.shape, exclusive: true };
}

/** x · c or x + c for a scalar constant c (MUL / ADD with broadcasting). */
export function scalarOp(ctx: TfliteContext, op: 'MUL' | 'ADD', x: TValue, c: number, name: string): TValue {
  const k = ctx.g.floats(`${name}/${op === 'MUL' ? 'scale' : 'offset'}`, [], [c]);
  const t = ctx.g.activation(name, x.shape);
  ctx.g.op(op, [x.t, k], [t], binaryOptions(op), 1, 0);
  return { t, shape: x.shape, exclusive: true };
}

/** RELU / RELU6 fused into x's producer when x feeds only this activation, else a RELU / RELU6 op. */
export function relu(ctx: TfliteContext, x: TValue, six: boolean, name: string): TValue {
  const fused: ActivationValue = six ? Activation.RELU6 : Activation.RELU;
  if (x.exclusive && ctx.g.fuseActivation(x.t, fused)) {
    ctx.g.rename(x.t, name);
    return x;
  }
  return unaryOp(ctx, six ? 'RELU6' : 'RELU', x, name);
}

/** ReLU(max_value): RELU, RELU6, RELU_0_TO_1, or RELU followed by MINIMUM with the cap. */
export function cappedRelu(ctx: TfliteContext, x: TValue, max: number | null, name: string): TValue {
  if (max === null) return relu(ctx, x, false, name);
  if (max === 6) return relu(ctx, x, true, name);
  if (max === 1) return unaryOp(ctx, 'RELU_0_TO_1', x, name);
  const r = relu(ctx, x, false, `${name}/relu`);
  return unaryOp(ctx, 'MINIMUM', r, name, [ctx.g.floats(`${name}/max`, [], [max])]);
}

type Emit = (ctx: TfliteContext, x: TValue, name: string) => TValue;

export const TFLITE_ACTIVATIONS: Record<string, Emit> = {
  linear: (_ctx, x) => x,
  relu: (ctx, x, name) => relu(ctx, x, false, name),
  relu6: (ctx, x, name) => relu(ctx, x, true, name),
  sigmoid: (ctx, x, name) => unaryOp(ctx, 'LOGISTIC', x, name),
  tanh: (ctx, x, name) => unaryOp(ctx, 'TANH', x, name),
  elu: (ctx, x, name) => unaryOp(ctx, 'ELU', x, name),
  gelu: (ctx, x, name) => unaryOp(ctx, 'GELU', x, name),
  softmax: (ctx, x, name) => unaryOp(ctx, 'SOFTMAX', x, name, [], softmaxOptions(1)),
  logSoftmax: (ctx, x, name) => unaryOp(ctx, 'LOG_SOFTMAX', x, name),
  swish: (ctx, x, name) => {
    const s = unaryOp(ctx, 'LOGISTIC', x, `${name}/sigmoid`);
    return unaryOp(ctx, 'MUL', x, name, [s.t], binaryOptions('MUL'));
  },
  // Keras 2 / tfjs-layers hard_sigmoid: clip(0.2·x + 0.5, 0, 1)
  hard_sigmoid: (ctx, x, name) => unaryOp(ctx, 'RELU_0_TO_1', scalarOp(ctx, 'ADD', scalarOp(ctx, 'MUL', x, 0.2, `${name}/scaled`), 0.5, `${name}/shifted`), name),
  hardSigmoid: (ctx, x, name) => TFLITE_ACTIVATIONS.hard_sigmoid(ctx, x, name),
};

/** Applies Keras activation `activation` of layer `layer`; UnsupportedTfliteLayer when TFLite has none. */
export function tfliteActivation(ctx: TfliteContext, activation: string, x: TValue, layer: string): TValue {
  const emit = TFLITE_ACTIVATIONS[activation];
  if (!emit) {
    throw new UnsupportedTfliteLayer(`layer ${layer}: activation ${JSON.stringify(activation)} has no TFLite op (known: ${Object.keys(TFLITE_ACTIVATIONS).join(', ')})`);
  }
  return emit(ctx, x, layer);
}
