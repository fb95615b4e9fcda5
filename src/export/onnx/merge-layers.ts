/**
 * Keras merge layers → ONNX elementwise ops (numpy broadcasting in both). Inputs must share a rank, so
 * they share a layout (values.ts); Concatenate maps Keras' channel axis onto NCHW's.
 */
import { ConvertContext, Converter, Layer, UnsupportedLayer, Value, config, outShape, sameRank } from './values.js';

/** Chains a binary op over all inputs: ((a op b) op c)… */
function chain(op: string): Converter {
  return (ctx, layer, inputs) => {
    const layout = sameRank(layer, inputs);
    let y = inputs[0].name;
    for (const v of inputs.slice(1)) y = ctx.g.node(op, [y, v.name], layer.name);
    return { name: y, shape: outShape(layer), layout };
  };
}

function average(ctx: ConvertContext, layer: Layer, inputs: Value[]): Value {
  const sum = chain('Add')(ctx, layer, inputs);
  return { ...sum, name: ctx.g.node('Mul', [sum.name, ctx.g.floats(`${layer.name}/inv_n`, [], [1 / inputs.length])], layer.name) };
}

function concatenate(ctx: ConvertContext, layer: Layer, inputs: Value[]): Value {
  const layout = sameRank(layer, inputs);
  const rank = inputs[0].shape.length + 1;
  let axis = Number(config(layer).axis ?? -1);
  if (axis < 0) axis += rank;
  if (layout === 'nchw') axis = axis === 3 ? 1 : axis === 0 ? 0 : axis + 1; // NHWC axis → NCHW axis
  if (axis === 0) throw new UnsupportedLayer(`layer ${layer.name}: Concatenate on the batch axis cannot be exported`);
  const y = ctx.g.node('Concat', inputs.map((v) => v.name), layer.name, { axis });
  return { name: y, shape: outShape(layer), layout };
}

export const MERGE_CONVERTERS: Record<string, Converter> = {
  Add: chain('Add'),
  Multiply: chain('Mul'),
  Subtract: chain('Sub'),
  Maximum: chain('Max'),
  Minimum: chain('Min'),
  Average: average,
  Concatenate: concatenate,
};
