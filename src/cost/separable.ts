/**
 * Standard vs depthwise-separable: for every depthwise conv followed (through BN/activation) by a 1×1 conv,
 * what a standard k×k conv with the same input and output would cost. The paper's ratio is
 * (k²·C·HW + C·N·HW) / (k²·C·N·HW) = 1/N + 1/k² (depth multiplier 1).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { LayerCost, ModelCost, modelCost } from './model-cost.js';

type Layer = tfl.LayersModel['layers'][number];

export interface SeparableRow {
  depthwise: string;
  pointwise: string;
  /** [H, W, Cin] into the depthwise conv and [H', W', Cout] out of the pointwise conv. */
  inputShape: number[];
  outputShape: number[];
  kernel: number;
  stride: number;
  separableMultAdds: number;
  standardMultAdds: number;
  /** separable / standard, measured from the counts. */
  ratio: number;
  /** 1/N + 1/Dk², the paper's formula (N = output channels). */
  formula: number;
  separableParams: number;
  standardParams: number;
}

export interface SeparableComparison {
  blocks: SeparableRow[];
  /** The whole network as built, and as a "full convolution" network (each separable block a standard conv). */
  network: { multAdds: number; fullConvMultAdds: number; weightParams: number; fullConvWeightParams: number };
}

const PASS_THROUGH = new Set(['BatchNormalization', 'ReLU', 'Activation']);

/**
 * The 1×1 Conv2D fed by this depthwise layer through BN/activation layers only, if any; for V3 blocks,
 * whose hard-swish and squeeze-and-excitation branch between the two, the block's `…project` conv.
 */
function followingPointwise(model: tfl.LayersModel, dw: Layer): Layer | undefined {
  let layer = dw;
  for (let hops = 0; hops < 4; hops++) {
    if (layer.outboundNodes.length !== 1) break;
    const next = layer.outboundNodes[0].outboundLayer as Layer;
    if (next.getClassName() === 'Conv2D') return next;
    if (!PASS_THROUGH.has(next.getClassName())) break;
    layer = next;
  }
  if (!/^expanded_conv_(\d+_)?depthwise$/.test(dw.name)) return undefined;
  return model.layers.find((l) => l.name === dw.name.replace(/depthwise$/, 'project'));
}

export function separableComparison(model: tfl.LayersModel, cost: ModelCost = modelCost(model)): SeparableComparison {
  const byName = new Map<string, LayerCost>(cost.layers.map((l) => [l.name, l]));
  const blocks: SeparableRow[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'DepthwiseConv2D') continue;
    const pwLayer = followingPointwise(model, layer);
    const dw = byName.get(layer.name)!;
    const pw = pwLayer && byName.get(pwLayer.name);
    if (!pw || pw.kind !== 'conv1x1') continue;
    const k = dw.kernelSize;
    const [oh, ow, cout] = pw.outputShape;
    const cin = dw.inputShape[2];
    const standardMultAdds = oh * ow * k * k * cin * cout;
    const separableMultAdds = dw.multAdds + pw.multAdds;
    blocks.push({
      depthwise: dw.name, pointwise: pw.name, inputShape: dw.inputShape, outputShape: pw.outputShape,
      kernel: k, stride: dw.stride, separableMultAdds, standardMultAdds,
      ratio: separableMultAdds / standardMultAdds, formula: 1 / cout + 1 / (k * k),
      separableParams: dw.weightParams + pw.weightParams, standardParams: k * k * cin * cout,
    });
  }
  const weightParams = cost.layers.reduce((s, l) => s + l.weightParams, 0);
  const sum = (f: (r: SeparableRow) => number) => blocks.reduce((s, r) => s + f(r), 0);
  return {
    blocks,
    network: {
      multAdds: cost.multAdds,
      fullConvMultAdds: cost.multAdds - sum((r) => r.separableMultAdds) + sum((r) => r.standardMultAdds),
      weightParams,
      fullConvWeightParams: weightParams - sum((r) => r.separableParams) + sum((r) => r.standardParams),
    },
  };
}
