/**
 * Keras activation names (as in a layer's `activation` config or an Activation layer) → ONNX nodes.
 * Table-driven: a new activation is one entry. Definitions follow tfjs-layers' (which follow Keras 2):
 * hard_sigmoid is clip(0.2·x + 0.5, 0, 1), swish x·sigmoid(x), relu6 clip(x, 0, 6).
 */
import { ConvertContext, UnsupportedLayer, Value } from './values.js';

type Emit = (ctx: ConvertContext, x: Value, base: string) => string;

/** Clip to [lo, hi]: min/max are inputs from opset 11 on. */
export function clip(ctx: ConvertContext, x: string, lo: number, hi: number | null, base: string): string {
  const min = ctx.g.floats(`${base}/clip_min`, [], [lo]);
  const max = hi === null ? '' : ctx.g.floats(`${base}/clip_max`, [], [hi]);
  return ctx.g.node('Clip', hi === null ? [x, min] : [x, min, max], base);
}

function softmaxAxis(x: Value): number {
  return x.layout === 'nchw' ? 1 : -1;
}

const unary = (op: string, attrs = {}): Emit => (ctx, x, base) => ctx.g.node(op, [x.name], base, attrs);

export const ACTIVATIONS: Record<string, Emit> = {
  linear: (_ctx, x) => x.name,
  relu: unary('Relu'),
  relu6: (ctx, x, base) => clip(ctx, x.name, 0, 6, base),
  sigmoid: unary('Sigmoid'),
  tanh: unary('Tanh'),
  elu: unary('Elu', { alpha: { float: 1 } }),
  selu: unary('Selu'),
  softplus: unary('Softplus'),
  softsign: unary('Softsign'),
  hard_sigmoid: unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } }),
  hardSigmoid: unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } }),
  gelu: (ctx, x, base) => {
    const erf = ctx.g.node('Erf', [ctx.g.node('Mul', [x.name, ctx.g.floats(`${base}/rsqrt2`, [], [Math.SQRT1_2])], base)], base);
    const onePlus = ctx.g.node('Add', [erf, ctx.g.floats(`${base}/one`, [], [1])], base);
    return ctx.g.node('Mul', [ctx.g.node('Mul', [x.name, ctx.g.floats(`${base}/half`, [], [0.5])], base), onePlus], base);
  },
  swish: (ctx, x, base) => ctx.g.node('Mul', [x.name, ctx.g.node('Sigmoid', [x.name], base)], base),
  mish: (ctx, x, base) => ctx.g.node('Mul', [x.name, ctx.g.node('Tanh', [ctx.g.node('Softplus', [x.name], base)], base)], base),
  logSoftmax: (ctx, x, base) => ctx.g.node('LogSoftmax', [x.name], base, { axis: softmaxAxis(x) }),
  softmax: (ctx, x, base) => {
    if (ctx.opset < 13 && x.layout === 'nchw') {
      throw new UnsupportedLayer(`${base}: softmax over the channels of a feature map needs opset 13 or later`);
    }
    return ctx.g.node('Softmax', [x.name], base, { axis: softmaxAxis(x) });
  },
};

/** Applies activation `name` to x; unknown names are an UnsupportedLayer error naming the layer. */
export function activation(ctx: ConvertContext, name: string, x: Value, base: string): Value {
  const emit = ACTIVATIONS[name];
  if (!emit) {
    throw new UnsupportedLayer(`layer ${base}: activation ${JSON.stringify(name)} has no ONNX export (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  }
  return { ...x, name: emit(ctx, x, base) };
}
