/**
 * Graph-level folding decided before conversion, on the Keras graph:
 * - BatchNormalization right after a Conv2D/DepthwiseConv2D (linear activation, the BN its only consumer)
 *   goes into the convolution's weights and bias: one Conv instead of Conv + Mul + Add, fewer bytes, and
 *   the Conv → Relu/Clip pairs onnxruntime fuses into one FusedConv are then adjacent.
 * - ZeroPadding2D whose only consumer is a convolution goes into the Conv's `pads` (Keras' explicit
 *   `ZeroPadding2D` + 'valid' stride-2 convolutions): no padded copy of the feature map.
 */
import { bnParams, paddingOf } from './layers.js';
import { BnParams, Layer, config } from './values.js';

const CONVS = new Set(['Conv2D', 'DepthwiseConv2D']);

/** Layers consuming `layer`'s output. */
function consumers(layer: Layer): Layer[] {
  return layer.outboundNodes.map((n) => n.outboundLayer as Layer);
}

/** The single producer of `layer`'s (single) input, or null. */
function producer(layer: Layer): Layer | null {
  const node = layer.inboundNodes[0];
  return node && node.inboundLayers.length === 1 ? (node.inboundLayers[0] as Layer) : null;
}

export interface FoldPlan {
  foldBn: Map<string, BnParams>;
  foldPad: Map<string, [number, number, number, number]>;
  passThrough: Set<string>;
}

/** Which BN and padding layers fold into which convolutions. `outputs` are never folded away. */
export function planFolds(layers: Layer[], outputs: Set<string>, enabled: boolean): FoldPlan {
  const plan: FoldPlan = { foldBn: new Map(), foldPad: new Map(), passThrough: new Set() };
  if (!enabled) return plan;
  for (const layer of layers) {
    const cls = layer.getClassName();
    if (cls === 'BatchNormalization') {
      const conv = producer(layer);
      const axis = Number(config(layer).axis ?? -1);
      if (conv && CONVS.has(conv.getClassName()) && (axis === -1 || axis === 3) && !outputs.has(conv.name) &&
          String(config(conv).activation ?? 'linear') === 'linear' && consumers(conv).length === 1) {
        plan.foldBn.set(conv.name, bnParams(layer));
        plan.passThrough.add(layer.name);
      }
    } else if (cls === 'ZeroPadding2D') {
      const next = consumers(layer);
      if (next.length === 1 && CONVS.has(next[0].getClassName()) && !outputs.has(layer.name)) {
        const [[t, b], [l, r]] = paddingOf(layer);
        plan.foldPad.set(next[0].name, [t, b, l, r]);
        plan.passThrough.add(layer.name);
      }
    }
  }
  return plan;
}
