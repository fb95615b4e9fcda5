/**
 * Patterns of the Keras graph written as one TFLite op, found before conversion: MobileNetV3's hard-swish
 * (our builders' x · ReLU(max 1)(Rescaling(1/6, 0.5)(x)), models/v3-blocks.ts) → HARD_SWISH. The
 * hard-sigmoid alone (the squeeze-excite gate) stays MUL, ADD, RELU_0_TO_1.
 */
import type { Layer } from '../onnx/values.js';
import { config } from '../onnx/values.js';

export interface HardSwishPlan {
  /** Multiply layer → index of its input that is x. */
  hardSwish: Map<string, number>;
  /** The Rescaling and ReLU layers absorbed. */
  absorbed: Set<string>;
}

interface Ref { layer: Layer; node: number; tensor: number }

/** The single inbound tensor(s) of a layer's only node. */
function inbound(layer: Layer): Ref[] {
  const n = layer.inboundNodes[0];
  if (!n) return [];
  return n.inboundLayers.map((l, i) => ({ layer: l as Layer, node: n.nodeIndices[i], tensor: n.tensorIndices[i] }));
}

const sameRef = (a: Ref, b: Ref) => a.layer === b.layer && a.node === b.node && a.tensor === b.tensor;
const near = (a: unknown, b: number) => Math.abs(Number(a) - b) < 1e-6;
const consumers = (l: Layer) => l.outboundNodes.length;

/** Rescaling(1/6, 0.5) → ReLU(max 1) feeding `mul`, with `other` the Rescaling's input: the hard-sigmoid of other. */
function hardSigmoidOf(gate: Ref, other: Ref): Layer[] | null {
  const relu = gate.layer;
  if (relu.getClassName() !== 'ReLU' || !near(config(relu).maxValue, 1) || consumers(relu) !== 1) return null;
  const [r] = inbound(relu);
  const rescale = r?.layer;
  if (!rescale || rescale.getClassName() !== 'Rescaling' || consumers(rescale) !== 1) return null;
  const cfg = config(rescale);
  if (!near(cfg.scale, 1 / 6) || !near(cfg.offset, 0.5)) return null;
  const [x] = inbound(rescale);
  return x && sameRef(x, other) ? [rescale, relu] : null;
}

/** Finds every x · hard_sigmoid(x) Multiply. `outputs` (the model's output layers) are never absorbed. */
export function planHardSwish(layers: Layer[], outputs: Set<string>): HardSwishPlan {
  const plan: HardSwishPlan = { hardSwish: new Map(), absorbed: new Set() };
  for (const layer of layers) {
    if (layer.getClassName() !== 'Multiply') continue;
    const ins = inbound(layer);
    if (ins.length !== 2) continue;
    for (const gateIndex of [1, 0]) {
      const absorbed = hardSigmoidOf(ins[gateIndex], ins[1 - gateIndex]);
      if (!absorbed || absorbed.some((l) => outputs.has(l.name))) continue;
      plan.hardSwish.set(layer.name, 1 - gateIndex);
      for (const l of absorbed) plan.absorbed.add(l.name);
      break;
    }
  }
  return plan;
}
