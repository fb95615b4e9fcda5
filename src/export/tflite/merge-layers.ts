/**
 * Keras merge layers → TFLite elementwise ops (numpy broadcasting, NHWC in both), and MobileNetV3's
 * hard-swish x · hard_sigmoid(x) (a Multiply planned by patterns.ts) as one HARD_SWISH.
 */
import { Layer, config, outShape, sameRank } from '../onnx/values.js';
import { scalarOp } from './activations.js';
import { TfliteContext, TfliteConverter, TValue, UnsupportedTfliteLayer } from './context.js';
import { FUSE_FIELD, binaryOptions, concatenationOptions } from './options.js';

function checkRanks(layer: Layer, inputs: TValue[]): void {
  sameRank(layer, inputs.map((v) => ({ name: '', shape: v.shape, layout: 'plain' as const })));
}

type Elementwise = 'ADD' | 'SUB' | 'MUL' | 'MAXIMUM' | 'MINIMUM';

/** ((a op b) op c)… into tensors of `shape`, the last one named `name`; ADD, SUB and MUL carry a fused-activation slot. */
function fold(ctx: TfliteContext, op: Elementwise, inputs: TValue[], shape: number[], name: string): TValue {
  let y = inputs[0];
  inputs.slice(1).forEach((v, i) => {
    const t = ctx.g.activation(i === inputs.length - 2 ? name : `${name}/${i}`, shape);
    if (op === 'MAXIMUM' || op === 'MINIMUM') ctx.g.op(op, [y.t, v.t], [t]);
    else ctx.g.op(op, [y.t, v.t], [t], binaryOptions(op), 1, FUSE_FIELD[op]);
    y = { t, shape, exclusive: true };
  });
  return y;
}

function chain(op: Elementwise): TfliteConverter {
  return (ctx, layer, inputs) => {
    checkRanks(layer, inputs);
    return fold(ctx, op, inputs, outShape(layer), layer.name);
  };
}

function multiply(ctx: TfliteContext, layer: Layer, inputs: TValue[]): TValue {
  const x = ctx.hardSwish.get(layer.name);
  if (x === undefined) return chain('MUL')(ctx, layer, inputs);
  const shape = outShape(layer);
  const t = ctx.g.activation(layer.name, shape);
  ctx.g.op('HARD_SWISH', [inputs[x].t], [t]);
  return { t, shape, exclusive: true };
}

function average(ctx: TfliteContext, layer: Layer, inputs: TValue[]): TValue {
  checkRanks(layer, inputs);
  const sum = fold(ctx, 'ADD', inputs, outShape(layer), `${layer.name}/sum`);
  return scalarOp(ctx, 'MUL', sum, 1 / inputs.length, layer.name);
}

function concatenate(ctx: TfliteContext, layer: Layer, inputs: TValue[]): TValue {
  checkRanks(layer, inputs);
  const rank = inputs[0].shape.length + 1;
  let axis = Number(config(layer).axis ?? -1);
  if (axis < 0) axis += rank;
  if (axis === 0) throw new UnsupportedTfliteLayer(`layer ${layer.name}: Concatenate on the batch axis cannot be exported`);
  const shape = outShape(layer);
  const t = ctx.g.activation(layer.name, shape);
  ctx.g.op('CONCATENATION', inputs.map((v) => v.t), [t], concatenationOptions(axis));
  return { t, shape, exclusive: true };
}

export const MERGE_TFLITE: Record<string, TfliteConverter> = {
  Add: chain('ADD'),
  Subtract: chain('SUB'),
  Multiply: multiply,
  Maximum: chain('MAXIMUM'),
  Minimum: chain('MINIMUM'),
  Average: average,
  Concatenate: concatenate,
};
